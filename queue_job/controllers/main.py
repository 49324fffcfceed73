# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import logging
import random

from werkzeug.exceptions import BadRequest, Forbidden

import odoo
from odoo import _, http

from .. import execution
from ..jobrunner.dispatch import check_signature

_logger = logging.getLogger(__name__)

PG_RETRY = execution.PG_RETRY  # seconds
DEPENDS_MAX_TRIES_ON_CONCURRENCY_FAILURE = 5
TEST_GRAPH_MAX_PER_GROUP = 5

_secrets = {}  # dbname -> dispatch secret, read once per process


def dispatch_secret(cr, dbname, refresh=False):
    if refresh or dbname not in _secrets:
        cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s",
            ("queue_job.dispatch_secret",),
        )
        row = cr.fetchone()
        _secrets[dbname] = row[0] if row else None
    return _secrets[dbname]


class RunJobController(http.Controller):
    @http.route("/queue_job/runjob", type="http", auth="none", save_session=False)
    def runjob(self, db, job_uuid, **kw):
        """Run a job (or, for the runner, a slot of jobs) in this worker.

        Anonymous access is safe: an unsigned request only starts a job the
        runner has already set ``enqueued``.
        """
        http.request.session.db = db
        odoo.registry(db).check_signaling()
        cr = http.request.cr
        token = kw.get("token")
        params = {
            "db": db,
            "job_uuid": job_uuid,
            "channel": kw.get("channel", ""),
            "budget": kw.get("budget", ""),
            "sequential": kw.get("sequential", ""),
        }
        signed = False
        if token:
            signed = check_signature(dispatch_secret(cr, db), params, token)
            if not signed:
                signed = check_signature(
                    dispatch_secret(cr, db, refresh=True), params, token
                )
            if not signed:
                _logger.warning("runjob for job %s with an invalid token", job_uuid)
        try:
            budget = max(float(params["budget"] or 0), 0.0) / 1000.0
        except ValueError:
            budget = 0.0
        _outcomes, error = execution.run_request(
            cr,
            db,
            job_uuid,
            signed=signed,
            channel=params["channel"] or None,
            budget=budget,
            sequential=params["sequential"] == "1",
        )
        if error is not None and not signed:
            # the reference answers a failed job with an error
            raise error
        return ""

    def _get_failure_values(self, job, traceback_txt, orig_exception):
        """Values recorded when a job fails (reference hook)."""
        exception_name = orig_exception.__class__.__name__
        if hasattr(orig_exception, "__module__"):
            exception_name = orig_exception.__module__ + "." + exception_name
        exc_message = getattr(orig_exception, "name", str(orig_exception))
        return {
            "exc_info": traceback_txt,
            "exc_name": exception_name,
            "exc_message": exc_message,
        }

    @http.route("/queue_job/create_test_job", type="http", auth="user")
    def create_test_job(
        self,
        priority=None,
        max_retries=None,
        channel=None,
        description="Test job",
        size=1,
        failure_rate=0,
    ):
        if not http.request.env.user.has_group("base.group_erp_manager"):
            raise Forbidden(_("Access Denied"))
        priority = _int_or_none(priority)
        max_retries = _int_or_none(max_retries)
        size = _int_or_none(size)
        if size is None:
            size = 1
        try:
            failure_rate = float(failure_rate)
        except (TypeError, ValueError):
            failure_rate = 0.0
        if not 0 <= failure_rate <= 1:
            raise BadRequest("failure_rate must be between 0 and 1")
        if size == 1:
            return self._create_single_test_job(
                priority=priority,
                max_retries=max_retries,
                channel=channel,
                description=description,
                failure_rate=failure_rate,
            )
        if size > 1:
            return self._create_graph_test_jobs(
                size,
                priority=priority,
                max_retries=max_retries,
                channel=channel,
                description=description,
                failure_rate=failure_rate,
            )
        return ""

    def _create_single_test_job(
        self,
        priority=None,
        max_retries=None,
        channel=None,
        description="Test job",
        failure_rate=0,
    ):
        job = (
            http.request.env["queue.job"]
            .with_delay(
                priority=priority,
                max_retries=max_retries,
                channel=channel,
                description=description,
            )
            ._test_job(failure_rate=failure_rate)
        )
        return "job uuid: %s" % (job.uuid,)

    def _create_graph_test_jobs(
        self,
        size,
        priority=None,
        max_retries=None,
        channel=None,
        description="Test job",
        failure_rate=0,
    ):
        from ..delay import chain, group

        model = http.request.env["queue.job"]
        batches = []
        first = None
        count = 0
        while count < size:
            width = min(random.randint(1, TEST_GRAPH_MAX_PER_GROUP), size - count)
            members = []
            for _i in range(width):
                count += 1
                members.append(
                    model.delayable(
                        priority=priority,
                        max_retries=max_retries,
                        channel=channel,
                        description="%s #%d" % (description, count),
                    )._test_job(failure_rate=failure_rate)
                )
            first = first or members[0]
            batch = random.choice([chain, group])(*members)
            if batches:
                random.choice(batches).on_done(batch)
            batches.append(batch)
        batches[0].delay()
        return "graph uuid: %s" % (first._generated_job.graph_uuid,)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
