# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Jobs' housekeeping: failure notices to followers, and the crons
(autovacuum of old jobs, requeue of stuck ones)."""
import logging
from datetime import datetime, timedelta

from odoo import _, api, exceptions, models
from odoo.osv import expression
from odoo.tools import config

from ..job import ENQUEUED, FAILED, STARTED

_logger = logging.getLogger(__name__)


class QueueJob(models.Model):
    _inherit = "queue.job"

    # ------------------------------------------------------------------
    # failure notification
    # ------------------------------------------------------------------

    def _message_post_on_failure(self):
        """Make the users of ``_subscribe_users_domain()`` and each job's
        user (when active) followers, then post ``_message_failed_job()``."""
        # followers are added on failure only: enqueueing stays one row
        told = self.env["res.users"].search(self._subscribe_users_domain())
        for job_ in self:
            partners = (told | job_.user_id.filtered("active")).partner_id
            job_.message_subscribe(partner_ids=partners.ids)
            body = job_._message_failed_job()
            if body:
                job_.message_post(body=body, subtype_xmlid="queue_job.mt_job_failed")

    @api.model
    def _post_failure_notices(self, limit=200):
        """Post the failure notices the runner could not: of jobs it set
        failed after their worker died too often (queue_job_failure_notice).
        Returns the jobs notified."""
        cr = self.env.cr
        cr.execute(
            "DELETE FROM queue_job_failure_notice WHERE job_id IN ("
            " SELECT job_id FROM queue_job_failure_notice ORDER BY job_id"
            " LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING job_id",
            (limit,),
        )
        ids = [row[0] for row in cr.fetchall()]
        # a job requeued meanwhile is not failed any more
        jobs = self.browse(ids).exists().filtered(lambda job_: job_.state == FAILED)
        for job_ in jobs:
            # one notice that cannot be posted must not hold back the others
            try:
                with cr.savepoint():
                    job_._message_post_on_failure()
            except Exception:
                _logger.exception("failure notice of job %s not posted", job_.uuid)
                jobs -= job_
        if len(ids) == limit:
            self.env.ref("queue_job.ir_cron_failure_notices")._trigger()
        return jobs

    def _subscribe_users_domain(self):
        """Users told about failures: the managers of the jobs' companies."""
        group = self.env.ref("queue_job.group_queue_job_manager")
        domain = [("groups_id", "=", group.id)]
        companies = self.mapped("company_id")
        if companies:
            domain.append(("company_id", "in", companies.ids))
        return domain

    def _message_failed_job(self):
        """Body of the message posted when the job fails; override it to say
        more, or return a falsy value to post nothing."""
        self.ensure_one()
        return _(
            "Something bad happened during the execution of job %s. "
            "More details in the 'Exception Information' section."
        ) % (self.uuid,)

    def _needaction_domain_get(self):
        # legacy needaction counter: failed jobs need someone
        return [("state", "=", FAILED)]

    # ------------------------------------------------------------------
    # housekeeping (crons)
    # ------------------------------------------------------------------

    # jobs deleted by each statement (and transaction) of autovacuum()
    _VACUUM_BATCH = 1000

    def autovacuum(self):
        """Delete the done and cancelled jobs older than the removal interval
        of their channel, for each channel record (jobs of channels known
        to the runner only, and failed jobs, stay)."""
        for channel in self.env["queue.job.channel"].search([]):
            age = timedelta(days=int(channel.removal_interval))
            self._vacuum_channel(channel.complete_name, datetime.now() - age)
        return True

    def _vacuum_channel(self, channel, deadline):
        domain = [
            ("channel", "=", channel),
            "|",
            ("date_done", "<=", deadline),
            ("date_cancelled", "<=", deadline),
        ]
        old = self.search(domain, limit=self._VACUUM_BATCH)
        while old:
            old.unlink()
            if not config["test_enable"]:
                # each batch for good: a long vacuum holds no big transaction
                self.env.cr.commit()  # pylint: disable=invalid-commit
            old = self.search(domain, limit=self._VACUUM_BATCH)

    def requeue_stuck_jobs(self, enqueued_delta=1, started_delta=0):
        """Requeue the jobs enqueued or started for too long.

        Both deltas are minutes; 0 skips that state. ``started_delta=-1``
        stands for the server's ``limit_time_real`` in minutes, plus one.
        Returns the requeued jobs.
        """
        if started_delta == -1:
            started_delta = config["limit_time_real"] // 60 + 1
        stuck = self._get_stuck_jobs_to_requeue(enqueued_delta, started_delta)
        return stuck.requeue()

    def _get_stuck_jobs_domain(self, queue_dl, started_dl):
        now = datetime.now()
        limits = [
            (state, date_field, now - timedelta(minutes=minutes))
            for state, date_field, minutes in (
                (ENQUEUED, "date_enqueued", queue_dl),
                (STARTED, "date_started", started_dl),
            )
            if minutes
        ]
        if not limits:
            raise exceptions.ValidationError(
                _("If both parameters are 0, ALL jobs will be requeued!")
            )
        return expression.OR(
            [
                [("state", "=", state), (date_field, "<=", limit)]
                for state, date_field, limit in limits
            ]
        )

    def _get_stuck_jobs_to_requeue(self, enqueued_delta, started_delta):
        return self.env["queue.job"].search(
            self._get_stuck_jobs_domain(enqueued_delta, started_delta)
        )
