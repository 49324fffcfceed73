# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The dispatch secrets this worker process knows, per database.

Owns when a process reads the secrets (``queue_job.dispatch_secret`` and the
one before a rotation, jobrunner/dispatch.py): once before the first signed
request for a database, then every SECRETS_REFRESH seconds from a thread of
its own, never because a request was refused, so that refused requests cost
no database connection. Which key ids are accepted at a given time is
dispatch.py's (``accepted_secrets``).
"""
import logging
import os
import re
import threading
import time

import psycopg2

from odoo import sql_db
from odoo.tools import config

from ..jobrunner.dispatch import SECRET_PARAMS, SECRETS_REFRESH, accepted_secrets

_logger = logging.getLogger(__name__)

_READ = "SELECT key, value FROM ir_config_parameter WHERE key IN %s"


def servable(dbname):
    """Whether this server may serve ``dbname`` (its db_name list, else its
    dbfilter when it names no host), without asking PostgreSQL."""
    names = [n.strip() for n in (config.get("db_name") or "").split(",") if n]
    if names:
        return dbname in names
    dbfilter = config.get("dbfilter")
    if dbfilter and "%h" not in dbfilter and "%d" not in dbfilter:
        return bool(re.match(dbfilter, dbname))
    return True


class Secrets:
    """The secrets of each database, read by this process."""

    def __init__(self, pool):
        self.pool = pool  # where connections are borrowed (wsgi.KeptConnections)
        self._lock = threading.Lock()
        self._values = {}  # dbname -> values of SECRET_PARAMS
        self._tried = {}  # dbname -> monotonic time of the last read
        self._thread_pid = None

    def secret(self, dbname, kid):
        """The secret of key id ``kid`` in ``dbname`` if it is accepted now."""
        if dbname not in self._values and not self._first_read(dbname):
            return None
        return accepted_secrets(self._values[dbname], time.time()).get(kid)

    def _first_read(self, dbname):
        with self._lock:
            tried = self._tried.get(dbname)
            if tried is not None and time.monotonic() - tried < SECRETS_REFRESH:
                return dbname in self._values
            self._tried[dbname] = time.monotonic()
        if not servable(dbname):
            return False
        self._start_thread()
        return self.load(dbname)

    def load(self, dbname):
        """Read the secrets of ``dbname``; whether they could be read."""
        info = sql_db.connection_info_for(dbname)[1]
        try:
            cnx = self.pool.borrow(info)
        except psycopg2.Error as exc:
            _logger.debug("secrets of db %s not read: %s", dbname, exc)
            return False
        keep = True
        try:
            with cnx.cursor() as cr:
                cr.execute(_READ, (SECRET_PARAMS,))
                values = dict(cr.fetchall())
            cnx.rollback()
        except psycopg2.Error as exc:
            _logger.debug("secrets of db %s not read: %s", dbname, exc)
            keep = False
            return False
        finally:
            self.pool.give_back(cnx, keep_in_pool=keep)
        with self._lock:
            self._values[dbname] = values
        return True

    def _start_thread(self):
        """The refreshing thread of this process (a forked worker starts
        its own)."""
        with self._lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
        threading.Thread(
            target=self._refresh_loop, name="queue_job.secrets", daemon=True
        ).start()

    def _refresh_loop(self):
        while True:
            time.sleep(SECRETS_REFRESH)
            for dbname in list(self._values):
                self.load(dbname)
