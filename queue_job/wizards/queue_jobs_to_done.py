# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import models


class SetJobsToDone(models.TransientModel):
    _name = "queue.jobs.to.done"
    _inherit = "queue.requeue.job"
    _description = "Set all selected jobs to done"

    def set_done(self):
        # every selected job, whatever its state (the reference's behaviour):
        # this is how a user closes jobs they handled by hand
        self.job_ids.button_done()
        return self._close()
