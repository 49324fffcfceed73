# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The job runner's loop: decides which jobs run now and asks Odoo workers
to run them.

Owns the loop over every database served (database.py does one database's
turn), the set of databases (listed again every DB_LIST_INTERVAL seconds:
new ones served without restart, dropped ones let go), the runner's
connections, the dispatcher threads and their reports, the capacity of
root shared across databases, and stopping. See docs/DESIGN.md, section 6.
"""
import contextlib
import logging
import os
import select
import socket
import threading
import uuid
from datetime import datetime
from typing import Optional

import psycopg2
import psycopg2.extensions

from . import config as qj_config, discovery, session, tickets
from .clock import Now
from .database import Database
from .dispatch import Dispatcher
from .history import DEFAULT_DAYS as DEFAULT_HISTORY_DAYS

_logger = logging.getLogger(__name__)

# seconds
SELECT_TIMEOUT = 60
ERROR_RECOVERY_DELAY = 5
DB_LIST_INTERVAL = 10
DB_RECHECK_INTERVAL = 30  # databases without queue_job, looked into again
DEFAULT_SLOT_BUDGET_MS = 1000


class QueueJobRunner:
    """The reference's runner, with the same constructor and entry points."""

    def __init__(
        self,
        scheme: str = "http",
        host: str = "localhost",
        port: int = 8069,
        user: Optional[str] = None,
        password: Optional[str] = None,
        channel_config_string: Optional[str] = None,
        db_settings: Optional[dict] = None,
        db_names: Optional[list] = None,
        dbfilter: Optional[str] = None,
        slot_budget_ms: int = DEFAULT_SLOT_BUDGET_MS,
        connect_info=None,
        dispatch_ttl: int = tickets.DEFAULT_TTL,
        history_days: int = DEFAULT_HISTORY_DAYS,
    ):
        # where the jobs are sent
        self.scheme, self.host, self.port = scheme, host, port
        self.user, self.password = user, password
        self.channel_config_string = channel_config_string or "root:1"
        self.root_capacity = qj_config.root_capacity(self.channel_config_string)
        self.slot_budget_ms = slot_budget_ms
        # seconds a dispatch request and its ticket are valid
        self.dispatch_ttl = dispatch_ttl
        self.history_days = history_days
        # which databases, and how to reach them
        self.db_settings = db_settings or {}
        self.db_names = db_names
        self.dbfilter = dbfilter
        self._connect_info = connect_info
        self.identity = "%s:%d:%s" % (
            socket.gethostname(),
            os.getpid(),
            uuid.uuid4().hex[:8],
        )
        self.databases = {}  # name -> Database served
        self.ignored = {}  # name -> monotonic time to look at it again
        self.lost = set()  # names whose connection broke
        self.next_db_list = 0.0  # monotonic
        self._stop = False
        self._wake_pipe = os.pipe()  # written to stop, or on a dispatch error
        self._errors = []
        self._errors_lock = threading.Lock()
        self.dispatcher = None

    @classmethod
    def from_environ_or_config(cls):
        """A runner configured as the reference's: environment, then the
        [queue_job] section (server_environment's if any), then Odoo's
        options (queue_job/settings.py)."""
        import odoo
        from odoo.tools import config as odoo_config

        from .. import settings as qj_settings

        settings = qj_settings.read()
        db_names = odoo_config.get("db_name")
        budget = settings.extra.get("slot_budget_ms")
        ttl = settings.extra.get("dispatch_ttl")
        return cls(
            scheme=settings.scheme,
            host=settings.host,
            # the job workers' port when the prefork server has some
            port=settings.dispatch_port(prefork=bool(odoo_config.get("workers"))),
            user=settings.http_auth_user,
            password=settings.http_auth_password,
            channel_config_string=settings.channels,
            db_settings={
                "host": settings.jobrunner_db_host,
                "port": settings.jobrunner_db_port,
                "user": settings.jobrunner_db_user,
                "password": settings.jobrunner_db_password,
            },
            db_names=[n.strip() for n in db_names.split(",") if n.strip()]
            if db_names
            else None,
            dbfilter=odoo_config.get("dbfilter") or None,
            slot_budget_ms=int(budget) if budget else DEFAULT_SLOT_BUDGET_MS,
            connect_info=lambda name: odoo.sql_db.connection_info_for(name)[1],
            dispatch_ttl=int(ttl) if ttl else tickets.DEFAULT_TTL,
            history_days=settings.history_days,
        )

    # connections -------------------------------------------------------------

    def connect(self, dbname):
        if self._connect_info:
            info = dict(self._connect_info(dbname))
        else:
            info = {"database": dbname}
        for key, value in self.db_settings.items():
            if value:
                info[key] = value
        info["database"] = dbname
        # notice a silently dropped connection in seconds, not hours
        info.update(
            keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3
        )
        return psycopg2.connect(**info)

    @contextlib.contextmanager
    def brief_cursor(self, dbname):
        """A cursor on a connection to ``dbname`` made for it, in autocommit
        mode, closed after."""
        conn = self.connect(dbname)
        try:
            conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with conn.cursor() as cr:
                yield cr
        finally:
            conn.close()

    def wake_crons(self, dbname):
        """Wake Odoo's cron workers for ``dbname``, as ir.cron's _trigger does
        (they listen on the postgres database). Failing that, they find the
        trigger at their next poll, within minutes."""
        try:
            with self.brief_cursor("postgres") as cr:
                cr.execute("NOTIFY cron_trigger, %s", (dbname,))
        except psycopg2.Error as exc:
            _logger.warning("cron workers of db %s not woken: %s", dbname, exc)

    # the databases served ----------------------------------------------------

    def list_databases(self):
        if self.db_names:
            return list(self.db_names)
        with self.brief_cursor("postgres") as cr:
            return discovery.database_names(cr, self.dbfilter)

    def has_queue_job(self, dbname):
        with self.brief_cursor(dbname) as cr:
            return discovery.serves(cr, dbname)

    def refresh_databases(self, now):
        self.next_db_list = now.mono + DB_LIST_INTERVAL
        try:
            names = self.list_databases()
        except psycopg2.Error as exc:
            _logger.warning("cannot list databases: %s", exc)
            return
        for name in list(self.databases):
            if name not in names:
                _logger.info("db %s is gone: no longer served", name)
                self.databases.pop(name).close()
        for name in list(self.lost):
            if name not in names:
                _logger.info("db %s was dropped: no longer served", name)
                self.lost.discard(name)
        for name in names:
            if name in self.databases or self.ignored.get(name, 0) > now.mono:
                continue
            try:
                usable = self.has_queue_job(name)
            except psycopg2.Error as exc:
                _logger.debug("cannot look into db %s: %s", name, exc)
                usable = False
            if not usable:
                self.ignored[name] = now.mono + DB_RECHECK_INTERVAL
                continue
            self.ignored.pop(name, None)
            db = Database(self, name)
            try:
                db.connect()
            except session.SessionNotKept as exc:
                _logger.error("db %s not served: %s", name, exc)
                db.close()
                self.ignored[name] = now.mono + DB_RECHECK_INTERVAL
                continue
            except psycopg2.Error as exc:
                _logger.warning("cannot connect to db %s: %s", name, exc)
                db.close()
                continue
            self.databases[name] = db
            self.lost.discard(name)
            _logger.info("queue job runner ready for db %s", name)

    def close_databases(self):
        for db in self.databases.values():
            db.close()
        self.databases.clear()

    def database_error(self, name, db, exc, now):
        """Let a database go when its connection breaks: the next listing,
        in a second, says whether it was dropped or is to be reconnected."""
        db.close()
        self.databases.pop(name, None)
        self.lost.add(name)
        _logger.warning("lost db %s (%s)", name, str(exc).strip())
        self.next_db_list = min(self.next_db_list, now.mono + 1)

    def free_capacity(self, exclude=None):
        """Room left under root's capacity for database ``exclude``, given
        what runs in the other databases we lead (None: unlimited)."""
        if not self.root_capacity:
            return None
        running = sum(
            len(db.view.running)
            for db in self.databases.values()
            if db.leads() and db is not exclude
        )
        return max(self.root_capacity - running, 0)

    # what the dispatcher threads report --------------------------------------

    def _dispatch_failed(self, params, dbname, error):
        with self._errors_lock:
            self._errors.append((dbname, params.get("job_uuid"), error))
        os.write(self._wake_pipe[1], b"e")

    def _dispatch_delivered(self, params, dbname):
        db = self.databases.get(dbname)
        if db is not None:
            db.dispatched_at = datetime.utcnow()

    def _handle_dispatch_errors(self, now):
        with self._errors_lock:
            errors, self._errors = self._errors, []
        for dbname, job_uuid, error in errors:
            db = self.databases.get(dbname)
            if db is not None:
                db.undelivered(job_uuid, error, now)

    # the loop ------------------------------------------------------------------

    def wait(self, timeout):
        conns = [db.conn for db in self.databases.values() if db.conn is not None]
        if any(conn.notifies for conn in conns):
            return
        if timeout <= 0:
            return
        readable, _w, _x = select.select(conns + [self._wake_pipe[0]], [], [], timeout)
        if self._wake_pipe[0] in readable:
            os.read(self._wake_pipe[0], 512)

    def tick(self):
        now = Now.read()
        if now.mono >= self.next_db_list:
            self.refresh_databases(now)
        self._handle_dispatch_errors(now)
        for name, db in list(self.databases.items()):
            try:
                db.tick(now)
            except psycopg2.Error as exc:
                self.database_error(name, db, exc, now)
        wake = min(
            [self.next_db_list] + [db.wakeup(now) for db in self.databases.values()]
        )
        if any(db.changed and db.leads() for db in self.databases.values()):
            wake = now.mono
        self.wait(min(wake - Now.read().mono, SELECT_TIMEOUT))

    def run(self):
        _logger.info("starting")
        self.dispatcher = Dispatcher(
            self.scheme,
            self.host,
            self.port,
            self.user,
            self.password,
            threads=min(32, max(4, self.root_capacity or 16)),
            on_error=self._dispatch_failed,
            on_delivered=self._dispatch_delivered,
        )
        try:
            while not self._stop:
                try:
                    _logger.info("initializing database connections")
                    self.refresh_databases(Now.read())
                    _logger.info("database connections ready")
                    while not self._stop:
                        self.tick()
                except (InterruptedError, KeyboardInterrupt):
                    self.stop()
                except Exception:
                    _logger.exception(
                        "exception: sleeping %ds and retrying", ERROR_RECOVERY_DELAY
                    )
                    self.close_databases()
                    self._sleep(ERROR_RECOVERY_DELAY)
        finally:
            self.close_databases()
            self.dispatcher.close()
            _logger.info("stopped")

    def _sleep(self, seconds):
        deadline = Now.read().mono + seconds
        while not self._stop:
            left = deadline - Now.read().mono
            if left <= 0:
                break
            readable, _w, _x = select.select([self._wake_pipe[0]], [], [], left)
            if readable:
                os.read(self._wake_pipe[0], 512)

    def stop(self):
        _logger.info("graceful stop requested")
        self._stop = True
        os.write(self._wake_pipe[1], b".")
