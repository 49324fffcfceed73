"""A started job is dead only when the database backend running it is gone
(queue_job/states.py, DEAD): not when an idle connection of its worker goes,
not because it runs long. Attempts are counted in ``queue_job_e2e_attempt``,
committed as each run starts, outside the job's transaction.
"""
import time

import qjdev
from test_faults import successes


def attempts(db, tag):
    return db.scalar(
        "SELECT count(*) FROM queue_job_e2e_attempt WHERE tag = %s", (tag,)
    )


def started(db, uuid, tag):
    qjdev.wait_for(
        lambda: db.scalar(
            "SELECT state = 'started' FROM queue_job WHERE uuid = %s", (uuid,)
        )
        and attempts(db, tag),
        30,
        "job %s running" % tag,
    )


def test_job_runs_once_when_its_liveness_connection_is_terminated(db, servers):
    server = servers.start(db.name, channels="root:2", workers=2)
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "lv20", "sleep": 20})
    started(db, uuid, "lv20")
    backend = db.scalar("SELECT worker_backend FROM queue_job WHERE uuid = %s", (uuid,))
    assert backend
    deadline = time.time() + 12
    terminated = 0
    while time.time() < deadline:
        # what a pooler's idle timeout or a DBA's script does to it
        terminated += len(
            db.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE 'queue_job liveness%%'"
                " AND datname = current_database()"
            )
        )
        assert (
            db.scalar("SELECT state FROM queue_job WHERE uuid = %s", (uuid,))
            == "started"
        )
        time.sleep(2)
    assert terminated >= 1
    db.wait_states([uuid], timeout=40)
    assert attempts(db, "lv20") == 1
    assert successes(db, "lv20") == {"lv20": 1}
    assert db.scalar("SELECT retry FROM queue_job WHERE uuid = %s", (uuid,)) == 1
    assert "found dead" not in server.log()


def test_garbage_collector_cron_leaves_a_live_job(db, servers):
    server = servers.start(db.name, channels="root:2", workers=2)
    rpc = servers.rpc(server)
    # the cron as shipped, with a limit any running job is over
    (cron,) = rpc.call(
        "ir.model.data",
        "search_read",
        [
            ("module", "=", "queue_job"),
            ("name", "=", "ir_cron_queue_job_garbage_collector"),
        ],
        ["res_id"],
    )
    cron_id = cron["res_id"]
    rpc.call(
        "ir.cron",
        "write",
        [cron_id],
        {"code": "model.requeue_stuck_jobs(enqueued_delta=1, started_delta=0.001)"},
    )
    (uuid,) = rpc.enqueue({"tag": "gc_live", "sleep": 6})
    started(db, uuid, "gc_live")
    time.sleep(0.5)
    rpc.call("ir.cron", "method_direct_trigger", [cron_id])
    assert (
        db.scalar("SELECT state FROM queue_job WHERE uuid = %s", (uuid,)) == "started"
    )
    db.wait_states([uuid], timeout=30)
    assert attempts(db, "gc_live") == 1
    assert successes(db, "gc_live") == {"gc_live": 1}
    assert db.scalar("SELECT retry FROM queue_job WHERE uuid = %s", (uuid,)) == 1


def test_postgresql_restart_requeues_the_running_job(template_db, servers):
    cluster = qjdev.TempCluster().init()
    try:
        name = cluster.copy_db_from_main(template_db, qjdev.unique_name("qj_e2e_pgj"))
        server = servers.start(name, workers=2, channels="root:2", env=cluster.env)
        rpc = servers.rpc(server)
        (uuid,) = rpc.enqueue({"tag": "pgj", "sleep": 5})

        def query(sql):
            return cluster.psql(sql, db=name)

        qjdev.wait_for(
            lambda: query("SELECT count(*) FROM queue_job_e2e_attempt") == "1",
            30,
            "the job running",
        )
        cluster.restart()
        restarted = time.time()
        # every backend is new: the job is dead, requeued and run again
        qjdev.wait_for(
            lambda: query("SELECT count(*) FROM queue_job_e2e_attempt") == "2",
            30,
            "the job run again",
        )
        assert time.time() - restarted < 20
        qjdev.wait_for(
            lambda: query("SELECT state FROM queue_job WHERE uuid = '%s'" % uuid)
            == "done",
            30,
            "the job done",
        )
        assert query("SELECT count(*) FROM queue_job_e2e_trace") == "1"
        assert query("SELECT retry FROM queue_job WHERE uuid = '%s'" % uuid) == "2"
    finally:
        servers.stop_all()
        cluster.destroy()
