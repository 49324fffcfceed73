"""Drain rate and start latency of the runner, beside PostgreSQL alone.

Drain: 2,000 trivial jobs, a server with 2 workers and channels root:2,
through the HTTP workers and through 2 job workers, three drains of each in
turn (their median); the floor takes the same number of rows through the
same state changes (pending -> enqueued -> started -> done, one commit each)
in plain SQL by 2 processes claiming with SKIP LOCKED. Latency, with
capacity free: enqueue commit -> job started (``date_started``: the claim
statement's time in the database) and -> the job's own code runs (its first
line, the worker's clock); the floor is a plain SQL consumer woken by the
same NOTIFY.
The runs also check that capacity was respected and that every job ran once.
"""
import multiprocessing
import os
import time
import uuid as uuidlib
import xmlrpc.client

import psycopg2
import qjdev  # noqa: I100 (tools/bench.sh puts tools/ on the path)
from common import connect, epoch, max_concurrency, odoo_shell

JOBS = int(os.environ.get("BENCH_JOBS", "2000"))
LATENCY_SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "100"))
WORKERS = 2
# the drains of both paths (job workers?), interleaved
DRAIN_ORDER = (False, True, True, False, False, True)


def enqueue_noops(dbname, count):
    """Real jobs, through with_delay(), before any runner runs."""
    script = (
        "model = env['test.queue.job.e2e']\n"
        "for _i in range(%d):\n"
        "    model.with_delay().noop()\n"
        "env.cr.commit()\n" % count
    )
    odoo_shell(dbname, script)


def drain_ours(dbname, job_workers=False):
    """Drain JOBS jobs through the HTTP workers, or through as many job
    workers (jobrunner/workers.py) as HTTP workers with ``job_workers``."""
    conn = connect(dbname)
    with conn.cursor() as cr:
        # a previous drain's rows would count in this one
        cr.execute("DELETE FROM queue_job WHERE model_name = 'test.queue.job.e2e'")
        # and its dead rows would slow this one's claims
        cr.execute("VACUUM ANALYZE queue_job")
    enqueue_noops(dbname, JOBS)
    with conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM queue_job WHERE state = 'pending'")
        assert cr.fetchone()[0] == JOBS
    env = {}
    if job_workers:
        env = {
            "ODOO_QUEUE_JOB_JOB_WORKERS": str(WORKERS),
            "ODOO_QUEUE_JOB_JOB_WORKERS_PORT": str(qjdev.free_port()),
        }
    server = qjdev.OdooServer(
        dbname, workers=WORKERS, channels="root:%d" % WORKERS, env=env
    )
    server.start()
    try:
        server.wait_ready(dbname, timeout=120)
        deadline = time.time() + 600
        with conn.cursor() as cr:
            while True:
                cr.execute("SELECT count(*) FROM queue_job WHERE state <> 'done'")
                if cr.fetchone()[0] == 0:
                    break
                if time.time() > deadline:
                    raise RuntimeError("jobs not drained; see %s" % server.log_path)
                time.sleep(0.05)
            cr.execute(
                "SELECT date_started, date_done, retry FROM queue_job "
                "WHERE model_name = 'test.queue.job.e2e'"
            )
            rows = cr.fetchall()
    finally:
        server.stop()
    intervals = [(epoch(s), epoch(d)) for s, d, _r in rows]
    elapsed = max(d for _s, d in intervals) - min(s for s, _d in intervals)
    once = all(r == 1 for _s, _d, r in rows) and len(rows) == JOBS
    return JOBS / elapsed, max_concurrency(intervals), once


def _floor_worker(dbname, done_counter):
    conn = psycopg2.connect(dbname=dbname)
    cr = conn.cursor()
    count = 0
    while True:
        cr.execute(
            "UPDATE queue_job SET state = 'enqueued', date_enqueued = now() "
            "WHERE id = (SELECT id FROM queue_job WHERE state = 'pending' "
            "AND channel = 'bench_floor' ORDER BY priority, date_created, id "
            "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
        )
        row = cr.fetchone()
        conn.commit()
        if row is None:
            break
        cr.execute(
            "UPDATE queue_job SET state = 'started', date_started = now() "
            "WHERE id = %s",
            row,
        )
        conn.commit()
        cr.execute(
            "UPDATE queue_job SET state = 'done', date_done = now() WHERE id = %s", row
        )
        conn.commit()
        count += 1
    with done_counter.get_lock():
        done_counter.value += count
    conn.close()


def drain_floor(dbname):
    conn = connect(dbname)
    with conn.cursor() as cr:
        # the same rows as the jobs just drained, back to pending
        cr.execute(
            "INSERT INTO queue_job (uuid, name, user_id, company_id, model_name,"
            " method_name, records, args, kwargs, func_string, state, priority,"
            " date_created, retry, max_retries, channel, channel_method_name,"
            " dependencies, exec_time)"
            " SELECT md5(random()::text || id), name, user_id, company_id, model_name,"
            " method_name, records, args, kwargs, func_string, 'pending', priority,"
            " now() AT TIME ZONE 'UTC', 0, max_retries, 'bench_floor',"
            " channel_method_name, dependencies, 0"
            " FROM queue_job WHERE model_name = 'test.queue.job.e2e'"
        )
    counter = multiprocessing.Value("i", 0)
    procs = [
        multiprocessing.Process(target=_floor_worker, args=(dbname, counter))
        for _i in range(WORKERS)
    ]
    started = time.time()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    elapsed = time.time() - started
    assert counter.value == JOBS, counter.value
    return JOBS / elapsed


def latency_ours(dbname):
    server = qjdev.OdooServer(dbname, workers=WORKERS, channels="root:%d" % WORKERS)
    server.start()
    try:
        server.wait_ready(dbname, timeout=120)
        common = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/common")
        uid = common.authenticate(dbname, "admin", "admin", {})
        models = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object")
        conn = connect(dbname)
        uuids = []
        for i in range(LATENCY_SAMPLES + 5):
            (uuid,) = models.execute_kw(
                dbname,
                uid,
                "admin",
                "test.queue.job.e2e",
                "enqueue",
                [[{"tag": "latency%d" % i}]],
            )
            uuids.append(uuid)
            _wait_done(conn, uuid)
        with conn.cursor() as cr:
            # the first ones warm the workers up
            cr.execute(
                "SELECT j.date_started, c.committed FROM queue_job j "
                "JOIN queue_job_e2e_commit c ON c.uuid = j.uuid "
                "WHERE j.uuid = ANY(%s)",
                (uuids[5:],),
            )
            claimed = [epoch(s) - c for s, c in cr.fetchall()]
            # when the job's own code began (the worker's clock, as the
            # commit's): what a user waits for, whatever date_started means
            cr.execute(
                "SELECT a.at - c.committed FROM queue_job_e2e_attempt a "
                "JOIN queue_job_e2e_commit c ON c.uuid = a.uuid "
                "WHERE a.uuid = ANY(%s)",
                (uuids[5:],),
            )
            running = [row[0] for row in cr.fetchall()]
    finally:
        server.stop()
    return claimed, running


def _wait_done(conn, uuid, timeout=30):
    deadline = time.time() + timeout
    with conn.cursor() as cr:
        while True:
            cr.execute("SELECT state FROM queue_job WHERE uuid = %s", (uuid,))
            if cr.fetchone()[0] == "done":
                return
            if time.time() > deadline:
                raise RuntimeError("job %s not done" % uuid)
            time.sleep(0.002)


def _floor_consumer(dbname, ready):
    import select

    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    cr = conn.cursor()
    cr.execute("LISTEN queue_job")
    ready.set()
    handled = 0
    while handled < LATENCY_SAMPLES:
        if not conn.notifies:
            select.select([conn], [], [], 5)
        conn.poll()
        while conn.notifies:
            conn.notifies.pop()
            cr.execute("BEGIN")
            cr.execute(
                "UPDATE queue_job SET state = 'started', date_started = "
                "clock_timestamp() AT TIME ZONE 'UTC' WHERE id = (SELECT id FROM "
                "queue_job WHERE state = 'pending' AND channel = 'bench_latency' "
                "ORDER BY priority, date_created, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
                " RETURNING id"
            )
            handled += len(cr.fetchall())
            cr.execute("COMMIT")
    conn.close()


def latency_floor(dbname):
    ready = multiprocessing.Event()
    consumer = multiprocessing.Process(target=_floor_consumer, args=(dbname, ready))
    consumer.start()
    ready.wait(10)
    conn = connect(dbname)
    samples = []
    with conn.cursor() as cr:
        for _i in range(LATENCY_SAMPLES):
            uuid = uuidlib.uuid4().hex
            cr.execute(
                "INSERT INTO queue_job (uuid, name, model_name, method_name, state,"
                " priority, date_created, channel, retry, max_retries)"
                " VALUES (%s, 'floor', 'test.queue.job.e2e', 'noop', 'pending', 10,"
                " now() AT TIME ZONE 'UTC', 'bench_latency', 0, 5)",
                (uuid,),
            )
            committed = time.time()
            while True:
                cr.execute(
                    "SELECT date_started FROM queue_job WHERE uuid = %s", (uuid,)
                )
                started = cr.fetchone()[0]
                if started:
                    break
                time.sleep(0.0005)
            samples.append(epoch(started) - committed)
    consumer.join(30)
    return samples


def _median_drain(drains):
    """(median rate, highest peak, every job once in every drain)."""
    rates = sorted(rate for rate, _peak, _once in drains)
    return (
        rates[len(rates) // 2],
        max(peak for _rate, peak, _once in drains),
        all(once for _rate, _peak, once in drains),
    )


def percentile(values, pct):
    values = sorted(values)
    index = min(len(values) - 1, int(round(pct / 100.0 * (len(values) - 1))))
    return values[index]


def _latency_row(what, value, floor, target):
    """A row of a latency percentile, in ms, against its absolute target
    (seconds)."""
    return {
        "figure": "latency commit -> %s" % what,
        "unit": "ms",
        "value": value * 1000,
        "floor": floor * 1000,
        "ratio": value / floor if floor > 0 else None,
        "target": "<= %g ms" % (target * 1000),
        "ok": value <= target,
    }


def run(ctx):
    dbname = ctx.database(["queue_job", "test_queue_job"])
    # both paths in turn, the median of three each: this machine's speed
    # drifts by more between two drains than the paths differ
    runs = {False: [], True: []}  # job_workers -> drains
    # each path first, second and in the middle as often as the other
    for job_workers in DRAIN_ORDER:
        runs[job_workers].append(drain_ours(dbname, job_workers=job_workers))
    http_runs, jw_runs = runs[False], runs[True]
    rate, peak, once = _median_drain(http_runs)
    jw_rate, jw_peak, jw_once = _median_drain(jw_runs)
    floor_rate = drain_floor(dbname)
    latencies, code_latencies = latency_ours(dbname)
    floor_latencies = latency_floor(dbname)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    c50, c95 = percentile(code_latencies, 50), percentile(code_latencies, 95)
    f50, f95 = percentile(floor_latencies, 50), percentile(floor_latencies, 95)
    ratio = rate / floor_rate
    return [
        {
            "figure": "drain %d jobs, %d workers, root:%d" % (JOBS, WORKERS, WORKERS),
            "unit": "jobs/s",
            "value": rate,
            "floor": floor_rate,
            "ratio": ratio,
            "target": 0.40,
        },
        {
            "figure": "drain %d jobs, %d job workers, root:%d"
            % (JOBS, WORKERS, WORKERS),
            "unit": "jobs/s",
            "value": jw_rate,
            "floor": floor_rate,
            "ratio": jw_rate / floor_rate,
            "target": 0.40,
        },
        {
            "figure": "drain: job workers / HTTP workers, median of 3 (noise: 10%)",
            "unit": "ratio",
            "value": jw_rate / rate,
            "floor": None,
            "ratio": None,
            "target": ">= 0.9",
            "ok": jw_rate >= 0.9 * rate and jw_peak <= WORKERS and jw_once,
        },
        {
            "figure": "drain: peak concurrency (<= %d) and each job once" % WORKERS,
            "unit": "jobs",
            "value": peak,
            "floor": None,
            "ratio": None,
            "target": "<= %d, once each" % WORKERS,
            "ok": peak <= WORKERS and once,
        },
        _latency_row("started p50", p50, f50, 0.005),
        _latency_row("started p95", p95, f95, 0.020),
        _latency_row("job's code runs p50", c50, f50, 0.010),
        _latency_row("job's code runs p95", c95, f95, 0.030),
    ]
