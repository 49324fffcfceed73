"""`make run` / `make stop` / `make status`: Odoo with queue_job on a demo database.

start: creates the demo database if missing (queue_job installed, a few demo
jobs enqueued), starts Odoo in the background with --load=web,queue_job,
2 workers and channels root:2, waits until its jobrunner is ready for the demo
database, then prints the URL, the login and the runner's log line.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjdev  # noqa: E402

RUN_DIR = os.path.join(qjdev.STATE, "run")
PID_FILE = os.path.join(RUN_DIR, "odoo.pid")
INFO_FILE = os.path.join(RUN_DIR, "odoo.url")
LOG_FILE = os.path.join(RUN_DIR, "odoo.log")
DB = os.environ.get("DEMO_DB", "queue_job_demo")
PORT = int(os.environ.get("PORT", "8069"))
WORKERS = int(os.environ.get("WORKERS", "2"))
CHANNELS = os.environ.get("CHANNELS", "root:2")

DEMO_JOBS = """
from odoo.addons.queue_job.delay import chain, group

jobs = env["queue.job"]
jobs.with_delay(description="Demo: a job that succeeds")._test_job()
jobs.with_delay(description="Demo: another job that succeeds", priority=5)._test_job()
jobs.with_delay(description="Demo: a job that fails", max_retries=1)._test_job(
    failure_rate=1
)
tomorrow = 24 * 3600
jobs.with_delay(description="Demo: a job for tomorrow", eta=tomorrow)._test_job()
chain(
    jobs.delayable(description="Demo chain: step 1")._test_job(),
    group(
        jobs.delayable(description="Demo chain: step 2a")._test_job(),
        jobs.delayable(description="Demo chain: step 2b")._test_job(),
    ),
    jobs.delayable(description="Demo chain: step 3")._test_job(),
).delay()
env.cr.commit()
"""


def running_pid():
    try:
        with open(PID_FILE) as fh:
            pid = int(fh.read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def fail(message):
    print("error: %s" % message, file=sys.stderr)
    sys.exit(1)


def create_demo_db():
    log = os.path.join(RUN_DIR, "install.log")
    print("==> creating the demo database %s (log: %s)" % (DB, log), flush=True)
    building = qjdev.unique_name("qj_demo_building")
    qjdev.clone_db(qjdev.base_template(), building)
    try:
        qjdev.install_db(building, ["queue_job"], log_path=log, demo=True)
        proc = subprocess.run(
            qjdev.odoo_cmd(
                "shell",
                "--addons-path=%s" % qjdev.addons_path(),
                "--data-dir=%s" % os.path.join(qjdev.STATE, "filestore"),
                "-d",
                building,
                "--no-http",
                "--log-level=warn",
                *qjdev.db_options(),
            ),
            input=DEMO_JOBS,
            text=True,
            capture_output=True,
        )
        if proc.returncode:
            fail("creating the demo jobs failed:\n%s" % proc.stderr[-3000:])
        qjdev.psql('ALTER DATABASE "%s" RENAME TO "%s"' % (building, DB))
        store = os.path.join(qjdev.STATE, "filestore", "filestore")
        if os.path.isdir(os.path.join(store, building)):
            os.rename(os.path.join(store, building), os.path.join(store, DB))
    except BaseException:
        qjdev.drop_db(building)
        raise


def start():
    os.makedirs(RUN_DIR, exist_ok=True)
    pid = running_pid()
    if pid:
        url = open(INFO_FILE).read().strip() if os.path.exists(INFO_FILE) else "?"
        print(
            "queue_job demo already running (pid %d) at %s; `make stop` stops it"
            % (pid, url)
        )
        return
    if qjdev.port_in_use(PORT):
        fail("port %d is taken; free it or choose another: make run PORT=8070" % PORT)
    if not qjdev.db_exists(DB):
        create_demo_db()
    server = qjdev.OdooServer(
        DB,
        workers=WORKERS,
        channels=CHANNELS,
        port=PORT,
        log_dir=RUN_DIR,
        db_filter=False,
    )
    server.log_path = LOG_FILE
    cmd = server.command()
    # the demo server outlives this script: its own session, a pid file
    server.start()
    with open(PID_FILE, "w") as fh:
        fh.write(str(server.proc.pid))
    url = "http://localhost:%d" % PORT
    with open(INFO_FILE, "w") as fh:
        fh.write(url)
    print("==> starting Odoo: %s" % " ".join(cmd), flush=True)
    try:
        server.wait_ready(DB, timeout=120)
    except (RuntimeError, TimeoutError) as exc:
        stop(quiet=True)
        fail("Odoo did not come up (%s); see %s" % (exc, LOG_FILE))
    line = next(
        (
            text
            for text in server.log().splitlines()
            if re.search(qjdev.READY_RE % re.escape(DB), text)
        ),
        "",
    )
    print(
        "\nqueue_job demo is running\n"
        "  URL:      %s  (database %s)\n"
        "  login:    admin / admin\n"
        "  menu:     Job Queue > Queue > Jobs\n"
        "  runner:   %s\n"
        "  log:      %s\n"
        "  stop:     make stop" % (url, DB, line.strip(), LOG_FILE)
    )


def stop(quiet=False):
    pid = running_pid()
    if not pid:
        if not quiet:
            print("queue_job demo is not running")
        return
    os.killpg(pid, signal.SIGTERM)
    for _i in range(300):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    os.unlink(PID_FILE)
    if not quiet:
        print("queue_job demo stopped")


def status():
    pid = running_pid()
    if pid:
        print("queue_job demo running (pid %d) at %s" % (pid, open(INFO_FILE).read()))
    else:
        print("queue_job demo is not running")


if __name__ == "__main__":
    {"start": start, "stop": stop, "status": status}[sys.argv[1]]()
