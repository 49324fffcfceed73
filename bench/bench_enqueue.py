# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Enqueueing 10,000 jobs in one transaction, against the floor: a raw
multi-row INSERT of the very same rows, same database, same run.

The machine may be busy with other work: the two sides are interleaved by
slices of 1,000 jobs (ours, then the floor's INSERT of the same number of
rows, in the same transaction), and each slice keeps its best time over
the repetitions.
"""
import gc
import time

JOBS = 10000
SLICE = 1000  # also the INSERT batch size of both sides
REPEAT = 7


def _enqueue(env, use_with_delay, start):
    from odoo.addons.queue_job.job import Job

    model = env["test.queue.job"]
    if use_with_delay:
        for i in range(start, start + SLICE):
            model.with_delay(priority=i % 20).testing_method(i, key="value %d" % i)
    else:
        for i in range(start, start + SLICE):
            Job(
                model.testing_method,
                args=(i,),
                kwargs={"key": "value %d" % i},
                priority=i % 20,
            ).store()
    # the buffered rows are written (what commit() does first)
    env.cr.flush()


def _raw_insert(cr, columns, rows):
    head = "INSERT INTO queue_job (%s) VALUES " % ", ".join(
        '"%s"' % name for name in columns
    )
    row = "(%s)" % ", ".join(["%s"] * len(columns))
    params = [value for values in rows for value in values]
    cr.execute(head + ", ".join([row] * len(rows)), params)


def _columns(env):
    from odoo.addons.queue_job.job import Job

    return list(Job(env["test.queue.job"].testing_method)._store_values(create=True))


def _timed(func, *args):
    gc.collect()
    started = time.perf_counter()
    func(*args)
    return time.perf_counter() - started


def _rows_of_one_run(env, use_with_delay, columns):
    """The rows our side writes, as the floor's input."""
    cr = env.cr
    cr.execute("SELECT max(id) FROM queue_job")
    last_id = cr.fetchone()[0] or 0
    for start in range(0, JOBS, SLICE):
        _enqueue(env, use_with_delay, start)
    cr.execute(
        "SELECT %s FROM queue_job WHERE id > %%s ORDER BY id"
        % ", ".join('"%s"' % name for name in columns),
        (last_id,),
    )
    rows = cr.fetchall()
    if len(rows) != JOBS:
        raise RuntimeError("the enqueue benchmark wrote %d jobs" % len(rows))
    cr.rollback()
    env.clear()
    return rows


def _measure(env, use_with_delay, columns):
    """(value, floor) in seconds for JOBS jobs."""
    cr = env.cr
    rows = _rows_of_one_run(env, use_with_delay, columns)  # also warms up
    slices = range(0, JOBS, SLICE)
    ours = {start: [] for start in slices}
    raw = {start: [] for start in slices}
    for _i in range(REPEAT):
        for start in slices:
            ours[start].append(_timed(_enqueue, env, use_with_delay, start))
            raw[start].append(
                _timed(_raw_insert, cr, columns, rows[start : start + SLICE])
            )
        cr.rollback()
        env.clear()
    value = sum(min(times) for times in ours.values())
    floor = sum(min(times) for times in raw.values())
    return value, floor


def run(ctx):
    db = ctx.database(["queue_job", "test_queue_job"])
    registry = ctx.registry(db)  # Odoo is importable from here on
    from odoo import SUPERUSER_ID, api

    results = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        columns = _columns(env)
        # with_delay(): the public API; Job.store(): the job core alone
        for use_with_delay, how in ((True, "with_delay()"), (False, "Job.store()")):
            value, floor = _measure(env, use_with_delay, columns)
            results.append(
                {
                    "figure": "enqueue %d jobs, one transaction, %s" % (JOBS, how),
                    "value": value,
                    "floor": floor,
                    "ratio": floor / value,
                    "target": 0.5,
                }
            )
    return results
