# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import models

# done and cancelled ones are over; started ones are stopped (managers only)
CANCELLABLE = frozenset(["pending", "enqueued", "failed"])


class SetJobsToCancelled(models.TransientModel):
    _name = "queue.jobs.to.cancelled"
    _inherit = "queue.requeue.job"
    _description = "Cancel all selected jobs"

    def set_cancelled(self):
        cancellable = self.job_ids.filtered(lambda job: job.state in CANCELLABLE)
        cancellable.button_cancelled()
        started = self.job_ids.filtered(lambda job: job.state == "started")
        if started and self.env.user.has_group("queue_job.group_queue_job_manager"):
            started.button_stop()
        return self._close()
