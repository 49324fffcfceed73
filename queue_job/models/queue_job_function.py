# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import ast
import logging
import re
from collections import namedtuple

from odoo import _, api, exceptions, fields, models, tools

from ..fields import JobSerialized

_logger = logging.getLogger(__name__)

# "<model.name>.method"
FUNCTION_NAME_RE = re.compile(r"^<([0-9a-z_\.]+)>\.([0-9a-zA-Z_]+)$")

RELATED_ACTION_KEYS = ("enable", "func_name", "kwargs")

JobConfig = namedtuple(
    "JobConfig",
    "channel "
    "retry_pattern "
    "related_action_enable "
    "related_action_func_name "
    "related_action_kwargs "
    "job_function_id ",
)


def check_retry_pattern(pattern):
    """Validate a retry pattern; return it with int keys and int or
    (low, high) values. Raise ValueError naming the bad entry."""
    if not isinstance(pattern, dict):
        raise ValueError("a retry pattern is a dict, got %r" % (pattern,))
    checked = {}
    for key, value in pattern.items():
        try:
            count = int(key)
        except (TypeError, ValueError):
            raise ValueError("try count %r is not an integer" % (key,)) from None
        if isinstance(value, (list, tuple)):
            if len(value) != 2 or not all(
                isinstance(bound, int) and not isinstance(bound, bool)
                for bound in value
            ):
                raise ValueError(
                    "delay %r of try %s: a random range is 2 integers (low, high)"
                    % (value, key)
                )
            low, high = value
            if low < 0 or low >= high:
                raise ValueError(
                    "delay %r of try %s: a random range needs 0 <= low < high"
                    % (value, key)
                )
            checked[count] = (low, high)
            continue
        try:
            if isinstance(value, bool):
                raise TypeError
            seconds = int(value)
        except (TypeError, ValueError):
            raise ValueError(
                "delay %r of try %s is not a number of seconds" % (value, key)
            ) from None
        checked[count] = seconds
    return checked


class QueueJobFunction(models.Model):
    _name = "queue.job.function"
    _description = "Job Functions"
    _log_access = False

    JobConfig = JobConfig

    def _default_channel(self):
        return self.env.ref("queue_job.channel_root", raise_if_not_found=False)

    name = fields.Char(
        compute="_compute_name",
        inverse="_inverse_name",
        index=True,
        store=True,
    )

    # not required: a function may be created from its name alone
    model_id = fields.Many2one(
        comodel_name="ir.model", string="Model", ondelete="cascade"
    )
    method = fields.Char()

    channel_id = fields.Many2one(
        comodel_name="queue.job.channel",
        string="Channel",
        required=True,
        default=lambda self: self._default_channel(),
    )
    channel = fields.Char(related="channel_id.complete_name", store=True, readonly=True)
    retry_pattern = JobSerialized(string="Retry Pattern (serialized)", base_type=dict)
    edit_retry_pattern = fields.Text(
        string="Retry Pattern",
        compute="_compute_edit_retry_pattern",
        inverse="_inverse_edit_retry_pattern",
        help="Delay before the next try after a retryable error, by number "
        "of tries made: from that count on, the job waits that many seconds. "
        "A (low, high) pair instead of seconds draws a random delay in that "
        "range.\n"
        "Example: {1: 10, 5: 60, 10: 600}\n"
        "Example: {1: (1, 10), 5: (30, 90), 10: (500, 700)}",
    )
    related_action = JobSerialized(string="Related Action (serialized)", base_type=dict)
    edit_related_action = fields.Text(
        string="Related Action",
        compute="_compute_edit_related_action",
        inverse="_inverse_edit_related_action",
        help="What the job's Related button opens. By default, the records "
        "the job works on. A dict with the optional keys enable (False hides "
        "the action), func_name (a queue.job method returning the action) "
        "and kwargs (its keyword arguments).\n"
        'Example: {"func_name": "related_action_open_record", "kwargs": {}}',
    )

    @api.depends("model_id.model", "method")
    def _compute_name(self):
        for record in self:
            if not (record.model_id and record.method):
                record.name = ""
                continue
            record.name = self.job_function_name(record.model_id.model, record.method)

    def _inverse_name(self):
        for record in self:
            match = FUNCTION_NAME_RE.match(record.name or "")
            if not match:
                raise exceptions.UserError(
                    _("Invalid job function: {}").format(record.name)
                )
            model_name, method = match.groups()
            model = self.env["ir.model"]._get(model_name)
            if not model:
                raise exceptions.UserError(_("Model {} not found").format(model_name))
            record.model_id = model.id
            record.method = method

    @api.depends("retry_pattern")
    def _compute_edit_retry_pattern(self):
        for record in self:
            record.edit_retry_pattern = str(record._parse_retry_pattern())

    def _inverse_edit_retry_pattern(self):
        for record in self:
            try:
                edited = (record.edit_retry_pattern or "").strip()
                record.retry_pattern = ast.literal_eval(edited) if edited else {}
            except (ValueError, TypeError, SyntaxError, MemoryError) as err:
                raise exceptions.UserError(
                    record._retry_pattern_format_error_message(err)
                ) from err

    @api.depends("related_action")
    def _compute_edit_related_action(self):
        for record in self:
            record.edit_related_action = str(record.related_action)

    def _inverse_edit_related_action(self):
        for record in self:
            try:
                edited = (record.edit_related_action or "").strip()
                record.related_action = ast.literal_eval(edited) if edited else {}
            except (ValueError, TypeError, SyntaxError, MemoryError) as err:
                raise exceptions.UserError(
                    record._related_action_format_error_message(err)
                ) from err

    @staticmethod
    def job_function_name(model_name, method_name):
        return "<{}>.{}".format(model_name, method_name)

    def job_default_config(self):
        return JobConfig(
            channel="root",
            retry_pattern={},
            related_action_enable=True,
            related_action_func_name=None,
            related_action_kwargs={},
            job_function_id=None,
        )

    def _parse_retry_pattern(self):
        try:
            return check_retry_pattern(self.retry_pattern or {})
        except ValueError as err:
            _logger.error(
                "Invalid retry pattern for job function %s (%s), using the "
                "default interval",
                self.name,
                err,
            )
            return {}

    @tools.ormcache("name")
    def job_config(self, name):
        # cached for everybody: read as superuser
        config = self.sudo().search([("name", "=", name)], limit=1)
        if not config:
            return self.job_default_config()
        related_action = config.related_action or {}
        return JobConfig(
            channel=config.channel,
            retry_pattern=config._parse_retry_pattern(),
            related_action_enable=related_action.get("enable", True),
            related_action_func_name=related_action.get("func_name"),
            related_action_kwargs=related_action.get("kwargs", {}),
            job_function_id=config.id,
        )

    def _retry_pattern_format_error_message(self, detail=None):
        message = _(
            "Unexpected format of Retry Pattern for {}.\n"
            "Expected a dict of tries to seconds, or to (low, high) ranges "
            "of seconds, such as {{1: 60, 5: (300, 600)}}."
        ).format(self.name)
        if detail:
            message += "\n%s" % (detail,)
        return message

    @api.constrains("retry_pattern")
    def _check_retry_pattern(self):
        for record in self:
            try:
                check_retry_pattern(record.retry_pattern or {})
            except ValueError as err:
                raise exceptions.UserError(
                    record._retry_pattern_format_error_message(err)
                ) from None

    def _related_action_format_error_message(self, detail=None):
        message = _(
            "Unexpected format of Related Action for {}.\n"
            "Expected a dict with the optional keys enable, func_name and "
            'kwargs, such as {{"func_name": "related_action_open_record"}}.'
        ).format(self.name)
        if detail:
            message += "\n%s" % (detail,)
        return message

    @api.constrains("related_action")
    def _check_related_action(self):
        for record in self:
            related_action = record.related_action
            if not related_action:
                continue
            unknown = set(related_action) - set(RELATED_ACTION_KEYS)
            if unknown:
                raise exceptions.UserError(
                    record._related_action_format_error_message(
                        _("unknown key(s): %s") % ", ".join(sorted(unknown))
                    )
                )
            kwargs = related_action.get("kwargs")
            if kwargs is not None and not isinstance(kwargs, dict):
                raise exceptions.UserError(
                    record._related_action_format_error_message(
                        _("kwargs must be a dict")
                    )
                )
            func_name = related_action.get("func_name")
            if func_name is not None and not isinstance(func_name, str):
                raise exceptions.UserError(
                    record._related_action_format_error_message(
                        _("func_name must be a method name")
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = self.browse()
        if self.env.context.get("install_mode"):
            # several modules may declare the same function: merge them by
            # name, the later declaration updating the existing record
            remaining = []
            for vals in vals_list:
                existing = vals.get("name") and self.search(
                    [("name", "=", vals["name"])], limit=1
                )
                if not existing:
                    remaining.append(vals)
                    continue
                if not existing.get_metadata()[0].get("noupdate"):
                    existing.write(vals)
                records |= existing
            vals_list = remaining
        if vals_list:
            records |= super().create(vals_list)
        self.clear_caches()
        return records

    def write(self, values):
        result = super().write(values)
        self.clear_caches()
        return result

    def unlink(self):
        result = super().unlink()
        self.clear_caches()
        return result
