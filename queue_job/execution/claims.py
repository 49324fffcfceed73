# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Claims: a worker process taking a job to run.

Owns the SQL that sets a job ``started`` for this process (by uuid, or the
next due job of a channel, alone or in the statement that writes the
previous job's outcome), what a claim is (:class:`Claim`, and the guard
every later write of its outcome carries) and what a claim statement gives
back (:class:`ClaimResult`).
"""
import logging
import os
import socket
from datetime import datetime
from typing import NamedTuple, Optional

import psycopg2

from .. import states
from ..concurrency import is_concurrency_error
from ..job import LOADED_COLUMNS
from .statements import execute as execute_prepared
from .tickets import CONSUME_CLAIMED, LOCK, SEATED, WITH_TICKET

_logger = logging.getLogger(__name__)

HOSTNAME = socket.gethostname()
# how many of a channel's best pending jobs a slot tries to claim
CLAIM_CANDIDATES = 8

# what a claim returns: the job's columns, to load it without another query
_CLAIMED = "RETURNING id, " + ", ".join(LOADED_COLUMNS)
_SET_STARTED = "UPDATE queue_job SET " + states.CLAIM_SET
# Before a claim of a channel's next job, for its transaction only (the claim
# then commits): no sort, so that the plan reads the pending index in its
# order. With the statistics of a table that looked empty, the planner would
# rather sort every pending job at each claim, and a slot's generic plan
# keeps that choice while the backlog grows.
_INDEX_ORDER = "SET LOCAL enable_sort = off; "
# the registry's signaling sequences, read with a claim
_SIGNALING = (
    ", (SELECT last_value FROM base_registry_signaling),"
    " (SELECT last_value FROM base_cache_signaling)"
)


class Claim:
    """A job this process has set to ``started``; ``previous``: the state
    it was claimed from."""

    __slots__ = (
        "id",
        "uuid",
        "channel",
        "date_started",
        "key",
        "latency",
        "row",
        "previous",
    )

    def __init__(self, row, key):
        self.id = row[0]
        self.row = dict(zip(LOADED_COLUMNS, row[1:]))
        self.uuid, self.channel = self.row["uuid"], self.row["channel"]
        # by the database's clock, as the dead-job test compares it
        date_started = self.date_started = self.row["date_started"]
        self.key = key
        # only the runner's unsigned dispatch sets date_enqueued, and every
        # way back to pending clears it (states.CLEARS)
        self.previous = states.ENQUEUED if self.row["date_enqueued"] else states.PENDING
        # from when it could run (created, or its eta) to its start
        date_created, eta = self.row["date_created"], self.row["eta"]
        ready = max(date_created, eta) if eta else date_created
        self.latency = max((date_started - ready).total_seconds(), 0.0)

    # the claim, as a WHERE clause; see guard_params()
    GUARD = "id = %s AND state = 'started' AND worker_key = %s AND date_started = %s"

    def guard_params(self):
        return (self.id, self.key, self.date_started)

    def outcome_update(self, assignments, params):
        """(sql, params) of the UPDATE writing ``assignments`` to the job,
        only while it is still this claim's."""
        return (
            "UPDATE queue_job SET %s WHERE %s" % (assignments, self.GUARD),
            tuple(params) + self.guard_params(),
        )


class ClaimResult(NamedTuple):
    """What a claim statement gave."""

    claim: Optional[Claim]  # None: no job could be claimed
    # the outcome sent with the claim was written (True when none was sent)
    outcome_written: bool = True
    # claim_uuid(registry=...): the registry to go on with, after signaling
    registry: object = None


class OutcomeConflict(Exception):
    """The outcome sent with a claim met a concurrency error of its own."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def _claim_values(key):
    """The time due jobs are compared with, and the claim's parameters."""
    return datetime.utcnow(), (os.getpid(), HOSTNAME, key)


def claim_uuid(cr, uuid, states, key, due_only=False, registry=None, ticket=None):
    """Set job ``uuid`` started if it is in one of ``states`` (and due, with
    ``due_only``), and with ``ticket`` (a tickets.Ticket) only if the same
    statement consumes it. One statement: it may run alone (autocommit).

    With ``registry``, the registry signaling sequences are read by the same
    statement and applied as ``Registry.check_signaling`` does (a cursor and
    a query less per request); the result names the registry to use.
    """
    now, values = _claim_values(key)
    eta = " AND (eta IS NULL OR eta <= %s)" if due_only else ""
    params = values + (uuid, list(states)) + ((now,) if due_only else ())
    sql = (
        _SET_STARTED
        + " WHERE uuid = %s AND state = ANY(%s)"
        + eta
        + (WITH_TICKET if ticket is not None else "")
        + " "
        + _CLAIMED
        + (_SIGNALING if registry is not None else "")
    )
    if ticket is not None:
        lock_params, consume_params = ticket.claim_parts()
        sql = (
            "WITH ticket AS (%s), claimed AS (%s), consumed AS (%s) "
            % (
                LOCK,
                sql,
                CONSUME_CLAIMED,
            )
            + "SELECT * FROM claimed"
        )
        params = lock_params + params + consume_params
    # prepared on a kept connection: planned once, not for every request
    execute_prepared(cr, sql, params)
    row = cr.fetchone()
    if row and registry is not None:
        registry = _apply_signaling(registry, *row[-2:])
        row = row[:-2]
    return ClaimResult(Claim(row, key) if row else None, registry=registry)


def _apply_signaling(registry, registry_sequence, cache_sequence):
    """What ``Registry.check_signaling`` does with the sequences it reads."""
    from odoo.modules.registry import Registry

    if registry.in_test_mode():
        return registry
    if registry.registry_sequence != registry_sequence:
        _logger.info("Reloading the model registry after database signaling.")
        registry = Registry.new(registry.db_name)
    elif registry.cache_sequence != cache_sequence:
        _logger.info("Invalidating all model caches after database signaling.")
        registry.clear_caches()
    registry.cache_invalidated = False
    registry.registry_sequence = registry_sequence
    registry.cache_sequence = cache_sequence
    return registry


def _next_where(channel, sequential, now, seat=None):
    """WHERE clause and parameters picking the next job of ``channel``
    (only while the slot's ``seat``, a ticket nonce, is there)."""
    where, params = _channel_where(channel, sequential, now)
    if seat is None:
        return where, params
    return where + SEATED, params + (seat,)


def _channel_where(channel, sequential, now):
    if sequential:
        where = (
            " WHERE id = (SELECT id FROM queue_job WHERE state = 'pending'"
            " AND channel = %s ORDER BY priority, date_created, id LIMIT 1"
            " FOR UPDATE) AND (eta IS NULL OR eta <= %s) AND NOT EXISTS"
            " (SELECT 1 FROM queue_job WHERE state = 'failed' AND channel = %s)"
        )
        return where, (channel, now, channel)
    where = (
        " WHERE id = (SELECT id FROM queue_job WHERE state = 'pending'"
        " AND channel = %s AND (eta IS NULL OR eta <= %s)"
        " ORDER BY priority, date_created, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    )
    return where, (channel, now)


def claim_next(cr, channel, sequential, key, outcome=None, statements=None, seat=None):
    """Set the next due pending job of ``channel`` started, if any.

    A sequential channel only gives its head job (by priority, date, id),
    only when it is due, and nothing while the channel has a failed job.

    ``outcome``: (sql, params) of the guarded UPDATE writing the outcome of
    the job that just ended, sent in the same statement (one round trip
    less per job); the next job is claimed only if that UPDATE found its
    row, and the result says whether it did.
    ``statements``: a :class:`~.statements.Statements` to run the claim
    prepared. ``seat``: the nonce of the slot's seat (tickets.py).

    This runs in the transaction of the job that just ended, whose snapshot
    is as old as that job: the best jobs may have been taken by other slots
    since, which REPEATABLE READ reports as a serialization failure. Then the
    next candidates are tried one by one, each in its own savepoint; when
    none can be had the failure is raised, for the caller to claim again in
    a new transaction.
    """
    now, values = _claim_values(key)
    where, where_params = _next_where(channel, sequential, now, seat)
    if outcome is None:
        sql = _SET_STARTED + where + " " + _CLAIMED
        params = values + where_params
    else:
        sql = (
            "WITH outcome AS (%s RETURNING 1), claimed AS (%s%s"
            " AND EXISTS (SELECT 1 FROM outcome) %s) SELECT (SELECT count(*) FROM"
            " outcome), claimed.* FROM (VALUES (1)) AS one LEFT JOIN claimed ON true"
            % (outcome[0], _SET_STARTED, where, _CLAIMED)
        )
        params = tuple(outcome[1]) + values + where_params
    try:
        if statements is not None:
            statements.execute("SAVEPOINT qj_claim; " + _INDEX_ORDER, sql, params)
        else:
            cr.execute(
                "SAVEPOINT qj_claim; " + _INDEX_ORDER + sql,
                params,
                log_exceptions=False,
            )
    except psycopg2.OperationalError as err:
        if not is_concurrency_error(err):
            raise
        cr.execute("ROLLBACK TO SAVEPOINT qj_claim")
        written = True
        if outcome is not None:
            written = _write_outcome_alone(cr, outcome)
            if not written:
                return ClaimResult(None, outcome_written=False)
        if sequential:
            raise
        return ClaimResult(_claim_candidates(cr, channel, now, values, key, err, seat))
    row = cr.fetchone()
    written = True
    if outcome is not None:
        written, row = row[0] == 1, row[1:]
        if row[0] is None:
            row = None
    return ClaimResult(Claim(row, key) if row else None, outcome_written=written)


def _write_outcome_alone(cr, outcome):
    """The outcome of a combined statement that conflicted, written alone
    first (the claim then goes as if it had been alone); whether its row
    was still ours."""
    try:
        cr.execute(outcome[0], outcome[1], log_exceptions=False)
    except psycopg2.OperationalError as outcome_err:
        if not is_concurrency_error(outcome_err):
            raise
        # the job's row changed since the snapshot: this transaction
        # cannot write its outcome
        raise OutcomeConflict(outcome_err) from outcome_err
    return cr.rowcount == 1


def _claim_candidates(cr, channel, now, values, key, conflict, seat=None):
    cr.execute(
        _INDEX_ORDER
        + "SELECT id FROM queue_job WHERE state = 'pending' AND channel = %s"
        " AND (eta IS NULL OR eta <= %s)"
        " ORDER BY priority, date_created, id LIMIT %s",
        (channel, now, CLAIM_CANDIDATES),
    )
    for (job_id,) in cr.fetchall():
        try:
            cr.execute(
                "SAVEPOINT qj_claim; " + _SET_STARTED + " WHERE id = ("
                " SELECT id FROM queue_job WHERE id = %s AND state = 'pending'"
                " FOR UPDATE SKIP LOCKED)" + (SEATED if seat else "") + " " + _CLAIMED,
                values + (job_id,) + ((seat,) if seat else ()),
                log_exceptions=False,
            )
        except psycopg2.OperationalError as err:
            if not is_concurrency_error(err):
                raise
            cr.execute("ROLLBACK TO SAVEPOINT qj_claim")
            conflict = err
            continue
        row = cr.fetchone()
        if row:
            return Claim(row, key)
    raise conflict
