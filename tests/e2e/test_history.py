"""The per-minute history: rolled up by the leading runner from the metric
counters, each count once whatever the number of runners, restarts or
concurrent roll-ups."""
import random
import threading
import time

import psycopg2
import pure_import
import qjdev
import requests

history = pure_import.load("jobrunner.history")
schema = pure_import.load("schema")

_SUMS = """
SELECT coalesce(sum(enqueued), 0), coalesce(sum(started), 0),
       coalesce(sum(done), 0), coalesce(sum(failed), 0),
       coalesce(sum(retried), 0), coalesce(sum(dead), 0)
  FROM queue_job_history
"""
_COUNTERS = """
SELECT coalesce(sum(value) FILTER (WHERE name = 'enqueued'), 0),
       coalesce(sum(value) FILTER (WHERE name = 'started'), 0),
       coalesce(sum(value) FILTER (WHERE name = 'done'), 0),
       coalesce(sum(value) FILTER (WHERE name = 'failed'), 0),
       coalesce(sum(value) FILTER (WHERE name = 'postponed'), 0),
       coalesce(sum(value) FILTER (WHERE name = 'dead_jobs_found'), 0)
  FROM queue_job_counter
"""


def sums(db):
    return tuple(int(v) for v in db.query(_SUMS)[0])


def counters(db):
    return tuple(int(v) for v in db.query(_COUNTERS)[0])


def test_concurrent_roll_ups_add_each_count_once(db):
    """Two connections roll up at the same time, again and again, while
    'workers' add to the counters: the history ends equal to the counters."""
    stop = threading.Event()
    errors = []

    def roll_up():
        conn = psycopg2.connect(dbname=db.name)
        try:
            while not stop.is_set():
                with conn, conn.cursor() as cr:
                    history.History(db.name).roll_up(cr, sample=False)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=roll_up) for _i in range(2)]
    for thread in threads:
        thread.start()
    added = 0
    conn = psycopg2.connect(dbname=db.name)
    try:
        for i in range(300):
            with conn, conn.cursor() as cr:
                shard = random.randint(1, 5)
                cr.execute(
                    "INSERT INTO queue_job_counter AS c VALUES"
                    " ('root.h', 'done', %s, 1), ('root.h', 'latency_le_0.1', %s, 1)"
                    " ON CONFLICT (channel, name, shard)"
                    " DO UPDATE SET value = c.value + 1",
                    (shard, shard),
                )
                added += 1
            if i % 50 == 0:
                time.sleep(0.01)
    finally:
        conn.close()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors
    conn = psycopg2.connect(dbname=db.name)
    with conn, conn.cursor() as cr:
        history.History(db.name).roll_up(cr, sample=False)
    conn.close()
    done, buckets = db.query(
        "SELECT sum(done), sum(latency_buckets[%s]) FROM queue_job_history"
        " WHERE channel = 'root.h'",
        (schema.LATENCY_BUCKETS.index(0.1) + 1,),
    )[0]
    assert (done, buckets) == (added, added)


def test_two_runners_history_counts_each_job_once(db, servers):
    """Two servers (two runners) on one database; the leader is killed
    midway: every job is in the history once, enqueued to done."""
    options = dict(channels="root:2", workers=2)
    first = servers.start(db.name, **options)
    second = servers.start(db.name, **options)
    leads = "leads db %s" % db.name
    qjdev.wait_for(
        lambda: leads in first.log() or leads in second.log(),
        30,
        "a leader",
        interval=0.2,
    )
    leader, other = (first, second) if leads in first.log() else (second, first)
    rpc = servers.rpc(other)
    uuids = rpc.enqueue(*[{"tag": "hist%03d" % i} for i in range(40)])
    failed = rpc.enqueue({"tag": "hist_fail", "fail": True})
    retried = rpc.enqueue({"tag": "hist_retry", "retries": 1, "retry_seconds": 1})
    db.wait_states(uuids + retried, timeout=60)
    db.wait_states(failed, states=("failed",), timeout=60)
    qjdev.wait_for(lambda: sums(db) == counters(db), 30, "first roll-up", interval=0.2)
    assert sums(db) == (42, 43, 41, 1, 1, 0)
    leader.kill()
    more = rpc.enqueue(*[{"tag": "hist_more%02d" % i} for i in range(10)])
    qjdev.wait_for(lambda: leads in other.log(), 40, "takeover", interval=0.2)
    db.wait_states(more, timeout=60)
    qjdev.wait_for(
        lambda: sums(db) == counters(db), 30, "roll-up after the takeover", interval=0.2
    )
    assert sums(db) == (52, 53, 51, 1, 1, 0)
    # the minutes and histograms add up too
    runs, latency, runtime = db.query(
        "SELECT sum(started), sum((SELECT sum(x) FROM unnest(latency_buckets) x)),"
        " sum((SELECT sum(x) FROM unnest(runtime_buckets) x)) FROM queue_job_history"
    )[0]
    assert runs == latency == runtime == 53
    # a backlog sample was taken
    assert db.scalar("SELECT count(*) FROM queue_job_history WHERE pending IS NOT NULL")


def test_dead_jobs_count_in_metrics_and_history(db, servers):
    server = servers.start(
        db.name,
        channels="root:2",
        workers=2,
        env={"ODOO_QUEUE_JOB_METRICS_TOKEN": "t0ken"},
    )
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "hist_die", "die": True, "max_retries": 1})
    db.wait_states([uuid], states=("failed",), timeout=60)
    qjdev.wait_for(
        lambda: sums(db) == counters(db) and sums(db)[5], 30, "roll-up", interval=0.2
    )
    assert sums(db) == (1, 1, 0, 1, 0, 1)
    text = requests.get(
        server.url + "/queue_job/metrics", params={"token": "t0ken"}, timeout=10
    ).text
    assert 'queue_job_dead_jobs_found_total{db="%s",channel="root"} 1' % db.name in text


def test_history_days_prunes_old_minutes(db):
    db.query(
        "INSERT INTO queue_job_history (channel, minute, done) VALUES"
        " ('root', (now() AT TIME ZONE 'UTC') - interval '3 days', 5),"
        " ('root', (now() AT TIME ZONE 'UTC') - interval '1 day', 7)"
    )

    class Now:
        mono = time.monotonic()

    conn = psycopg2.connect(dbname=db.name)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            history.History(db.name, days=2).run(cr, Now())
    finally:
        conn.close()
    assert db.query("SELECT done FROM queue_job_history WHERE done > 0") == [(7,)]


def test_dashboard_pause_resume_and_history_with_a_real_runner(db, servers):
    """What the Overview's buttons call (dashboard_set_channel) takes effect
    on dispatch within 5 s; the Overview reads the runner's real history and
    its lead."""
    server = servers.start(db.name, channels="root:4,root.dash:2", workers=3)
    rpc = servers.rpc(server)
    first = rpc.enqueue(
        *[{"tag": "dash%02d" % i, "channel": "root.dash"} for i in range(5)]
    )
    db.wait_states(first, timeout=30)
    rpc.call("queue.job", "dashboard_set_channel", "root.dash", paused=True)
    paused_at = time.time()
    time.sleep(2)  # slots end within their budget
    held = rpc.enqueue({"tag": "dash_held", "channel": "root.dash"})
    time.sleep(5)
    assert db.states(held) == {held[0]: "pending"}
    assert not [t for t in db.traces("dash") if t[3] >= paused_at + 2]
    rpc.call("queue.job", "dashboard_set_channel", "root.dash", paused=False)
    resumed = time.time()
    db.wait_states(held, timeout=5)
    assert time.time() - resumed < 5
    # the history the runner rolled up, as the Overview reads it
    qjdev.wait_for(
        lambda: sums(db) == counters(db) and sums(db)[2] == 6,
        30,
        "roll-up",
        interval=0.2,
    )
    # over JSON-RPC, as the web client asks (XML-RPC has no None)
    answer = requests.post(
        server.url + "/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    db.name,
                    rpc.uid,
                    "admin",
                    "queue.job",
                    "get_dashboard",
                    ["1h"],
                ],
            },
        },
        timeout=30,
    ).json()
    dashboard = answer["result"]
    points = dashboard["series"]["points"]
    assert sum(p["done"] for p in points) == 6
    assert sum(p["enqueued"] for p in points) == 6
    assert any(p["latency_p95"] is not None for p in points)
    (runner,) = dashboard["runners"]
    assert runner["leading"] and runner["since"] and not runner["problems"]
    assert {"root", "root.dash"} <= {c["channel"] for c in runner["channels"]}


def test_fold_keeps_sums_and_skips_live_backends(db):
    """The enqueue counts of gone backends fold into shard 0 (the sums stay
    the same); a live backend's row, even locked by its open transaction,
    is left alone and the fold does not wait for it."""
    housekeeping = pure_import.load("jobrunner.housekeeping")
    live = psycopg2.connect(dbname=db.name)
    try:
        with live.cursor() as cr:
            cr.execute("SELECT pg_backend_pid()")
            pid = cr.fetchone()[0]
            # this backend's row, locked until it commits
            cr.execute(
                "INSERT INTO queue_job_counter VALUES ('root', 'enqueued', %s, 3)",
                (-pid,),
            )
        db.query(
            "INSERT INTO queue_job_counter VALUES ('root', 'enqueued', -999999999, 5),"
            " ('root', 'enqueued', -999999998, 2)"
        )
        before = db.scalar(
            "SELECT sum(value) FROM queue_job_counter WHERE name = 'enqueued'"
        )
        started = time.time()
        db.query(housekeeping._FOLD_COUNTERS, {"ns": schema.LOCK_NAMESPACE})
        assert time.time() - started < 2
        live.commit()
        rows = dict(
            db.query(
                "SELECT shard, value FROM queue_job_counter WHERE name = 'enqueued'"
            )
        )
        assert rows[0] == 7 and rows[-pid] == 3 and len(rows) == 2, rows
        after = db.scalar(
            "SELECT sum(value) FROM queue_job_counter WHERE name = 'enqueued'"
        )
        assert after == before + 3
    finally:
        live.close()
