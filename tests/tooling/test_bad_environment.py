# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A bad environment gets one clear line "error: ..." saying what to do, and
a non-zero exit, from the scripts behind `make run` and `make test`."""
import os
import socket
import subprocess

import pytest
from tooling_helpers import ROOT, base_env, qjdev, run

# the commands a user runs, and the script each bad case is first met in
MAKE_TEST = ["tools/test.sh"]
MAKE_RUN = ["tools/run.sh", "start"]
BOOTSTRAP = ["tools/bootstrap.sh"]
PG_ENSURE = ["tools/pg.sh", "ensure"]


def entry_env(demo, **overrides):
    # SUITE=none: should the check let test.sh through, it runs no test
    # and fails (no error line), instead of running the suite in the suite
    return base_env(**dict(demo, SUITE="none", **overrides))


def without_server(env):
    """No server named: the scripts use (or make) their private cluster."""
    named = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")
    return {k: v for k, v in env.items() if k not in named}


@pytest.mark.parametrize("command", [BOOTSTRAP, MAKE_TEST, MAKE_RUN])
def test_no_python_310(tmp_path, demo, command):
    venv = tmp_path / "venv"
    env = entry_env(demo, PYTHON="/nonexistent", QJ_VENV=str(venv))
    result = run(command, env)
    result.one_error("Python 3.10", "PYTHON")
    assert not venv.exists()


@pytest.mark.parametrize("command", [BOOTSTRAP, MAKE_TEST, MAKE_RUN])
def test_no_odoo_source(tmp_path, demo, command):
    src = tmp_path / "odoo"
    src.mkdir()
    env = entry_env(
        demo,
        ODOO_SRC=str(src),
        ODOO_TARBALL_URL="http://127.0.0.1:9/x.tar.gz",
        QJ_VENV=str(tmp_path / "venv"),
    )
    result = run(command, env)
    result.one_error("Odoo 15.0", "ODOO_SRC")
    # the failed download leaves nothing behind
    assert not [name for name in os.listdir(tmp_path) if "download" in name]
    assert os.listdir(src) == []
    assert not (tmp_path / "venv").exists()


def test_odoo_source_is_something_else(tmp_path):
    src = tmp_path / "not-odoo"
    src.mkdir()
    (src / "README").write_text("my notes\n")
    env = base_env(ODOO_SRC=str(src), ODOO_TARBALL_URL="http://127.0.0.1:9/x.tar.gz")
    result = run(BOOTSTRAP, env)
    result.one_error("ODOO_SRC=%s" % src, "odoo-bin")
    assert os.listdir(src) == ["README"]


def test_port_taken(tmp_path, demo):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        # a pid file left by a demo that died: not "already running"
        run_dir = os.path.join(demo["QJ_STATE"], "run")
        os.makedirs(run_dir)
        with open(os.path.join(run_dir, "odoo.pid"), "w") as fh:
            fh.write(str(os.getpid()))
        # whatever slow work came before the port check would fail here
        # first, with its own message: no Python, no PostgreSQL
        env = entry_env(
            demo,
            PORT=str(port),
            PYTHON="/nonexistent",
            QJ_VENV=str(tmp_path / "venv"),
            PG_BINDIR="/nonexistent",
            QJ_PGDATA=str(tmp_path / "pgdata"),
        )
        result = run(MAKE_RUN, without_server(env))
    result.one_error("port %d is taken" % port, "PORT=")
    assert result.elapsed < 5, result
    assert not (tmp_path / "venv").exists()
    assert not (tmp_path / "pgdata").exists()
    assert not qjdev.db_exists(demo["DEMO_DB"])


def test_port_not_a_number(demo):
    result = run(MAKE_RUN, entry_env(demo, PORT="80a"))
    result.one_error("PORT=80a", "make run PORT=")


def test_demo_db_not_a_database_name(demo):
    result = run(MAKE_RUN, entry_env(demo, DEMO_DB='my "demo"'))
    result.one_error('DEMO_DB=my "demo"', "letters, digits")


def path_without_pg_ctl():
    return os.pathsep.join(
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if not os.path.exists(os.path.join(d, "pg_ctl"))
    )


@pytest.mark.parametrize("command", [PG_ENSURE, MAKE_TEST, MAKE_RUN])
def test_postgresql_binaries_missing(tmp_path, demo, command):
    pgdata = tmp_path / "pgdata"
    env = entry_env(
        demo,
        PG_BINDIR="/nonexistent",
        PATH=path_without_pg_ctl(),
        QJ_PGDATA=str(pgdata),
    )
    result = run(command, without_server(env))
    result.one_error("PostgreSQL", "PG_BINDIR=/nonexistent")
    assert not pgdata.exists()
    assert not (tmp_path / "pgrun").exists()
    # the cluster the suite runs on still answers
    assert qjdev.psql("SELECT 1") == "1"


@pytest.mark.parametrize("command", [PG_ENSURE, MAKE_TEST, MAKE_RUN])
def test_database_server_unreachable(demo, command):
    env = entry_env(demo, PGHOST="/tmp/nowhere", PGPORT="1")
    result = run(command, env)
    result.one_error("/tmp/nowhere:1", "PGHOST")
    assert result.elapsed < 30, result


def test_pg_status_names_the_bad_server():
    env = base_env(PGHOST="/tmp/nowhere", PGPORT="1")
    result = run(["tools/pg.sh", "status"], env)
    result.one_error("/tmp/nowhere:1")


def test_unknown_commands_say_usage():
    for command in (["tools/pg.sh", "restart"], ["tools/run.sh", "go"]):
        run(command, base_env()).one_error("usage:")
    proc = subprocess.run(
        [qjdev.PYTHON, os.path.join(ROOT, "tools", "run.py"), "go"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert proc.stderr.strip() == "error: usage: run.py start|stop|status"
