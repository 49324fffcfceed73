# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The job runner: decides which jobs run now and asks Odoo workers to run them.

One loop serves every database with queue_job. Per database it keeps an
autocommit connection that LISTENs for job notifications, a leader lease (only
one runner dispatches a database at a time), and a channel manager holding the
running jobs plus a bounded window of the best pending jobs of each channel,
read from the database when something changed. See docs/DESIGN.md, section 6.
"""
import contextlib
import json
import logging
import os
import re
import select
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta

import psycopg2
import psycopg2.extensions

from .. import schema, transitions
from . import config as qj_config
from .channels import WINDOW_MAX, ChannelManager
from .dispatch import Dispatcher, sign

_logger = logging.getLogger(__name__)

# seconds
SELECT_TIMEOUT = 60
ERROR_RECOVERY_DELAY = 5
DB_LIST_INTERVAL = 10
DB_RECHECK_INTERVAL = 30  # databases without queue_job, checked again
LEASE_TTL = 15
LEASE_RENEW = 5
HOUSEKEEPING_INTERVAL = 2
DISCOVERY_INTERVAL = 10
CONFIG_INTERVAL = 5
INFLIGHT_TIMEOUT = 5
ENQUEUED_TIMEOUT = 5
FOLD_INTERVAL = 60
DEFAULT_SLOT_BUDGET_MS = 1000

_JOB_COLUMNS = "uuid, channel, id, date_created, priority, eta, state"

# what a scheduling pass reads, in one round trip: running jobs (and those
# dispatched, whatever their state), the best due pending jobs of each
# channel (the head job whatever its eta for sequential channels), one failed
# job per sequential channel (it blocks the channel), and the next eta
_READ_STATE = """
PREPARE queue_job_read_state (varchar[], varchar[], int[], bool[], varchar[],
                              timestamp) AS
SELECT 'r', uuid, channel, id, date_created, priority, eta, state FROM queue_job
 WHERE state IN ('enqueued', 'started') OR uuid = ANY($1)
UNION ALL
SELECT 'w', j.uuid, j.channel, j.id, j.date_created, j.priority, j.eta, j.state
  FROM unnest($2, $3, $4) AS c(name, size, seq)
 CROSS JOIN LATERAL (
     SELECT * FROM queue_job q
      WHERE q.state = 'pending' AND q.channel = c.name
        AND (c.seq OR q.eta IS NULL OR q.eta <= $6)
      ORDER BY q.priority, q.date_created, q.id LIMIT c.size) j
UNION ALL
(SELECT DISTINCT ON (channel) 'f', uuid, channel, id, date_created, priority, eta,
        state
   FROM queue_job WHERE state = 'failed' AND channel = ANY($5)
  ORDER BY channel, id)
UNION ALL
SELECT 'e', NULL, NULL, NULL, NULL, NULL, min(eta), NULL FROM queue_job
 WHERE state = 'pending' AND eta > $6
"""

# whether the worker process of liveness key %s (execution.Liveness) lives:
# it holds its advisory lock
_LOCK_HELD = """EXISTS (
           SELECT 1 FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.database = (SELECT oid FROM pg_database
                                 WHERE datname = current_database())
              AND l.classid = %%(ns)s AND l.objid = %s AND l.objsubid = 2)"""

# started jobs whose worker's liveness lock is gone: back to pending with one
# more try, or failed once their tries are exhausted
_DEAD = (
    """
dead AS (
    SELECT j.id, j.max_retries > 0 AND j.retry + 1 >= j.max_retries AS exhausted
      FROM queue_job j
     WHERE j.state = 'started' AND j.worker_key IS NOT NULL
       AND NOT """
    + _LOCK_HELD % "j.worker_key"
    + """
       FOR UPDATE SKIP LOCKED
), moved AS (
UPDATE queue_job j
   SET retry = j.retry + 1,
       state = CASE WHEN d.exhausted THEN 'failed' ELSE 'pending' END,
       exc_name = CASE WHEN d.exhausted
           THEN 'odoo.addons.queue_job.exception.JobFoundDead' END,
       exc_message = CASE WHEN d.exhausted
           THEN 'Job found dead after ' || (j.retry + 1) || ' tries: the worker'
                || ' process running it died (killed, out of memory or lost)' END,
       exc_info = CASE WHEN d.exhausted
           THEN 'The worker process running this job (pid '
                || coalesce(j.worker_pid::text, '?') || ' on '
                || coalesce(j.worker_hostname, '?') || ') died while running it, '
                || (j.retry + 1) || ' times.' END,
       date_started = NULL,
       worker_key = NULL
  FROM dead d
 WHERE j.id = d.id
RETURNING j.id, j.uuid, j.state, j.retry
)"""
)
_REQUEUE_DEAD = "WITH " + _DEAD + " SELECT uuid, state, retry FROM moved"
# the same, keeping the failed ones for their failure notice (the cron posting
# them is triggered once the statement is committed)
_REQUEUE_DEAD_NOTICED = (
    "WITH "
    + _DEAD
    + """, noticed AS (
INSERT INTO queue_job_failure_notice (job_id)
SELECT id FROM moved WHERE state = 'failed' ON CONFLICT DO NOTHING
)
SELECT uuid, state, retry FROM moved"""
)
_TRIGGER_NOTICES = """
INSERT INTO ir_cron_trigger (cron_id, call_at)
SELECT res_id, now() AT TIME ZONE 'UTC' FROM ir_model_data
 WHERE module = 'queue_job' AND name = 'ir_cron_failure_notices'
"""

# the counter rows of processes that are gone, folded into shard 0
_FOLD_COUNTERS = (
    """
WITH gone AS (
    DELETE FROM queue_job_counter c
     WHERE c.shard <> 0
       AND NOT """
    + _LOCK_HELD % "c.shard"
    + """
    RETURNING c.channel, c.name, c.value
)
INSERT INTO queue_job_counter AS c (channel, name, shard, value)
SELECT channel, name, 0, sum(value) FROM gone GROUP BY channel, name
ON CONFLICT (channel, name, shard) DO UPDATE SET value = c.value + EXCLUDED.value
"""
)


def _epoch(value):
    if value is None:
        return None
    return (value - datetime(1970, 1, 1)).total_seconds()


def _utcnow():
    return datetime.utcnow()


class DatabaseGone(Exception):
    """The database was dropped while we served it."""


class Database:
    """What the runner knows of one database."""

    def __init__(self, runner, name):
        self.runner = runner
        self.name = name
        self.conn = None
        self.manager = ChannelManager()
        self.manager.simple_configure(runner.channel_config_string)
        self.secret = None
        self.leader = False
        self.lease_until = 0.0  # monotonic time our lease can be trusted until
        self.next_lease = 0.0
        self.next_housekeeping = 0.0
        self.next_fold = 0.0
        self.next_discovery = 0.0
        self.next_config = 0.0
        self.next_eta = None  # epoch of the earliest future eta
        self.changed = True  # something may be dispatchable
        self.channels = set()  # channel strings that have pending jobs
        self.running = {}  # uuid -> channel string, as the manager has them
        self.queued = {}  # uuid -> channel string, windows fed to the manager
        self.failed = {}  # uuid -> channel string, blocking sequential channels
        self.inflight = {}  # uuid -> monotonic time of dispatch
        self.overrides_supported = False
        self.notices = False  # the db keeps failure notices (queue_job updated)
        self.windows_full = False
        self.dispatched_at = None  # last runjob request delivered
        self.error = self.error_at = None  # last one that was not

    # connection ------------------------------------------------------------

    def connect(self):
        self.conn = self.runner.connect(self.name)
        self.conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        with self.conn.cursor() as cr:
            cr.execute("SET application_name = 'queue_job runner'")
            # the pass query runs on every notification: planning it each
            # time (a custom plan per parameter set) costs more than running it.
            # Its generic plan, costed for a whole backlog, would be compiled
            # by JIT on every run (50 ms at 1M pending jobs), for a few rows.
            cr.execute("SET plan_cache_mode = force_generic_plan; SET jit = off")
            cr.execute(
                "LISTEN %s; LISTEN %s" % (schema.NOTIFY_JOBS, schema.NOTIFY_CONFIG)
            )
            # planned once per connection: it runs on every scheduling pass
            cr.execute(_READ_STATE)
            cr.execute(
                "SELECT value FROM ir_config_parameter WHERE key = %s",
                ("queue_job.dispatch_secret",),
            )
            row = cr.fetchone()
            self.secret = row[0] if row else None
        if not self.secret:
            _logger.warning(
                "db %s has no queue_job.dispatch_secret: jobs run one per request "
                "(update the queue_job module)",
                self.name,
            )

    def close(self):
        if self.leader:
            try:
                self.release_lease()
            except psycopg2.Error:
                pass
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg2.Error:
                pass
        self.conn = None
        self.leader = False

    def fileno(self):
        return self.conn.fileno()

    def cursor(self):
        return self.conn.cursor()

    def poll(self):
        """Read notifications; remember which channels have news."""
        self.conn.poll()
        while self.conn.notifies:
            note = self.conn.notifies.pop()
            if note.channel == schema.NOTIFY_CONFIG:
                self.next_config = 0.0
            else:
                self.channels.add(note.payload or "root")
            self.changed = True

    def keepalive(self):
        with self.cursor() as cr:
            cr.execute("SELECT 1")

    # leadership --------------------------------------------------------------

    def renew_lease(self, now):
        """Take or keep the lead of the database; a leader also reports what
        it sees, for the metrics and the health check."""
        asked = time.monotonic()
        with self.cursor() as cr:
            cr.execute(
                "INSERT INTO queue_job_runner_lease AS l "
                "  (name, holder, expires_at, renewed_at, report, dispatched_at,"
                "   error, error_at) "
                "VALUES ('runner', %(me)s, "
                "  (now() AT TIME ZONE 'UTC') + %(ttl)s * interval '1 second', "
                "  now() AT TIME ZONE 'UTC', %(report)s, %(dispatched_at)s,"
                "  %(error)s, %(error_at)s) "
                "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, "
                "  expires_at = EXCLUDED.expires_at, renewed_at = EXCLUDED.renewed_at,"
                "  report = EXCLUDED.report, dispatched_at = EXCLUDED.dispatched_at,"
                "  error = EXCLUDED.error, error_at = EXCLUDED.error_at "
                "WHERE l.holder = EXCLUDED.holder "
                "   OR l.expires_at < (now() AT TIME ZONE 'UTC') "
                "RETURNING holder",
                {
                    "me": self.runner.identity,
                    "ttl": LEASE_TTL,
                    "report": json.dumps(
                        {
                            "host": socket.gethostname(),
                            "channels": self.manager.report() if self.leader else [],
                        }
                    ),
                    "dispatched_at": self.dispatched_at,
                    "error": self.error,
                    "error_at": self.error_at,
                },
            )
            won = cr.fetchone() is not None
        self.next_lease = now + LEASE_RENEW
        if won:
            # a margin, so that we stop before another runner can take over
            self.lease_until = asked + LEASE_TTL - LEASE_RENEW
            if not self.leader:
                _logger.info("queue job runner leads db %s", self.name)
                self.leader = True
                self.reset_view()
        elif self.leader:
            _logger.warning("queue job runner lost the lead of db %s", self.name)
            self.leader = False
            self.reset_view()
        return won

    def release_lease(self):
        with self.cursor() as cr:
            cr.execute(
                "DELETE FROM queue_job_runner_lease "
                "WHERE name = 'runner' AND holder = %s",
                (self.runner.identity,),
            )

    def leads(self):
        return self.leader and time.monotonic() < self.lease_until

    def reset_view(self):
        for uuid_ in list(self.running) + list(self.queued) + list(self.failed):
            self.manager.remove_job(uuid_)
        self.running.clear()
        self.queued.clear()
        self.failed.clear()
        self.inflight.clear()
        self.changed = True
        self.next_discovery = 0.0
        self.next_config = 0.0

    # runtime channel settings -----------------------------------------------

    def load_overrides(self, now):
        self.next_config = now + CONFIG_INTERVAL
        with self.cursor() as cr:
            if not self.overrides_supported:
                # until queue_job is updated to a version that has them
                cr.execute(
                    "SELECT count(*) FROM information_schema.columns "
                    "WHERE table_name = 'queue_job_channel' "
                    "AND column_name IN ('capacity', 'paused')"
                )
                self.overrides_supported = cr.fetchone()[0] == 2
            if not self.overrides_supported:
                return
            # capacity 0: the configuration string decides
            cr.execute(
                "SELECT complete_name, capacity, paused FROM queue_job_channel "
                "WHERE capacity > 0 OR paused"
            )
            overrides = {
                name: {"capacity": capacity or None, "paused": bool(paused)}
                for name, capacity, paused in cr.fetchall()
                if name
            }
        try:
            self.manager.set_overrides(overrides)
        except ValueError as exc:
            _logger.error("db %s: channel settings ignored: %s", self.name, exc)
            return
        self.changed = True

    # the database's state, read into the manager ----------------------------

    def _notify(self, row, state=None):
        uuid_, channel, seq, date_created, priority, eta, db_state = row
        self.manager.notify(
            self.name,
            channel or "root",
            uuid_,
            seq,
            _epoch(date_created),
            priority,
            _epoch(eta),
            state or db_state,
        )

    def discover_channels(self, now):
        """Channel strings having pending jobs, by an index skip-scan."""
        self.next_discovery = now + DISCOVERY_INTERVAL
        with self.cursor() as cr:
            cr.execute(
                "WITH RECURSIVE c(channel) AS ("
                " (SELECT channel FROM queue_job WHERE state = 'pending'"
                "  ORDER BY channel LIMIT 1)"
                " UNION ALL"
                " SELECT (SELECT channel FROM queue_job WHERE state = 'pending'"
                "   AND channel > c.channel ORDER BY channel LIMIT 1)"
                " FROM c WHERE c.channel IS NOT NULL"
                ") SELECT channel FROM c WHERE channel IS NOT NULL"
            )
            # channels without pending jobs are forgotten until notified again
            self.channels = {row[0] for row in cr.fetchall()}

    def window_sizes(self):
        """How many pending jobs to read per channel string.

        As many as the channel and its parents could run at once (at most
        WINDOW_MAX), whatever runs now: the running jobs are read in the
        same query, so the free capacity is not known yet. One for
        sequential and throttled channels, none for paused ones.
        """
        sizes, sequential = {}, set()
        for name in self.channels:
            channel = self.manager.get_channel_by_name(
                name or "root", autocreate=True, parent_fallback=True
            )
            if channel.sequential:
                sequential.add(name)
            size = WINDOW_MAX
            node = channel
            while node is not None:
                if node.paused:
                    size = 0
                    break
                if node.capacity:
                    size = min(size, node.capacity)
                if node.sequential or node.throttle:
                    size = min(size, 1)
                node = node.parent
            if size:
                # dispatched jobs are still pending in the database
                sizes[name] = size + sum(
                    1 for u in self.inflight if self.running.get(u) == name
                )
        return sizes, sequential

    def refresh(self):
        """Read running jobs, pending windows, blocking failures and the next
        eta in one round trip, and hand them to the channel manager."""
        sizes, sequential = self.window_sizes()
        names = list(sizes)
        now = _utcnow()
        with self.cursor() as cr:
            cr.execute(
                "EXECUTE queue_job_read_state (%s, %s, %s, %s, %s, %s)",
                (
                    list(self.inflight),
                    names,
                    [sizes[n] for n in names],
                    [n in sequential for n in names],
                    list(sequential),
                    now,
                ),
            )
            rows = cr.fetchall()
        parts = {"r": [], "w": [], "f": []}
        self.next_eta = None
        for row in rows:
            if row[0] == "e":
                self.next_eta = _epoch(row[6])
            else:
                parts[row[0]].append(row[1:])
        self._apply_running(parts["r"], now)
        self._apply_failed(parts["f"])
        self._apply_windows(parts["w"], sizes, now)
        # a full window may hide more jobs that can run
        counts = {}
        for row in parts["w"]:
            counts[row[1]] = counts.get(row[1], 0) + 1
        self.windows_full = any(counts.get(n, 0) >= sizes[n] for n in names)

    def _apply_running(self, rows, now):
        """Running jobs and jobs dispatched but not started yet."""
        mono = time.monotonic()
        seen = set()
        for row in rows:
            uuid_, channel, eta, state = row[0], row[1], row[5], row[6]
            if uuid_ in self.inflight:
                if state == "pending" and eta and eta > now:
                    # it ran and was postponed (we only dispatch due jobs)
                    del self.inflight[uuid_]
                    continue
                if state == "pending":
                    if mono - self.inflight[uuid_] < INFLIGHT_TIMEOUT:
                        seen.add(uuid_)  # its request is on its way
                        continue
                    _logger.debug("job %s dispatched but not started: again", uuid_)
                    del self.inflight[uuid_]
                    continue  # its window brings it back as pending
                del self.inflight[uuid_]
                if state not in ("enqueued", "started"):
                    continue  # already finished
            seen.add(uuid_)
            self.queued.pop(uuid_, None)
            if self.running.get(uuid_) is None:
                self._notify(row)
            self.running[uuid_] = channel
        for uuid_ in list(self.running):
            if uuid_ not in seen:
                del self.running[uuid_]
                self.manager.remove_job(uuid_)
        for uuid_ in list(self.inflight):
            if uuid_ not in seen:
                del self.inflight[uuid_]

    def _apply_windows(self, rows, sizes, now):
        fetched = {name: set() for name in sizes}
        for row in rows:
            uuid_, channel = row[0], row[1]
            if uuid_ in self.inflight or uuid_ in self.running:
                continue
            fetched[channel].add(uuid_)
            eta = row[5]
            if eta is not None and eta <= now:
                # a due job competes on priority and date only, as in the
                # reference once its eta has passed
                row = row[:5] + (None,) + row[6:]
            self._notify(row)  # new, or its priority or eta may have changed
            self.queued[uuid_] = channel
        for uuid_, channel in list(self.queued.items()):
            if channel not in fetched or uuid_ not in fetched[channel]:
                del self.queued[uuid_]
                self.manager.remove_job(uuid_)

    def _apply_failed(self, rows):
        seen = set()
        for row in rows:
            seen.add(row[0])
            if row[0] not in self.failed:
                self._notify(row, "failed")
                self.failed[row[0]] = row[1]
        for uuid_ in list(self.failed):
            if uuid_ not in seen:
                del self.failed[uuid_]
                self.manager.remove_job(uuid_)

    # housekeeping --------------------------------------------------------------

    def housekeeping(self, now):
        """Dead jobs back to the queue; stale ``enqueued`` jobs too."""
        self.next_housekeeping = now + HOUSEKEEPING_INTERVAL
        with self.cursor() as cr:
            if not self.notices:  # until queue_job is updated to have them
                self.notices = schema.table_exists(cr, schema.NOTICE_TABLE)
            cr.execute(
                _REQUEUE_DEAD_NOTICED if self.notices else _REQUEUE_DEAD,
                {"ns": schema.LOCK_NAMESPACE},
            )
            rows = cr.fetchall()
            if self.notices and any(state == "failed" for _u, state, _r in rows):
                cr.execute(_TRIGGER_NOTICES)
                self.runner.wake_crons(self.name)
            for uuid_, state, retry in rows:
                self.changed = True
                transitions.log(uuid_, self.name, None, "started", state, dead=1)
                if state == "failed":
                    _logger.warning(
                        "job %s on db %s found dead %d times: failed",
                        uuid_,
                        self.name,
                        retry,
                    )
                else:
                    _logger.warning(
                        "job %s on db %s found dead (its worker died): "
                        "requeued, try %d",
                        uuid_,
                        self.name,
                        retry,
                    )
            if now >= self.next_fold:
                self.next_fold = now + FOLD_INTERVAL
                cr.execute(_FOLD_COUNTERS, {"ns": schema.LOCK_NAMESPACE})
            cr.execute(
                "UPDATE queue_job SET state = 'pending', date_enqueued = NULL,"
                " date_started = NULL, worker_pid = NULL"
                " WHERE state = 'enqueued' AND date_enqueued < %s RETURNING uuid",
                (_utcnow() - timedelta(seconds=ENQUEUED_TIMEOUT),),
            )
            for (uuid_,) in cr.fetchall():
                self.changed = True
                transitions.log(uuid_, self.name, None, "enqueued", "pending")
                _logger.warning(
                    "state of job %s was reset from enqueued to pending", uuid_
                )

    # dispatch ----------------------------------------------------------------

    def schedule(self, now, limit):
        """Refresh what changed, then dispatch what may run; returns the count."""
        self.changed = False
        self.refresh()
        if limit is not None:
            # root's capacity is shared with the other databases we lead
            limit = max(limit - len(self.running), 0)
        count = 0
        for job in self.manager.get_jobs_to_run(now, limit=limit):
            self.dispatch(job)
            count += 1
        # more may fit once the windows are read again
        self.changed = count > 0 and self.windows_full
        return count

    def dispatch(self, job):
        channel = job.channel
        queued_channel = self.queued.pop(job.uuid, None)
        self.running[job.uuid] = queued_channel
        self.inflight[job.uuid] = time.monotonic()
        params = {"db": self.name, "job_uuid": job.uuid}
        if self.secret:
            budget = 0 if channel.throttle else self.runner.slot_budget_ms
            params.update(
                channel=queued_channel or "",
                budget=budget,
                sequential=int(bool(channel.sequential)),
            )
            params["token"] = sign(self.secret, params)
        else:
            # without a secret, the reference way: enqueued, then asked
            with self.cursor() as cr:
                cr.execute(
                    "UPDATE queue_job SET state = 'enqueued', date_enqueued = %s"
                    " WHERE uuid = %s AND state = 'pending'",
                    (_utcnow(), job.uuid),
                )
        _logger.debug("asking Odoo to run job %s on db %s", job.uuid, self.name)
        self.runner.dispatcher.submit(params, context=self.name)

    def wakeup(self):
        """Epoch time at which this database needs a scheduling pass."""
        times = [
            self.next_lease,
            self.next_discovery if self.leader else None,
            self.next_housekeeping if self.leader else None,
            self.next_config if self.leader else None,
        ]
        if self.leader:
            times.append(self.manager.get_wakeup_time() or None)
            times.append(self.next_eta)
            if self.inflight:
                oldest = min(self.inflight.values())
                times.append(time.time() + oldest + INFLIGHT_TIMEOUT - time.monotonic())
        return min(t for t in times if t)


class QueueJobRunner:
    """The reference's runner, with the same constructor and entry points."""

    def __init__(
        self,
        scheme="http",
        host="localhost",
        port=8069,
        user=None,
        password=None,
        channel_config_string=None,
        db_settings=None,
        db_names=None,
        dbfilter=None,
        slot_budget_ms=DEFAULT_SLOT_BUDGET_MS,
        connect_info=None,
    ):
        self.scheme = scheme
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.channel_config_string = channel_config_string or "root:1"
        self.root_capacity = qj_config.root_capacity(self.channel_config_string)
        self.db_settings = db_settings or {}
        self.db_names = db_names
        self.dbfilter = dbfilter
        self.slot_budget_ms = slot_budget_ms
        self._connect_info = connect_info
        self.identity = "%s:%d:%s" % (
            socket.gethostname(),
            os.getpid(),
            uuid.uuid4().hex[:8],
        )
        self.databases = {}
        self.ignored = {}  # name -> monotonic time to look at it again
        self.lost = set()  # names whose connection broke
        self.next_db_list = 0.0
        self._stop = False
        self._stop_pipe = os.pipe()
        self._errors = []
        self._errors_lock = threading.Lock()
        self.dispatcher = None

    @classmethod
    def from_environ_or_config(cls):
        """A runner configured as the reference's: environment, then the
        [queue_job] section of the Odoo configuration, then Odoo's options."""
        import odoo
        from odoo.tools import config as odoo_config

        section = odoo_config.misc.get("queue_job", {})
        try:
            from odoo.addons.server_environment import serv_config

            if serv_config.has_section("queue_job"):
                section = dict(serv_config.items("queue_job"))
        except ImportError:
            pass
        settings = qj_config.load_settings(
            os.environ,
            section,
            {
                "http_interface": odoo_config.get("http_interface"),
                "http_port": odoo_config.get("http_port"),
                "db_host": odoo_config.get("db_host"),
                "db_port": odoo_config.get("db_port"),
                "db_user": odoo_config.get("db_user"),
                "db_password": odoo_config.get("db_password"),
            },
        )
        db_names = odoo_config.get("db_name")
        budget = settings.extra.get("slot_budget_ms")
        return cls(
            scheme=settings.scheme,
            host=settings.host,
            port=settings.port,
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

    def list_databases(self):
        if self.db_names:
            return list(self.db_names)
        with self.brief_cursor("postgres") as cr:
            cr.execute(
                "SELECT datname FROM pg_database WHERE datallowconn "
                "AND NOT datistemplate AND datname <> 'postgres' ORDER BY datname"
            )
            names = [row[0] for row in cr.fetchall()]
        if self.dbfilter and "%h" not in self.dbfilter and "%d" not in self.dbfilter:
            names = [n for n in names if re.match(self.dbfilter, n)]
        return names

    def has_queue_job(self, dbname):
        with self.brief_cursor(dbname) as cr:
            cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
            if not cr.fetchone()[0]:
                return False
            cr.execute(
                "SELECT 1 FROM ir_module_module "
                "WHERE name = 'queue_job' AND state = 'installed'"
            )
            if not cr.fetchone():
                return False
            cr.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                "'queue_job'::regclass AND tgname IN %s",
                (schema.TRIGGER_NAMES,),
            )
            if cr.fetchone()[0] != len(schema.TRIGGER_NAMES):
                _logger.error("queue_job_notify trigger is missing in db %s", dbname)
                return False
            if not schema.table_exists(cr, schema.LEASE_TABLE):
                _logger.error(
                    "%s is missing in db %s: update queue_job",
                    schema.LEASE_TABLE,
                    dbname,
                )
                return False
            return True

    def refresh_databases(self):
        self.next_db_list = time.time() + DB_LIST_INTERVAL
        try:
            names = self.list_databases()
        except psycopg2.Error as exc:
            _logger.warning("cannot list databases: %s", exc)
            return
        mono = time.monotonic()
        for name in list(self.databases):
            if name not in names:
                _logger.info("db %s is gone: no longer served", name)
                self.databases.pop(name).close()
        for name in list(self.lost):
            if name not in names:
                _logger.info("db %s was dropped: no longer served", name)
                self.lost.discard(name)
        for name in names:
            if name in self.databases or self.ignored.get(name, 0) > mono:
                continue
            try:
                usable = self.has_queue_job(name)
            except psycopg2.Error as exc:
                _logger.debug("cannot look into db %s: %s", name, exc)
                usable = False
            if not usable:
                self.ignored[name] = mono + DB_RECHECK_INTERVAL
                continue
            self.ignored.pop(name, None)
            db = Database(self, name)
            try:
                db.connect()
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

    # the loop ------------------------------------------------------------------

    def _dispatch_failed(self, params, dbname, error):
        with self._errors_lock:
            self._errors.append((dbname, params.get("job_uuid"), error))
        os.write(self._stop_pipe[1], b"e")

    def _dispatch_delivered(self, params, dbname):
        db = self.databases.get(dbname)
        if db is not None:
            db.dispatched_at = _utcnow()

    def _handle_dispatch_errors(self):
        with self._errors_lock:
            errors, self._errors = self._errors, []
        for dbname, uuid_, error in errors:
            db = self.databases.get(dbname)
            if db is None:
                continue
            db.error, db.error_at = error, _utcnow()
            if uuid_ in db.inflight:
                # not delivered: give it a second chance after a short pause
                db.inflight[uuid_] = time.monotonic() - INFLIGHT_TIMEOUT + 1

    def wait(self, timeout):
        conns = [db.conn for db in self.databases.values() if db.conn is not None]
        if any(conn.notifies for conn in conns):
            return
        if timeout <= 0:
            return
        readable, _w, _x = select.select(conns + [self._stop_pipe[0]], [], [], timeout)
        if self._stop_pipe[0] in readable:
            os.read(self._stop_pipe[0], 512)

    def tick(self):
        now = time.time()
        if now >= self.next_db_list:
            self.refresh_databases()
        self._handle_dispatch_errors()
        for name, db in list(self.databases.items()):
            try:
                self.tick_database(db, now)
            except psycopg2.Error as exc:
                self.database_error(name, db, exc)
        wake = min(
            [self.next_db_list] + [db.wakeup() for db in self.databases.values()]
        )
        if any(db.changed and db.leads() for db in self.databases.values()):
            wake = now
        self.wait(min(wake - time.time(), SELECT_TIMEOUT))

    def free_capacity(self, exclude=None):
        """Room left under root's capacity for database ``exclude``, given
        what runs in the other databases we lead (None: unlimited)."""
        if not self.root_capacity:
            return None
        running = sum(
            len(db.running)
            for db in self.databases.values()
            if db.leads() and db is not exclude
        )
        return max(self.root_capacity - running, 0)

    def tick_database(self, db, now):
        db.poll()
        busy = False  # a query was sent: no keepalive needed
        if db.leads():
            # what the notifications and timers ask first: maintenance
            # below must not delay a job that can start
            if db.next_eta and now >= db.next_eta:
                db.next_eta = None
                db.changed = True
            wake = db.manager.get_wakeup_time()
            if wake and now >= wake:
                db.changed = True
            if (
                db.inflight
                and min(db.inflight.values()) + INFLIGHT_TIMEOUT <= time.monotonic()
            ):
                db.changed = True
            if db.changed:
                db.schedule(now, self.free_capacity(exclude=db))
                busy = True
        if now >= db.next_lease:
            db.renew_lease(now)
        if not db.leads():
            if not db.leader:
                db.keepalive()
            return
        if now >= db.next_config:
            db.load_overrides(now)
            busy = True
        if now >= db.next_housekeeping:
            db.housekeeping(now)
            busy = True
        if now >= db.next_discovery:
            db.discover_channels(now)
            db.changed = busy = True
        if not busy:
            db.keepalive()

    def database_error(self, name, db, exc):
        """Let a database go when its connection breaks: the next listing,
        in a second, says whether it was dropped or is to be reconnected."""
        db.close()
        self.databases.pop(name, None)
        self.lost.add(name)
        _logger.warning("lost db %s (%s)", name, str(exc).strip())
        self.next_db_list = min(self.next_db_list, time.time() + 1)

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
                    self.refresh_databases()
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
        deadline = time.time() + seconds
        while not self._stop and time.time() < deadline:
            select.select([self._stop_pipe[0]], [], [], deadline - time.time())
            if self._stop:
                break

    def stop(self):
        _logger.info("graceful stop requested")
        self._stop = True
        os.write(self._stop_pipe[1], b".")
