# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Job workers (jobrunner/workers.py) in a real prefork server.

Jobs go to the job workers' socket, run in processes that only run jobs,
are not bound by ``limit_time_real``, and keep the dispatch path's promises:
capacity, each job once, a killed worker's job recovered (and the worker
respawned). Every run is traced in queue_job_e2e_trace with its process.
"""
import os
import signal
import time

import pytest
import qjdev
import requests
from browser import Browser
from test_faults import successes
from test_runner import max_concurrency


def job_worker_server(servers, db, job_workers=2, **options):
    return servers.start(db.name, job_workers=job_workers, **options)


def test_long_job_outlives_limit_time_real_in_a_job_worker(db, servers):
    server = job_worker_server(
        servers, db, channels="root:1", extra_args=["--limit-time-real=30"]
    )
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "long", "sleep": 90})
    db.wait_states([uuid], timeout=150)
    ((_tag, _uuid, pid, started, ended, _retry),) = db.traces("long")
    assert ended - started >= 90
    assert pid in server.job_worker_pids()
    assert "timeout after" not in server.log()
    # the HTTP workers served users meanwhile and still do
    assert requests.get(server.url + "/web/login", timeout=10).status_code == 200


@pytest.mark.parametrize("job_workers", [2, 0], ids=["job_workers", "http_workers"])
def test_capacity_and_each_job_once_on_both_paths(db, servers, job_workers):
    server = job_worker_server(
        servers, db, job_workers=job_workers, channels="root:2", workers=2
    )
    rpc = servers.rpc(server)
    uuids = rpc.enqueue(*[{"tag": "cap%02d" % i, "sleep": 0.2} for i in range(16)])
    db.wait_states(uuids, timeout=60)
    traces = db.traces("cap")
    assert len(traces) == 16
    assert successes(db, "cap") == {"cap%02d" % i: 1 for i in range(16)}
    assert max_concurrency(traces) <= 2
    workers = set(server.job_worker_pids())
    ran_in = {pid for _t, _u, pid, _s, _e, _r in traces}
    if job_workers:
        assert len(workers) == 2 and ran_in <= workers
    else:
        assert not workers and ran_in.isdisjoint({server.proc.pid})


def test_killed_job_worker_is_respawned_and_its_job_recovered(db, servers):
    server = job_worker_server(servers, db, channels="root:2")
    qjdev.wait_for(lambda: len(server.job_worker_pids()) == 2, 20, "two job workers")
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "kill", "sleep": 4})
    pid = qjdev.wait_for(
        lambda: db.scalar(
            "SELECT worker_pid FROM queue_job WHERE uuid = %s AND state = 'started'",
            (uuid,),
        ),
        20,
        "job started",
    )
    assert pid in server.job_worker_pids()
    os.kill(pid, signal.SIGKILL)
    qjdev.wait_for(
        lambda: len(server.job_worker_pids()) == 2
        and pid not in server.job_worker_pids(),
        20,
        "job worker respawned",
    )
    db.wait_states([uuid], timeout=40)
    assert successes(db, "kill") == {"kill": 1}
    # the killed try counts, as on the HTTP path
    assert db.scalar("SELECT retry FROM queue_job WHERE uuid = %s", (uuid,)) == 2
    assert "found dead" in server.log()


def test_job_socket_serves_only_signed_runjob_and_health(db, servers):
    server = job_worker_server(servers, db, channels="root:1")
    base = "http://127.0.0.1:%d" % server.job_port
    qjdev.wait_for(lambda: server.job_worker_pids(), 20, "job workers")
    assert requests.get(base + "/web/login", timeout=10).status_code == 404
    assert requests.get(base + "/", timeout=10).status_code == 404
    unsigned = requests.get(
        base + "/queue_job/runjob",
        params={"db": db.name, "job_uuid": "no-such-job"},
        timeout=10,
    )
    assert unsigned.status_code == 403
    health = requests.get(base + "/queue_job/health", timeout=10)
    assert health.status_code != 404
    # the HTTP port still has every route
    assert requests.get(server.url + "/web/login", timeout=10).status_code == 200


def set_function_time_limit(rpc, seconds):
    name = "<test.queue.job.e2e>.trace"
    ids = rpc.call("queue.job.function", "search", [("name", "=", name)])
    if ids:
        rpc.call("queue.job.function", "write", ids, {"time_limit": seconds})
    else:
        rpc.call("queue.job.function", "create", {"name": name, "time_limit": seconds})


@pytest.mark.parametrize(
    "job_workers, how", [(2, "spin"), (0, "pg_sleep")], ids=["job_workers", "http"]
)
def test_job_over_its_function_time_limit_fails_rolled_back(
    db, servers, job_workers, how
):
    server = job_worker_server(servers, db, job_workers=job_workers, channels="root:2")
    rpc = servers.rpc(server)
    set_function_time_limit(rpc, 3)
    begin = time.time()
    (uuid,) = rpc.enqueue({"tag": "tl_" + how, how: 60})
    db.wait_states([uuid], ("failed",), timeout=30)
    assert time.time() - begin < 20
    name, message = db.query(
        "SELECT exc_name, exc_message FROM queue_job WHERE uuid = %s", (uuid,)
    )[0]
    assert name.endswith("JobTimeoutError")
    assert "time limit of 3 s" in message
    # stopped: its work rolled back, tried once
    assert db.traces("tl_") == []
    assert (
        db.scalar("SELECT count(*) FROM queue_job_e2e_attempt WHERE uuid = %s", (uuid,))
        == 1
    )
    # the worker that ran it goes on running jobs
    (after,) = rpc.enqueue({"tag": "after"})
    db.wait_states([after], timeout=30)


def test_channel_time_limit_is_the_default_of_its_jobs(db, servers):
    server = job_worker_server(servers, db, channels="root:2,root.tl:1")
    rpc = servers.rpc(server)
    root = rpc.call("queue.job.channel", "search", [("name", "=", "root")])[0]
    rpc.call(
        "queue.job.channel",
        "create",
        {"name": "tl", "parent_id": root, "time_limit": 2},
    )
    limited, free = rpc.enqueue(
        {"tag": "tlc_limited", "channel": "root.tl", "pg_sleep": 60},
        {"tag": "tlc_free", "sleep": 4},
    )
    db.wait_states([limited], ("failed",), timeout=30)
    assert "time limit of 2 s" in db.scalar(
        "SELECT exc_message FROM queue_job WHERE uuid = %s", (limited,)
    )
    # a job of another channel has no limit
    db.wait_states([free], timeout=30)
    # the function's limit wins over the channel's
    set_function_time_limit(rpc, 6)
    (slow,) = rpc.enqueue({"tag": "tlc_fn", "channel": "root.tl", "sleep": 4})
    db.wait_states([slow], timeout=30)


# the job the tour stops, found by its name (queue_job_tours.js)
TOUR_RUNNING_JOB = "Tour stop: the long import"


@pytest.mark.parametrize("workers", [0, 2], ids=["threaded", "job_workers"])
def test_stop_a_running_job_from_the_ui_other_jobs_go_on(db, servers, workers):
    # threaded: both jobs in one process; job workers: one job each
    server = job_worker_server(
        servers, db, job_workers=2 if workers else 0, workers=workers, channels="root:2"
    )
    rpc = servers.rpc(server)
    stopped, other = rpc.enqueue(
        {"tag": "stop_me", "spin": 90, "description": TOUR_RUNNING_JOB},
        {"tag": "stop_other", "sleep": 30},
    )
    qjdev.wait_for(
        lambda: db.scalar(
            "SELECT count(*) FROM queue_job_e2e_attempt WHERE uuid = ANY(%s)",
            ([stopped, other],),
        )
        == 2,
        30,
        "both jobs running",
    )
    # a manager opens Job Queue > Jobs, the job, clicks Stop and confirms
    with Browser() as browser:
        browser.login(server.url, db.name)
        browser.run_tour(server.url, "queue_job_stop_running_job_tour")
        clicked = browser.console_time(r"step 'Confirm the stop \(trigger")
    assert clicked
    cancelled_at = db.scalar(
        "SELECT extract(epoch FROM date_cancelled)::float FROM queue_job"
        " WHERE uuid = %s AND state = 'cancelled'",
        (stopped,),
    )
    assert cancelled_at and -1 < cancelled_at - clicked < 5
    # its process stopped it: the durable record of the interruption
    exc, interrupted = qjdev.wait_for(
        lambda: db.query(
            "SELECT exc, at FROM queue_job_e2e_interrupt WHERE uuid = %s", (stopped,)
        ),
        5,
        "job stopped in its process",
    )[0]
    assert exc == "JobStoppedError"
    assert interrupted - clicked <= 5
    assert "stopped by a user" in server.log()
    # the other job ran across the stop, in the same process when threaded,
    # and completed once
    db.wait_states([other], timeout=60)
    assert db.states([stopped]) == {stopped: "cancelled"}
    assert successes(db, "stop_") == {"stop_other": 1}
    ((_tag, _uuid, other_pid, started, ended, _retry),) = db.traces("stop_other")
    assert started < clicked < ended
    pids = dict(
        db.query(
            "SELECT tag, pid FROM queue_job_e2e_attempt WHERE uuid = ANY(%s)",
            ([stopped, other],),
        )
    )
    assert len(pids) == 2, "each job started once"
    if workers:
        assert set(pids.values()) <= set(server.job_worker_pids())
    else:
        assert pids == {"stop_me": server.proc.pid, "stop_other": server.proc.pid}
    # the chatter names who stopped it
    admin = db.scalar(
        "SELECT p.name FROM res_users u JOIN res_partner p ON p.id = u.partner_id"
        " WHERE u.login = 'admin'"
    )
    bodies = [
        body
        for (body,) in db.query(
            "SELECT m.body FROM mail_message m JOIN queue_job j"
            " ON m.model = 'queue.job' AND m.res_id = j.id WHERE j.uuid = %s",
            (stopped,),
        )
    ]
    assert any("stopped while running by %s" % admin in b for b in bodies), bodies


def test_only_managers_may_stop(db, servers):
    server = job_worker_server(servers, db, channels="root:1")
    rpc = servers.rpc(server)
    user = rpc.call(
        "res.users",
        "create",
        {"name": "Not a manager", "login": "notmanager", "password": "notmanager"},
    )
    (uuid,) = rpc.enqueue({"tag": "nm", "spin": 20})
    db.wait_states([uuid], ("started",), timeout=30)
    (job_id,) = rpc.call("queue.job", "search", [("uuid", "=", uuid)])
    import xmlrpc.client

    models = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object")
    with pytest.raises(xmlrpc.client.Fault):
        models.execute_kw(
            db.name, user, "notmanager", "queue.job", "button_stop", [[job_id]]
        )
    assert db.states([uuid]) == {uuid: "started"}
    rpc.call("queue.job", "button_stop", [job_id])
    assert db.states([uuid]) == {uuid: "cancelled"}


def test_sigterm_lets_jobs_finish_within_grace_and_requeues_the_others(db, servers):
    server = job_worker_server(
        servers,
        db,
        job_workers=4,
        channels="root:4",
        env={"ODOO_QUEUE_JOB_SHUTDOWN_GRACE": "4"},
    )
    rpc = servers.rpc(server)
    uuids = rpc.enqueue(
        {"tag": "gs_short1", "sleep": 2},
        {"tag": "gs_short2", "spin": 2},
        {"tag": "gs_long1", "spin": 15},
        {"tag": "gs_long2", "pg_sleep": 15},
    )
    short, long_ = uuids[:2], uuids[2:]
    # the durable start log: one row per start, committed on its own
    qjdev.wait_for(
        lambda: db.scalar(
            "SELECT count(*) FROM queue_job_e2e_attempt WHERE uuid = ANY(%s)", (uuids,)
        )
        == 4,
        30,
        "four jobs running",
    )
    began = time.time()
    server.stop(signal.SIGTERM, timeout=40)
    assert server.proc.poll() is not None
    assert time.time() - began < 4 + 12
    assert db.states(short) == {u: "done" for u in short}
    assert db.states(long_) == {u: "pending" for u in long_}
    retries = dict(
        db.query("SELECT uuid, retry FROM queue_job WHERE uuid = ANY(%s)", (long_,))
    )
    assert retries == {u: 0 for u in long_}, "the interrupted try is not counted"
    # nothing ran twice, and the interrupted jobs' work is rolled back
    starts = dict(
        db.query(
            "SELECT uuid, count(*) FROM queue_job_e2e_attempt"
            " WHERE uuid = ANY(%s) GROUP BY uuid",
            (uuids,),
        )
    )
    assert starts == {u: 1 for u in uuids}
    assert successes(db, "gs_") == {"gs_short1": 1, "gs_short2": 1}
    assert "interrupted and requeued" in server.log()
    # the next server runs the requeued jobs, each once
    job_worker_server(servers, db, job_workers=4, channels="root:4")
    db.wait_states(long_, timeout=60)
    assert successes(db, "gs_") == {
        tag: 1 for tag in ("gs_short1", "gs_short2", "gs_long1", "gs_long2")
    }
