# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Leadership: which runner dispatches the jobs of a database.

Owns the row of ``queue_job_runner_lease``: taken when free or expired,
renewed every LEASE_RENEW seconds for LEASE_TTL seconds, released on close.
Only the holder dispatches, and it stops trusting its lead LEASE_RENEW
seconds before the lease can expire, so that two runners never dispatch the
same database at once. The holder also writes its report there (channels,
last dispatch, last error) for the metrics and the health check.
"""
import logging
import time

_logger = logging.getLogger(__name__)

# seconds
LEASE_TTL = 15
LEASE_RENEW = 5

_TAKE_OR_RENEW = """
INSERT INTO queue_job_runner_lease AS l
       (name, holder, expires_at, renewed_at, report, dispatched_at, error, error_at,
        since)
VALUES ('runner', %(holder)s,
        (now() AT TIME ZONE 'UTC') + %(ttl)s * interval '1 second',
        now() AT TIME ZONE 'UTC', %(report)s, %(dispatched_at)s, %(error)s,
        %(error_at)s, now() AT TIME ZONE 'UTC')
ON CONFLICT (name) DO UPDATE
   SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
       since = CASE WHEN l.holder = EXCLUDED.holder
                    THEN coalesce(l.since, EXCLUDED.since) ELSE EXCLUDED.since END,
       renewed_at = EXCLUDED.renewed_at, report = EXCLUDED.report,
       dispatched_at = EXCLUDED.dispatched_at, error = EXCLUDED.error,
       error_at = EXCLUDED.error_at
 WHERE l.holder = EXCLUDED.holder OR l.expires_at < (now() AT TIME ZONE 'UTC')
RETURNING holder
"""

_RELEASE = "DELETE FROM queue_job_runner_lease WHERE name = 'runner' AND holder = %s"


class Lease:
    """This runner's lead of database ``dbname``, as ``holder``."""

    def __init__(self, dbname, holder):
        self.dbname = dbname
        self.holder = holder
        self.held = False  # we won it at the last renewal
        self.until = 0.0  # monotonic time our lead can be trusted until
        self.next_renewal = 0.0  # monotonic

    def due(self, now):
        return now.mono >= self.next_renewal

    def trusted(self):
        """Whether we may dispatch: held, and not close to its expiry. The
        clock is read here, not taken from the pass: a pass may be long."""
        return self.held and time.monotonic() < self.until

    def renew(self, cr, now, report):
        """Take or keep the lead; write ``report`` (a dict with ``report``,
        ``dispatched_at``, ``error``, ``error_at``) if we hold it. Returns
        True when the lead changed hands (won or lost)."""
        asked = time.monotonic()
        cr.execute(_TAKE_OR_RENEW, dict(report, holder=self.holder, ttl=LEASE_TTL))
        won = cr.fetchone() is not None
        self.next_renewal = now.mono + LEASE_RENEW
        if won:
            # from when we asked, with a margin: we stop before another
            # runner can take over
            self.until = asked + LEASE_TTL - LEASE_RENEW
        if won == self.held:
            return False
        self.held = won
        if won:
            _logger.info("queue job runner leads db %s", self.dbname)
        else:
            _logger.warning("queue job runner lost the lead of db %s", self.dbname)
        return True

    def release(self, cr):
        cr.execute(_RELEASE, (self.holder,))
        self.held = False
