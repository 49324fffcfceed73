# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""One database served by the runner.

Owns the runner's connection to it (autocommit, LISTEN, the prepared pass
query), what it reads from it for scheduling (channel strings with pending
jobs, runtime channel settings, the pass itself) and the dispatch of its
jobs, and puts together the parts kept apart: the lead (lease.py), the view
of its jobs (view.py), its housekeeping (housekeeping.py) and its history
(history.py). ``tick`` is
one turn of the runner's loop for this database.
"""
import json
import logging
import socket
import uuid

import psycopg2
import psycopg2.extensions

from .. import schema
from . import session, tickets
from .channels import ChannelManager
from .dispatch import SECRET_PARAMS, key_id, sign, signing_secret
from .history import History
from .housekeeping import Housekeeping
from .lease import Lease
from .view import JobView

_logger = logging.getLogger(__name__)

# seconds
DISCOVERY_INTERVAL = 10
CONFIG_INTERVAL = 5

# what a scheduling pass reads, in one round trip: running jobs (and those
# dispatched, whatever their state), the best due pending jobs of each
# channel (the head job whatever its eta for sequential channels), one failed
# job per sequential channel (it blocks the channel), and the next eta; rows
# as view.py describes them
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
_PASS = "EXECUTE queue_job_read_state (%s, %s, %s, %s, %s, %s)"

# channel strings having pending jobs, by an index skip-scan
_PENDING_CHANNELS = """
WITH RECURSIVE c(channel) AS (
    (SELECT channel FROM queue_job WHERE state = 'pending'
      ORDER BY channel LIMIT 1)
    UNION ALL
    SELECT (SELECT channel FROM queue_job WHERE state = 'pending'
               AND channel > c.channel ORDER BY channel LIMIT 1)
      FROM c WHERE c.channel IS NOT NULL
) SELECT channel FROM c WHERE channel IS NOT NULL
"""

# runtime channel settings; capacity 0: the configuration string decides
_HAS_OVERRIDES = """
SELECT count(*) FROM information_schema.columns
 WHERE table_name = 'queue_job_channel' AND column_name IN ('capacity', 'paused')
"""
_OVERRIDES = """
SELECT complete_name, capacity, paused FROM queue_job_channel
 WHERE capacity > 0 OR paused
"""

_SECRETS = "SELECT key, value FROM ir_config_parameter WHERE key IN %s"

# without a dispatch secret, the reference's way: enqueued, then asked
_SET_ENQUEUED = """
UPDATE queue_job SET state = 'enqueued', date_enqueued = %s
 WHERE uuid = %s AND state = 'pending'
"""


class Database:
    """What the runner knows of database ``name``, and its connection."""

    def __init__(self, runner, name):
        self.runner = runner
        self.name = name
        self.conn = None
        manager = ChannelManager()
        manager.simple_configure(runner.channel_config_string)
        self.view = JobView(name, manager)
        self.lease = Lease(name, runner.identity)
        self.housekeeping = Housekeeping(name, runner.wake_crons)
        self.secrets = {}  # the values of dispatch.SECRET_PARAMS
        self.tickets = False  # the database has the ticket table
        self.ticket_ttl = runner.dispatch_ttl
        self.view.inflight_timeout = self.ticket_ttl + 1
        self.history = History(name, runner.history_days)
        self.changed = True  # something may be dispatchable
        self.next_discovery = 0.0  # monotonic
        self.next_config = 0.0  # monotonic
        self.overrides_supported = False
        self.dispatched_at = None  # last runjob request delivered
        self.error = self.error_at = None  # last one that was not

    @property
    def manager(self):
        return self.view.manager

    # connection ------------------------------------------------------------

    def connect(self):
        self.conn = self.runner.connect(self.name)
        self.conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        session.check(self.conn, lambda: self.runner.connect(self.name))
        with self.conn.cursor() as cr:
            cr.execute("SET application_name = 'queue_job runner'")
            # the pass query runs on every notification: planning it each
            # time (a custom plan per parameter set) costs more than running it.
            # Its generic plan, costed for a whole backlog, would be compiled
            # by JIT on every run (50 ms at 1M pending jobs), for a few rows.
            cr.execute("SET plan_cache_mode = force_generic_plan; SET jit = off")
            # pylint: disable-next=sql-injection  # two constants of schema.py
            cr.execute(
                "LISTEN %s; LISTEN %s" % (schema.NOTIFY_JOBS, schema.NOTIFY_CONFIG)
            )
            self.tickets = schema.table_exists(cr, schema.TICKET_TABLE)
            # planned once per connection; two constant texts
            pass_sql = _READ_STATE + (tickets.PASS_ROWS if self.tickets else "")
            cr.execute(pass_sql)  # pylint: disable=sql-injection
            self.read_secrets(cr)
        if not (self.secrets and self.tickets):
            _logger.warning(
                "db %s has no queue_job.dispatch_secret or no ticket table: jobs "
                "run one per request (update the queue_job module)",
                self.name,
            )

    def read_secrets(self, cr):
        """The dispatch secrets (read again with the channel settings: a
        rotation is seen within seconds)."""
        cr.execute(_SECRETS, (SECRET_PARAMS,))
        self.secrets = dict(cr.fetchall()) if self.tickets else {}

    def close(self):
        """Let the lead go and close the connection; a broken connection is
        closed all the same (the lease then expires by itself)."""
        if self.conn is not None and self.lease.held:
            try:
                with self.cursor() as cr:
                    self.lease.release(cr)
            except psycopg2.Error as exc:
                _logger.info("db %s: lead not released, it expires: %s", self.name, exc)
        if self.conn is not None:
            try:
                self.conn.close()
            except psycopg2.Error as exc:
                _logger.debug("db %s: closing its connection: %s", self.name, exc)
        self.conn = None
        self.lease.held = False

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
                self.view.channels.add(note.payload or "root")
            self.changed = True

    def keepalive(self):
        with self.cursor() as cr:
            cr.execute("SELECT 1")

    # the turn of the loop ----------------------------------------------------

    def leads(self):
        return self.lease.trusted()

    def tick(self, now):
        """Notifications, then what they and the timers ask: a scheduling
        pass first (maintenance must not delay a job that can start), the
        lease, runtime settings, housekeeping, channel discovery."""
        self.poll()
        busy = False  # a query was sent: no keepalive needed
        if self.leads():
            if self.timer_due(now):
                self.changed = True
            if self.changed:
                self.schedule(now, self.runner.free_capacity(exclude=self))
                busy = True
        if self.lease.due(now):
            self.renew_lease(now)
        if not self.leads():
            if not self.lease.held:
                self.keepalive()
            return
        if now.mono >= self.next_config:
            self.load_overrides(now)
            busy = True
        if self.housekeeping.due(now):
            with self.cursor() as cr:
                if self.housekeeping.run(cr, now):
                    self.changed = True
                if self.tickets and self.keep_tickets(cr):
                    self.changed = True
            busy = True
        if self.history.due(now):
            with self.cursor() as cr:
                self.history.run(cr, now)
            busy = True
        if now.mono >= self.next_discovery:
            self.discover_channels(now)
            self.changed = busy = True
        if not busy:
            self.keepalive()

    def timer_due(self, now):
        """Whether an eta, a throttle pause or a request in flight asks for
        a scheduling pass at ``now``."""
        due = False
        if self.view.next_eta and now.wall >= self.view.next_eta:
            self.view.next_eta = None
            due = True
        wake = self.manager.get_wakeup_time()
        inflight = self.view.inflight_deadline()
        return (
            due
            or bool(wake and now.wall >= wake)
            or (inflight is not None and now.mono >= inflight)
        )

    def wakeup(self, now):
        """The monotonic time at which this database needs a turn."""
        times = [self.lease.next_renewal]
        if self.lease.held:
            times += [
                self.next_discovery,
                self.housekeeping.next_run,
                self.history.next_run,
                self.next_config,
                now.deadline(self.manager.get_wakeup_time()),
                now.deadline(self.view.next_eta),
                self.view.inflight_deadline(),
            ]
        return min(t for t in times if t is not None)

    # leadership --------------------------------------------------------------

    def renew_lease(self, now):
        """Take or keep the lead; a leader also reports what it sees."""
        report = {
            "report": json.dumps(
                {
                    "host": socket.gethostname(),
                    "channels": self.manager.report() if self.lease.held else [],
                }
            ),
            "dispatched_at": self.dispatched_at,
            "error": self.error,
            "error_at": self.error_at,
        }
        with self.cursor() as cr:
            changed_hands = self.lease.renew(cr, now, report)
        if changed_hands:
            self.reset_view()

    def reset_view(self):
        self.view.reset()
        self.changed = True
        self.next_discovery = 0.0
        self.next_config = 0.0

    # what is read for scheduling ---------------------------------------------

    def load_overrides(self, now):
        """Runtime channel settings (queue.job.channel) over the
        configuration string."""
        self.next_config = now.mono + CONFIG_INTERVAL
        with self.cursor() as cr:
            self.read_secrets(cr)
            if not self.overrides_supported:
                # until queue_job is updated to a version that has them
                cr.execute(_HAS_OVERRIDES)
                self.overrides_supported = cr.fetchone()[0] == 2
            if not self.overrides_supported:
                return
            cr.execute(_OVERRIDES)
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
        if self.tickets:
            with self.cursor() as cr:
                tickets.revoke_beyond_limits(cr, self.manager, self.name)

    def keep_tickets(self, cr):
        """Expired tickets and left seats swept, and what the channels no
        longer allow revoked; True if any went."""
        swept = tickets.sweep(cr, self.name)
        return tickets.revoke_beyond_limits(cr, self.manager, self.name) or swept

    def discover_channels(self, now):
        self.next_discovery = now.mono + DISCOVERY_INTERVAL
        with self.cursor() as cr:
            cr.execute(_PENDING_CHANNELS)
            # channels without pending jobs are forgotten until notified again
            self.view.channels = {row[0] for row in cr.fetchall()}

    def refresh(self, now):
        """One pass: running jobs, pending windows, blocking failures and
        the next eta, read in one round trip into the view."""
        with self.cursor() as cr:
            cr.execute(_PASS, self.view.pass_params(now))
            rows = cr.fetchall()
        self.view.apply(rows, now)

    # dispatch ----------------------------------------------------------------

    def schedule(self, now, limit):
        """Refresh what changed, then dispatch what may run; returns the count."""
        self.changed = False
        self.refresh(now)
        if limit is not None:
            # root's capacity is shared with the other databases we lead
            limit = max(limit - len(self.view.running), 0)
        count = 0
        for job in self.manager.get_jobs_to_run(now.wall, limit=limit):
            self.dispatch(job, now)
            count += 1
        # more may fit once the windows are read again
        self.changed = count > 0 and self.view.windows_full
        return count

    def dispatch(self, job, now):
        channel = job.channel
        queued_channel = self.view.dispatched(job, now)
        params = {"db": self.name, "job_uuid": job.uuid}
        secret = signing_secret(self.secrets, now.wall) if self.secrets else None
        if secret:
            budget = 0 if channel.throttle else self.runner.slot_budget_ms
            nonce = str(uuid.uuid4())
            params.update(
                channel=queued_channel or "",
                budget=budget,
                sequential=int(bool(channel.sequential)),
                nonce=nonce,
                exp=int(now.wall) + self.ticket_ttl,
                kid=key_id(secret),
            )
            params["token"] = sign(secret, params)
            _logger.debug("asking Odoo to run job %s on db %s", job.uuid, self.name)
            # the ticket is written while the request travels: a round trip
            # less before the job starts (the worker waits for a ticket not
            # written yet, execution/tickets.py)
            self.runner.dispatcher.submit(params, context=self.name)
            with self.cursor() as cr:
                tickets.issue(
                    cr, nonce, job.uuid, queued_channel or "", self.ticket_ttl
                )
            return
        with self.cursor() as cr:
            cr.execute(_SET_ENQUEUED, (now.utc, job.uuid))
        _logger.debug("asking Odoo to run job %s on db %s", job.uuid, self.name)
        self.runner.dispatcher.submit(params, context=self.name)

    def undelivered(self, uuid, error, now):
        """The request for job ``uuid`` failed with ``error``."""
        self.error, self.error_at = error, now.utc
        # give it a second chance after a short pause
        self.view.undelivered(uuid, now)
