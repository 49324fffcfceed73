# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import models

CANCELLABLE_STATES = ("pending", "failed", "enqueued")


class SetJobsToCancelled(models.TransientModel):
    _inherit = "queue.requeue.job"
    _name = "queue.jobs.to.cancelled"
    _description = "Cancel all selected jobs"

    def set_cancelled(self):
        jobs = self.job_ids.filtered(lambda job_: job_.state in CANCELLABLE_STATES)
        jobs.button_cancelled()
        return {"type": "ir.actions.act_window_close"}
