# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Odoo records every field of every model in ir.model.fields, by type: the
type of JobSerialized (queue.job's args, kwargs, records...) must be known."""
from odoo import fields, models

from ..fields import JobSerialized

TTYPE = JobSerialized.type


class IrModelFields(models.Model):
    _inherit = "ir.model.fields"

    ttype = fields.Selection(
        selection_add=[(TTYPE, "Job Serialized")], ondelete={TTYPE: "cascade"}
    )
