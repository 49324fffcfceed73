"""The runner's dispatch requests against real servers: a request replayed
starts nothing, a bad one is refused without touching a database, the secret
is rotated while jobs run, and the health check stays cheap.

A small recording proxy sits between the runner and Odoo (the runner's
``port`` points at it) to capture requests as the runner sent them.
"""
import http.client
import socket
import threading
import time
import urllib.parse
import uuid as uuidlib

import pure_import
import qjdev
import requests

dispatch = pure_import.load("jobrunner.dispatch")


class RecordingProxy:
    """Forwards HTTP requests to ``target_port`` and keeps each one
    (method, path, headers, body) as it came."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = qjdev.free_port()
        self.requests = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, body = data.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
            length = int(headers.get("Content-Length", 0))
            while len(body) < length:
                body += conn.recv(65536)
            self.requests.append((method, path, headers, body))
            status, answer = send(self.target_port, method, path, headers, body)
            conn.sendall(
                b"HTTP/1.1 %d X\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                % (status, len(answer))
                + answer
            )

    def close(self):
        self.sock.close()


def send(port, method, path, headers=None, body=b""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def post_form(server, form):
    return requests.post(server.url + "/queue_job/runjob", data=form, timeout=30)


def secret_of(db):
    return db.scalar(
        "SELECT value FROM ir_config_parameter WHERE key = 'queue_job.dispatch_secret'"
    )


def signed(db, job_uuid, secret=None, **fields):
    secret = secret or secret_of(db)
    form = {
        "db": db.name,
        "job_uuid": job_uuid,
        "channel": "",
        "budget": "0",
        "sequential": "0",
        "nonce": "00000000-0000-4000-8000-000000000000",
        "exp": str(int(time.time()) + 5),
        "kid": dispatch.key_id(secret),
    }
    form.update(fields)
    form["token"] = dispatch.sign(secret, form)
    return form


def attempt_count(db, tag):
    return db.scalar(
        "SELECT count(*) FROM queue_job_e2e_attempt WHERE tag = %s", (tag,)
    )


def test_replayed_dispatch_request_starts_nothing(db, servers):
    odoo_port = qjdev.free_port()
    proxy = RecordingProxy(odoo_port)
    try:
        server = servers.start(
            db.name,
            port=odoo_port,
            channels="root:2,root.replay:1",
            env={"ODOO_QUEUE_JOB_PORT": str(proxy.port)},
        )
        rpc = servers.rpc(server)
        root = rpc.call("queue.job.channel", "search", [("complete_name", "=", "root")])
        rpc.call(
            "queue.job.channel", "create", {"name": "replay", "parent_id": root[0]}
        )
        (first,) = rpc.enqueue({"tag": "rp_first", "channel": "root.replay"})
        db.wait_states([first], timeout=30)
        captured = [r for r in proxy.requests if first.encode() in r[1].encode() + r[3]]
        assert captured, "the runner's request was not seen"
        assert all(method == "POST" for method, _p, _h, _b in captured)
        assert all(first not in path for _m, path, _h, _b in captured)
        # another job of the channel, which the runner holds back (paused):
        # the replayed request must not start it in place of the done one
        db.query(
            "UPDATE queue_job_channel SET paused = true"
            " WHERE complete_name = 'root.replay'"
        )
        (second,) = rpc.enqueue({"tag": "rp_second", "channel": "root.replay"})
        for method, path, headers, body in captured:
            send(odoo_port, method, path, headers, body)
        time.sleep(2)
        assert attempt_count(db, "rp_first") == 1
        assert attempt_count(db, "rp_second") == 0
        assert db.states([second]) == {second: "pending"}
        # once expired, the same request is refused outright
        time.sleep(6)
        for method, path, headers, body in captured:
            status, _answer = send(odoo_port, method, path, headers, body)
            assert status == 403
        assert attempt_count(db, "rp_second") == 0
    finally:
        proxy.close()


def write_ticket(db, nonce, job_uuid):
    """The ticket as the runner writes it (jobrunner/tickets.py)."""
    db.query(
        "INSERT INTO queue_job_ticket (nonce, job_uuid, channel, expires_at)"
        " VALUES (%s::uuid, %s, '', now() AT TIME ZONE 'UTC' + interval '5 s')",
        (nonce, job_uuid),
    )


def paused_channel_server(db, servers, name):
    """A threaded server that served a job (its secrets read), and a paused
    channel root.``name``: the runner sends nothing for its jobs, the test
    does. Returns the server and its RPC client."""
    server = servers.start(db.name, workers=0, channels="root:2")
    rpc = servers.rpc(server)
    (warm,) = rpc.enqueue({"tag": "warm"})
    db.wait_states([warm], timeout=30)
    root = rpc.call("queue.job.channel", "search", [("complete_name", "=", "root")])
    rpc.call(
        "queue.job.channel",
        "create",
        {"name": name, "parent_id": root[0], "paused": True},
    )
    return server, rpc


def test_request_ahead_of_its_ticket_waits_for_it(db, servers):
    # the runner writes a ticket while its request travels: a request that
    # is there first waits for it, briefly
    server, rpc = paused_channel_server(db, servers, "ahead")
    (uuid, never) = rpc.enqueue(
        {"tag": "ahead", "channel": "root.ahead"},
        {"tag": "ahead_never", "channel": "root.ahead"},
    )
    form = signed(db, uuid, nonce=str(uuidlib.uuid4()))
    writer = threading.Timer(0.03, write_ticket, (db, form["nonce"], uuid))
    writer.start()
    response = post_form(server, form)
    writer.join()
    assert response.status_code == 200
    db.wait_states([uuid], timeout=30)
    assert attempt_count(db, "ahead") == 1
    # a ticket that never comes: nothing starts, and the wait is short
    began = time.time()
    response = post_form(server, signed(db, never, nonce=str(uuidlib.uuid4())))
    assert response.status_code == 200
    assert time.time() - began < 1.0
    assert attempt_count(db, "ahead_never") == 0
    assert db.states([never]) == {never: "pending"}


def test_request_whose_job_was_taken_runs_the_next_one_with_its_ticket(db, servers):
    # the claim of the requested job consumes the ticket only with the job:
    # when the job is gone, the ticket is left for the channel's next job
    server, rpc = paused_channel_server(db, servers, "taken")
    taken, following = rpc.enqueue(
        {"tag": "taken_first", "channel": "root.taken"},
        {"tag": "taken_next", "channel": "root.taken"},
    )
    # another slot ran the requested job meanwhile
    db.query("UPDATE queue_job SET state = 'done' WHERE uuid = %s", (taken,))
    form = signed(db, taken, channel="root.taken", nonce=str(uuidlib.uuid4()))
    write_ticket(db, form["nonce"], taken)
    assert post_form(server, form).status_code == 200
    db.wait_states([following], timeout=30)
    assert attempt_count(db, "taken_next") == 1
    assert attempt_count(db, "taken_first") == 0
    # the seat went with the slot's end
    assert (
        db.scalar(
            "SELECT count(*) FROM queue_job_ticket WHERE nonce = %s", (form["nonce"],)
        )
        == 0
    )


def bad_requests(db, job_uuid):
    """(what, method, path or form) of requests that must be refused."""
    good = signed(db, job_uuid)
    wrong = dict(good, token="0" * 64)
    expired = signed(db, job_uuid, exp=str(int(time.time()) - 1))
    far = signed(db, job_uuid, exp=str(int(time.time()) + 3600))
    unknown_key = signed(db, job_uuid, secret="not the secret")
    non_ascii = dict(good, token="é" * 64)
    non_ascii_field = dict(good, channel="rootë")
    missing = {k: v for k, v in good.items() if k != "nonce"}
    return [
        ("wrong token", "POST", wrong),
        ("expired", "POST", expired),
        ("expiry too far", "POST", far),
        ("unknown key", "POST", unknown_key),
        ("non-ASCII token", "POST", non_ascii),
        ("non-ASCII field", "POST", non_ascii_field),
        ("missing field", "POST", missing),
        ("empty", "POST", {}),
        ("signed GET", "GET", good),
    ]


def sessions(db):
    return db.scalar(
        "SELECT sessions FROM pg_stat_database WHERE datname = %s", (db.name,)
    )


def test_bad_requests_are_refused_without_database(db, servers):
    # threaded: one process, whose secrets are read once it served a job
    server = servers.start(db.name, workers=0, channels="root:2")
    rpc = servers.rpc(server)
    (uuid,) = rpc.enqueue({"tag": "warm"})
    db.wait_states([uuid], timeout=30)
    (pending,) = rpc.enqueue({"tag": "never", "eta": 3600})
    assert db.conn  # this test's own session, opened before counting
    before = sessions(db)
    url = server.url + "/queue_job/runjob"
    for _round in range(5):
        for what, method, form in bad_requests(db, pending):
            if method == "GET":
                response = requests.get(url, params=form, timeout=30)
            else:
                body = urllib.parse.urlencode(form, encoding="utf-8")
                response = requests.post(
                    url,
                    data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                    timeout=30,
                )
            assert response.status_code == 403, what
            assert response.text == "Forbidden\n", what
    assert sessions(db) == before, "a refused request opened a connection"
    assert attempt_count(db, "never") == 0
    assert "Traceback" not in server.log()


def test_secret_rotated_while_draining(db, servers):
    server = servers.start(db.name, channels="root:2")
    rpc = servers.rpc(server)
    old = secret_of(db)
    uuids = rpc.enqueue(*[{"tag": "rot%03d" % i, "sleep": 0.1} for i in range(150)])
    qjdev.wait_for(
        lambda: db.scalar("SELECT count(*) FROM queue_job_e2e_trace") >= 5,
        30,
        "some jobs done",
    )
    # the shell way (odoo-bin shell), as an administrator would
    shell = qjdev.odoo_shell(
        db.name, "env['queue.job'].rotate_dispatch_secret()\nenv.cr.commit()\n"
    )
    assert shell.returncode == 0, shell.stderr
    rotated = time.time()
    new = secret_of(db)
    assert new and new != old
    db.wait_states(uuids, timeout=120)
    # after the switch, the runner signs with the new secret only
    server.mark_log()
    time.sleep(max(rotated + dispatch.SIGN_NEW_AFTER + 1 - time.time(), 0))
    more = rpc.enqueue(*[{"tag": "rotb%02d" % i} for i in range(20)])
    db.wait_states(more, timeout=60)
    done = dict(
        db.query(
            "SELECT tag, count(*) FROM queue_job_e2e_trace WHERE tag LIKE 'rot%%'"
            " GROUP BY tag"
        )
    )
    assert len(done) == 170 and set(done.values()) == {1}
    assert "HTTP 403" not in server.log()
    # the new secret signs; the old one, still in its overlap, too
    for secret in (new, old):
        status = post_form(server, signed(db, uuids[0], secret=secret)).status_code
        assert status == 200
    assert post_form(server, signed(db, uuids[0], secret="x")).status_code == 403


def transactions(db):
    return db.scalar(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
        (db.name,),
    )


def test_health_is_cheap_when_called_often(db, servers):
    server = servers.start(db.name, channels="root:2")
    assert requests.get(server.url + "/queue_job/health", timeout=10).text == "ok\n"
    before = transactions(db)
    started = time.time()
    session = requests.Session()
    for _i in range(200):
        response = session.get(server.url + "/queue_job/health", timeout=10)
        assert response.status_code == 200
    elapsed = time.time() - started
    spent = transactions(db) - before
    # the runner's own work meanwhile is a few transactions a second; one
    # read per worker every 2 s for health
    assert spent < 40 + 10 * elapsed, spent
