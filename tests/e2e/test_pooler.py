"""Through a real PgBouncer (Debian's ``pgbouncer``, started here on a free
port in front of the test cluster): what works and what the runner says.

- pool_mode = session, for Odoo and the runner: jobs run, a sequential
  channel keeps its order.
- pool_mode = transaction for the runner's connection: the runner does not
  serve the database and says why (LISTEN and its prepared pass query need
  a session), instead of missing notifications.
"""
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import qjdev


class PgBouncer:
    """A pgbouncer process in front of the cluster of the PG* variables."""

    def __init__(self, pool_mode):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            pytest.fail("pgbouncer missing: apt-get install pgbouncer (.ci/run does)")
        self.binary = binary
        self.port = qjdev.free_port()
        # not under the state directory: the user pgbouncer runs as (not root)
        # must reach it, and a state directory may sit in a private folder
        self.dir = tempfile.mkdtemp(prefix="qj_pgbouncer_")
        self.ini = os.path.join(self.dir, "pgbouncer.ini")
        self.log = os.path.join(self.dir, "pgbouncer.log")
        host = os.environ.get("PGHOST", "/var/run/postgresql")
        port = os.environ.get("PGPORT", "5432")
        user = os.environ.get("PGUSER", "odoo")
        with open(self.ini, "w") as fh:
            fh.write(
                "[databases]\n"
                "* = host=%s port=%s user=%s\n"
                "[pgbouncer]\n"
                "listen_addr = 127.0.0.1\n"
                "listen_port = %d\n"
                "unix_socket_dir =\n"
                "auth_type = any\n"
                "pool_mode = %s\n"
                "default_pool_size = 40\n"
                "max_client_conn = 400\n"
                "ignore_startup_parameters = extra_float_digits,options\n"
                "logfile = %s\n"
                "pidfile = %s\n"
                % (
                    host,
                    port,
                    user,
                    self.port,
                    pool_mode,
                    self.log,
                    os.path.join(self.dir, "pgbouncer.pid"),
                )
            )
        self.proc = None

    def start(self):
        cmd = [self.binary, self.ini]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            owner = "postgres"
            subprocess.run(["chown", "-R", owner, self.dir], check=True)
            cmd = ["runuser", "-u", owner, "--"] + cmd
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 20
        while not qjdev.port_in_use(self.port):
            assert self.proc.poll() is None, open(self.log).read()
            assert time.time() < deadline, "pgbouncer did not listen"
            time.sleep(0.1)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def env(self):
        return {"PGHOST": "127.0.0.1", "PGPORT": str(self.port)}


@pytest.fixture
def pgbouncer():
    started = []

    def start(pool_mode):
        started.append(PgBouncer(pool_mode).start())
        return started[-1]

    yield start
    for bouncer in started:
        bouncer.stop()


def test_everything_through_a_session_pool(db, servers, pgbouncer):
    bouncer = pgbouncer("session")
    server = servers.start(
        db.name, channels="root:2,root.seq:1:sequential", env=bouncer.env
    )
    assert "not served" not in server.log()
    rpc = servers.rpc(server)
    tags = ["pb%02d" % i for i in range(12)]
    uuids = rpc.enqueue(*[{"tag": t, "channel": "root.seq"} for t in tags])
    db.wait_states(uuids, timeout=60)
    started = db.query(
        "SELECT tag FROM queue_job_e2e_attempt WHERE tag LIKE 'pb%%' ORDER BY at"
    )
    assert [t for (t,) in started] == tags
    # every connection of Odoo went through the pooler
    assert db.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        " AND application_name = 'queue_job runner'",
        (db.name,),
    )
    assert "through a proxy or pooler" in server.log()


def test_runner_behind_a_transaction_pool_says_so(db, servers, pgbouncer):
    bouncer = pgbouncer("transaction")
    server = servers.start(
        db.name,
        ready=False,
        channels="root:2",
        env={
            "ODOO_QUEUE_JOB_JOBRUNNER_DB_HOST": "127.0.0.1",
            "ODOO_QUEUE_JOB_JOBRUNNER_DB_PORT": str(bouncer.port),
        },
    )
    server.wait_http()
    server.wait_log("db %s not served: .*pool_mode = transaction" % db.name, 60)
    assert "jobrunner_db_host" in server.log()
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "pb_tx"})
    time.sleep(3)
    assert db.states([uuid]) == {uuid: "pending"}, "no runner, nothing runs"
