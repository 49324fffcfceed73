# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Requeue the jobs selected in the Jobs list (its Action menu).

The wizards that set jobs to done or cancel them inherit the selection from
this one.
"""
from odoo import api, fields, models


class QueueRequeueJob(models.TransientModel):
    _name = "queue.requeue.job"
    _description = "Wizard to requeue a selection of jobs"

    @api.model
    def _default_job_ids(self):
        context = self.env.context
        # the Action menu of another model must not pass its ids as jobs
        selected = context.get("active_model") == "queue.job"
        return [(6, 0, context.get("active_ids") or [])] if selected else []

    job_ids = fields.Many2many(
        "queue.job", string="Jobs", default=lambda self: self._default_job_ids()
    )

    def _close(self):
        return {"type": "ir.actions.act_window_close"}

    def requeue(self):
        self.job_ids.requeue()
        return self._close()
