# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Tickets and seats, the runner's side: channel limits held where jobs are
claimed.

Each signed dispatch is a ticket (a row of ``queue_job_ticket``, schema.py)
written while its request travels (the worker waits for it a few
milliseconds if it comes first); a worker starts a job only by consuming
it, and the consumed ticket is the slot's seat, without which the slot
claims no further job (execution/tickets.py). Owns:

- issuing a ticket, replacing the job's unconsumed one (a request sent
  before and still on its way then starts nothing);
- the rows that make the channels count tickets and seats as running
  (read with each scheduling pass: a restarted runner, or a new leader,
  sees those of the old one);
- revoking tickets and seats beyond what a channel may run (paused, or its
  capacity lowered): running jobs finish, their slots stop after them;
- sweeping expired tickets and the seats of dead or idle backends.

The SQL is here; which tickets are beyond a limit is decided in pure Python
(``beyond_limits``) from the channel tree of channels.py.
"""
import logging

_logger = logging.getLogger(__name__)

TABLE = "queue_job_ticket"
# seconds a ticket (and its request) is valid; a job dispatched and not
# started is dispatched again once its ticket expired
DEFAULT_TTL = 5
# seconds a seat's connection may stay idle (out of any transaction) before
# the seat counts as left behind: a slot between two jobs is idle for
# milliseconds
SEAT_IDLE_LIMIT = 60

ISSUE = """
WITH replaced AS (
    DELETE FROM queue_job_ticket WHERE job_uuid = %(job)s AND consumed_at IS NULL
)
INSERT INTO queue_job_ticket (nonce, job_uuid, channel, expires_at)
VALUES (%(nonce)s::uuid, %(job)s, %(channel)s,
        now() AT TIME ZONE 'UTC' + %(ttl)s * interval '1 second')
"""

# rows of the pass query (database.py), as view.py reads running jobs: a
# valid unconsumed ticket counts as running, as its pending job (so that it
# is not dispatched again meanwhile; unless this runner counts that job as
# in flight already, $1) or, when its job started or ended otherwise, by
# itself (its request will start another job of the channel); a seat whose
# slot has no started job in its channel counts by itself
PASS_ROWS = """
UNION ALL
SELECT 'r', CASE WHEN j.state = 'pending' THEN t.job_uuid
                 ELSE 'ticket:' || t.nonce END,
       t.channel, NULL, NULL, NULL, NULL, 'started'
  FROM queue_job_ticket t LEFT JOIN queue_job j ON j.uuid = t.job_uuid
 WHERE t.consumed_at IS NULL AND t.expires_at > now() AT TIME ZONE 'UTC'
   AND NOT (coalesce(j.state = 'pending', false) AND t.job_uuid = ANY($1))
UNION ALL
SELECT 'r', 'seat:' || t.nonce, t.channel, NULL, NULL, NULL, NULL, 'started'
  FROM queue_job_ticket t
 WHERE t.consumed_at IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM queue_job j
        WHERE j.state = 'started' AND j.channel = t.channel
          AND j.worker_pid = t.worker_pid
          AND j.worker_hostname = t.worker_hostname)
"""

# valid tickets and seats, in the order they are kept: seats (their slot
# runs a job) before tickets, the oldest first
_LIVE = """
SELECT nonce::text, channel, consumed_at IS NOT NULL FROM queue_job_ticket
 WHERE consumed_at IS NOT NULL OR expires_at > now() AT TIME ZONE 'UTC'
 ORDER BY consumed_at IS NOT NULL DESC, created_at
"""
# never waits for a slot claiming with its seat: skipped, tried again later
_REVOKE = """
DELETE FROM queue_job_ticket WHERE nonce IN (
    SELECT nonce FROM queue_job_ticket WHERE nonce = ANY(%s::uuid[])
       FOR UPDATE SKIP LOCKED)
RETURNING nonce::text, job_uuid, consumed_at IS NOT NULL
"""
_SWEEP = """
DELETE FROM queue_job_ticket t
 WHERE (t.consumed_at IS NULL
        AND t.expires_at < now() AT TIME ZONE 'UTC' - interval '1 second')
    OR (t.consumed_at IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_stat_activity a
         WHERE a.pid = t.backend AND a.backend_start = t.backend_start
           AND (coalesce(a.state, 'active') <> 'idle'
                OR a.state_change > now() - %s * interval '1 second')))
RETURNING t.nonce::text, t.consumed_at IS NOT NULL
"""


def issue(cr, nonce, job_uuid, channel, ttl):
    """Write the ticket of a dispatch, replacing the job's unconsumed one.

    Its commit does not wait for the WAL to reach the disk (it is visible at
    once all the same): a ticket lost in a crash only means that its request
    starts nothing, and the job is dispatched again.
    """
    cr.execute(
        "BEGIN; SET LOCAL synchronous_commit = off; " + ISSUE + "; COMMIT",
        {"nonce": nonce, "job": job_uuid, "channel": channel, "ttl": ttl},
    )


def _limited(channel):
    """The channel and its ancestors."""
    while channel is not None:
        yield channel
        channel = channel.parent


def beyond_limits(live, manager):
    """The nonces of ``live`` tickets and seats (nonce, channel string,
    consumed), in the order kept first, that a paused channel or the
    capacity of a channel or of one of its ancestors does not allow."""
    kept = {}  # channel -> how many kept under it
    revoked = []
    for nonce, name, _consumed in live:
        channel = manager.get_channel_by_name(name or "root", parent_fallback=True)
        chain = list(_limited(channel))
        if any(c.paused for c in chain) or any(
            c.capacity and kept.get(c, 0) >= c.capacity for c in chain
        ):
            revoked.append(nonce)
            continue
        for c in chain:
            kept[c] = kept.get(c, 0) + 1
    return revoked


def revoke_beyond_limits(cr, manager, dbname):
    """Revoke what ``manager``'s channels do not allow; True if any went."""
    cr.execute(_LIVE)
    revoked = beyond_limits(cr.fetchall(), manager)
    if not revoked:
        return False
    cr.execute(_REVOKE, (revoked,))
    for nonce, job_uuid, consumed in cr.fetchall():
        _logger.info(
            "db %s: %s %s (job %s) revoked: its channel is paused or full",
            dbname,
            "seat" if consumed else "ticket",
            nonce,
            job_uuid,
        )
    return True


def sweep(cr, dbname):
    """Delete expired tickets and the seats of gone or idle backends."""
    cr.execute(_SWEEP, (SEAT_IDLE_LIMIT,))
    rows = cr.fetchall()
    for nonce, consumed in rows:
        if consumed:
            _logger.info("db %s: seat %s of a gone slot freed", dbname, nonce)
    return bool(rows)
