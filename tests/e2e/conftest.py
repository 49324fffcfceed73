"""Fixtures for end-to-end tests: real databases, real odoo-bin servers.

A template database with queue_job and test_queue_job installed is built once
per session; each test gets its own copy and its own servers on free ports.
"""
import os
import time
import xmlrpc.client

import psycopg2
import pytest
import qjdev

MODULES = ["queue_job", "test_queue_job"]


@pytest.fixture(scope="session")
def template_db():
    log = os.path.join(qjdev.STATE, "logs", "e2e-template-%d.log" % os.getpid())
    os.makedirs(os.path.dirname(log), exist_ok=True)
    name = qjdev.new_db("qj_e2e_tmpl", MODULES, log_path=log)
    yield name
    qjdev.drop_db(name)


class Database:
    """A test database, with a psycopg2 connection for checks."""

    def __init__(self, name):
        self.name = name
        self._conn = None

    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            self._conn = psycopg2.connect(dbname=self.name)
            self._conn.autocommit = True
        return self._conn

    def query(self, sql, params=None):
        with self.conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else []

    def scalar(self, sql, params=None):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def states(self, uuids):
        return dict(
            self.query(
                "SELECT uuid, state FROM queue_job WHERE uuid = ANY(%s)", (uuids,)
            )
        )

    def wait_states(self, uuids, states=("done",), timeout=30):
        """Wait until every job is in one of ``states``; return their states."""
        deadline = time.time() + timeout
        while True:
            current = self.states(uuids)
            if len(current) == len(set(uuids)) and all(
                s in states for s in current.values()
            ):
                return current
            if time.time() > deadline:
                raise AssertionError(
                    "jobs not in %s after %ss: %s" % (states, timeout, current)
                )
            time.sleep(0.05)

    def traces(self, tag_prefix=""):
        return self.query(
            "SELECT tag, uuid, pid, started, ended, retry FROM queue_job_e2e_trace "
            "WHERE tag LIKE %s ORDER BY started",
            (tag_prefix + "%",),
        )

    def close(self):
        if self._conn is not None:
            self._conn.close()


@pytest.fixture
def make_db(template_db):
    made = []

    def make():
        db = Database(qjdev.unique_name("qj_e2e"))
        qjdev.clone_db(template_db, db.name)
        made.append(db)
        return db

    yield make
    for db in made:
        db.close()
        qjdev.drop_db(db.name)


@pytest.fixture
def db(make_db):
    return make_db()


class Rpc:
    def __init__(self, server, dbname):
        self.dbname = dbname
        self.url = server.url
        common = xmlrpc.client.ServerProxy(self.url + "/xmlrpc/2/common")
        self.uid = common.authenticate(dbname, "admin", "admin", {})
        assert self.uid, "cannot log in as admin on %s" % dbname
        self.models = xmlrpc.client.ServerProxy(
            self.url + "/xmlrpc/2/object", allow_none=True
        )

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.dbname, self.uid, "admin", model, method, list(args), kwargs
        )

    def enqueue(self, *specs):
        return self.call("test.queue.job.e2e", "enqueue", list(specs))


@pytest.fixture
def servers():
    """Start servers with ``servers.start(db, **options)``; all stopped at teardown."""
    started = []

    class Servers:
        def start(self, dbname, ready=True, **options):
            server = qjdev.OdooServer(dbname, **options).start()
            started.append(server)
            if ready:
                server.wait_ready(dbname)
            return server

        def rpc(self, server, dbname=None):
            return Rpc(server, dbname or server.db)

        def stop_all(self):
            for server in started:
                server.stop()

    servers = Servers()
    yield servers
    servers.stop_all()
