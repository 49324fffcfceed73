# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The channel tree as records.

Jobs name their channel by its dotted path (``root.sale.invoices``). A record
adds what the path alone cannot carry: how long its done jobs are kept, and
the capacity and pause the runner applies at run time (docs/DESIGN.md).
"""
from odoo import _, api, exceptions, fields, models

from .. import schema
from .declarations import create_or_merge

ROOT = "root"


class QueueJobChannel(models.Model):
    _name = "queue.job.channel"
    _description = "Job Channels"

    parent_id = fields.Many2one(
        "queue.job.channel", string="Parent Channel", ondelete="restrict"
    )
    name = fields.Char()
    # the path jobs refer to; stored, so that renaming a channel renames
    # the paths of its whole subtree
    complete_name = fields.Char(
        readonly=True, store=True, recursive=True, compute="_compute_complete_name"
    )
    removal_interval = fields.Integer(
        required=True, default=lambda self: self._default_removal_interval()
    )
    # runtime settings, read by the runner within seconds (no restart)
    capacity = fields.Integer(
        help="How many jobs of this channel may run at once, in this database. "
        "0 keeps the capacity given by the runner's configuration "
        "(channels option or ODOO_QUEUE_JOB_CHANNELS).",
    )
    paused = fields.Boolean(
        help="No new job of this channel (and of its sub-channels) starts "
        "while it is paused; running jobs go on.",
    )
    time_limit = fields.Integer(
        help="Seconds a job of this channel (or of its sub-channels) may run "
        "before it is stopped, its work rolled back and the job failed, "
        "unless its job function sets its own. 0: no limit.",
    )
    job_function_ids = fields.One2many(
        "queue.job.function", "channel_id", string="Job Functions"
    )

    _sql_constraints = [
        ("name_uniq", "unique(complete_name)", "Channel complete name must be unique"),
        (
            "capacity_positive",
            "CHECK(capacity IS NULL OR capacity >= 0)",
            "A channel's capacity cannot be negative",
        ),
        (
            "time_limit_positive",
            "CHECK(time_limit IS NULL OR time_limit >= 0)",
            "A channel's time limit cannot be negative",
        ),
    ]

    def init(self):
        # the trigger that tells the runner about changed settings is on
        # this table: it exists from here on
        schema.apply(self.env.cr)

    def _default_removal_interval(self):
        return self.env["queue.job"]._removal_interval

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for channel in self:
            path = channel.name or ""
            if path and channel.parent_id:
                path = "%s.%s" % (channel.parent_id.complete_name or "", path)
            channel.complete_name = path

    @api.constrains("parent_id", "name")
    def parent_required(self):
        if any(not chan.parent_id and chan.name != ROOT for chan in self):
            raise exceptions.ValidationError(_("Parent channel required."))

    def _declared_before(self, vals):
        if not vals.get("name"):
            return self.browse()
        domain = [("name", "=", vals["name"])]
        domain.append(("parent_id", "=", vals.get("parent_id") or False))
        return self.search(domain, limit=1)

    @api.model_create_multi
    def create(self, vals_list):
        return create_or_merge(self, vals_list, self._declared_before, super().create)

    def _touches_root(self):
        return ROOT in self.mapped("name")

    def write(self, vals):
        moves = "name" in vals or "parent_id" in vals
        # data files may rewrite the root record while modules install
        if moves and self._touches_root() and not self.env.context.get("install_mode"):
            raise exceptions.UserError(_("Cannot change the root channel"))
        result = super().write(vals)
        if moves or "time_limit" in vals:
            # job configs cache the complete name of their channel, and
            # the time limits of the jobs are cached too
            self.env["queue.job.function"].clear_caches()
        return result

    def unlink(self):
        if self._touches_root():
            raise exceptions.UserError(_("Cannot remove the root channel"))
        return super().unlink()

    def name_get(self):
        return [(channel.id, channel.complete_name) for channel in self]
