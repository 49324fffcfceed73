# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The slot loop: the jobs of one runjob request, one after the other.

Owns the order of a slot's transactions: each job's outcome is committed
with the claim of the next job of the same channel (so that the channel
never looks free between two of its jobs) while the budget lasts; the last
transaction says the slot ends (a notification: the runner may use its
capacity) and gives up the slot's seat (tickets.py), which every claim of a
next job needs. What a claim and an outcome are is claims.py's and outcomes.py's.
"""
import logging
import time

import psycopg2

from .. import schema, transitions
from ..concurrency import is_concurrency_error
from ..states import STARTED
from ..time_limit import STOPPING
from .claims import OutcomeConflict, claim_next
from .counters import SlotCounters
from .liveness import Liveness
from .outcomes import OutcomeWriter
from .statements import Statements
from .tickets import RELEASE

_logger = logging.getLogger(__name__)


class SlotRunner:
    """Runs the jobs of one runjob request on the request's cursor."""

    def __init__(
        self, cr, dbname, channel=None, budget=0.0, sequential=False, seat=None
    ):
        self.cr = cr
        self.dbname = dbname
        self.channel = channel
        self.deadline = time.monotonic() + budget if budget else None
        self.sequential = sequential
        self.outcomes = []  # (uuid, state) of each job run
        self.counters = SlotCounters()
        self.writer = OutcomeWriter(cr, dbname, self.counters)
        self.statements = Statements(cr)
        self.seat = seat  # nonce of the slot's seat, if any

    def run(self, first):
        """Run claimed job ``first`` and, in a slot, the following ones.

        Returns the exception of the first job when it failed, so that the
        single-job route can answer as the reference does (HTTP 500).
        """
        try:
            return self._run(first)
        except BaseException:
            self._release_after_error()
            raise

    def _run(self, first):
        claim = first
        first_error = None
        while claim is not None:
            state, error = self.writer.run(claim, lambda: self._goes_on("done"))
            if claim is first:
                first_error = error
            self.outcomes.append((claim.uuid, state))
            claim = self._next(claim, state)
            if claim is not None:
                transitions.log(
                    claim.uuid, self.dbname, claim.channel, claim.previous, STARTED
                )
        self.statements.close()
        return first_error

    def _goes_on(self, state):
        """Whether the slot claims another job after one that ended as
        ``state``: while the budget lasts, and in a sequential channel only
        after a done job."""
        if self.deadline is None or time.monotonic() >= self.deadline:
            return False
        if STOPPING.is_set():
            # the process stops: no new job
            return False
        if self.sequential and state != "done":
            return False
        return True

    def _written(self, claim, written):
        """The deferred outcome of ``claim`` was ``written`` or not."""
        if self.writer.written(claim, "done", written):
            return True
        self.outcomes[-1] = (claim.uuid, "lost")
        return False

    def _next(self, claim, state):
        """Commit the outcome of ``claim`` with the claim of the next job."""
        cr = self.cr
        nxt = None
        retry_after_commit = False
        deferred, self.writer.deferred = self.writer.deferred, None
        # a deferred outcome means the slot goes on (decided when it was done)
        if deferred is not None or self._goes_on(state):
            key = Liveness.key(self.dbname)
            try:
                result = claim_next(
                    cr,
                    self.channel,
                    self.sequential,
                    key,
                    outcome=deferred.update if deferred is not None else None,
                    statements=self.statements,
                    seat=self.seat,
                )
                nxt = result.claim
                if deferred is not None and not self._written(
                    claim, result.outcome_written
                ):
                    retry_after_commit = True
            except OutcomeConflict as conflict:
                cr.rollback()
                self.outcomes[-1] = (
                    claim.uuid,
                    self.writer.postpone_after_conflict(
                        claim, deferred.job, conflict.error
                    ),
                )
                retry_after_commit = True
            except psycopg2.Error as err:
                if not is_concurrency_error(err):
                    if deferred is None:
                        raise
                    # the outcome went down with the claim: the job must not
                    # stay started under a worker that lives on
                    _logger.exception(
                        "job %s: its outcome could not be recorded", claim.uuid
                    )
                    self.outcomes[-1] = (claim.uuid, self.writer.give_back(claim, err))
                    self._notify_end(claim)
                    cr.commit()  # pylint: disable=invalid-commit  # give-back stands
                    return None
                if deferred is not None:
                    # written alone before the conflict was raised
                    self._written(claim, True)
                retry_after_commit = True
        ending = nxt is None and not retry_after_commit
        if ending or self.counters.due():
            self.counters.write(cr)
        if ending:
            # the slot ends: the runner may give its capacity to another job
            self._notify_end(claim)
        cr.commit()  # pylint: disable=invalid-commit  # outcome stands, then next claim
        self.counters.on_commit()
        if retry_after_commit:
            nxt = self._claim_fresh(claim)
        return nxt

    def _claim_fresh(self, claim):
        """Claim in a new transaction, after every candidate conflicted."""
        cr = self.cr
        try:
            nxt = claim_next(
                cr,
                self.channel,
                self.sequential,
                Liveness.key(self.dbname),
                seat=self.seat,
            ).claim
        except psycopg2.OperationalError as err:
            if not is_concurrency_error(err):
                raise
            cr.rollback()
            nxt = None
        if nxt is None:
            self.counters.write(cr)
            self._notify_end(claim)
        cr.commit()  # pylint: disable=invalid-commit  # the claim stands first
        return nxt

    def _notify_end(self, claim):
        self.cr.execute(
            "SELECT pg_notify(%s, %s)", (schema.NOTIFY_JOBS, claim.channel or "")
        )
        if self.seat is not None:
            # the runner may have revoked the seat since this transaction's
            # snapshot (a serialization failure): then it is gone already,
            # and the outcome written in this transaction must not go with it
            try:
                self.cr.execute(
                    "SAVEPOINT qj_seat; " + RELEASE + "; RELEASE SAVEPOINT qj_seat",
                    (self.seat,),
                    log_exceptions=False,
                )
            except psycopg2.OperationalError as err:
                if not is_concurrency_error(err):
                    raise
                self.cr.execute("ROLLBACK TO SAVEPOINT qj_seat")
            self.seat = None

    def _release_after_error(self):
        """The slot broke off: its seat must not outlive it (its connection
        goes back to a pool and lives on)."""
        if self.seat is None:
            return
        try:
            self.cr.rollback()
            self.cr.execute(RELEASE, (self.seat,))
            self.cr.commit()  # pylint: disable=invalid-commit  # the seat goes now
        except psycopg2.Error:
            _logger.warning("seat %s not released: swept later", self.seat)
        self.seat = None
