"""The metrics endpoint and the health check, against real servers."""
import re
import time

import qjdev
import requests

TOKEN = "s3cret-metrics"


def scrape(server, **kwargs):
    return requests.get(server.url + "/queue_job/metrics", timeout=10, **kwargs)


def sample(text, name, **labels):
    pattern = re.escape(name) + r"\{([^}]*)\} (\S+)"
    for match in re.finditer(pattern, text):
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if all(found.get(k) == str(v) for k, v in labels.items()):
            return float(match.group(2))
    return None


def test_metrics_report_jobs_counters_latency_and_leadership(db, servers):
    server = servers.start(
        db.name,
        channels="root:2,root.slow:1",
        workers=2,
        env={"ODOO_QUEUE_JOB_METRICS_TOKEN": TOKEN},
    )
    rpc = servers.rpc(server)
    done = rpc.enqueue(*[{"tag": "m%d" % i} for i in range(5)])
    failed = rpc.enqueue({"tag": "mfail", "fail": True})
    retried = rpc.enqueue({"tag": "mretry", "retries": 1, "retry_seconds": 1})
    waiting = rpc.enqueue({"tag": "mlater", "eta": 3600, "channel": "root.slow"})
    # root.slow runs one job at a time: the second waits behind the first
    blocking = rpc.enqueue(
        {"tag": "mblock", "sleep": 20, "channel": "root.slow"},
        {"tag": "mwait", "channel": "root.slow"},
    )
    db.wait_states(done + retried, timeout=30)
    db.wait_states(blocking[:1], states=("started",), timeout=30)
    db.wait_states(failed, states=("failed",), timeout=30)
    time.sleep(6)  # the runner reports its channels with its lease, every 5 s

    assert scrape(server).status_code == 403
    assert scrape(server, headers={"Authorization": "Bearer wrong"}).status_code == 403
    response = scrape(server, headers={"Authorization": "Bearer " + TOKEN})
    assert response.status_code == 200
    text = response.text
    assert "# TYPE queue_job_start_latency_seconds histogram" in text
    assert sample(text, "queue_job_done_total", db=db.name, channel="root") == 6
    assert sample(text, "queue_job_failed_total", db=db.name, channel="root") == 1
    assert sample(text, "queue_job_postponed_total", db=db.name, channel="root") == 1
    assert sample(text, "queue_job_jobs", db=db.name, state="failed") == 1
    assert (
        sample(text, "queue_job_jobs", db=db.name, channel="root.slow", state="pending")
        == 2  # the one due in an hour, the one waiting behind mblock
    )
    runs = 6 + 1 + 1  # every run that ended, retries included
    assert (
        sample(
            text, "queue_job_start_latency_seconds_count", db=db.name, channel="root"
        )
        == runs
    )
    assert (
        sample(
            text,
            "queue_job_start_latency_seconds_bucket",
            db=db.name,
            channel="root",
            le="+Inf",
        )
        == runs
    )
    assert sample(text, "queue_job_enqueued_total", db=db.name, channel="root") == 7
    assert sample(text, "queue_job_started_total", db=db.name, channel="root") == runs
    assert (
        sample(text, "queue_job_run_seconds_bucket", channel="root", le="+Inf") == runs
    )
    assert "# TYPE queue_job_run_seconds histogram" in text
    # the second job of root.slow waits since it was created; the one due in
    # an hour does not count
    age = sample(text, "queue_job_oldest_pending_age_seconds", channel="root.slow")
    assert age is not None and 5 <= age < 60, age
    assert sample(text, "queue_job_oldest_pending_age_seconds", channel="root") is None
    assert sample(text, "queue_job_runner_up", db=db.name) == 1
    assert sample(text, "queue_job_runner_leader", db=db.name) == 1
    assert sample(text, "queue_job_runner_healthy", db=db.name) == 1
    assert sample(text, "queue_job_channel_capacity", db=db.name, channel="root") == 2
    assert (
        sample(text, "queue_job_channel_capacity", db=db.name, channel="root.slow") == 1
    )
    # by token in the query too
    query = scrape(server, params={"token": TOKEN})
    assert query.status_code == 200 and waiting


def test_health_fails_when_the_runner_cannot_dispatch(db, servers):
    good = servers.start(db.name, workers=2)
    assert requests.get(good.url + "/queue_job/health", timeout=10).text == "ok\n"
    good.stop()
    # a runner that asks a port where nothing listens
    broken = servers.start(
        db.name,
        workers=2,
        env={
            "ODOO_QUEUE_JOB_PORT": str(qjdev.free_port()),
            "ODOO_QUEUE_JOB_METRICS_TOKEN": TOKEN,
        },
    )
    servers.rpc(broken).enqueue({"tag": "stuck"})
    deadline = time.time() + 30
    while True:
        response = requests.get(
            broken.url + "/queue_job/health", params={"token": TOKEN}, timeout=10
        )
        if "cannot dispatch jobs" in response.text:
            break
        assert time.time() < deadline, response.text
        time.sleep(0.5)
    assert response.status_code == 503
    # a worker answers from its reading of the last 2 s (HEALTH_CACHE)
    deadline = time.time() + 5
    while True:
        anonymous = requests.get(broken.url + "/queue_job/health", timeout=10)
        if anonymous.status_code == 503 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert anonymous.status_code == 503 and anonymous.text == "unhealthy\n"
