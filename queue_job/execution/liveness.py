# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Worker liveness: the advisory lock saying a worker process lives.

Owns the lock each worker process holds per database while it lives, and
the checks of an idle connection that it (and the kept connections of
controllers/wsgi.py) relies on. The lock names the process's counter rows
(counters.py) and decides whether a job is dead only for jobs claimed
without a backend (older code): a job claimed here is dead when its own
backend is gone (states.DEAD), so losing this connection takes no job away.
"""
import logging
import os
import random
import select
import threading

import psycopg2

from odoo import sql_db

from .. import schema

_logger = logging.getLogger(__name__)


def quiet(conn):
    """Whether idle connection ``conn`` is open and has received nothing:
    an idle session receives nothing, unless the server terminates it or
    the connection is gone."""
    if conn.closed:
        return False
    try:
        readable, _w, _x = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def close_quietly(conn):
    """Close ``conn``, which may be broken already: that is why it goes."""
    try:
        conn.close()
    except psycopg2.Error as exc:
        _logger.debug("closing a connection that was broken: %s", exc)


class Liveness:
    """The advisory lock that says "this process is alive", per database.

    A dedicated connection holds ``pg_advisory_xact_lock(LOCK_NAMESPACE,
    key)`` in a transaction kept open for the life of the process. It holds
    no xid and no snapshot, so it does not hold back vacuum; when the process
    dies, the connection closes and the lock goes: the runner folds its
    counter rows, and requeues the jobs recorded with this key and no
    backend. A process that lost the connection takes a new key and keeps
    running its jobs.
    """

    _lock = threading.Lock()
    _held = {}  # dbname -> (pid, connection, key)

    @classmethod
    def key(cls, dbname):
        """The key of this process in ``dbname``, (re)acquired if needed."""
        with cls._lock:
            entry = cls._held.get(dbname)
            if entry and entry[0] == os.getpid() and quiet(entry[1]):
                return entry[2]
            if entry and entry[0] == os.getpid():
                close_quietly(entry[1])
            conn, key = cls._acquire(dbname)
            cls._held[dbname] = (os.getpid(), conn, key)
            return key

    @classmethod
    def _acquire(cls, dbname):
        _dsn_name, info = sql_db.connection_info_for(dbname)
        info = dict(info)
        info.update(
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3
        )
        conn = psycopg2.connect(**info)
        conn.autocommit = False
        cr = conn.cursor()
        # this transaction is meant to stay open while the process lives
        cr.execute("SET idle_in_transaction_session_timeout = 0")
        cr.execute(
            "SET application_name = %s", ("queue_job liveness %d" % os.getpid(),)
        )
        while True:
            key = random.randint(1, 2**31 - 1)
            cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                (schema.LOCK_NAMESPACE, key),
            )
            if cr.fetchone()[0]:
                return conn, key
