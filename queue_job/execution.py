# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Running jobs inside an Odoo process, for the ``/queue_job/runjob`` route.

A request runs one job, or, when the runner signed it, a *slot*: the job and
then the next due jobs of the same channel while the slot's budget lasts.
Each job is claimed (``started`` committed), performed in its own transaction
as its user, and its outcome is committed together with the claim of the next
job, so that the channel never looks free between two jobs of a slot.

Every write of an outcome is guarded by the claim (state, worker key, start
time): a job that the runner found dead and gave to someone else is never
overwritten by the process that lost it. See docs/DESIGN.md, section 5.
"""
import logging
import os
import random
import select
import socket
import threading
import time
import traceback
from datetime import datetime, timedelta

import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from . import schema, transitions
from .exception import NothingToDoJob, RetryableJobError
from .job import LOADED_COLUMNS, Job

_logger = logging.getLogger(__name__)

# seconds before a job that hit a PostgreSQL concurrency error runs again
PG_RETRY = 5
HOSTNAME = socket.gethostname()
# what a claim returns: the job's columns, to load it without another query
_CLAIMED = "RETURNING id, " + ", ".join(LOADED_COLUMNS)
# how many of a channel's best pending jobs a slot tries to claim
CLAIM_CANDIDATES = 8
# a slot writes its metric counts when it ends, or after this many jobs
COUNTS_EVERY = 100
# writing an outcome again after a concurrency error; giving a job back
OUTCOME_TRIES = 5
GIVE_BACK_TRIES = 3
_GIVE_BACK = (
    "UPDATE queue_job SET retry = retry + 1,"
    " state = CASE WHEN max_retries > 0 AND retry + 1 >= max_retries"
    " THEN 'failed' ELSE 'pending' END,"
    " eta = %s, exc_name = NULL, exc_message = %s, exc_info = NULL,"
    " date_started = NULL, worker_pid = NULL, worker_key = NULL,"
    " worker_hostname = NULL"
)


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
    try:
        conn.close()
    except psycopg2.Error:
        pass


class Liveness:
    """The advisory lock that says "this process is alive", per database.

    A dedicated connection holds ``pg_advisory_xact_lock(LOCK_NAMESPACE,
    key)`` in a transaction kept open for the life of the process. It holds
    no xid and no snapshot, so it does not hold back vacuum; when the process
    dies, the connection closes and the lock goes, which is how the runner
    knows that the jobs recorded with this key are dead.
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


class Claim:
    """A job this process has set to ``started``."""

    __slots__ = ("id", "uuid", "channel", "date_started", "key", "latency", "row")

    def __init__(self, row, date_started, key):
        self.id = row[0]
        self.row = dict(zip(LOADED_COLUMNS, row[1:]))
        self.uuid, self.channel = self.row["uuid"], self.row["channel"]
        self.date_started = date_started
        self.key = key
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

    def counters(self, outcome):
        """Rows added to queue_job_counter for this run's ``outcome``."""
        bucket = next(
            ("latency_le_%s" % b for b in schema.LATENCY_BUCKETS if self.latency <= b),
            "latency_le_inf",
        )
        # each process adds to rows of its own: no two transactions compete
        # for a counter row (the runner folds the rows of dead processes)
        shard = self.key
        channel = self.channel or "root"
        return [
            (channel, outcome, shard, 1.0),
            (channel, bucket, shard, 1.0),
            (channel, "latency_sum", shard, self.latency),
        ]


def _utcnow():
    return datetime.utcnow()


def _claim_values(key):
    now = _utcnow()
    return now, (now, os.getpid(), HOSTNAME, key)


_SET_STARTED = (
    "UPDATE queue_job SET state = 'started', date_started = %s, worker_pid = %s, "
    "worker_hostname = %s, worker_key = %s"
)


def claim_uuid(cr, uuid, states, key, due_only=False, registry=None):
    """Set job ``uuid`` started if it is in one of ``states``.

    With ``registry``, the registry signaling sequences are read by the same
    statement and applied as ``Registry.check_signaling`` does (a cursor and
    a query less per request); the registry to use is returned as well.
    """
    now, values = _claim_values(key)
    eta = " AND (eta IS NULL OR eta <= %s)" if due_only else ""
    params = values + (uuid, tuple(states)) + ((now,) if due_only else ())
    cr.execute(
        _SET_STARTED
        + " WHERE uuid = %s AND state IN %s"
        + eta
        + " "
        + _CLAIMED
        + (_SIGNALING if registry is not None else ""),
        params,
        log_exceptions=False,
    )
    row = cr.fetchone()
    if row and registry is not None:
        registry = _apply_signaling(registry, *row[-2:])
        row = row[:-2]
    claim = Claim(row, now, key) if row else None
    return (claim, registry) if registry is not None else claim


_SIGNALING = (
    ", (SELECT last_value FROM base_registry_signaling),"
    " (SELECT last_value FROM base_cache_signaling)"
)


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


def _next_where(channel, sequential, now):
    """WHERE clause and parameters picking the next job of ``channel``."""
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


class OutcomeConflict(Exception):
    """The outcome sent with a claim met a concurrency error of its own."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class Statements:
    """The statements a slot sends for every job, prepared on its connection.

    Planning them costs as much as running them (the job table has many
    indexes); a slot running hundreds of jobs plans them once. Each slot
    prepares under names of its own and deallocates them when it ends (the
    connection pool also discards them when it lends the connection again).
    """

    _serial = 0
    _lock = threading.Lock()

    def __init__(self, cr):
        self.cr = cr
        self.names = {}  # sql -> prepared statement name

    def execute(self, prefix, sql, params):
        """Run ``prefix`` (plain SQL) then ``sql`` with ``params``, prepared."""
        name = self.names.get(sql)
        if name is None:
            with Statements._lock:
                Statements._serial += 1
                name = "qj_slot_%d_%d" % (os.getpid(), Statements._serial)
            numbered = sql.split("%s")
            text = numbered[0] + "".join(
                "$%d%s" % (i, part) for i, part in enumerate(numbered[1:], 1)
            )
            if not self.names:
                # generic plans are costed for a whole backlog: no JIT for them
                self.cr.execute(
                    "SET plan_cache_mode = force_generic_plan; SET jit = off"
                )
            self.cr.execute("PREPARE %s AS %s" % (name, text))
            self.names[sql] = name
        self.cr.execute(
            "%sEXECUTE %s (%s)" % (prefix, name, ", ".join(["%s"] * len(params))),
            params,
            log_exceptions=False,
        )

    def close(self):
        if not self.names:
            return
        try:
            self.cr.execute(
                "RESET plan_cache_mode; RESET jit; "
                + "; ".join("DEALLOCATE %s" % name for name in self.names.values())
            )
        except psycopg2.Error:
            _logger.debug("prepared statements not deallocated", exc_info=True)
            self.cr.rollback()
        self.names = {}


def claim_next(cr, channel, sequential, key, outcome=None, statements=None):
    """Set the next due pending job of ``channel`` started, if any.

    A sequential channel only gives its head job (by priority, date, id),
    only when it is due, and nothing while the channel has a failed job.

    ``outcome``: (sql, params) of the guarded UPDATE writing the outcome of
    the job that just ended, sent in the same statement (one round trip
    less per job); the next job is claimed only if that UPDATE found its
    row. Then (written, claim) is returned instead of the claim.
    ``statements``: a :class:`Statements` to run the claim prepared.

    This runs in the transaction of the job that just ended, whose snapshot
    is as old as that job: the best jobs may have been taken by other slots
    since, which REPEATABLE READ reports as a serialization failure. Then the
    next candidates are tried one by one, each in its own savepoint; when
    none can be had the failure is raised, for the caller to claim again in
    a new transaction.
    """
    now, values = _claim_values(key)
    where, where_params = _next_where(channel, sequential, now)
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
    written = True
    try:
        if statements is not None:
            statements.execute("SAVEPOINT qj_claim; ", sql, params)
        else:
            cr.execute("SAVEPOINT qj_claim; " + sql, params, log_exceptions=False)
    except psycopg2.OperationalError as err:
        if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
            raise
        cr.execute("ROLLBACK TO SAVEPOINT qj_claim")
        if outcome is not None:
            # the outcome alone first; the claim as if it had been alone
            try:
                cr.execute(outcome[0], outcome[1], log_exceptions=False)
            except psycopg2.OperationalError as outcome_err:
                if outcome_err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                # the job's row changed since the snapshot: this transaction
                # cannot write its outcome
                raise OutcomeConflict(outcome_err) from outcome_err
            written = cr.rowcount == 1
            if not written:
                return False, None
        if sequential:
            raise
        claim = _claim_candidates(cr, channel, now, values, key, err)
        return claim if outcome is None else (written, claim)
    row = cr.fetchone()
    if outcome is not None:
        written, row = row[0] == 1, row[1:]
        if row[0] is None:
            row = None
    claim = Claim(row, now, key) if row else None
    return claim if outcome is None else (written, claim)


def _claim_candidates(cr, channel, now, values, key, conflict):
    cr.execute(
        "SELECT id FROM queue_job WHERE state = 'pending' AND channel = %s"
        " AND (eta IS NULL OR eta <= %s)"
        " ORDER BY priority, date_created, id LIMIT %s",
        (channel, now, CLAIM_CANDIDATES),
    )
    for (job_id,) in cr.fetchall():
        try:
            cr.execute(
                "SAVEPOINT qj_claim; " + _SET_STARTED + " WHERE id = ("
                " SELECT id FROM queue_job WHERE id = %s AND state = 'pending'"
                " FOR UPDATE SKIP LOCKED) " + _CLAIMED,
                values + (job_id,),
                log_exceptions=False,
            )
        except psycopg2.OperationalError as err:
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            cr.execute("ROLLBACK TO SAVEPOINT qj_claim")
            conflict = err
            continue
        row = cr.fetchone()
        if row:
            return Claim(row, now, key)
    raise conflict


def _exc_name(exc):
    cls = type(exc)
    return "%s.%s" % (cls.__module__, cls.__name__)


def _exc_message(exc):
    return getattr(exc, "name", None) or str(exc)


class SlotRunner:
    """Runs the jobs of one runjob request on the request's cursor."""

    def __init__(self, cr, dbname, channel=None, budget=0.0, sequential=False):
        self.cr = cr
        self.dbname = dbname
        self.channel = channel
        self.deadline = time.monotonic() + budget if budget else None
        self.sequential = sequential
        self.outcomes = []  # (uuid, state) of each job run
        # metric counts: of the committed outcomes not written yet, and of
        # the outcome of the current transaction
        self.counts = {}
        self._uncommitted = []
        self._since_write = 0
        # a done job's outcome UPDATE, sent with the claim of the next job:
        # (claim, sql, params, job)
        self._deferred = None
        self.statements = Statements(cr)

    @property
    def env(self):
        return api.Environment(self.cr, SUPERUSER_ID, {})

    def run(self, first):
        """Run claimed job ``first`` and, in a slot, the following ones.

        Returns the exception of the first job when it failed, so that the
        single-job route can answer as the reference does (HTTP 500).
        """
        claim = first
        first_error = None
        while claim is not None:
            state, error = self._run_one(claim)
            if claim is first:
                first_error = error
            self.outcomes.append((claim.uuid, state))
            claim = self._next(claim, state)
            if claim is not None:
                transitions.log(
                    claim.uuid, self.dbname, claim.channel, "pending", "started"
                )
        self.statements.close()
        return first_error

    def _continue(self, state):
        if self.deadline is None or time.monotonic() >= self.deadline:
            return False
        if self.sequential and state != "done":
            return False
        return True

    def _next(self, claim, state):
        """Commit the outcome of ``claim`` with the claim of the next job."""
        cr = self.cr
        nxt = None
        retry_after_commit = False
        deferred, self._deferred = self._deferred, None
        # a deferred outcome means the slot goes on (decided by _done)
        if deferred is not None or self._continue(state):
            key = Liveness.key(self.dbname)
            try:
                if deferred is None:
                    nxt = claim_next(
                        cr,
                        self.channel,
                        self.sequential,
                        key,
                        statements=self.statements,
                    )
                else:
                    written, nxt = claim_next(
                        cr,
                        self.channel,
                        self.sequential,
                        key,
                        outcome=deferred[1:3],
                        statements=self.statements,
                    )
                    if not self._outcome_written(claim, "done", written):
                        retry_after_commit = True
            except OutcomeConflict as conflict:
                # as for a job's own concurrency error: its work is rolled
                # back and it runs again later (if it is still ours)
                cr.rollback()
                retryable = RetryableJobError(
                    str(conflict.error.pgerror or conflict.error), seconds=PG_RETRY
                )
                job = deferred[3]
                self.outcomes[-1] = (
                    claim.uuid,
                    self._write(lambda: self._postpone(claim, job, retryable)),
                )
                retry_after_commit = True
            except psycopg2.Error as err:
                if (
                    not isinstance(err, psycopg2.OperationalError)
                    or err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY
                ):
                    if deferred is None:
                        raise
                    # the outcome went down with the claim: the job must not
                    # stay started under a worker that lives on
                    _logger.exception(
                        "job %s: its outcome could not be recorded", claim.uuid
                    )
                    self.outcomes[-1] = (claim.uuid, self._give_back(claim, err))
                    self._notify_end(claim)
                    cr.commit()
                    return None
                if deferred is not None:
                    # written alone before the conflict was raised
                    self._outcome_written(claim, "done", True)
                retry_after_commit = True
        ending = nxt is None and not retry_after_commit
        if ending or self._since_write >= COUNTS_EVERY:
            self._write_counts()
        if ending:
            # the slot ends: the runner may give its capacity to another job
            self._notify_end(claim)
        cr.commit()
        self._committed()
        if retry_after_commit:
            nxt = self._claim_fresh(claim)
        return nxt

    def _claim_fresh(self, claim):
        """Claim in a new transaction, after every candidate conflicted."""
        cr = self.cr
        try:
            nxt = claim_next(
                cr, self.channel, self.sequential, Liveness.key(self.dbname)
            )
        except psycopg2.OperationalError as err:
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            cr.rollback()
            nxt = None
        if nxt is None:
            self._write_counts()
            self._notify_end(claim)
        cr.commit()
        return nxt

    def _notify_end(self, claim):
        self.cr.execute(
            "SELECT pg_notify(%s, %s)", (schema.NOTIFY_JOBS, claim.channel or "")
        )

    def _load(self, claim):
        return Job._load_from_row(self.env, claim.row)

    def _run_one(self, claim):
        """Perform the job of ``claim``; leave its outcome written, not committed.

        Returns (state, exception or None). When even the outcome cannot be
        written, the job is given back to the queue: it must never stay
        ``started`` under a worker that lives on.
        """
        self._uncommitted = []
        try:
            return self._perform(claim)
        except Exception as err:
            _logger.exception("job %s: its outcome could not be recorded", claim.uuid)
            return self._give_back(claim, err), err

    def _give_back(self, claim, err):
        self._uncommitted = []
        for attempt in range(GIVE_BACK_TRIES):
            try:
                self.cr.rollback()
                self.cr.execute(
                    _GIVE_BACK + " WHERE " + claim.GUARD,
                    (_utcnow() + timedelta(seconds=PG_RETRY), str(err))
                    + claim.guard_params(),
                )
                return "pending" if self.cr.rowcount else "lost"
            except psycopg2.Error:
                _logger.exception("job %s: giving it back failed", claim.uuid)
                time.sleep(attempt + 1)
        return "lost"

    def _write(self, write):
        """``write()`` in a new transaction, again after a concurrency error."""
        for attempt in range(OUTCOME_TRIES):
            try:
                return write()
            except psycopg2.OperationalError as err:
                if (
                    err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY
                    or attempt == OUTCOME_TRIES - 1
                ):
                    raise
                self.cr.rollback()
                time.sleep(random.uniform(0, 0.05 * 2**attempt))

    def _perform(self, claim):
        cr = self.cr
        job = None
        try:
            job = self._load(claim)
            job.perform()
            # stored computed fields of the job's writes count in its time
            self.env["base"].flush()
            return self._done(claim, job), None
        except NothingToDoJob as err:
            cr.rollback()
            return (
                self._write(
                    lambda err=err: self._done(
                        claim, job, result=str(err) or None, nothing_to_do=True
                    )
                ),
                None,
            )
        except RetryableJobError as err:
            cr.rollback()
            return self._write(lambda err=err: self._postpone(claim, job, err)), None
        except psycopg2.OperationalError as err:
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                return self._write(lambda err=err: self._fail(claim, job, err)), err
            cr.rollback()
            retryable = RetryableJobError(str(err.pgerror or err), seconds=PG_RETRY)
            return self._write(lambda: self._postpone(claim, job, retryable)), None
        except Exception as err:  # the job's own error: recorded, not raised
            return self._write(lambda err=err: self._fail(claim, job, err)), err

    def _guarded(self, claim, outcome, assignments, params):
        """Write the outcome of ``claim`` if the job is still ours; count it
        for the metrics once it commits."""
        self.cr.execute(*claim.outcome_update(assignments, params))
        return self._outcome_written(claim, outcome, self.cr.rowcount == 1)

    def _outcome_written(self, claim, outcome, written):
        if not written:
            # found dead by the runner and given back to the queue meanwhile:
            # whatever this run did must not count
            _logger.warning(
                "job %s is no longer ours (found dead?): its outcome is dropped",
                claim.uuid,
            )
            self.cr.rollback()
            if self.outcomes and self.outcomes[-1][0] == claim.uuid:
                self.outcomes[-1] = (claim.uuid, "lost")
            return False
        transitions.log(claim.uuid, self.dbname, claim.channel, "started", outcome)
        self._uncommitted = claim.counters(outcome)
        return True

    def _write_counts(self):
        """Add the counts of the slot's outcomes to queue_job_counter, in the
        current transaction (once per slot, not once per job)."""
        counts = dict(self.counts)
        for key_ in self._uncommitted:
            counts[key_[:3]] = counts.get(key_[:3], 0.0) + key_[3]
        self.counts = {}
        self._uncommitted = []
        self._since_write = 0
        if not counts:
            return
        self.cr.execute(
            "INSERT INTO queue_job_counter AS c (channel, name, shard, value) "
            "VALUES %s ON CONFLICT (channel, name, shard) "
            "DO UPDATE SET value = c.value + EXCLUDED.value"
            % ", ".join(["(%s, %s, %s, %s::double precision)"] * len(counts)),
            tuple(v for key_, value in counts.items() for v in key_ + (value,)),
        )

    def _committed(self):
        """The outcome just committed: its counts join the slot's."""
        for channel, name, shard, value in self._uncommitted:
            key_ = (channel, name, shard)
            self.counts[key_] = self.counts.get(key_, 0.0) + value
        self._uncommitted = []
        self._since_write += 1

    @staticmethod
    def _extra_values(job):
        if hasattr(job, "_model_store_values"):
            return job._model_store_values()
        return {}

    def _extras(self, job, values=None):
        if values is None:
            values = self._extra_values(job)
        if values:
            record = self.env["queue.job"].browse(job.db_record().id)
            record.with_context(_job_edit_sentinel=record.EDIT_SENTINEL).write(values)

    def _done(self, claim, job, result=None, nothing_to_do=False):
        if nothing_to_do:
            # the job's work, if any, was rolled back with the exception
            result = result or "Job interrupted and set to Done: nothing to do."
        else:
            result = job.result
        now = _utcnow()
        job.set_done(result=result)
        job.date_done = now
        exec_time = (now - claim.date_started).total_seconds()
        assignments = (
            "state = 'done', date_done = %s, exec_time = %s, result = %s, retry = %s,"
            " exc_name = NULL, exc_message = NULL, exc_info = NULL"
        )
        params = (now, exec_time, str(result) if result else None, job.retry)
        extras = self._extra_values(job)
        if not (extras or job.graph_uuid) and self._continue("done"):
            # written by _next() in the statement claiming the next job
            self._deferred = (claim, *claim.outcome_update(assignments, params), job)
            _logger.debug("job %s done in %.3fs", claim.uuid, exec_time)
            return "done"
        if not self._guarded(claim, "done", assignments, params):
            return "lost"
        self._extras(job, extras)
        if job.graph_uuid:
            job.enqueue_waiting()
        _logger.debug("job %s done in %.3fs", claim.uuid, exec_time)
        return "done"

    def _postpone(self, claim, job, err):
        if job is None:
            return self._fail(claim, job, err)
        job.postpone(result=str(err), seconds=err.seconds)
        job.set_pending(reset_retry=False)
        if not self._guarded(
            claim,
            "postponed",
            "state = %s, eta = %s, result = %s, retry = %s, exc_name = NULL,"
            " exc_message = NULL, exc_info = NULL, date_started = NULL,"
            " date_enqueued = NULL, worker_pid = NULL, worker_key = NULL,"
            " worker_hostname = NULL",
            (job.state, job.eta, str(err), job.retry),
        ):
            return "lost"
        self._extras(job)
        _logger.debug("job %s postponed to %s: %s", claim.uuid, job.eta, err)
        return job.state

    def _fail(self, claim, job, err):
        text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        _logger.error("job %s failed:\n%s", claim.uuid, text)
        self.cr.rollback()
        name, message = _exc_name(err), _exc_message(err)
        retry = job.retry if job is not None else None
        if not self._guarded(
            claim,
            "failed",
            "state = 'failed', exc_info = %s, exc_name = %s, exc_message = %s,"
            " retry = coalesce(%s, retry)",
            (text, name, message, retry),
        ):
            return "lost"
        # what the model adds to a failed job must not hide the failure
        try:
            with self.cr.savepoint():
                if job is not None:
                    job.set_failed(exc_info=text, exc_name=name, exc_message=message)
                    self._extras(job)
                self.env["queue.job"].browse(claim.id)._message_post_on_failure()
        except Exception:
            _logger.exception("job %s: failure notification failed", claim.uuid)
        return "failed"


def run_request(
    cr,
    dbname,
    job_uuid,
    signed=False,
    channel=None,
    budget=0.0,
    sequential=False,
    registry=None,
):
    """What ``/queue_job/runjob`` does; returns (outcomes, first job's error).

    Unsigned: only an ``enqueued`` job runs (reference behaviour). Signed by
    the runner: a ``pending`` due job may run, and the request is a slot.
    ``registry``: a registry whose signaling is still to be checked (the
    check is folded into the claim).
    """
    key = Liveness.key(dbname)
    states = ("pending", "enqueued") if signed else ("enqueued",)
    try:
        if registry is not None:
            first, registry = claim_uuid(
                cr, job_uuid, states, key, due_only=signed, registry=registry
            )
        else:
            first = claim_uuid(cr, job_uuid, states, key, due_only=signed)
    except psycopg2.OperationalError as err:
        if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
            raise
        cr.rollback()
        first = None
    if first is None and signed and channel:
        # another slot of the channel took it first: this slot takes the
        # channel's next job instead of leaving its capacity unused
        cr.rollback()
        if registry is not None:
            registry.check_signaling()
        try:
            first = claim_next(cr, channel, sequential, key)
        except psycopg2.OperationalError as err:
            if err.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            first = None
    if first is None:
        cr.rollback()
        if signed and channel:
            # nothing to run after all: the runner may use the capacity
            cr.execute("SELECT pg_notify(%s, %s)", (schema.NOTIFY_JOBS, channel))
            cr.commit()
        _logger.log(
            logging.DEBUG if signed else logging.WARNING,
            "was requested to run job %s, but it does not exist, "
            "or is not in state %s",
            job_uuid,
            " or ".join(states),
        )
        return [], None
    cr.commit()
    transitions.log(first.uuid, dbname, first.channel, "pending", "started")
    slot = SlotRunner(
        cr,
        dbname,
        channel=(channel or first.channel) if signed else None,
        budget=budget if signed else 0.0,
        sequential=sequential,
    )
    error = slot.run(first)
    return slot.outcomes, error
