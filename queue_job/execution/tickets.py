# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Tickets and seats, the worker's side.

A signed runjob request carries the nonce of a ticket the runner writes
while the request travels (``queue_job_ticket``, schema.py): a request that
finds no row for its ticket waits for it a few milliseconds (``WAITS``).
Owns the SQL a slot runs on it: the ticket is consumed by the statement that
claims the slot's first job (no valid ticket, no job: a replayed request,
one whose ticket the runner replaced or revoked, an expired one), and a
consumed ticket is the slot's *seat*: every later claim of the slot goes
only while the seat row exists (read ``FOR KEY SHARE``, so that a seat the
runner deletes meanwhile makes the claim fail), and the slot deletes it in
its last transaction.
The runner's side (issuing, counting, revoking, sweeping) is
jobrunner/tickets.py.
"""
import os
import socket

HOSTNAME = socket.gethostname()

_CONSUME_SET = (
    "UPDATE queue_job_ticket SET consumed_at = now() AT TIME ZONE 'UTC',"
    " backend = pg_backend_pid(), backend_start = (SELECT backend_start"
    " FROM pg_stat_get_activity(pg_backend_pid())),"
    " worker_pid = %s, worker_hostname = %s"
)
_VALID = (
    " WHERE nonce = %s::uuid AND job_uuid = %s AND consumed_at IS NULL"
    " AND expires_at > now() AT TIME ZONE 'UTC'"
)
# the ticket of the request, consumed (as a CTE named "ticket"): unconsumed,
# not expired, for the requested job
CONSUME = _CONSUME_SET + _VALID
# The claim of the request's job, one statement that may run as a transaction
# of its own (READ COMMITTED): the valid ticket locked (CTE "ticket"), the
# job claimed only with it (WITH_TICKET, CTE "claimed"), the ticket consumed
# only with the job. Neither happens without the other: a job taken by
# another slot meanwhile leaves the ticket unconsumed, for the slot's claim
# of the channel's next job; a ticket revoked meanwhile claims no job.
LOCK = "SELECT nonce FROM queue_job_ticket" + _VALID + " FOR UPDATE"
CONSUME_CLAIMED = (
    _CONSUME_SET
    + " WHERE nonce = (SELECT nonce FROM ticket) AND EXISTS (SELECT 1 FROM claimed)"
)
# a claim made with the ticket locked by the same statement
WITH_TICKET = " AND EXISTS (SELECT 1 FROM ticket)"
# a claim of the slot's next job: only while its seat is there
SEATED = (
    " AND EXISTS (SELECT 1 FROM queue_job_ticket WHERE nonce = %s::uuid"
    " FOR KEY SHARE)"
)
RELEASE = "DELETE FROM queue_job_ticket WHERE nonce = %s::uuid"
# seconds slept, one after the other, while the ticket of a request has no
# row: the runner's commit is under a millisecond away, unless the request
# is a replay (its ticket consumed and deleted long ago), which then only
# costs these 63 ms
WAITS = (0.001, 0.002, 0.004, 0.008, 0.016, 0.032)
_EXISTS = "SELECT count(*) FROM queue_job_ticket WHERE nonce = %s::uuid"


class Ticket:
    """The ticket ``nonce`` of a request for job ``job_uuid``."""

    __slots__ = ("nonce", "job_uuid")

    def __init__(self, nonce, job_uuid):
        self.nonce = nonce
        self.job_uuid = job_uuid

    def consume_cte(self):
        """(sql, params) of the CTE consuming the ticket, to put before a
        claim that ends with ``WITH_TICKET``."""
        return (
            "WITH ticket AS (" + CONSUME + " RETURNING 1) ",
            (os.getpid(), HOSTNAME, self.nonce, self.job_uuid),
        )

    def written(self, cr):
        """Whether the ticket has a row (consumed or not) in the snapshot of
        the open transaction."""
        cr.execute(_EXISTS, (self.nonce,))
        return cr.fetchone()[0] > 0

    def claim_parts(self):
        """(lock params, consume params) of a claim made with LOCK and
        CONSUME_CLAIMED."""
        return (self.nonce, self.job_uuid), (os.getpid(), HOSTNAME)

    def consume(self, cr):
        """Consume the ticket alone, in the open transaction; whether this
        transaction holds it now (as a seat)."""
        sql, params = self.consume_cte()
        # the CTE's own rows: the statement does not see its changes
        cr.execute(sql + "SELECT count(*) FROM ticket", params)
        return cr.fetchone()[0] == 1
