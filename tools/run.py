"""`make run` / `make stop` / `make status`: Odoo with queue_job on a demo database.

start: creates the demo database if missing (queue_job installed, a few demo
jobs enqueued), updates queue_job in it when the addon's source changed since,
starts Odoo in the background with --load=web,queue_job, 2 HTTP workers, a
cron worker and channels root:2, waits until its jobrunner is ready for the
demo database, then watches the server for RUN_WATCH seconds (10): every
process it started must stay up and the longpolling port must answer. It
prints the URL, the login and the runner's log line, or what died with its
log lines (then exits 1, leaving the server up for a look).

The output of every Odoo process goes through tools/rotating_log.py into
odoo.log, which is rotated at 10 MB (three old files kept).

Everything it keeps is under $QJ_STATE/run: another QJ_STATE is another demo.
"""
import hashlib
import os
import re
import signal
import subprocess
import sys
import time

import qjdev
import rotating_log
import server_health

RUN_DIR = os.path.join(qjdev.STATE, "run")
PID_FILE = os.path.join(RUN_DIR, "odoo.pid")
INFO_FILE = os.path.join(RUN_DIR, "odoo.url")
LOG_FILE = os.path.join(RUN_DIR, "odoo.log")
CMD_FILE = os.path.join(RUN_DIR, "odoo.cmd")
DB = os.environ.get("DEMO_DB", "queue_job_demo")
PORT = int(os.environ.get("PORT", "8069"))
WORKERS = int(os.environ.get("WORKERS", "2"))
CRON_THREADS = 1
WATCH = float(os.environ.get("RUN_WATCH", "10"))
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


def expected_processes():
    """The children the prefork server keeps up: {kind: count}."""
    if not WORKERS:
        return {}  # the threaded server: no child process
    return {
        "WorkerHTTP": WORKERS,
        "WorkerCron": CRON_THREADS,
        "WorkerJobRunner": 1,
        server_health.LONGPOLLING: 1,
    }


def longpolling_port():
    """The port that serves /longpolling/poll, read from the saved command."""
    with open(CMD_FILE) as fh:
        match = re.search(r"--longpolling-port=(\d+)", fh.read())
    return int(match.group(1)) if match else PORT


def check_health(pid, seconds, from_end=False):
    """Watch the server for ``seconds``; (watch, problems, longpolling port)."""
    watch = server_health.Watch(pid, LOG_FILE, from_end=from_end)
    watch.watch(seconds)
    problems = watch.problems(expected_processes())
    port = longpolling_port()
    answer = server_health.longpolling_answers(port)
    if answer:
        problems.append("/longpolling/poll does not answer: %s" % answer)
    return watch, problems, port


def summary(watch, port):
    running = watch.running()
    parts = []
    for kind in expected_processes():
        have = len(running.get(kind, []))
        name = server_health.label(kind)
        parts.append("%d %ss" % (have, name) if have != 1 else name)
    parts.append("/longpolling/poll answers on port %d" % port)
    return ", ".join(parts)


def report_problems(watch, problems):
    """Print what went wrong, with the log lines of each dead process; exit 1."""
    print("Odoo started, but not every process stays up and answers:")
    for problem in problems:
        print("  - %s" % problem)
    for kind, pid in watch.first_dead().items():
        lines = watch.log_of(pid, limit=25)
        print(
            "last log lines of the first %s that died (pid %d):"
            % (server_health.label(kind), pid)
        )
        for line in lines or ["(none)"]:
            print("    %s" % line)
    sys.stdout.flush()
    fail(
        "%d problem(s) with the Odoo server (above; log: %s); it is left running "
        "for a look: make stop stops it" % (len(problems), LOG_FILE)
    )


def start_logged(server):
    """Start Odoo with its output piped to a rotating odoo.log."""
    rotating_log.rotate(LOG_FILE)  # the previous run's log becomes odoo.log.1
    open(LOG_FILE, "w").close()
    # from an older `make run`, which kept stderr apart
    if os.path.exists(LOG_FILE + ".stderr"):
        os.unlink(LOG_FILE + ".stderr")
    keeper = subprocess.Popen(
        [qjdev.PYTHON, os.path.join(qjdev.ROOT, "tools", "rotating_log.py"), LOG_FILE],
        stdin=subprocess.PIPE,
        # not our stdout: whoever reads `make run` would wait for it to end
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        server.start(output=keeper.stdin)
    finally:
        keeper.stdin.close()  # the Odoo processes hold it; it ends with them


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
        watch, problems, _port = check_health(pid, min(WATCH, 3), from_end=True)
        if problems:
            report_problems(watch, problems)
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
        cron_threads=CRON_THREADS,
        logfile=False,
    )
    server.log_path = LOG_FILE
    with open(CMD_FILE, "w") as fh:
        fh.write(" ".join(server.command()) + "\n")
    # the demo server outlives this script: its own session, a pid file
    start_logged(server)
    with open(PID_FILE, "w") as fh:
        fh.write(str(server.proc.pid))
    url = "http://localhost:%d" % PORT
    with open(INFO_FILE, "w") as fh:
        fh.write("%s (database %s)" % (url, DB))
    print(
        "==> starting Odoo on port %d, then watching its processes for %.0fs "
        "(command: %s)" % (PORT, WATCH, CMD_FILE),
        flush=True,
    )
    try:
        server.wait_ready(DB, timeout=120)
    except (RuntimeError, TimeoutError) as exc:
        server.stop()
        os.unlink(PID_FILE)
        fail("Odoo did not come up (%s); see %s" % (exc, LOG_FILE))
    match = re.search(
        r"queue job runner ready for db %s\b.*" % re.escape(DB), server.log()
    )
    watch, problems, port = check_health(server.proc.pid, WATCH)
    if problems:
        report_problems(watch, problems)
    print(
        "queue_job demo is running\n"
        "  URL:       %s  (database %s)\n"
        "  login:     admin / admin\n"
        "  menu:      Job Queue > Queue > Jobs\n"
        "  runner:    %s\n"
        "  processes: %s\n"
        "  log:       %s\n"
        "  stop:      make stop"
        % (
            url,
            DB,
            match.group(0).strip() if match else "?",
            summary(watch, port),
            LOG_FILE,
        )
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
    if not pid:
        print("queue_job demo is not running")
        return
    with open(INFO_FILE) as fh:
        print("queue_job demo running (pid %d): %s" % (pid, fh.read().strip()))
    watch, problems, port = check_health(pid, 0, from_end=True)
    server_start = server_health.start_time(pid)
    now = server_health.uptime()
    for kind, pids in sorted(watch.running().items(), key=lambda item: str(item[0])):
        for child in pids:
            started = server_health.start_time(child)
            print(
                "  %-30s pid %-7d up %ds%s"
                % (
                    server_health.label(kind),
                    child,
                    now - started,
                    # the first ones start within seconds of the server
                    " (started %ds after the server: a respawn?)"
                    % (started - server_start)
                    if started - server_start > 60
                    else "",
                )
            )
    for problem in problems:
        print("  problem: %s" % problem)
    if not problems:
        print("  /longpolling/poll answers on port %d" % port)


if __name__ == "__main__":
    commands = {"start": start, "stop": stop, "status": status}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        fail("usage: run.py start|stop|status")
    commands[sys.argv[1]]()
