"""Faults against real servers: killed workers and runners, several runners,
databases appearing and disappearing, PostgreSQL restarting.

Every job here is a traced job: ``queue_job_e2e_attempt`` counts each time a
job started (committed at once, so a killed run counts too) and
``queue_job_e2e_trace`` each successful run (committed with the job), which
is how "nothing ran twice" is checked.
"""
import os
import signal
import time

import pytest
import qjdev

# the two paths of a job to its process: the HTTP workers, or job workers
# beside them (jobrunner/workers.py); the dispatch's promises hold on both
BOTH_PATHS = pytest.mark.parametrize(
    "job_workers", [0, 2], ids=["http_workers", "job_workers"]
)


class PathCheck:
    """Which processes ran the jobs: job workers on the job-worker path,
    none on the HTTP path. Job workers are noted while the test runs (a
    fault may take some down)."""

    def __init__(self, job_workers, *servers):
        self.job_workers = job_workers
        self.seen = set()
        self.note(*servers)

    def note(self, *servers):
        for server in servers:
            if self.job_workers:
                qjdev.wait_for(
                    lambda: len(server.job_worker_pids()) == self.job_workers,
                    30,
                    "the job workers",
                )
            self.seen.update(server.job_worker_pids())

    def check(self, ran_in):
        """``ran_in``: the processes that started the jobs."""
        assert ran_in
        if self.job_workers:
            assert ran_in <= self.seen, "jobs ran outside the job workers"
        else:
            assert not self.seen


def attempt_pids(db, prefix):
    return {
        pid
        for (pid,) in db.query(
            "SELECT DISTINCT pid FROM queue_job_e2e_attempt WHERE tag LIKE %s",
            (prefix + "%",),
        )
    }


def successes(db, prefix):
    return dict(
        db.query(
            "SELECT tag, count(*) FROM queue_job_e2e_trace "
            "WHERE tag LIKE %s GROUP BY tag",
            (prefix + "%",),
        )
    )


def test_killed_worker_job_comes_back_and_blocks_nothing(db, servers):
    server = servers.start(db.name, channels="root:4,root.single:1", workers=3)
    rpc = servers.rpc(server)
    first, second = rpc.enqueue(
        {"tag": "kill_first", "channel": "root.single", "sleep": 3},
        {"tag": "kill_second", "channel": "root.single"},
    )
    pid = qjdev.wait_for(
        lambda: db.scalar(
            "SELECT worker_pid FROM queue_job WHERE uuid = %s AND state = 'started'",
            (first,),
        ),
        20,
        "first job started",
    )
    qjdev.wait_for(
        lambda: db.scalar(
            "SELECT count(*) FROM queue_job_e2e_attempt WHERE tag = 'kill_first'"
        ),
        10,
        "first job running",
    )
    os.kill(pid, signal.SIGKILL)
    killed = time.time()
    # found dead and given back to the queue, its try counted
    qjdev.wait_for(
        lambda: db.scalar(
            "SELECT retry >= 1 AND state <> 'started' OR state = 'started' "
            "AND worker_pid <> %s FROM queue_job WHERE uuid = %s",
            (pid, first),
        ),
        10,
        "the killed job requeued",
    )
    assert time.time() - killed <= 10
    db.wait_states([first, second], timeout=30)
    assert successes(db, "kill_") == {"kill_first": 1, "kill_second": 1}
    assert db.scalar("SELECT retry FROM queue_job WHERE uuid = %s", (first,)) == 2
    assert "found dead" in server.log()


def test_job_killing_its_worker_every_time_ends_failed(db, servers):
    # a cron worker, to post the failure notice the runner cannot
    server = servers.start(
        db.name, channels="root:2", workers=2, extra_args=["--max-cron-threads=1"]
    )
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "suicide", "die": True, "max_retries": 3})
    db.wait_states([uuid], states=("failed",), timeout=60)
    failed = time.time()
    row = db.query(
        "SELECT retry, exc_name, exc_message FROM queue_job WHERE uuid = %s", (uuid,)
    )[0]
    assert row[0] == 3
    assert row[1].endswith("JobFoundDead")
    assert "found dead after 3 tries" in row[2]
    attempts = db.scalar(
        "SELECT count(*) FROM queue_job_e2e_attempt WHERE tag = 'suicide'"
    )
    assert attempts == 3
    # its failure notice, posted by the cron the runner triggered
    notices = qjdev.wait_for(
        lambda: db.scalar(
            "SELECT count(*) FROM mail_message m JOIN queue_job j"
            " ON m.model = 'queue.job' AND m.res_id = j.id"
            " JOIN ir_model_data d ON d.model = 'mail.message.subtype'"
            " AND d.res_id = m.subtype_id AND d.name = 'mt_job_failed'"
            " WHERE j.uuid = %s",
            (uuid,),
        ),
        30,
        "the failure notice posted",
    )
    assert notices == 1
    assert time.time() - failed < 30
    assert db.scalar("SELECT count(*) FROM queue_job_failure_notice") == 0


def test_jobs_found_dead_in_a_db_without_failure_notices(db, servers):
    # a database whose queue_job was not updated since failure notices came
    db.query("DROP TABLE queue_job_failure_notice")
    server = servers.start(db.name, channels="root:2", workers=2)
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "suicide", "die": True, "max_retries": 2})
    db.wait_states([uuid], states=("failed",), timeout=60)
    assert db.scalar("SELECT retry FROM queue_job WHERE uuid = %s", (uuid,)) == 2
    assert "found dead 2 times: failed" in server.log()
    assert " ERROR " not in server.log()


@BOTH_PATHS
def test_killed_runner_comes_back_and_nothing_runs_twice(db, servers, job_workers):
    server = servers.start(
        db.name, channels="root:2", workers=2, job_workers=job_workers
    )
    path = PathCheck(job_workers, server)
    rpc = servers.rpc(server)
    uuids = rpc.enqueue(*[{"tag": "rk%03d" % i, "sleep": 0.05} for i in range(60)])
    qjdev.wait_for(
        lambda: db.scalar("SELECT count(*) FROM queue_job_e2e_trace") >= 10,
        30,
        "ten jobs done",
    )
    runner_pid = _runner_pid(server)
    os.kill(runner_pid, signal.SIGKILL)
    db.wait_states(uuids, timeout=60)
    done = successes(db, "rk")
    assert len(done) == 60 and set(done.values()) == {1}
    path.note(server)
    path.check(attempt_pids(db, "rk"))


def _runner_pid(server):
    """The process of the prefork server's job runner, from its log line."""
    for line in reversed(server.log().splitlines()):
        if line.endswith("odoo.addons.queue_job.jobrunner.runner: starting "):
            return int(line.split()[2])
    raise AssertionError("no job runner process found in %s" % server.log_path)


@BOTH_PATHS
def test_two_servers_one_leader_failover_each_job_once(db, servers, job_workers):
    options = dict(channels="root:2", workers=2, job_workers=job_workers)
    first = servers.start(db.name, **options)
    second = servers.start(db.name, **options)
    leads = "leads db %s" % db.name
    qjdev.wait_for(
        lambda: leads in first.log() or leads in second.log(), 30, "a leader"
    )
    leader, other = (first, second) if leads in first.log() else (second, first)
    assert leads not in other.log()
    path = PathCheck(job_workers, first, second)
    count = 2000
    rpc = servers.rpc(other)
    uuids = []
    for start in range(0, count, 500):
        uuids += rpc.enqueue(
            *[{"tag": "ha%04d" % i} for i in range(start, start + 500)]
        )
    qjdev.wait_for(
        lambda: db.scalar("SELECT count(*) FROM queue_job_e2e_trace") >= count // 2,
        120,
        "half of the jobs done",
    )
    leader.kill()
    taken_over = time.time()
    qjdev.wait_for(lambda: leads in other.log(), 40, "takeover")
    assert time.time() - taken_over <= 30
    db.wait_states(uuids, timeout=240)
    done = successes(db, "ha")
    assert len(done) == count
    assert set(done.values()) == {1}, {k: v for k, v in done.items() if v != 1}
    path.note(other)
    path.check(attempt_pids(db, "ha"))


def test_database_created_while_running_is_served(template_db, servers):
    prefix = qjdev.unique_name("qj_e2e_new")
    server = servers.start(
        None,
        ready=False,
        db_filter=False,
        load="base,web,queue_job",
        extra_args=["--db-filter=^%s" % prefix],
    )
    server.wait_http()
    server.wait_log("database connections ready", timeout=30)
    name = prefix + "_a"
    qjdev.clone_db(template_db, name)
    try:
        server.wait_log("ready for db %s" % name, timeout=60)
        rpc = servers.rpc(server, name)
        (uuid,) = rpc.enqueue({"tag": "new_db"})
        deadline = time.time() + 20
        while (
            qjdev.psql("SELECT state FROM queue_job WHERE uuid = '%s'" % uuid, db=name)
            != "done"
        ):
            assert time.time() < deadline, "job of the new database not done"
            time.sleep(0.1)
    finally:
        qjdev.drop_db(name)
    server.wait_log("db %s was dropped" % name, timeout=30)
    assert server.proc.poll() is None


@BOTH_PATHS
def test_postgresql_restart_during_dispatch(template_db, servers, job_workers):
    cluster = qjdev.TempCluster().init()
    try:
        name = cluster.copy_db_from_main(template_db, qjdev.unique_name("qj_e2e_pgr"))
        server = servers.start(
            name, workers=2, channels="root:2", env=cluster.env, job_workers=job_workers
        )
        path = PathCheck(job_workers, server)
        rpc = servers.rpc(server)
        uuids = rpc.enqueue(*[{"tag": "pgr%03d" % i, "sleep": 0.05} for i in range(80)])

        def done_count():
            return int(
                cluster.psql(
                    "SELECT count(*) FROM queue_job WHERE state = 'done'", db=name
                )
            )

        qjdev.wait_for(lambda: done_count() >= 10, 60, "some jobs done")
        cluster.restart()
        qjdev.wait_for(lambda: done_count() == 80, 120, "every job done")
        counts = cluster.psql(
            "SELECT count(*), count(DISTINCT tag) FROM queue_job_e2e_trace", db=name
        )
        assert counts == "80|80"
        assert len(uuids) == 80
        path.note(server)
        ran_in = cluster.psql("SELECT DISTINCT pid FROM queue_job_e2e_attempt", db=name)
        path.check({int(pid) for pid in ran_in.split()})
    finally:
        servers.stop_all()
        cluster.destroy()


def test_slot_drops_the_outcome_of_a_job_taken_from_it(db, servers):
    # one slot runs the three jobs in turn; the second is taken from it while
    # it runs: its outcome is dropped, and the slot goes on with the third
    server = servers.start(db.name, channels="root:1", workers=2)
    rpc = servers.rpc(server)
    uuids = rpc.enqueue(
        {"tag": "taken_a", "priority": 1},
        {"tag": "taken_b", "priority": 2, "taken": True},
        {"tag": "taken_c", "priority": 3},
    )
    db.wait_states(uuids, timeout=30)
    assert db.scalar("SELECT result FROM queue_job WHERE uuid = %s", (uuids[1],)) == (
        "taken by another worker"
    )
    # the job's own work went down with its dropped outcome
    assert successes(db, "taken_") == {"taken_a": 1, "taken_c": 1}
    pids = db.query(
        "SELECT DISTINCT pid FROM queue_job_e2e_attempt WHERE tag LIKE 'taken_%%'"
    )
    assert len(pids) == 1, "expected one slot to run the three jobs"
    assert "is no longer ours" in server.log()
