# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What users do to jobs: the buttons and wizards' state changes, opening
their related action or graph."""


from odoo import _, exceptions, models

from ..job import CANCELLED, DONE, PENDING, STARTED, WAIT_DEPENDENCIES, Job


class QueueJob(models.Model):
    _inherit = "queue.job"

    def open_related_action(self):
        """The "Related" button: the action of the job function's config."""
        self.ensure_one()
        job_ = Job.load(self.env, self.uuid)
        action = job_.related_action()
        if action is None:
            raise exceptions.UserError(_("No action available for this job"))
        return action

    def open_graph_jobs(self):
        """List the jobs sharing this job's graph."""
        self.ensure_one()
        jobs = self.env["queue.job"].search([("graph_uuid", "=", self.graph_uuid)])
        graph_view = {
            "name": _("Jobs for graph %s") % (self.graph_uuid),
            "domain": [("id", "in", jobs.ids)],
            "context": {},
        }
        try:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "queue_job.action_queue_job"
            )
        except ValueError:  # the views are not loaded
            action = {"type": "ir.actions.act_window", "res_model": "queue.job"}
            action["view_mode"] = "tree,form"
        return dict(action, **graph_view)

    # the Job method moving a job to each state a user may set
    _STATE_SETTERS = {
        DONE: "set_done",
        PENDING: "set_pending",
        CANCELLED: "set_cancelled",
    }

    def _change_job_state(self, state, result=None):
        """Set the jobs done, pending (retries reset) or cancelled through
        their Job, so that dates and retries follow. Jobs set done release
        the jobs that waited for them; cancelling releases nothing."""
        setter = self._STATE_SETTERS.get(state)
        if setter is None:
            raise ValueError("State not supported: %s" % state)
        for record in self:
            job_ = Job.load(record.env, record.uuid)
            getattr(job_, setter)(result=result)
            job_.store()
            if state == DONE:
                # the release reads the states with SQL
                record.flush()
                job_.enqueue_waiting()

    def button_done(self):
        """Set the jobs done by hand (the result says by whom)."""
        who = self.env.user.name
        self._change_job_state(DONE, result=_("Manually set to done by %s") % who)
        return True

    def button_cancelled(self):
        """Cancel the jobs (the result says by whom); started ones are
        stopped (button_stop)."""
        started = self.filtered(lambda job_: job_.state == STARTED)
        if started:
            started.button_stop()
        who = self.env.user.name
        (self - started)._change_job_state(CANCELLED, result=_("Cancelled by %s") % who)
        return True

    def button_stop(self):
        """Stop running jobs: they become cancelled at once, and the process
        running each stops it within seconds (time_limit.StopWatch), its work
        rolled back; its own writes, guarded by the ``started`` state, then
        do nothing. Job Queue managers only."""
        if not self.env.user.has_group("queue_job.group_queue_job_manager"):
            raise exceptions.AccessError(
                _("Only Job Queue managers may stop a running job.")
            )
        self.flush()
        who = self.env.user.name
        result = _("Stopped by %s") % who
        # guarded: a job that ended meanwhile keeps its outcome
        self.env.cr.execute(
            "UPDATE queue_job SET state = 'cancelled', result = %s,"
            " date_cancelled = now() at time zone 'utc'"
            " WHERE id = ANY(%s) AND state = 'started' RETURNING id",
            (result, self.ids),
        )
        stopped = self.browse([row[0] for row in self.env.cr.fetchall()])
        self.invalidate_cache(["state", "result", "date_cancelled"], stopped.ids)
        for record in stopped:
            record.message_post(body=_("Job stopped while running by %s.") % who)
        return True

    def requeue(self):
        """Back to pending, retries reset; jobs waiting for their parents
        keep waiting. Returns the jobs requeued."""
        ready = self.filtered(lambda job_: job_.state != WAIT_DEPENDENCIES)
        ready._change_job_state(PENDING)
        return ready
