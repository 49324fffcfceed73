# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""`make run` from a fresh copy of the repository, as a newcomer runs it.

The copy holds what a clone holds (the tracked files, with this checkout's
changes), in another directory; the machine's caches (virtualenv, Odoo
source, cluster, template databases) are reused, as on a second clone. The
demo runs with its own QJ_STATE, DEMO_DB and port, and only that Odoo is
stopped at the end: the cluster is shared with other runs.
"""
import os
import re
import shutil
import subprocess
import time

import psycopg2
import requests
from tooling_helpers import ROOT, base_env, qjdev, run


def tracked_files():
    """What a clone holds: git's files, or without git (a source archive)
    every file but caches and build outputs."""
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
    )
    if proc.returncode == 0:
        return [name.decode() for name in proc.stdout.split(b"\0") if name]
    names = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED]
        rel = os.path.relpath(folder, ROOT)
        names += [os.path.normpath(os.path.join(rel, f)) for f in files]
    return [name for name in names if not name.endswith(".pyc")]


SKIPPED = {".git", "__pycache__", ".pytest_cache", "build", "dist", "results"}


def fresh_copy(dest):
    for name in tracked_files():
        src = os.path.join(ROOT, name)
        if not os.path.lexists(src):
            continue  # deleted in this checkout, not yet committed
        os.makedirs(os.path.dirname(os.path.join(dest, name)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, name), follow_symlinks=False)
    return str(dest)


def printed(output, label):
    match = re.search(r"^\s*%s:\s+(.*)$" % label, output, re.M)
    assert match, "no %r line in:\n%s" % (label, output)
    return match.group(1).strip()


def wait_demo_jobs(db, timeout=60):
    """The demo's jobs once the runner has run what it can: {name: row}."""
    deadline = time.time() + timeout
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        while True:
            cr.execute(
                "SELECT name, state, exc_info, eta > now() at time zone 'UTC', "
                "graph_uuid FROM queue_job"
            )
            conn.commit()
            jobs = {
                row[0]: dict(zip(("state", "exc_info", "later", "graph"), row[1:]))
                for row in cr.fetchall()
            }
            settled = [j for j in jobs.values() if j["state"] in ("done", "failed")]
            if len(settled) == len(jobs) - 1 or time.time() > deadline:
                return jobs
            time.sleep(0.5)


def test_make_run_twice_from_a_fresh_clone(tmp_path, demo):
    clone = fresh_copy(tmp_path / "clone")
    env = base_env(**demo)

    first = run(["make", "run"], env, cwd=clone, timeout=600)
    assert first.returncode == 0, first
    assert "creating the demo database %s" % demo["DEMO_DB"] in first.stdout
    url = printed(first.stdout, "URL").split()[0]
    assert url == "http://localhost:%s" % demo["PORT"]
    runner = printed(first.stdout, "runner")
    assert runner == "queue job runner ready for db %s" % demo["DEMO_DB"]
    assert len(first.stdout.splitlines()) <= 12, first  # output stays short
    login = requests.get(url + "/web/login", timeout=30)
    assert login.status_code == 200
    assert 'name="login"' in login.text

    # the demo shows each kind of job
    jobs = wait_demo_jobs(demo["DEMO_DB"])
    assert jobs["Demo: a job that succeeds"]["state"] == "done"
    failed = jobs["Demo: a job that fails"]
    assert failed["state"] == "failed"
    assert (failed["exc_info"] or "").startswith("Traceback")
    tomorrow = jobs["Demo: a job for tomorrow"]
    assert (tomorrow["state"], tomorrow["later"]) == ("pending", True)
    chain = [job for name, job in jobs.items() if name.startswith("Demo chain")]
    assert len(chain) == 4
    assert {job["state"] for job in chain} == {"done"}
    assert len({job["graph"] for job in chain}) == 1 and chain[0]["graph"]

    second = run(["make", "run"], env, cwd=clone)
    assert second.returncode == 0, second
    assert "already running" in second.stdout, second
    assert url in second.stdout
    assert second.elapsed < 15, second

    status = run(["make", "status"], env, cwd=clone)
    assert status.returncode == 0, status
    assert "queue_job demo running" in status.stdout, status

    # stop that Odoo only (`make stop` could stop the shared cluster)
    stop = run([qjdev.PYTHON, "tools/run.py", "stop"], env, cwd=clone)
    assert stop.returncode == 0 and "stopped" in stop.stdout, stop
    assert not qjdev.port_in_use(int(demo["PORT"]))

    # the database is there, the server is not: it just starts
    third = run(["make", "run"], env, cwd=clone, timeout=300)
    assert third.returncode == 0, third
    assert "creating" not in third.stdout and "updating" not in third.stdout, third
    assert requests.get(url + "/web/login", timeout=30).status_code == 200
