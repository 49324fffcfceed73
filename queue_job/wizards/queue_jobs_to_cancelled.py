# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import models

# started jobs run already, done and cancelled ones are over
CANCELLABLE = frozenset(["pending", "enqueued", "failed"])


class SetJobsToCancelled(models.TransientModel):
    _name = "queue.jobs.to.cancelled"
    _inherit = "queue.requeue.job"
    _description = "Cancel all selected jobs"

    def set_cancelled(self):
        cancellable = self.job_ids.filtered(lambda job: job.state in CANCELLABLE)
        cancellable.button_cancelled()
        return self._close()
