"""Helpers shared by the project's tooling and its end-to-end tests.

Everything here drives real processes: ``odoo-bin`` servers, ``psql`` and
PostgreSQL databases. Settings come from the environment prepared by
``tools/bootstrap.sh`` and ``tools/pg.sh`` (ODOO_SRC, QJ_* and PG*).
"""
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("QJ_CACHE", "/var/cache/queue_job")
ODOO_SRC = os.environ.get("ODOO_SRC", os.path.join(CACHE, "odoo-15.0"))
STATE = os.environ.get("QJ_STATE", os.path.join(CACHE, "state"))
# Odoo's --data-dir (filestores): it goes with the cluster (tools/lib.sh)
DATA_DIR = os.environ.get("QJ_DATA_DIR", os.path.join(CACHE, "state", "filestore"))
PYTHON = os.environ.get(
    "QJ_PYTHON", os.path.join(os.environ.get("QJ_VENV", ""), "bin", "python")
)
if not os.path.exists(PYTHON):
    PYTHON = sys.executable

READY_RE = r"queue job runner ready for db %s\b"


def addons_path():
    paths = [ROOT]
    for sub in ("addons", os.path.join("odoo", "addons")):
        path = os.path.join(ODOO_SRC, sub)
        if os.path.isdir(path):
            paths.append(path)
    return ",".join(paths)


def wait_for(predicate, timeout, what, interval=0.05):
    """The first truthy value of ``predicate()``, polled every ``interval``
    seconds; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("%s: not after %ss" % (what, timeout))
        time.sleep(interval)


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port, host="127.0.0.1"):
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def db_options(env=None):
    """odoo-bin options pointing at the server described by PG* variables."""
    env = dict(os.environ, **(env or {}))
    opts = []
    for var, option in (
        ("PGHOST", "db_host"),
        ("PGPORT", "db_port"),
        ("PGUSER", "db_user"),
        ("PGPASSWORD", "db_password"),
    ):
        if env.get(var):
            opts.append("--%s=%s" % (option, env[var]))
    return opts


def odoo_cmd(*args):
    return [PYTHON, os.path.join(ODOO_SRC, "odoo-bin")] + list(args)


def odoo_shell(dbname, script):
    """Run ``script`` in ``odoo-bin shell`` on ``dbname``; the finished
    process (text output captured), for the caller to judge."""
    return subprocess.run(
        odoo_cmd(
            "shell",
            "--addons-path=%s" % addons_path(),
            "--data-dir=%s" % DATA_DIR,
            "-d",
            dbname,
            "--no-http",
            "--log-level=warn",
            *db_options(),
        ),
        input=script,
        text=True,
        capture_output=True,
    )


def psql(sql, db="postgres", check=True):
    """Run one SQL text with psql; return its unaligned output."""
    proc = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", db, "-c", sql],
        capture_output=True,
        text=True,
    )
    if check and proc.returncode:
        raise RuntimeError("psql failed: %s\n%s" % (sql, proc.stderr))
    return proc.stdout.strip()


def db_exists(name):
    return psql("SELECT 1 FROM pg_database WHERE datname = '%s'" % name) == "1"


def _disconnect(name):
    # client sessions only: autovacuum workers belong to the superuser and
    # go away by themselves
    psql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = '%s' AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'" % name
    )


def _retry_busy(sql):
    """Run ``sql``, retrying while the database is being accessed."""
    for attempt in range(50):
        try:
            return psql(sql)
        except RuntimeError as exc:
            if "is being accessed by other users" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.2)


def drop_db(name):
    _disconnect(name)
    _retry_busy('DROP DATABASE IF EXISTS "%s"' % name)
    shutil.rmtree(os.path.join(DATA_DIR, "filestore", name), ignore_errors=True)


def clone_db(template, name):
    """A new database copied from ``template`` (which must have no session)."""
    _disconnect(template)
    _retry_busy('CREATE DATABASE "%s" TEMPLATE "%s"' % (name, template))
    src = os.path.join(DATA_DIR, "filestore", template)
    if os.path.isdir(src):
        dst = os.path.join(DATA_DIR, "filestore", name)
        shutil.rmtree(dst, ignore_errors=True)  # left by a database dropped by hand
        shutil.copytree(src, dst)


def rename_db(name, new_name):
    """Rename a database (which must have no session) with its filestore."""
    psql('ALTER DATABASE "%s" RENAME TO "%s"' % (name, new_name))
    store = os.path.join(DATA_DIR, "filestore")
    if os.path.isdir(os.path.join(store, name)):
        # a filestore already under the new name belongs to no database
        shutil.rmtree(os.path.join(store, new_name), ignore_errors=True)
        os.rename(os.path.join(store, name), os.path.join(store, new_name))


def unique_name(prefix):
    return "%s_%s" % (prefix, uuid.uuid4().hex[:10])


def install_db(name, modules, log_path=None, demo=False, extra=()):
    """Create database ``name`` with ``modules`` installed, via odoo-bin."""
    args = odoo_cmd(
        "--addons-path=%s" % addons_path(),
        "--data-dir=%s" % DATA_DIR,
        "-d",
        name,
        "-i",
        ",".join(modules),
        "--stop-after-init",
        "--log-level=warn",
        "--http-port=%d" % free_port(),
        *db_options(),
        *extra,
    )
    if not demo:
        args.append("--without-demo=all")
    out = open(log_path, "w") if log_path else subprocess.DEVNULL
    try:
        proc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log_path:
            out.close()
    if proc.returncode:
        raise RuntimeError(
            "installing %s in %s failed%s"
            % (modules, name, " (see %s)" % log_path if log_path else "")
        )


BASE_MODULES = ["base_sparse_field", "mail", "web"]


def base_template():
    """A database with queue_job's dependencies installed, built once per
    cluster: installing ``mail`` costs a minute, cloning costs a second."""
    import fcntl
    import hashlib

    with open(os.path.join(ODOO_SRC, "odoo", "release.py"), "rb") as fh:
        key = hashlib.sha1(fh.read() + ",".join(BASE_MODULES).encode()).hexdigest()
    name = "qj_tmpl_base_%s" % key[:8]
    os.makedirs(os.path.dirname(DATA_DIR), exist_ok=True)
    with open(os.path.join(os.path.dirname(DATA_DIR), "template.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not db_exists(name):
            building = unique_name("qj_tmpl_building")
            log = os.path.join(STATE, "logs", "%s.log" % building)
            os.makedirs(os.path.dirname(log), exist_ok=True)
            # a minute or two, once per cluster: say why nothing else shows
            print(
                "==> building the template database %s, once (log: %s)" % (name, log),
                file=sys.stderr,
                flush=True,
            )
            try:
                install_db(building, BASE_MODULES, log_path=log, demo=True)
                rename_db(building, name)
            except BaseException:
                drop_db(building)
                raise
    return name


def new_db(prefix, modules=(), log_path=None):
    """A fresh database from the base template, with ``modules`` installed."""
    name = unique_name(prefix)
    clone_db(base_template(), name)
    if modules:
        install_db(name, modules, log_path=log_path, demo=True)
    return name


class OdooServer:
    """A real ``odoo-bin`` process serving HTTP on a free port.

    ``channels`` sets ODOO_QUEUE_JOB_CHANNELS; ``workers`` > 0 runs the
    prefork server (with a longpolling process on ``longpolling_port``), 0
    the threaded one; ``cron_threads`` cron workers or threads;
    ``job_workers`` job worker processes beside the HTTP workers (on
    ``job_port``), 0 to run jobs over HTTP, None for what the environment
    says. The log goes
    to a file that tests can wait on and read: Odoo's ``--logfile``, or with
    ``logfile=False`` whatever ``start(output=...)`` makes of Odoo's output.
    """

    def __init__(
        self,
        db,
        workers=2,
        channels="root:2",
        port=None,
        env=None,
        extra_args=(),
        load="web,queue_job",
        log_dir=None,
        db_filter=True,
        cron_threads=0,
        logfile=True,
        job_workers=None,
    ):
        self.db = db
        self.workers = workers
        self.cron_threads = cron_threads
        self.logfile = logfile
        # chosen once: command() is also written down before the start
        self.longpolling_port = free_port() if workers else None
        self.channels = channels
        self.port = port or free_port()
        self.job_workers = job_workers
        self.job_port = free_port() if job_workers else None
        self.env = {}
        if job_workers is not None:
            # 0 said too: not taken from the caller's environment
            self.env["ODOO_QUEUE_JOB_JOB_WORKERS"] = str(job_workers)
        if job_workers:
            self.env["ODOO_QUEUE_JOB_JOB_WORKERS_PORT"] = str(self.job_port)
        self.env.update(env or {})
        self.extra_args = list(extra_args)
        self.load = load
        self.db_filter = db_filter
        self.log_dir = log_dir or os.path.join(STATE, "logs")
        os.makedirs(self.log_dir, exist_ok=True)
        self.log_path = os.path.join(
            self.log_dir, "odoo-%s-%d.log" % (db or "nodb", self.port)
        )
        self.proc = None
        self._log_offset = 0

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def command(self):
        args = [
            "--addons-path=%s" % addons_path(),
            "--data-dir=%s" % DATA_DIR,
            "--http-port=%d" % self.port,
            "--http-interface=127.0.0.1",
            "--workers=%d" % self.workers,
            "--max-cron-threads=%d" % self.cron_threads,
            "--load=%s" % self.load,
            "--log-level=info",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
            "--limit-memory-soft=%d" % (2 * 1024**3),
            "--limit-memory-hard=%d" % (3 * 1024**3),
            "--without-demo=all",
        ]
        if self.logfile:
            args.append("--logfile=%s" % self.log_path)
        if self.workers:
            args.append("--longpolling-port=%d" % self.longpolling_port)
        if self.db:
            args += ["-d", self.db]
            if self.db_filter:
                args.append("--db-filter=^%s$" % re.escape(self.db))
        return odoo_cmd(*args, *db_options(self.env), *self.extra_args)

    def start(self, output=None):
        """Start Odoo; its stdout and stderr go to ``output`` if given, else
        stderr to a file next to the log."""
        env = dict(os.environ)
        if self.channels is not None:
            env["ODOO_QUEUE_JOB_CHANNELS"] = self.channels
        env.update(self.env)
        if output is None:
            if os.path.exists(self.log_path):
                os.unlink(self.log_path)
            open(self.log_path, "w").close()
            stdout, stderr = subprocess.DEVNULL, open(self.log_path + ".stderr", "w")
        else:
            stdout, stderr = output, subprocess.STDOUT
        self.proc = subprocess.Popen(
            self.command(),
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        return self

    def log(self):
        with open(self.log_path, errors="replace") as fh:
            return fh.read()

    def wait_log(self, pattern, timeout=60, since_mark=True):
        """Wait until the log matches ``pattern`` (after the last mark)."""
        regex = re.compile(pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.log()
            if regex.search(text[self._log_offset if since_mark else 0 :]):
                return True
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(
                    "odoo exited with %s before %r; log: %s"
                    % (self.proc.returncode, pattern, self.log_path)
                )
            time.sleep(0.05)
        raise TimeoutError("%r not in %s after %ss" % (pattern, self.log_path, timeout))

    def mark_log(self):
        self._log_offset = len(self.log())

    def wait_http(self, timeout=60):
        import requests

        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                requests.get(self.url + "/web/webclient/version_info", timeout=2)
                return True
            except requests.RequestException:
                if self.proc.poll() is not None:
                    raise RuntimeError("odoo exited; log: %s" % self.log_path) from None
                time.sleep(0.1)
        raise TimeoutError("odoo did not answer HTTP at %s" % self.url)

    def wait_ready(self, db=None, timeout=90):
        self.wait_http(timeout)
        self.wait_log(READY_RE % re.escape(db or self.db), timeout, since_mark=False)
        return self

    def children(self):
        """PIDs of the server's child processes (prefork workers)."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def job_worker_pids(self):
        """PIDs of the server's job workers, by the title Odoo gives each
        prefork process ("odoo: JobWorker <pid>")."""
        return sorted(p for p in self.children() if "JobWorker" in process_title(p))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """SIGTERM to the server (it stops its workers itself); what is left
        of its process group after ``timeout`` is killed."""
        if not self.proc or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            if sig == signal.SIGKILL:
                os.killpg(self.proc.pid, sig)
            else:
                os.kill(self.proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def kill(self):
        self.stop(signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def process_title(pid):
    """The command line of process ``pid`` as ``ps`` shows it ("" if gone)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def tmpdir(prefix="qj"):
    os.makedirs(STATE, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=STATE)


class TempCluster:
    """A throw-away PostgreSQL cluster, for tests that restart or kill it.

    Runs as an unprivileged user when we are root (initdb refuses root) and
    listens on its own unix socket directory.
    """

    def __init__(self, port=None):
        self.port = port or free_port()
        self.base = tempfile.mkdtemp(prefix="qj_pg_", dir="/var/tmp")
        self.data = os.path.join(self.base, "data")
        self.sock = os.path.join(self.base, "run")
        self.osuser = None
        if os.geteuid() == 0:
            import pwd

            try:
                pwd.getpwnam("postgres")
                self.osuser = "postgres"
            except KeyError:
                self.osuser = "nobody"
        self.bindir = pg_bindir()

    def _run(self, *args, check=True):
        cmd = list(args)
        if self.osuser:
            cmd = ["runuser", "-u", self.osuser, "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    @property
    def env(self):
        return {"PGHOST": self.sock, "PGPORT": str(self.port), "PGUSER": "odoo"}

    def init(self):
        os.makedirs(self.sock)
        if self.osuser:
            subprocess.run(["chown", "-R", self.osuser, self.base], check=True)
        os.chmod(self.base, 0o755)
        self._run(
            os.path.join(self.bindir, "initdb"),
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        with open(os.path.join(self.data, "postgresql.conf"), "a") as fh:
            fh.write(
                "listen_addresses = ''\nunix_socket_directories = '%s'\n"
                "port = %d\nmax_connections = 100\nfsync = off\n"
                % (self.sock, self.port)
            )
        self.start()
        self.psql("CREATE ROLE odoo LOGIN CREATEDB SUPERUSER", user="postgres")
        return self

    def pg_ctl(self, *args):
        return self._run(
            os.path.join(self.bindir, "pg_ctl"),
            "-D",
            self.data,
            "-w",
            "-t",
            "60",
            "-l",
            os.path.join(self.base, "log"),
            *args,
        )

    def start(self):
        self.pg_ctl("start")

    def stop(self, mode="fast"):
        self.pg_ctl("stop", "-m", mode)

    def restart(self):
        self.pg_ctl("restart", "-m", "fast")

    def psql(self, sql, db="postgres", user="odoo"):
        env = dict(os.environ)
        env.update(self.env, PGUSER=user)
        proc = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-d", db, "-c", sql],
            capture_output=True,
            text=True,
            env=env,
        )
        if proc.returncode:
            raise RuntimeError("psql failed: %s\n%s" % (sql, proc.stderr))
        return proc.stdout.strip()

    def copy_db_from_main(self, name, new_name=None):
        """Copy database ``name`` of the main cluster into this one."""
        new_name = new_name or name
        self.psql('CREATE DATABASE "%s"' % new_name)
        dump = subprocess.Popen(["pg_dump", "-Fc", "-d", name], stdout=subprocess.PIPE)
        env = dict(os.environ)
        env.update(self.env)
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", new_name],
            stdin=dump.stdout,
            env=env,
            check=True,
            capture_output=True,
        )
        dump.wait()
        src = os.path.join(DATA_DIR, "filestore", name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(DATA_DIR, "filestore", new_name))
        return new_name

    def destroy(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")  # already stopped
        shutil.rmtree(self.base, ignore_errors=True)


def pg_bindir():
    for candidate in (
        sorted(
            (p for p in os.listdir("/usr/lib/postgresql") if p[0].isdigit()),
            reverse=True,
        )
        if os.path.isdir("/usr/lib/postgresql")
        else []
    ):
        path = os.path.join("/usr/lib/postgresql", candidate, "bin")
        if os.path.exists(os.path.join(path, "pg_ctl")):
            return path
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    raise RuntimeError("PostgreSQL server binaries not found")
