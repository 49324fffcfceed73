# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""`make run` starts a prefork Odoo whose processes all stay up and answer.

Its HTTP workers, cron worker, job runner and longpolling (gevent) process
are checked from outside: none is respawned in the first 30 s (each is as old
as the server), and the longpolling port answers a poll with a notification
sent on the bus. A process that dies at start is reported, with its log.
"""
import json
import os
import threading
import time
import uuid

import requests
import rotating_log
import server_health
from tooling_helpers import base_env, qjdev, run

WATCH = 30


def demo_pid(demo):
    with open(os.path.join(demo["QJ_STATE"], "run", "odoo.pid")) as fh:
        return int(fh.read())


def longpolling_port(demo):
    with open(os.path.join(demo["QJ_STATE"], "run", "odoo.cmd")) as fh:
        command = fh.read()
    return int(command.split("--longpolling-port=")[1].split()[0])


def roles(pid):
    """{worker class or 'longpolling': [child pid, ...]} of the server."""
    found = {}
    for child in server_health.children(pid):
        found.setdefault(server_health.kind_from_cmdline(child), []).append(child)
    return found


def poll_until_notified(demo):
    """A /longpolling/poll waiting on a channel wakes up with what is sent
    on it: the gevent process listens to the bus and answers."""
    db = demo["DEMO_DB"]
    channel = "qj_tooling_%s" % uuid.uuid4().hex[:8]
    answers = []

    def poll():
        answers.append(
            requests.post(
                "http://127.0.0.1:%d/longpolling/poll" % longpolling_port(demo),
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"channels": [channel], "last": 0},
                },
                timeout=45,
            )
        )

    poller = threading.Thread(target=poll)
    poller.start()
    # what Odoo's bus.bus._sendone writes, then its NOTIFY (on 'postgres')
    target = json.dumps([db, channel], separators=(",", ":"))
    qjdev.psql(
        "INSERT INTO bus_bus (channel, message, create_date, write_date) "
        "VALUES ('%s', '%s', now() at time zone 'UTC', now() at time zone 'UTC')"
        % (target, json.dumps({"type": "qj.tooling", "payload": "hello"})),
        db=db,
    )
    qjdev.psql("SELECT pg_notify('imbus', '%s')" % json.dumps([[db, channel]]))
    poller.join(50)
    assert answers, "the longpolling request got no answer"
    assert answers[0].status_code == 200, answers[0].text
    result = answers[0].json()["result"]
    return [notification["message"] for notification in result]


def test_every_process_stays_up_and_longpolling_answers(demo):
    env = base_env(**demo, RUN_WATCH=str(WATCH))
    started = run(["make", "run"], env, timeout=600)
    assert started.returncode == 0, started
    assert "2 HTTP workers, cron worker, job runner, longpolling" in started.stdout

    pid = demo_pid(demo)
    found = roles(pid)
    assert {kind: len(pids) for kind, pids in found.items()} == {
        "WorkerHTTP": 2,
        "WorkerCron": 1,
        "WorkerJobRunner": 1,
        server_health.LONGPOLLING: 1,
    }, found
    # none was respawned since the server started (RUN_WATCH seconds ago)
    server_start = server_health.start_time(pid)
    assert server_health.uptime() - server_start >= WATCH
    for kind, pids in found.items():
        for child in pids:
            assert server_health.start_time(child) - server_start < 15, (kind, child)

    assert poll_until_notified(demo) == [{"type": "qj.tooling", "payload": "hello"}]
    with open(os.path.join(demo["QJ_STATE"], "run", "odoo.log")) as fh:
        log = fh.read()
    assert "DistributionNotFound" not in log
    assert "Evented Service (longpolling) running" in log

    again = run(["make", "run"], env)
    assert again.returncode == 0 and "already running" in again.stdout, again
    status = run(["make", "status"], env)
    assert "problem" not in status.stdout, status
    assert "/longpolling/poll answers on port" in status.stdout, status


def test_a_process_that_dies_at_start_is_reported_with_its_log(demo):
    # gevent reads this only in the longpolling process, and fails on it
    env = base_env(**demo, RUN_WATCH="6", GEVENT_LOOP="qj_no_such_loop")
    result = run(["make", "run"], env, timeout=600)
    assert result.returncode != 0, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "problem(s) with the Odoo server" in errors[0], result
    assert "longpolling (gevent) process died" in result.stdout, result
    assert "respawned" in result.stdout, result
    assert "/longpolling/poll does not answer" in result.stdout, result
    # its own last words, not the server's
    assert "Cannot import 'qj_no_such_loop'" in result.stdout, result


def test_the_log_is_cut_at_line_ends_and_bounded(tmp_path):
    path = str(tmp_path / "odoo.log")
    lines = [("line %05d " % n).encode() + b"x" * 90 + b"\n" for n in range(5000)]
    read_fd, write_fd = os.pipe()
    copier = threading.Thread(
        target=rotating_log.copy, args=(read_fd, path, 100_000, 2)
    )
    copier.start()
    for line in lines:
        os.write(write_fd, line)
    os.close(write_fd)
    copier.join(30)
    os.close(read_fd)
    assert sorted(os.listdir(tmp_path)) == ["odoo.log", "odoo.log.1", "odoo.log.2"]
    kept = b""
    for name in ("odoo.log.2", "odoo.log.1", "odoo.log"):
        with open(tmp_path / name, "rb") as fh:
            data = fh.read()
        assert len(data) <= 100_000
        assert data.endswith(b"\n")
        kept += data
    # the newest lines, whole and in order
    assert kept == b"".join(lines)[-len(kept) :]
    assert kept.startswith(b"line ")


def test_the_log_stays_bounded_whatever_the_reads_bring(tmp_path):
    # lines of several lengths, written in pieces that end anywhere: every
    # file stays under the limit, ends at a line end, and nothing is lost
    path = str(tmp_path / "odoo.log")
    lines = [
        ("line %05d " % n).encode() + b"y" * (n * 37 % 300) + b"\n" for n in range(3000)
    ]
    stream = b"".join(lines)
    read_fd, write_fd = os.pipe()
    copier = threading.Thread(
        target=rotating_log.copy, args=(read_fd, path, 2_000, 1000)
    )
    copier.start()
    for start in range(0, len(stream), 777):
        os.write(write_fd, stream[start : start + 777])
        time.sleep(0.0005)  # mostly one piece per read
    os.close(write_fd)
    copier.join(30)
    os.close(read_fd)
    names = sorted(
        os.listdir(tmp_path),
        key=lambda n: -int(n.rsplit(".", 1)[-1]) if n[-1].isdigit() else 0,
    )
    kept = b""
    for name in names:
        with open(tmp_path / name, "rb") as fh:
            data = fh.read()
        assert 0 < len(data) <= 2_000, name
        assert data.endswith(b"\n"), name
        kept += data
    assert kept == stream
