# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import _, api, exceptions, fields, models

from .. import schema


class QueueJobChannel(models.Model):
    _name = "queue.job.channel"
    _description = "Job Channels"

    name = fields.Char()
    complete_name = fields.Char(
        compute="_compute_complete_name", store=True, readonly=True, recursive=True
    )
    parent_id = fields.Many2one(
        comodel_name="queue.job.channel", string="Parent Channel", ondelete="restrict"
    )
    job_function_ids = fields.One2many(
        comodel_name="queue.job.function",
        inverse_name="channel_id",
        string="Job Functions",
    )
    removal_interval = fields.Integer(
        default=lambda self: self.env["queue.job"]._removal_interval, required=True
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

    _sql_constraints = [
        ("name_uniq", "unique(complete_name)", "Channel complete name must be unique"),
        (
            "capacity_positive",
            "CHECK(capacity IS NULL OR capacity >= 0)",
            "A channel's capacity cannot be negative",
        ),
    ]

    def init(self):
        # the channel notify trigger needs this table
        schema.apply(self.env.cr)

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for record in self:
            if not record.name:
                record.complete_name = ""
            elif record.parent_id:
                record.complete_name = "%s.%s" % (
                    record.parent_id.complete_name,
                    record.name,
                )
            else:
                record.complete_name = record.name

    @api.constrains("parent_id", "name")
    def parent_required(self):
        for record in self:
            if record.name != "root" and not record.parent_id:
                raise exceptions.ValidationError(_("Parent channel required."))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("install_mode"):
            return super().create(vals_list)
        # several modules may declare the same channel: the first one wins
        # the record, the others update it (unless it is noupdate)
        records = self.browse()
        to_create = []
        for vals in vals_list:
            existing = self.search(
                [
                    ("name", "=", vals.get("name")),
                    ("parent_id", "=", vals.get("parent_id") or False),
                ],
                limit=1,
            )
            if not existing:
                to_create.append(vals)
                continue
            if not existing.get_metadata()[0].get("noupdate"):
                existing.write(vals)
            records |= existing
        if to_create:
            records |= super().create(to_create)
        return records

    def write(self, values):
        if not self.env.context.get("install_mode") and (
            "name" in values or "parent_id" in values
        ):
            if any(channel.name == "root" for channel in self):
                raise exceptions.UserError(_("Cannot change the root channel"))
        result = super().write(values)
        if "name" in values or "parent_id" in values:
            # job functions cache their channel's complete name
            self.env["queue.job.function"].clear_caches()
        return result

    def unlink(self):
        if any(channel.name == "root" for channel in self):
            raise exceptions.UserError(_("Cannot remove the root channel"))
        return super().unlink()

    def name_get(self):
        return [(record.id, record.complete_name) for record in self]
