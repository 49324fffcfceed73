# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Settings of the jobs of one method: channel, retry pattern, related action.

A function is named ``<model>.method``. Every new job reads its settings
through ``job_config(name)``, cached until a function or a channel changes.
"""
import ast
import logging
import re
from typing import NamedTuple, Optional

from odoo import _, api, exceptions, fields, models, tools

from ..fields import JobSerialized
from .declarations import create_or_merge

_logger = logging.getLogger(__name__)


class JobConfig(NamedTuple):
    """What a job reads of its function."""

    channel: str
    retry_pattern: dict
    related_action_enable: bool
    related_action_func_name: Optional[str]
    related_action_kwargs: dict
    job_function_id: Optional[int]


NAME_SYNTAX = re.compile(r"<(?P<model>[0-9a-z_.]+)>\.(?P<method>[0-9a-zA-Z_]+)")
RELATED_ACTION_KEYS = frozenset(["enable", "func_name", "kwargs"])
# what ast.literal_eval raises on text that is not a Python literal
LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _as_int(value):
    """``int(value)``, or None for what is not a count (True is no count)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _delay(value, try_count):
    """One delay of a retry pattern: seconds, or a (low, high) range of
    seconds to draw from."""
    if not isinstance(value, (list, tuple)):
        seconds = _as_int(value)
        if seconds is None:
            raise ValueError(
                "delay %r of try %s is not a number of seconds" % (value, try_count)
            )
        return seconds
    if len(value) != 2 or not all(_is_int(bound) for bound in value):
        raise ValueError(
            "delay %r of try %s: a random range is 2 integers (low, high)"
            % (value, try_count)
        )
    if not 0 <= value[0] < value[1]:
        raise ValueError(
            "delay %r of try %s: a random range needs 0 <= low < high"
            % (value, try_count)
        )
    return tuple(value)


def check_retry_pattern(pattern):
    """The retry pattern ``pattern`` with int keys (JSON made them strings)
    and int or (low, high) delays; ValueError naming the first bad entry."""
    if not isinstance(pattern, dict):
        raise ValueError("a retry pattern is a dict, got %r" % (pattern,))
    checked = {}
    for key, value in pattern.items():
        try_count = _as_int(key)
        if try_count is None:
            raise ValueError("try count %r is not an integer" % (key,))
        checked[try_count] = _delay(value, key)
    return checked


class QueueJobFunction(models.Model):
    _name = "queue.job.function"
    _description = "Job Functions"
    _log_access = False

    JobConfig = JobConfig

    # neither is required: a function may also be created from its name
    model_id = fields.Many2one("ir.model", string="Model", ondelete="cascade")
    method = fields.Char()
    name = fields.Char(
        index=True, store=True, compute="_compute_name", inverse="_inverse_name"
    )
    channel_id = fields.Many2one(
        "queue.job.channel",
        string="Channel",
        default=lambda self: self._default_channel(),
        required=True,
    )
    channel = fields.Char(related="channel_id.complete_name", readonly=True, store=True)
    time_limit = fields.Integer(
        help="Seconds a job of this function may run before it is stopped, "
        "its work rolled back and the job failed. 0: the channel's time "
        "limit, if any.",
    )
    retry_pattern = JobSerialized(string="Retry Pattern (serialized)", base_type=dict)
    related_action = JobSerialized(string="Related Action (serialized)", base_type=dict)
    # the two settings above, as text the form edits
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

    def _default_channel(self):
        return self.env.ref("queue_job.channel_root", raise_if_not_found=False)

    @staticmethod
    def job_function_name(model_name, method_name):
        return "<{}>.{}".format(model_name, method_name)

    # name <-> model and method ---------------------------------------------

    @api.depends("model_id.model", "method")
    def _compute_name(self):
        for function in self:
            model, method = function.model_id.model, function.method
            function.name = (
                self.job_function_name(model, method) if model and method else ""
            )

    def _inverse_name(self):
        for function in self:
            parsed = NAME_SYNTAX.fullmatch(function.name or "")
            if not parsed:
                raise exceptions.UserError(
                    _("Invalid job function: {}").format(function.name)
                )
            model = self.env["ir.model"]._get(parsed["model"])
            if not model:
                raise exceptions.UserError(
                    _("Model {} not found").format(parsed["model"])
                )
            function.model_id = model
            function.method = parsed["method"]

    # settings <-> their text -------------------------------------------------

    @api.depends("retry_pattern")
    def _compute_edit_retry_pattern(self):
        for function in self:
            function.edit_retry_pattern = str(function._parse_retry_pattern())

    def _inverse_edit_retry_pattern(self):
        self._store_literal(
            "edit_retry_pattern", "retry_pattern", "_retry_pattern_format_error_message"
        )

    @api.depends("related_action")
    def _compute_edit_related_action(self):
        for function in self:
            function.edit_related_action = str(function.related_action)

    def _inverse_edit_related_action(self):
        self._store_literal(
            "edit_related_action",
            "related_action",
            "_related_action_format_error_message",
        )

    def _store_literal(self, text_field, target_field, error_message):
        """Write the dict written as Python in ``text_field`` to
        ``target_field``; nothing written is ``{}``. ``error_message`` names
        the method that words what is wrong."""
        for function in self:
            text = (function[text_field] or "").strip()
            try:
                value = ast.literal_eval(text) if text else {}
                if not isinstance(value, dict):
                    raise TypeError(_("%r is not a dict") % (value,))
            except LITERAL_ERRORS as err:
                message = getattr(function, error_message)(err)
                raise exceptions.UserError(message) from None
            function[target_field] = value

    # checks ----------------------------------------------------------------

    def _retry_pattern_format_error_message(self, detail=None):
        message = _(
            "Unexpected format of Retry Pattern for {}.\n"
            "It maps a number of tries to the seconds to wait before the next "
            "one, or to a (low, high) range of seconds: {{1: 60, 5: (300, 600)}}."
        ).format(self.name)
        return "%s\n%s" % (message, detail) if detail else message

    def _related_action_format_error_message(self, detail=None):
        message = _(
            "Unexpected format of Related Action for {}.\n"
            "It is a dict of the optional keys enable, func_name and kwargs: "
            '{{"func_name": "related_action_open_record"}}.'
        ).format(self.name)
        return "%s\n%s" % (message, detail) if detail else message

    @api.constrains("retry_pattern")
    def _check_retry_pattern(self):
        for function in self:
            try:
                check_retry_pattern(function.retry_pattern or {})
            except ValueError as err:
                raise exceptions.UserError(
                    function._retry_pattern_format_error_message(err)
                ) from None

    def _related_action_problem(self):
        """What is wrong with this function's related action, or None."""
        action = self.related_action or {}
        unknown = set(action) - RELATED_ACTION_KEYS
        if unknown:
            return _("unknown key(s): %s") % ", ".join(sorted(map(str, unknown)))
        if not isinstance(action.get("kwargs", {}), dict):
            return _("kwargs must be a dict")
        if not isinstance(action.get("func_name", ""), (str, type(None))):
            return _("func_name must be a method name")
        return None

    @api.constrains("related_action")
    def _check_related_action(self):
        for function in self:
            problem = function._related_action_problem()
            if problem:
                raise exceptions.UserError(
                    function._related_action_format_error_message(problem)
                )

    # what jobs read --------------------------------------------------------

    def _parse_retry_pattern(self):
        try:
            return check_retry_pattern(self.retry_pattern or {})
        except ValueError as err:
            # written before the check existed, or by SQL: a job must still
            # run, with the runner's default delays
            _logger.error("job function %s: retry pattern ignored (%s)", self.name, err)
            return {}

    def job_default_config(self):
        # a method without a function: root channel, default delays, and the
        # related action that opens the job's records
        return JobConfig._make(["root", {}, True, None, {}, None])

    @tools.ormcache("name")
    def job_config(self, name):
        # cached for every user: read as superuser
        function = self.sudo().search([("name", "=", name)], limit=1)
        if not function:
            return self.job_default_config()
        action = function.related_action or {}
        return JobConfig(
            job_function_id=function.id,
            channel=function.channel,
            retry_pattern=function._parse_retry_pattern(),
            related_action_enable=action.get("enable", True),
            related_action_func_name=action.get("func_name"),
            related_action_kwargs=action.get("kwargs", {}),
        )

    @tools.ormcache("name", "channel")
    def _time_limit_of(self, name, channel):
        """Seconds a job of function ``name`` in ``channel`` may run (0: no
        limit): the function's limit, else the channel's, else the nearest
        parent channel's."""
        function = self.sudo().search([("name", "=", name)], limit=1)
        if function.time_limit > 0:
            return function.time_limit
        parts = (channel or "root").split(".")
        paths = [".".join(parts[: i + 1]) for i in range(len(parts))]
        channels = (
            self.env["queue.job.channel"]
            .sudo()
            .search([("complete_name", "in", paths), ("time_limit", ">", 0)])
        )
        by_path = {c.complete_name: c.time_limit for c in channels}
        for path in reversed(paths):
            if path in by_path:
                return by_path[path]
        return 0

    # create (merging declarations), write, unlink: the cached configs go --

    def _declared_before(self, vals):
        name = vals.get("name")
        if not name and vals.get("model_id") and vals.get("method"):
            model = self.env["ir.model"].browse(vals["model_id"]).model
            name = self.job_function_name(model, vals["method"])
        return self.search([("name", "=", name)], limit=1) if name else self.browse()

    @api.model_create_multi
    def create(self, vals_list):
        functions = create_or_merge(
            self, vals_list, self._declared_before, super().create
        )
        self.clear_caches()
        return functions

    def write(self, vals):
        result = super().write(vals)
        self.clear_caches()
        return result

    def unlink(self):
        result = super().unlink()
        self.clear_caches()
        return result
