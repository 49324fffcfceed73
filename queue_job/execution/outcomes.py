# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Outcomes: performing a claimed job and writing what became of it.

Owns the writes that end a run (done, postponed for a retry, failed, or
given back when even that cannot be written), each guarded by the claim so
that a job taken from this process (found dead) is never overwritten, and
their retries after a concurrency error. A done outcome may be deferred to
the statement that claims the next job of the slot (slots.py).

The steps of a run that addons override on ``RunJobController``
(``_try_perform_job``, ``retry_postpone``, ``_get_failure_values``,
``_enqueue_dependent_jobs``) are called here too, on the controller the route
would use (:class:`Steps`); those not overridden are done the faster way.
"""
import logging
import random
import time
import traceback
from datetime import datetime, timedelta
from typing import NamedTuple

import psycopg2

from odoo import SUPERUSER_ID, api

from .. import states, transitions
from ..concurrency import is_concurrency_error
from ..exception import JobInterruptedError, NothingToDoJob, RetryableJobError
from ..job import Job
from ..storable import storable
from .claims import Claim

_logger = logging.getLogger(__name__)

# seconds before a job that hit a PostgreSQL concurrency error runs again
PG_RETRY = 5
# writing an outcome again after a concurrency error; giving a job back
OUTCOME_TRIES = 5
GIVE_BACK_TRIES = 3
_DONE = (
    "state = 'done', date_done = %s, exec_time = %s, result = %s, retry = %s,"
    " exc_name = NULL, exc_message = NULL, exc_info = NULL"
)
# pending or wait_dependencies: both clear the same columns
_POSTPONED = (
    "state = %s, eta = %s, result = %s, retry = %s, exc_name = NULL,"
    " exc_message = NULL, exc_info = NULL, " + states.cleared(states.PENDING)
)
_FAILED = (
    "state = 'failed', exc_info = %s, exc_name = %s, exc_message = %s,"
    " retry = coalesce(%s, retry)"
)


class DeferredDone(NamedTuple):
    """A done job whose outcome is left to the next claim's statement."""

    claim: Claim
    update: tuple  # (sql, params) of its guarded UPDATE
    job: Job


class Steps:
    """The controller serving ``/queue_job/runjob`` in a slot's database,
    whose overridable steps the slot calls, and which of them are overridden
    (``overridden``: their names)."""

    def __init__(self, env):
        # controllers import execution: imported when the first slot runs
        from ..controllers import main

        self.controller = main.runjob_controller(env)
        self.controller.in_slot = True
        self.overridden = main.overridden_steps(self.controller)
        self._own_failure_values = main.OWN_STEPS["_get_failure_values"]

    def failure_values(self, job, traceback_txt, error):
        """exc_info, exc_name and exc_message of a failed run; ``job`` is
        None when it could not even be loaded (no override sees that)."""
        if job is None:
            return self._own_failure_values(self.controller, job, traceback_txt, error)
        return self.controller._get_failure_values(job, traceback_txt, error)


def _model_values(job):
    """The values the job's model stores with its outcome, if any."""
    if hasattr(job, "_model_store_values"):
        return job._model_store_values()
    return {}


class OutcomeWriter:
    """Runs claimed jobs on cursor ``cr`` of database ``dbname`` and writes
    their outcomes, counted in ``counters`` (a counters.SlotCounters)."""

    def __init__(self, cr, dbname, counters):
        self.cr = cr
        self.dbname = dbname
        self.counters = counters
        self.deferred = None  # DeferredDone of the job just run, if any
        self._steps = None

    @property
    def env(self):
        return api.Environment(self.cr, SUPERUSER_ID, {})

    @property
    def steps(self):
        if self._steps is None:
            self._steps = Steps(self.env)
        return self._steps

    def run(self, claim, goes_on):
        """Perform the job of ``claim``; leave its outcome written, not
        committed, or deferred when it is done and ``goes_on()`` says the
        slot claims another job.

        Returns (state, exception or None). When even the outcome cannot be
        written, the job is given back to the queue: it must never stay
        ``started`` under a worker that lives on.
        """
        self.counters.forget_uncommitted()
        try:
            return self._perform(claim, goes_on)
        except Exception as err:
            _logger.exception("job %s: its outcome could not be recorded", claim.uuid)
            return self.give_back(claim, err), err

    def written(self, claim, outcome, written, state=None):
        """Whether the guarded write of ``outcome`` (the job's ``state``,
        when the outcome is not one) found the job still ours (``written``);
        counts it for the metrics once it commits."""
        if not written:
            # found dead by the runner and given back to the queue meanwhile:
            # whatever this run did must not count
            _logger.warning(
                "job %s is no longer ours (found dead?): its outcome is dropped",
                claim.uuid,
            )
            self.cr.rollback()
            return False
        transitions.log(
            claim.uuid, self.dbname, claim.channel, states.STARTED, state or outcome
        )
        self.counters.count(claim, outcome)
        return True

    def give_back(self, claim, err):
        """Back to the queue with one more try: the outcome of ``claim``
        could not be written."""
        self.counters.forget_uncommitted()
        for attempt in range(GIVE_BACK_TRIES):
            try:
                self.cr.rollback()
                self.cr.execute(
                    "UPDATE queue_job SET %s WHERE %s"
                    % (states.GIVE_BACK, claim.GUARD),
                    (
                        datetime.utcnow() + timedelta(seconds=PG_RETRY),
                        storable(str(err)),
                    )
                    + claim.guard_params(),
                )
                return "pending" if self.cr.rowcount else "lost"
            except psycopg2.Error:
                _logger.exception("job %s: giving it back failed", claim.uuid)
                time.sleep(attempt + 1)
        return "lost"

    def retried(self, write):
        """``write()`` in a new transaction, again after a concurrency error."""
        for attempt in range(OUTCOME_TRIES):
            try:
                return write()
            except psycopg2.OperationalError as err:
                if not is_concurrency_error(err) or attempt == OUTCOME_TRIES - 1:
                    raise
                self.cr.rollback()
                time.sleep(random.uniform(0, 0.05 * 2**attempt))

    def postpone_after_conflict(self, claim, job, error):
        """The job's outcome met a concurrency error (``error``): as for a
        job's own, its work is rolled back and it runs again later."""
        retryable = RetryableJobError(str(error.pgerror or error), seconds=PG_RETRY)
        return self.retried(lambda: self.postpone(claim, job, retryable))

    # the outcomes ----------------------------------------------------------

    def _perform(self, claim, goes_on):
        cr = self.cr
        job = None
        try:
            env = self.env
            job = Job._load_from_row(env, claim.row)
            if "_try_perform_job" in self.steps.overridden:
                self.steps.controller._try_perform_job(env, job)
            else:
                job.perform()
                # stored computed fields of the job's writes count in its time
                env["base"].flush()
            return self._done(claim, job, goes_on), None
        except NothingToDoJob as err:
            cr.rollback()
            result = str(err) or None
            return (
                self.retried(
                    lambda: self._done(claim, job, goes_on, result, nothing_to_do=True)
                ),
                None,
            )
        except RetryableJobError as err:
            cr.rollback()
            return self.retried(lambda err=err: self.postpone(claim, job, err)), None
        except JobInterruptedError as err:
            cr.rollback()
            return self.retried(lambda err=err: self.interrupted(claim, job, err)), None
        except psycopg2.OperationalError as err:
            if not is_concurrency_error(err):
                return self.retried(lambda err=err: self._fail(claim, job, err)), err
            cr.rollback()
            return self.postpone_after_conflict(claim, job, err), None
        except Exception as err:  # the job's own error: recorded, not raised
            return self.retried(lambda err=err: self._fail(claim, job, err)), err

    def _guarded(self, claim, outcome, assignments, params, state=None):
        """Write the outcome of ``claim`` if the job is still ours."""
        self.cr.execute(*claim.outcome_update(assignments, params))
        return self.written(claim, outcome, self.cr.rowcount == 1, state)

    def _extras(self, job, values=None):
        """What the model adds to the job's record (``_job_store_values``)."""
        if values is None:
            values = _model_values(job)
        if values:
            record = self.env["queue.job"].browse(job.db_record().id)
            record.with_context(_job_edit_sentinel=record.EDIT_SENTINEL).write(values)

    def _done(self, claim, job, goes_on, result=None, nothing_to_do=False):
        if nothing_to_do:
            # the job's work, if any, was rolled back with the exception
            result = result or "Job interrupted and set to Done: nothing to do."
        else:
            result = job.result
        now = datetime.utcnow()
        job.set_done(result=result)
        job.date_done = now
        exec_time = (now - claim.date_started).total_seconds()
        params = (now, exec_time, storable(str(result)) if result else None, job.retry)
        extras = _model_values(job)
        dependents = "_enqueue_dependent_jobs" in self.steps.overridden
        if not (extras or job.graph_uuid or dependents) and goes_on():
            # written by the slot in the statement claiming the next job
            self.deferred = DeferredDone(
                claim, claim.outcome_update(_DONE, params), job
            )
            _logger.debug("job %s done in %.3fs", claim.uuid, exec_time)
            return "done"
        if not self._guarded(claim, "done", _DONE, params):
            return "lost"
        self._extras(job, extras)
        if dependents:
            self.steps.controller._enqueue_dependent_jobs(self.env, job)
        elif job.graph_uuid:
            job.enqueue_waiting()
        _logger.debug("job %s done in %.3fs", claim.uuid, exec_time)
        return "done"

    def postpone(self, claim, job, err):
        if job is None:
            return self._fail(claim, job, err)
        if "retry_postpone" in self.steps.overridden:
            self.steps.controller.retry_postpone(job, str(err), seconds=err.seconds)
        else:
            job.postpone(result=str(err), seconds=err.seconds)
            job.set_pending(reset_retry=False)
        if not self._guarded(
            claim,
            "postponed",
            _POSTPONED,
            (job.state, job.eta, storable(str(err)), job.retry),
            job.state,
        ):
            return "lost"
        self._extras(job)
        _logger.debug("job %s postponed to %s: %s", claim.uuid, job.eta, err)
        return job.state

    def interrupted(self, claim, job, err):
        """Back to the queue, due at once, its try not counted: the job's
        process stops (graceful shutdown past its grace period)."""
        if job is None:
            return self._fail(claim, job, err)
        job.retry = max(job.retry - 1, 0)
        job.eta = None
        job.set_pending(reset_retry=False)
        if not self._guarded(
            claim, "pending", _POSTPONED, (job.state, None, str(err), job.retry)
        ):
            return "lost"
        _logger.info("job %s interrupted and requeued: %s", claim.uuid, err)
        return job.state

    def _fail(self, claim, job, err):
        text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        _logger.error("job %s failed:\n%s", claim.uuid, text)
        self.cr.rollback()
        values = self.steps.failure_values(job, text, err)
        text = values.get("exc_info", text)
        name, message = values.get("exc_name"), values.get("exc_message")
        retry = job.retry if job is not None else None
        text, name, message = storable(text), storable(name), storable(message)
        if not self._guarded(claim, "failed", _FAILED, (text, name, message, retry)):
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
