"""`make run` / `make stop` / `make status`: Odoo with queue_job on a demo database.

start: creates the demo database if missing (queue_job installed, a few demo
jobs enqueued), updates queue_job in it when the addon's source changed since,
starts Odoo in the background with --load=web,queue_job, 2 workers and channels
root:2, waits until its jobrunner is ready for the demo database, then prints
the URL, the login and the runner's log line.

Everything it keeps is under $QJ_STATE/run: another QJ_STATE is another demo.
"""
import hashlib
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qjdev  # noqa: E402

RUN_DIR = os.path.join(qjdev.STATE, "run")
PID_FILE = os.path.join(RUN_DIR, "odoo.pid")
INFO_FILE = os.path.join(RUN_DIR, "odoo.url")
LOG_FILE = os.path.join(RUN_DIR, "odoo.log")
CMD_FILE = os.path.join(RUN_DIR, "odoo.cmd")
DB = os.environ.get("DEMO_DB", "queue_job_demo")
PORT = int(os.environ.get("PORT", "8069"))
WORKERS = int(os.environ.get("WORKERS", "2"))
CHANNELS = os.environ.get("CHANNELS", "root:2")
# which source of the addon the demo database was last installed/updated from
HASH_KEY = "queue_job_dev.source_hash"

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
    """The pid of the demo server, if it runs (a stale pid file is ignored)."""
    try:
        with open(PID_FILE) as fh:
            pid = int(fh.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            if b"odoo-bin" not in fh.read():
                return None
        return pid
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def fail(message):
    print("error: %s" % message, file=sys.stderr)
    sys.exit(1)


def one_line(exc):
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if len(lines) < 2 else "%s: %s" % (lines[0], lines[-1])


def addon_hash():
    digest = hashlib.sha256()
    addon = os.path.join(qjdev.ROOT, "queue_job")
    for folder, dirs, files in sorted(os.walk(addon)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, addon).encode() + b"\0")
            with open(path, "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()


def store_hash(value):
    qjdev.psql(
        "INSERT INTO ir_config_parameter (key, value, create_date, write_date) "
        "VALUES ('%s', '%s', now() at time zone 'UTC', now() at time zone 'UTC') "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" % (HASH_KEY, value),
        db=DB,
    )


def update_if_changed():
    """Odoo does not update an installed addon by itself: a demo database
    made from older code would fail on missing columns or views."""
    current = addon_hash()
    stored = qjdev.psql(
        "SELECT value FROM ir_config_parameter WHERE key = '%s'" % HASH_KEY, db=DB
    )
    if stored == current:
        return
    log = os.path.join(RUN_DIR, "update.log")
    print(
        "==> updating queue_job in %s: its source changed (log: %s)" % (DB, log),
        flush=True,
    )
    try:
        qjdev.install_db(DB, ["queue_job"], log_path=log, extra=["-u", "queue_job"])
    except RuntimeError:
        fail("updating queue_job in %s failed; see %s" % (DB, log))
    store_hash(current)


def create_demo_db():
    log = os.path.join(RUN_DIR, "install.log")
    print("==> creating the demo database %s (log: %s)" % (DB, log), flush=True)
    building = qjdev.unique_name("qj_demo_building")
    source = addon_hash()
    qjdev.clone_db(qjdev.base_template(), building)
    try:
        qjdev.install_db(building, ["queue_job"], log_path=log, demo=True)
        proc = qjdev.odoo_shell(building, DEMO_JOBS)
        if proc.returncode:
            fail("creating the demo jobs failed:\n%s" % proc.stderr[-3000:])
        qjdev.rename_db(building, DB)
    except BaseException:
        qjdev.drop_db(building)
        raise
    store_hash(source)


def start():
    os.makedirs(RUN_DIR, exist_ok=True)
    pid = running_pid()
    if pid:
        with open(INFO_FILE) as fh:
            url = fh.read().strip()
        print(
            "queue_job demo already running (pid %d): %s; make stop stops it"
            % (pid, url)
        )
        return
    if qjdev.port_in_use(PORT):
        fail(
            "port %d is taken; free it or choose another: make run PORT=%d"
            % (PORT, PORT + 1)
        )
    try:
        if qjdev.db_exists(DB):
            update_if_changed()
        else:
            create_demo_db()
    except RuntimeError as exc:  # a failed odoo-bin or psql: say which, in one line
        fail(one_line(exc))
    server = qjdev.OdooServer(
        DB,
        workers=WORKERS,
        channels=CHANNELS,
        port=PORT,
        log_dir=RUN_DIR,
        db_filter=False,
    )
    server.log_path = LOG_FILE
    with open(CMD_FILE, "w") as fh:
        fh.write(" ".join(server.command()) + "\n")
    # the demo server outlives this script: its own session, a pid file
    server.start()
    with open(PID_FILE, "w") as fh:
        fh.write(str(server.proc.pid))
    url = "http://localhost:%d" % PORT
    with open(INFO_FILE, "w") as fh:
        fh.write("%s (database %s)" % (url, DB))
    print("==> starting Odoo on port %d (command: %s)" % (PORT, CMD_FILE), flush=True)
    try:
        server.wait_ready(DB, timeout=120)
    except (RuntimeError, TimeoutError) as exc:
        server.stop()
        os.unlink(PID_FILE)
        fail("Odoo did not come up (%s); see %s" % (exc, LOG_FILE))
    match = re.search(
        r"queue job runner ready for db %s\b.*" % re.escape(DB), server.log()
    )
    print(
        "queue_job demo is running\n"
        "  URL:      %s  (database %s)\n"
        "  login:    admin / admin\n"
        "  menu:     Job Queue > Queue > Jobs\n"
        "  runner:   %s\n"
        "  log:      %s\n"
        "  stop:     make stop"
        % (url, DB, match.group(0).strip() if match else "?", LOG_FILE)
    )


def stop(quiet=False):
    pid = running_pid()
    if not pid:
        if not quiet:
            print("queue_job demo is not running")
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.time() + 30
    while alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.killpg(pid, signal.SIGKILL)
    os.unlink(PID_FILE)
    if not quiet:
        print("queue_job demo stopped")


def status():
    pid = running_pid()
    if pid:
        with open(INFO_FILE) as fh:
            print("queue_job demo running (pid %d): %s" % (pid, fh.read().strip()))
    else:
        print("queue_job demo is not running")


if __name__ == "__main__":
    commands = {"start": start, "stop": stop, "status": status}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        fail("usage: run.py start|stop|status")
    commands[sys.argv[1]]()
