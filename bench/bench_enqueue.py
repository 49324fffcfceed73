# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Enqueueing 10,000 jobs in one transaction, against the floor: a raw
multi-row INSERT of the very same rows, same database, same run."""
import time

JOBS = 10000
REPEAT = 5
BATCH = 1000


def _enqueue_all(env, use_with_delay):
    from odoo.addons.queue_job.job import Job

    model = env["test.queue.job"]
    if use_with_delay:
        for i in range(JOBS):
            model.with_delay(priority=i % 20).testing_method(i, key="value %d" % i)
    else:
        for i in range(JOBS):
            Job(
                model.testing_method,
                args=(i,),
                kwargs={"key": "value %d" % i},
                priority=i % 20,
            ).store()
    # what commit() does first: the buffered rows are written
    env.cr.flush()


def _count_jobs(cr):
    cr.execute("SELECT count(*) FROM queue_job")
    return cr.fetchone()[0]


def _columns(env):
    from odoo.addons.queue_job.job import Job

    sample = Job(env["test.queue.job"].testing_method)
    return list(sample._store_values(create=True))


def _raw_insert(cr, columns, rows):
    head = "INSERT INTO queue_job (%s) VALUES " % ", ".join(
        '"%s"' % name for name in columns
    )
    row = "(%s)" % ", ".join(["%s"] * len(columns))
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        params = [value for values in batch for value in values]
        cr.execute(head + ", ".join([row] * len(batch)), params)


def _best(timings):
    return min(timings)


def run(ctx):
    db = ctx.database(["queue_job", "test_queue_job"])
    registry = ctx.registry(db)  # Odoo is importable from here on
    from odoo import SUPERUSER_ID, api

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        use_with_delay = hasattr(env["test.queue.job"], "with_delay")
        columns = _columns(env)
        before = _count_jobs(cr)

        # interleaved, best of REPEAT: both sides see the same machine load
        ours, raw, rows = [], [], None
        for _i in range(REPEAT):
            started = time.perf_counter()
            _enqueue_all(env, use_with_delay)
            ours.append(time.perf_counter() - started)
            if _count_jobs(cr) - before != JOBS:
                raise RuntimeError("the enqueue benchmark did not write its jobs")
            if rows is None:
                cr.execute(
                    "SELECT %s FROM queue_job ORDER BY id DESC LIMIT %%s"
                    % ", ".join('"%s"' % name for name in columns),
                    (JOBS,),
                )
                rows = cr.fetchall()[::-1]
            cr.rollback()
            env.clear()

            started = time.perf_counter()
            _raw_insert(cr, columns, rows)
            raw.append(time.perf_counter() - started)
            cr.rollback()

    value, floor = _best(ours), _best(raw)
    how = "with_delay()" if use_with_delay else "Job.store()"
    return [
        {
            "figure": "enqueue %d jobs, one transaction, %s" % (JOBS, how),
            "value": value,
            "floor": floor,
            "ratio": floor / value,
            "target": 0.5,
        }
    ]
