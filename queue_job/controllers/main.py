# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The routes of queue_job: ``/queue_job/runjob`` runs jobs in this worker,
``/queue_job/create_test_job`` makes jobs to try a setup with.

The runner signs its requests: those are mostly answered before reaching
the route (``wsgi.py``), and run as slots (``execution.py``). An unsigned
request runs one ``enqueued`` job the reference's way, through the methods
that other addons override: ``_try_perform_job``, ``retry_postpone``,
``_get_failure_values`` and ``_enqueue_dependent_jobs``. They take a job and
an environment, never the request, so that a slot can call them too (see
``runjob_controller()``).
"""
import logging
import random
import time
import traceback
from contextlib import contextmanager
from typing import Optional

from psycopg2 import OperationalError, errorcodes
from werkzeug.exceptions import BadRequest, Forbidden

import odoo
from odoo import SUPERUSER_ID, _, api, http
from odoo.exceptions import RedirectWarning, UserError

from .. import execution, transitions
from ..concurrency import is_concurrency_error
from ..delay import chain, group
from ..exception import NothingToDoJob, RetryableJobError
from ..job import ENQUEUED, STARTED, Job

_logger = logging.getLogger(__name__)

PG_RETRY = execution.PG_RETRY  # seconds
DEPENDS_MAX_TRIES_ON_CONCURRENCY_FAILURE = 5
TEST_GRAPH_MAX_PER_GROUP = 5


def _exception_message(error):
    # Odoo's exceptions: their message, without the deprecated "name" alias
    # of it (which warns); other exceptions may have a "name" of their own
    if isinstance(error, (UserError, RedirectWarning)) and error.args:
        return str(error.args[0])
    return getattr(error, "name", None) or str(error)


@contextmanager
def _own_transaction(job):
    """Point ``job`` at a new cursor (as superuser, no context), committed
    when the block ends: what the block records about the job stays,
    whatever becomes of the transaction the job ran in."""
    dbname = job.env.cr.dbname
    job.env.clear()  # that transaction's cache is not the new one's
    with odoo.registry(dbname).cursor() as cr:
        job.env = api.Environment(cr, SUPERUSER_ID, {})
        yield job


class RunJobController(http.Controller):
    TEST_GRAPH_MAX_PER_GROUP = TEST_GRAPH_MAX_PER_GROUP
    # True on the instance a slot calls the steps on (runjob_controller()):
    # the slot writes each outcome itself, guarded by its claim, so the steps
    # only do what comes before the write (perform, postpone in memory)
    in_slot = False

    @http.route("/queue_job/runjob", type="http", auth="none", save_session=False)
    def runjob(self, db, job_uuid, **kw):
        """Run a job (or, for the runner, a slot of jobs) in this worker.

        Anonymous access is safe: an unsigned request only starts a job the
        runner has already set ``enqueued``.
        """
        http.request.session.db = db
        odoo.registry(db).check_signaling()
        env = http.request.env(user=SUPERUSER_ID)
        if not self._run_signed_slot(env.cr, db, job_uuid, kw):
            self._run_enqueued_job(env, job_uuid)
        return ""

    # ------------------------------------------------------------------
    # a request signed by the runner: a slot (execution.py)
    # ------------------------------------------------------------------

    def _run_signed_slot(self, cr, db, job_uuid, kw):
        """Signed requests are POSTs, served by wsgi.py ahead of this route:
        a token here (in a URL) is refused; False for an unsigned request."""
        if kw.get("token"):
            raise Forbidden()
        return False

    # ------------------------------------------------------------------
    # an unsigned request: one enqueued job, the reference's way
    # ------------------------------------------------------------------

    def _claim_enqueued_job(self, env, job_uuid):
        """Set job ``job_uuid`` started if it is ``enqueued``, and commit.

        The claim records this worker process as the job's runner, so that
        the runner brings the job back should the process die. Returns the
        Job, or None when there is no such job to run.
        """
        cr = env.cr
        try:
            claim = execution.claim_uuid(
                cr, job_uuid, (ENQUEUED,), execution.Liveness.key(cr.dbname)
            ).claim
        except OperationalError as err:
            if not is_concurrency_error(err):
                raise
            claim = None  # another worker holds the row: it runs the job
        if claim is None:
            cr.rollback()
            _logger.warning(
                "was requested to run job %s, but it does not exist, "
                "or is not in state %s",
                job_uuid,
                ENQUEUED,
            )
            return None
        cr.commit()  # pylint: disable=invalid-commit  # the claim stands first
        transitions.log(claim.uuid, cr.dbname, claim.channel, ENQUEUED, STARTED)
        return Job._load_from_row(env, claim.row)

    def _run_enqueued_job(self, env, job_uuid):
        job = self._claim_enqueued_job(env, job_uuid)
        if job is None:
            return
        try:
            try:
                self._try_perform_job(env, job)
            except OperationalError as err:
                if not is_concurrency_error(err):
                    raise
                # a conflict with another transaction: the job runs again
                _logger.debug("%s: %s, postponed", job, errorcodes.lookup(err.pgcode))
                message = str(err.pgerror or err)
                raise RetryableJobError(message, seconds=PG_RETRY) from err
        except NothingToDoJob as err:
            self._discard_work(env)
            job.set_done(
                result=str(err) or _("Job interrupted and set to Done: nothing to do.")
            )
            job.store()
            env.cr.commit()
        except RetryableJobError as err:
            # first discard what the try did: the postpone is committed on
            # its own, and the request commits nothing else
            self._discard_work(env)
            self.retry_postpone(job, str(err), seconds=err.seconds)
            _logger.debug("%s postponed", job)
            return
        except Exception as err:
            # FailedJobError (retries exhausted) and any error of the job
            self._record_failure(env, job, err)
            raise
        self._enqueue_dependent_jobs(env, job)

    @staticmethod
    def _discard_work(env):
        env.cr.rollback()
        env.clear()

    def _record_failure(self, env, job, error):
        """Log the failure and record it on the job (committed); the request
        then answers with an error, as the reference's does."""
        traceback_txt = traceback.format_exc()
        _logger.error(traceback_txt)
        self._discard_work(env)
        values = self._get_failure_values(job, traceback_txt, error)
        job.set_failed(**values)
        # writing the failed state posts the failure message (queue.job.write)
        job.store()
        env.cr.commit()

    # ------------------------------------------------------------------
    # the steps other addons override (no request needed)
    # ------------------------------------------------------------------

    def _try_perform_job(self, env, job):
        """Run ``job`` (claimed: its ``started`` state is committed) and
        commit it done.

        Override to wrap the run (a context, a profiler...), calling super.
        In a slot, the slot writes the done state after it (nothing is
        committed here).
        """
        job.perform()
        # what the job's writes leave to compute counts in its time
        env.cr.flush()
        if self.in_slot:
            return
        job.set_done()
        job.store()
        env.cr.commit()  # which flushes the done state first
        _logger.debug("%s done", job)

    def retry_postpone(self, job, message, seconds=None):
        """Give ``job`` back to the queue, to run after ``seconds`` (default:
        its retry pattern), with ``message`` as result; the retry it used is
        kept. Recorded in a transaction of its own, committed on return;
        in a slot, ``job`` is only changed in memory and the slot writes it."""
        if self.in_slot:
            job.postpone(result=message, seconds=seconds)
            job.set_pending(reset_retry=False)
            return
        with _own_transaction(job):
            job.postpone(result=message, seconds=seconds)
            job.set_pending(reset_retry=False)
            job.store()

    def _get_failure_values(self, job, traceback_txt, orig_exception):
        """The values recorded on a failed job: ``exc_info`` (the traceback),
        ``exc_name`` (the exception's module and class) and ``exc_message``."""
        kind = type(orig_exception)
        return {
            "exc_info": traceback_txt,
            "exc_name": "%s.%s" % (kind.__module__, kind.__name__),
            "exc_message": _exception_message(orig_exception),
        }

    def _enqueue_dependent_jobs(self, env, job):
        """Set pending the jobs that waited for ``job`` (done) and have no
        other parent left to wait for, in ``env``'s transaction. A conflict
        with another transaction is tried again a few times, after a random
        pause that doubles each time."""
        tries = 0
        while True:
            try:
                # a savepoint: a failed try leaves the transaction usable
                with env.cr.savepoint():
                    job.enqueue_waiting()
                return
            except OperationalError as err:
                if not is_concurrency_error(err):
                    raise
                code = errorcodes.lookup(err.pgcode)
                if tries >= DEPENDS_MAX_TRIES_ON_CONCURRENCY_FAILURE:
                    _logger.info(
                        "%s, maximum number of tries reached to update dependencies",
                        code,
                    )
                    raise
                pause = random.uniform(0.0, 2**tries)
                tries += 1
                _logger.info(
                    "%s, retry %d/%d in %.04f sec...",
                    code,
                    tries,
                    DEPENDS_MAX_TRIES_ON_CONCURRENCY_FAILURE,
                    pause,
                )
                time.sleep(pause)

    # ------------------------------------------------------------------
    # test jobs
    # ------------------------------------------------------------------

    @http.route("/queue_job/create_test_job", type="http", auth="user")
    def create_test_job(
        self,
        priority: Optional[str] = None,
        max_retries: Optional[str] = None,
        channel: Optional[str] = None,
        description: str = "Test job",
        size: "str | int" = 1,
        failure_rate: "str | float" = 0,
    ):
        """Make a test job, or a random graph of ``size`` jobs; a share
        ``failure_rate`` (0 to 1) of them fails. For example
        ``/queue_job/create_test_job?size=10&failure_rate=0.5``."""
        if not http.request.env.user.has_group("base.group_erp_manager"):
            raise Forbidden(_("Access Denied"))
        rate = _number(float, failure_rate, 0.0)
        if not 0 <= rate <= 1:
            raise BadRequest("failure_rate must be between 0 and 1")
        count = _number(int, size, 1)
        options = {
            "priority": _number(int, priority, None),
            "max_retries": _number(int, max_retries, None),
            "channel": channel,
            "description": description,
            "failure_rate": rate,
        }
        if count == 1:
            return self._create_single_test_job(**options)
        if count > 1:
            return self._create_graph_test_jobs(count, **options)
        return ""

    def _create_single_test_job(
        self,
        priority: Optional[int] = None,
        max_retries: Optional[int] = None,
        channel: Optional[str] = None,
        description: str = "Test job",
        size: int = 1,  # in the reference's signature; one job all the same
        failure_rate: float = 0,
    ):
        model = http.request.env["queue.job"]
        delayed = model.with_delay(
            priority=priority,
            max_retries=max_retries,
            channel=channel,
            description=description,
        )
        job = delayed._test_job(failure_rate=failure_rate)
        return "job uuid: %s" % (job.uuid,)

    def _create_graph_test_jobs(
        self,
        size: int,
        priority: Optional[int] = None,
        max_retries: Optional[int] = None,
        channel: Optional[str] = None,
        description: str = "Test job",
        failure_rate: float = 0,
    ):
        """Batches of 1 to TEST_GRAPH_MAX_PER_GROUP jobs, each a chain or a
        group, each started by a batch made before it."""
        model = http.request.env["queue.job"]
        properties = {
            "priority": priority,
            "max_retries": max_retries,
            "channel": channel,
        }
        batches = []
        made = 0
        root = None
        while made < size:
            width = random.randint(1, self.TEST_GRAPH_MAX_PER_GROUP)
            members = []
            for number in range(made + 1, min(made + width, size) + 1):
                node = model.delayable(
                    description="%s #%d" % (description, number), **properties
                )
                members.append(node._test_job(failure_rate=failure_rate))
            made += len(members)
            batch = random.choice((chain, group))(*members)
            if batches:
                random.choice(batches).on_done(batch)
            else:
                root = members[0]
            batches.append(batch)
        batches[0].delay()
        return "graph uuid: %s" % (root._generated_job.graph_uuid,)


def _number(kind, text, default):
    """``kind(text)`` (int or float), ``default`` when it is not one."""
    try:
        return kind(text)
    except (TypeError, ValueError):
        return default


# the steps of a run that addons override, as RunJobController defines them
STEPS = (
    "_try_perform_job",
    "retry_postpone",
    "_get_failure_values",
    "_enqueue_dependent_jobs",
)
OWN_STEPS = {name: RunJobController.__dict__[name] for name in STEPS}


def overridden_steps(controller):
    """The STEPS that ``controller`` does not take from RunJobController as
    defined here (an addon's override, a test's patch): a slot calls those,
    and does the others its faster way."""
    cls = type(controller)
    return frozenset(
        name for name in STEPS if getattr(cls, name) is not OWN_STEPS[name]
    )


_composed = {}  # the classes extending RunJobController -> their composition


def runjob_controller(env):
    """The controller serving ``/queue_job/runjob`` in ``env``'s database:
    RunJobController extended by the subclasses of the installed addons,
    composed as Odoo's routing composes them.

    For the runner's slots (execution.py), which run jobs without the route
    and must call the methods the addons override. A new instance each
    time: a controller holds no state.
    """
    installed = env.registry._init_modules | set(odoo.conf.server_wide_modules)

    def addon(cls):
        parts = cls.__module__.split(".")
        return parts[2] if parts[:2] == ["odoo", "addons"] and len(parts) > 2 else None

    def leaves(cls):
        found = []
        for sub in cls.__subclasses__():
            if addon(sub) in installed:
                found.extend(leaves(sub))
        return found or [cls]

    extensions = tuple(
        dict.fromkeys(
            cls for cls in leaves(RunJobController) if cls is not RunJobController
        )
    )
    if not extensions:
        return RunJobController()
    composed = _composed.get(extensions)
    if composed is None:
        # not under odoo.addons: Odoo's routing must not take it for an addon's
        composed = _composed[extensions] = type(
            "RunJobController (extended)",
            tuple(reversed(extensions)),
            {"__module__": "odoo.http"},
        )
    return composed()
