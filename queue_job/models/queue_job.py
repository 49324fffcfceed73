# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import functools
import json
import logging
import random
import uuid
from datetime import datetime, timedelta

from psycopg2 import errors as pg_errors

from odoo import _, api, exceptions, fields, models
from odoo.osv import expression
from odoo.tools import config, html_escape

from odoo.addons.base_sparse_field.models.fields import Serialized

from .. import schema, transitions
from ..exception import JobError
from ..fields import JobSerialized, dumps
from ..job import (
    CANCELLED,
    DONE,
    ENQUEUED,
    FAILED,
    PENDING,
    STARTED,
    STATES,
    WAIT_DEPENDENCIES,
    WAITING_STATES,
    Job,
)
from ..post_init_hook import ensure_dispatch_secret, rotate_dispatch_secret

_logger = logging.getLogger(__name__)

# new jobs of a cursor wait here until one multi-row INSERT writes them
ENQUEUE_BUFFER_KEY = "queue_job.enqueue"
ENQUEUE_BATCH_SIZE = 1000
ENQUEUE_RECORDS_KEY = "queue_job.enqueue_records"
# transaction-local setting proving that a buffer was not rolled back
ENQUEUE_TOKEN_SETTING = "queue_job.enqueue_token"

# fields written by Job._store_values(create=True)
JOB_STORE_FIELDS = frozenset(
    (
        "state priority retry max_retries exc_name exc_message exc_info "
        "company_id result date_enqueued date_started date_done exec_time "
        "date_cancelled eta identity_key worker_pid graph_uuid dependencies "
        "user_id channel uuid name func_string date_created model_name "
        "method_name job_function_id channel_method_name records args kwargs"
    ).split()
)

# modules whose create() on queue.job is known to do nothing that a plain
# INSERT with mail_create_nolog/nosubscribe skips
PLAIN_CREATE_MODULES = (None, "base", "mail", "queue_job")

STATE_COLORS = {
    DONE: ("#C2FABC", "#4AD63A"),
    FAILED: ("#FB7E81", "#FA0A10"),
    STARTED: ("#FFFF00", "#FFA500"),
}
DEFAULT_STATE_COLOR = ("#D2E5FF", "#2B7CE9")


_NO_DEPENDENCIES = {"depends_on": [], "reverse_depends_on": []}
_NO_DEPENDENCIES_JSON = json.dumps(_NO_DEPENDENCIES)


def _serialized(value):
    if value == _NO_DEPENDENCIES:  # nearly every job
        return _NO_DEPENDENCIES_JSON
    return json.dumps(value) if isinstance(value, dict) else (value or None)


def _many2one(value):
    if isinstance(value, models.BaseModel):
        return value.id or None
    return value or None


# How the raw INSERT converts the values of the core fields, as Python
# expressions on "value" (other fields go through their convert_to_column,
# as in the ORM). Inlined in one generated function per column list: a
# function call per column would cost as much as the INSERT itself.
INLINE_CONVERSIONS = {
    "char": "(None if value is None or value is False else str(value))",
    "text": "(None if value is None or value is False else str(value))",
    "selection": "(None if value is None or value is False else str(value))",
    "integer": "int(value or 0)",
    "float": "float(value or 0.0)",
    "datetime": "(value or None)",
    # JSON text already (_enqueue_encode)
    "job_serialized": "(None if value is None or value is False else value)",
}


class EnqueueInfo:
    """What the raw INSERT of new jobs needs to know about ``queue.job``.

    The raw INSERT replaces the ORM create only when the create would do
    nothing more: no other module overrides it, and every column it would
    fill with a default or a compute is given.
    """

    def __init__(self, model):
        self.create_overridden = any(
            "create" in klass.__dict__
            and getattr(klass, "_module", None) not in PLAIN_CREATE_MODULES
            for klass in type(model).__mro__
        )
        self.columns = {}
        needs_default = set()
        for name, field in model._fields.items():
            if not field.store or not field.column_type or name == "id":
                continue
            self.columns[name] = field
            if name not in JOB_STORE_FIELDS and (
                field.default is not None or field.compute
            ):
                needs_default.add(name)
        self.needs_default = frozenset(needs_default)
        self._plans = {}  # columns -> (needs_orm, converters)

    def plan(self, model, columns):
        """(needs_orm, build) for rows of these columns; ``build`` turns the
        list of values into the tuple of column values."""
        plan = self._plans.get(columns)
        if plan is None:
            needs_orm = (
                self.create_overridden
                or bool(self.needs_default.difference(columns))
                or any(name not in self.columns for name in columns)
            )
            build = None if needs_orm else self._row_builder(model, columns)
            plan = self._plans[columns] = (needs_orm, build)
        return plan

    def _row_builder(self, model, columns):
        namespace = {"_many2one": _many2one, "_serialized": _serialized}
        parts = []
        empty = model.browse()
        for index, name in enumerate(columns):
            field = self.columns[name]
            value = "values[%d]" % index
            inline = INLINE_CONVERSIONS.get(field.type)
            if name in JOB_STORE_FIELDS and inline:
                parts.append(inline.replace("value", value))
            elif name in JOB_STORE_FIELDS and field.type in ("many2one", "serialized"):
                parts.append("_%s(%s)" % (field.type, value))
            else:
                namespace["convert_%d" % index] = functools.partial(
                    field.convert_to_column, record=empty
                )
                parts.append("convert_%d(%s)" % (index, value))
        source = "def build(values):\n    return (%s,)\n" % ", ".join(parts)
        exec(source, namespace)  # nosec: built from field types, not input
        return namespace["build"]


class EnqueueBuffer:
    """New job rows of one cursor, by uuid, in creation order."""

    __slots__ = ("rows", "token", "generation")

    def __init__(self, token, generation):
        self.rows = {}  # uuid -> (columns, values)
        self.token = token
        self.generation = generation


class QueueJob(models.Model):
    """One row per job: what to call, its state and its history."""

    _name = "queue.job"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Queue Job"
    # newest first; among jobs created together, the last done first
    _order = "date_created DESC, date_done DESC"
    _log_access = False

    _default_related_action = "related_action_open_record"
    _removal_interval = 30  # days, for channels that do not set theirs

    # Only code holding this object may create jobs or change their
    # protected fields: it cannot travel over RPC. Job.store() passes it in
    # the context key "_job_edit_sentinel".
    EDIT_SENTINEL = object()
    # what a job is (the call, its origin): set once, when it is created
    _protected_fields = tuple(
        "uuid name date_created model_name method_name func_string "
        "channel_method_name job_function_id records args kwargs".split()
    )

    # -- the job --
    uuid = fields.Char("UUID", required=True, index=True, readonly=True)
    name = fields.Char("Description", readonly=True)
    func_string = fields.Char("Task", readonly=True)
    channel = fields.Char(index=True)
    identity_key = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", "User ID")
    company_id = fields.Many2one("res.company", "Company", index=True)

    # -- the call: a method of records, with arguments --
    model_name = fields.Char("Model", readonly=True)
    method_name = fields.Char(readonly=True)
    records = JobSerialized("Record(s)", base_type=models.BaseModel, readonly=True)
    record_ids = JobSerialized(base_type=list, compute="_compute_record_ids")
    args = JobSerialized(base_type=tuple, readonly=True)
    kwargs = JobSerialized(base_type=dict, readonly=True)
    channel_method_name = fields.Char("Complete Method Name", readonly=True)
    job_function_id = fields.Many2one(
        "queue.job.function", "Job Function", readonly=True
    )

    # -- when it runs, how often --
    state = fields.Selection(STATES, required=True, index=True, readonly=True)
    priority = fields.Integer()
    eta = fields.Datetime("Execute only after")
    retry = fields.Integer("Current try")
    max_retries = fields.Integer(
        "Max. retries",
        help="The job will fail if the number of tries reach the "
        "max. retries.\nRetries are infinite when empty.",
    )

    # -- what happened --
    date_created = fields.Datetime("Created Date", readonly=True)
    date_enqueued = fields.Datetime("Enqueue Time", readonly=True)
    date_started = fields.Datetime("Start Date", readonly=True)
    date_done = fields.Datetime(readonly=True)
    date_cancelled = fields.Datetime(readonly=True)
    exec_time = fields.Float(
        "Execution Time (avg)",
        help="Time required to execute this job in seconds. Average when grouped.",
        group_operator="avg",
    )
    result = fields.Text(readonly=True)
    exc_name = fields.Char("Exception", readonly=True)
    exc_message = fields.Char("Exception Message", tracking=True, readonly=True)
    exc_info = fields.Text("Exception Info", readonly=True)

    # -- the graph it belongs to --
    graph_uuid = fields.Char(
        "Graph UUID",
        help="Single shared identifier of a Graph. Empty for a single job.",
        index=True,
        readonly=True,
    )
    dependencies = Serialized(readonly=True)
    # for the UI widget only
    dependency_graph = Serialized(compute="_compute_dependency_graph")
    graph_jobs_count = fields.Integer(compute="_compute_graph_jobs_count")

    # -- the worker running it (worker_hostname, worker_key: docs/DESIGN.md) --
    worker_pid = fields.Integer(readonly=True)
    worker_hostname = fields.Char(readonly=True)
    worker_key = fields.Integer(readonly=True)

    def init(self):
        schema.apply(self.env.cr)
        ensure_dispatch_secret(self.env)

    @api.model
    def rotate_dispatch_secret(self):
        """Replace the secret signing the runner's requests, at run time
        (``env['queue.job'].rotate_dispatch_secret()`` in ``odoo-bin
        shell``, or over RPC): both are accepted for a minute."""
        # who may change system parameters may rotate it
        self.env["ir.config_parameter"].check_access_rights("write")
        rotate_dispatch_secret(self.env)
        return True

    # ------------------------------------------------------------------
    # computed fields
    # ------------------------------------------------------------------

    @api.depends("records")
    def _compute_record_ids(self):
        """The ids of the job's records (kept for the reference's API)."""
        for job_ in self:
            job_.record_ids = job_.records.ids

    @api.depends("dependencies")
    def _compute_dependency_graph(self):
        graph_uuids = {uuid_ for uuid_ in self.mapped("graph_uuid") if uuid_}
        jobs_by_graph = {}
        if graph_uuids:
            for job_ in self.search([("graph_uuid", "in", list(graph_uuids))]):
                jobs_by_graph.setdefault(job_.graph_uuid, self.browse())
                jobs_by_graph[job_.graph_uuid] |= job_
        for record in self:
            graph_jobs = jobs_by_graph.get(record.graph_uuid)
            if not record.graph_uuid or not graph_jobs:
                record.dependency_graph = {}
                continue
            ids_by_uuid = {job_.uuid: job_.id for job_ in graph_jobs}
            edges = set()
            for job_ in graph_jobs:
                dependencies = job_.dependencies or {}
                for parent in dependencies.get("depends_on") or ():
                    if parent in ids_by_uuid:
                        edges.add((ids_by_uuid[parent], job_.id))
                for child in dependencies.get("reverse_depends_on") or ():
                    if child in ids_by_uuid:
                        edges.add((job_.id, ids_by_uuid[child]))
            record.dependency_graph = {
                "nodes": [job_._dependency_graph_vis_node() for job_ in graph_jobs],
                "edges": [list(edge) for edge in sorted(edges)],
            }

    def _dependency_graph_vis_node(self):
        """The node of this job in the dependency graph widget."""
        color, border = STATE_COLORS.get(self.state, DEFAULT_STATE_COLOR)
        return {
            "id": self.id,
            "title": "<strong>%s</strong><br/>%s"
            % (html_escape(self.display_name), html_escape(self.func_string)),
            "color": color,
            "border": border,
            "shadow": True,
        }

    def _compute_graph_jobs_count(self):
        graph_uuids = [uuid_ for uuid_ in self.mapped("graph_uuid") if uuid_]
        counts = {}
        if graph_uuids:
            groups = self.read_group(
                [("graph_uuid", "in", graph_uuids)], ["graph_uuid"], ["graph_uuid"]
            )
            counts = {
                group["graph_uuid"]: group["graph_uuid_count"] for group in groups
            }
        for record in self:
            record.graph_jobs_count = counts.get(record.graph_uuid) or 0

    # ------------------------------------------------------------------
    # protections
    # ------------------------------------------------------------------

    def _has_edit_sentinel(self):
        return self.env.context.get("_job_edit_sentinel") is self.EDIT_SENTINEL

    @api.model_create_multi
    def create(self, vals_list):
        if not self._has_edit_sentinel():
            raise exceptions.AccessError(
                _("Queue jobs must be created by calling 'with_delay()'.")
            )
        # a job's creation is no news, and its creator does not follow it
        quiet = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        return super(QueueJob, quiet).create(vals_list)

    def write(self, vals):
        if not self._has_edit_sentinel():
            protected = [name for name in vals if name in self._protected_fields]
            if protected:
                raise exceptions.AccessError(
                    _("Not allowed to change field(s): {}").format(protected)
                )

        new_user_jobs = self.browse()
        if vals.get("user_id"):
            new_user_id = vals["user_id"]
            new_user_jobs = self.filtered(
                lambda job_: job_.records.env.uid != new_user_id
            )

        if vals.get("state") == FAILED:
            self._message_post_on_failure()

        old_states = {}
        if "state" in vals and transitions.logged():
            old_states = {
                record.uuid: (record.state, record.channel) for record in self
            }
        result = super().write(vals)
        for uuid, (old_state, channel) in old_states.items():
            if old_state != vals["state"]:
                transitions.log(
                    uuid, self.env.cr.dbname, channel, old_state, vals["state"]
                )

        # a job runs as the user of its records: follow the new user
        for record in new_user_jobs.with_context(_job_edit_sentinel=self.EDIT_SENTINEL):
            record.records = record.records.with_user(vals["user_id"])
        return result

    # ------------------------------------------------------------------
    # cheap enqueue (docs/DESIGN.md, section 4)
    # ------------------------------------------------------------------

    def _enqueue_new(self, job_):
        """Write a new job; one row in the current transaction.

        Returns None, or the waiting ``queue.job`` that has the same identity
        key (single jobs only; then nothing is written).
        """
        vals = self._enqueue_encode(job_, job_._store_values(create=True))
        single_identity = bool(vals.get("identity_key")) and not vals.get("graph_uuid")
        columns = tuple(vals)
        needs_orm, build = self._enqueue_model_info().plan(self, columns)
        if needs_orm:
            existing = self._enqueue_with_orm(vals, single_identity)
        else:
            values = build(list(vals.values()))
            existing = None
            if single_identity:
                existing = self._enqueue_insert_unique(columns, values)
            elif self.env.registry.in_test_mode():
                # HttpCase: requests use this connection through their own
                # cursor objects, which do not see this cursor's buffer
                self._enqueue_flush_buffer()
                self._enqueue_insert_rows(columns, [values])
            else:
                self._enqueue_buffer_add(job_.uuid, columns, values)
        if not existing:
            job_._stored = True
        return existing or None

    def _enqueue_buffer_update(self, job_):
        """Replace the buffered row of ``job_``; False if it is not buffered."""
        buffer = self._enqueue_buffer(create=False)
        if buffer is None or job_.uuid not in buffer.rows:
            return False
        vals = self._enqueue_encode(job_, job_._store_values(create=True))
        buffer.rows[job_.uuid] = self._enqueue_row(vals)
        return True

    def _enqueue_encode(self, job_, vals):
        """Serialize records, args and kwargs now, naming what cannot be."""
        records = vals.get("records")
        if isinstance(records, models.BaseModel):
            # jobs delayed in a loop share their recordset: encode it once
            # per cursor (a recordset object never changes)
            last = self.env.cr.precommit.data.get(ENQUEUE_RECORDS_KEY)
            if last is not None and last[0] is records:
                vals["records"] = last[1]
            else:
                vals["records"] = dumps(records)
                self.env.cr.precommit.data[ENQUEUE_RECORDS_KEY] = (
                    records,
                    vals["records"],
                )
        for name in ("args", "kwargs"):
            value = vals.get(name)
            if value is None or isinstance(value, str):
                continue
            try:
                vals[name] = dumps(value)
            except (TypeError, ValueError) as err:
                raise TypeError(
                    "Cannot store job %s: %s cannot be serialized (%s)"
                    % (
                        job_.job_function_name,
                        self._unserializable_part(name, value),
                        err,
                    )
                ) from err
        return vals

    @staticmethod
    def _unserializable_part(name, value):
        if name == "args":
            for index, arg in enumerate(value):
                try:
                    dumps(arg)
                except (TypeError, ValueError):
                    return "argument %d (%r)" % (index, arg)
        elif name == "kwargs":
            for key, arg in value.items():
                try:
                    dumps(arg)
                except (TypeError, ValueError):
                    return "keyword argument %r (%r)" % (key, arg)
        return name

    @api.model
    def _setup_complete(self):
        super()._setup_complete()
        # the registry class outlives module installs: recompute the info
        type(self)._queue_job_enqueue_info = None

    def _enqueue_model_info(self):
        """How new rows are written, cached on the registry class until its
        next setup (see ``EnqueueInfo``)."""
        cls = type(self)
        info = cls.__dict__.get("_queue_job_enqueue_info")
        if info is None:
            info = cls._queue_job_enqueue_info = EnqueueInfo(self)
        return info

    def _enqueue_needs_orm(self, vals):
        return self._enqueue_model_info().plan(self, tuple(vals))[0]

    def _enqueue_row(self, vals):
        columns = tuple(vals)
        _needs_orm, build = self._enqueue_model_info().plan(self, columns)
        return columns, build(list(vals.values()))

    def _enqueue_with_orm(self, vals, single_identity):
        model = self.with_context(_job_edit_sentinel=self.EDIT_SENTINEL)
        if not single_identity:
            model.create(vals)
            return None
        try:
            with self.env.cr.savepoint():
                model.create(vals)
        except pg_errors.UniqueViolation:
            existing = self._identity_key_waiting(vals["identity_key"])
            if not existing:
                raise
            return existing
        return None

    def _identity_key_waiting(self, identity_key):
        return self.search(
            [
                ("identity_key", "=", identity_key),
                ("state", "in", list(WAITING_STATES)),
            ],
            limit=1,
        )

    def _enqueue_insert_unique(self, columns, values):
        """INSERT one single job with an identity key, unless a waiting one
        has the key: then return that one. Concurrent creators wait for each
        other on the unique index (in REPEATABLE READ the later one gets a
        serialization failure, and its request is retried)."""
        # keep ids in creation order
        self._enqueue_flush_buffer()
        cr = self.env.cr
        cr.execute(
            "INSERT INTO queue_job (%s) VALUES %%s "
            "ON CONFLICT (identity_key) WHERE identity_key IS NOT NULL "
            "AND graph_uuid IS NULL AND state IN %%s DO NOTHING RETURNING id"
            % ", ".join('"%s"' % name for name in columns),
            (values, WAITING_STATES),
        )
        if cr.fetchone():
            return None
        identity_key = values[columns.index("identity_key")]
        existing = self._identity_key_waiting(identity_key)
        if not existing:
            raise JobError(
                "Job with identity key %r conflicts with a job that is not "
                "visible to this transaction" % identity_key
            )
        return existing

    # replaced at every clear_caches() of the registry, which the test
    # framework does after rolling a test back (see _enqueue_buffer)
    _enqueue_generation_marker = None

    @classmethod
    def clear_caches(cls):
        cls._enqueue_generation_marker = object()
        return super().clear_caches()

    def _enqueue_generation(self):
        return type(self)._enqueue_generation_marker

    def _enqueue_token_alive(self, token):
        self.env.cr.execute(
            "SELECT current_setting(%s, true)", (ENQUEUE_TOKEN_SETTING,)
        )
        return self.env.cr.fetchone()[0] == token

    def _enqueue_new_token(self):
        token = uuid.uuid4().hex
        self.env.cr.execute(
            "SELECT set_config(%s, %s, true)", (ENQUEUE_TOKEN_SETTING, token)
        )
        return token

    def _enqueue_buffer(self, create=True):
        """The buffer of new rows of the current cursor.

        Rows of a transaction rolled back to a savepoint (as the test
        framework does) must not survive: the buffer holds a token set as a
        transaction-local setting, which a rollback undoes. It is checked
        when the registry caches were cleared since the last look (cheap
        test: the test framework clears them after each rollback).
        """
        cr = self.env.cr
        buffer = cr.precommit.data.get(ENQUEUE_BUFFER_KEY)
        if buffer is not None:
            generation = self._enqueue_generation()
            if buffer.generation is not generation:
                if buffer.rows and not self._enqueue_token_alive(buffer.token):
                    _logger.debug(
                        "dropping %d buffered jobs of a rolled back transaction",
                        len(buffer.rows),
                    )
                    buffer.rows.clear()
                buffer.generation = generation
            return buffer
        if not create:
            return None
        # the token is set with the first row (_enqueue_buffer_add)
        buffer = EnqueueBuffer(None, self._enqueue_generation())
        cr.precommit.data[ENQUEUE_BUFFER_KEY] = buffer
        cr.precommit.add(self.sudo()._enqueue_flush_buffer)
        return buffer

    def _enqueue_buffer_add(self, job_uuid, columns, values):
        buffer = self._enqueue_buffer()
        if not buffer.rows:
            # a token set now belongs to the (sub)transaction of the first
            # row: a rollback to a savepoint taken before it undoes it. One set
            # earlier (before the test framework's savepoint) would survive.
            buffer.token = self._enqueue_new_token()
        buffer.rows[job_uuid] = (columns, values)
        if len(buffer.rows) >= ENQUEUE_BATCH_SIZE:
            self._enqueue_flush_buffer()

    def _enqueue_flush_buffer(self):
        """Write the buffered rows with multi-row INSERTs."""
        buffer = self._enqueue_buffer(create=False)
        if buffer is None or not buffer.rows:
            return
        rows, buffer.rows = buffer.rows, {}
        by_columns = {}
        for columns, values in rows.values():
            by_columns.setdefault(columns, []).append(values)
        for columns, values_list in by_columns.items():
            self._enqueue_insert_rows(columns, values_list)

    def _enqueue_insert_rows(self, columns, values_list):
        head = "INSERT INTO queue_job (%s) VALUES " % ", ".join(
            '"%s"' % name for name in columns
        )
        row = "(%s)" % ", ".join(["%s"] * len(columns))
        for start in range(0, len(values_list), ENQUEUE_BATCH_SIZE):
            batch = values_list[start : start + ENQUEUE_BATCH_SIZE]
            # flat parameters: psycopg2 quotes them in C
            params = [value for values in batch for value in values]
            self.env.cr.execute(head + ", ".join([row] * len(batch)), params)

    def flush(self, fnames=None, records=None):
        self._enqueue_flush_buffer()
        return super().flush(fnames=fnames, records=records)

    def _flush_search(self, domain, fields=None, order=None, seen=None):
        self._enqueue_flush_buffer()
        return super()._flush_search(domain, fields=fields, order=order, seen=seen)

    def _enqueue_waiting_dependents(self, job_uuid):
        """Set to pending the dependents of a job whose parents are all done
        (Job.enqueue_waiting)."""
        self.flush()
        self.env.cr.execute(
            """
            UPDATE queue_job
               SET state = %s
              FROM (
                SELECT child.id, array_agg(parent.state) AS parent_states
                  FROM queue_job job
                  JOIN LATERAL json_array_elements_text(
                        job.dependencies::json -> 'reverse_depends_on'
                       ) child_uuid ON true
                  JOIN queue_job child
                    ON child.graph_uuid = job.graph_uuid
                   AND child.uuid = child_uuid
                  JOIN LATERAL json_array_elements_text(
                        child.dependencies::json -> 'depends_on'
                       ) parent_uuid ON true
                  JOIN queue_job parent
                    ON parent.graph_uuid = job.graph_uuid
                   AND parent.uuid = parent_uuid
                 WHERE job.uuid = %s
                 GROUP BY child.id
              ) ready
             WHERE queue_job.id = ready.id
               AND queue_job.state = %s
               AND %s = ALL (ready.parent_states)
            """,
            (PENDING, job_uuid, WAIT_DEPENDENCIES, DONE),
        )
        self.invalidate_cache(["state"])

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def open_related_action(self):
        """The "Related" button: the action of the job function's config."""
        self.ensure_one()
        job_ = Job.load(self.env, self.uuid)
        action = job_.related_action()
        if action is None:
            raise exceptions.UserError(_("No action available for this job"))
        return action

    def open_graph_jobs(self):
        """List the jobs sharing this job's graph."""
        self.ensure_one()
        jobs = self.env["queue.job"].search([("graph_uuid", "=", self.graph_uuid)])
        graph_view = {
            "name": _("Jobs for graph %s") % (self.graph_uuid),
            "domain": [("id", "in", jobs.ids)],
            "context": {},
        }
        try:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "queue_job.action_queue_job"
            )
        except ValueError:  # the views are not loaded
            action = {"type": "ir.actions.act_window", "res_model": "queue.job"}
            action["view_mode"] = "tree,form"
        return dict(action, **graph_view)

    # the Job method moving a job to each state a user may set
    _STATE_SETTERS = {
        DONE: "set_done",
        PENDING: "set_pending",
        CANCELLED: "set_cancelled",
    }

    def _change_job_state(self, state, result=None):
        """Set the jobs done, pending (retries reset) or cancelled through
        their Job, so that dates and retries follow. Jobs set done release
        the jobs that waited for them; cancelling releases nothing."""
        setter = self._STATE_SETTERS.get(state)
        if setter is None:
            raise ValueError("State not supported: %s" % state)
        for record in self:
            job_ = Job.load(record.env, record.uuid)
            getattr(job_, setter)(result=result)
            job_.store()
            if state == DONE:
                # the release reads the states with SQL
                record.flush()
                job_.enqueue_waiting()

    def button_done(self):
        """Set the jobs done by hand (the result says by whom)."""
        who = self.env.user.name
        self._change_job_state(DONE, result=_("Manually set to done by %s") % who)
        return True

    def button_cancelled(self):
        """Cancel the jobs (the result says by whom)."""
        who = self.env.user.name
        self._change_job_state(CANCELLED, result=_("Cancelled by %s") % who)
        return True

    def requeue(self):
        """Back to pending, retries reset; jobs waiting for their parents
        keep waiting. Returns the jobs requeued."""
        ready = self.filtered(lambda job_: job_.state != WAIT_DEPENDENCIES)
        ready._change_job_state(PENDING)
        return ready

    # ------------------------------------------------------------------
    # failure notification
    # ------------------------------------------------------------------

    def _message_post_on_failure(self):
        """Make the users of ``_subscribe_users_domain()`` and each job's
        user (when active) followers, then post ``_message_failed_job()``."""
        # followers are added on failure only: enqueueing stays one row
        told = self.env["res.users"].search(self._subscribe_users_domain())
        for job_ in self:
            partners = (told | job_.user_id.filtered("active")).partner_id
            job_.message_subscribe(partner_ids=partners.ids)
            body = job_._message_failed_job()
            if body:
                job_.message_post(body=body, subtype_xmlid="queue_job.mt_job_failed")

    @api.model
    def _post_failure_notices(self, limit=200):
        """Post the failure notices the runner could not: of jobs it set
        failed after their worker died too often (queue_job_failure_notice).
        Returns the jobs notified."""
        cr = self.env.cr
        cr.execute(
            "DELETE FROM queue_job_failure_notice WHERE job_id IN ("
            " SELECT job_id FROM queue_job_failure_notice ORDER BY job_id"
            " LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING job_id",
            (limit,),
        )
        ids = [row[0] for row in cr.fetchall()]
        # a job requeued meanwhile is not failed any more
        jobs = self.browse(ids).exists().filtered(lambda job_: job_.state == FAILED)
        for job_ in jobs:
            # one notice that cannot be posted must not hold back the others
            try:
                with cr.savepoint():
                    job_._message_post_on_failure()
            except Exception:
                _logger.exception("failure notice of job %s not posted", job_.uuid)
                jobs -= job_
        if len(ids) == limit:
            self.env.ref("queue_job.ir_cron_failure_notices")._trigger()
        return jobs

    def _subscribe_users_domain(self):
        """Users told about failures: the managers of the jobs' companies."""
        group = self.env.ref("queue_job.group_queue_job_manager")
        domain = [("groups_id", "=", group.id)]
        companies = self.mapped("company_id")
        if companies:
            domain.append(("company_id", "in", companies.ids))
        return domain

    def _message_failed_job(self):
        """Body of the message posted when the job fails; override it to say
        more, or return a falsy value to post nothing."""
        self.ensure_one()
        return _(
            "Something bad happened during the execution of job %s. "
            "More details in the 'Exception Information' section."
        ) % (self.uuid,)

    def _needaction_domain_get(self):
        # legacy needaction counter: failed jobs need someone
        return [("state", "=", FAILED)]

    # ------------------------------------------------------------------
    # housekeeping (crons)
    # ------------------------------------------------------------------

    # jobs deleted by each statement (and transaction) of autovacuum()
    _VACUUM_BATCH = 1000

    def autovacuum(self):
        """Delete the done and cancelled jobs older than the removal interval
        of their channel, for each channel record (jobs of channels known
        to the runner only, and failed jobs, stay)."""
        for channel in self.env["queue.job.channel"].search([]):
            age = timedelta(days=int(channel.removal_interval))
            self._vacuum_channel(channel.complete_name, datetime.now() - age)
        return True

    def _vacuum_channel(self, channel, deadline):
        domain = [
            ("channel", "=", channel),
            "|",
            ("date_done", "<=", deadline),
            ("date_cancelled", "<=", deadline),
        ]
        old = self.search(domain, limit=self._VACUUM_BATCH)
        while old:
            old.unlink()
            if not config["test_enable"]:
                # each batch for good: a long vacuum holds no big transaction
                self.env.cr.commit()  # pylint: disable=invalid-commit
            old = self.search(domain, limit=self._VACUUM_BATCH)

    def requeue_stuck_jobs(self, enqueued_delta=1, started_delta=0):
        """Requeue the jobs enqueued or started for too long.

        Both deltas are minutes; 0 skips that state. ``started_delta=-1``
        stands for the server's ``limit_time_real`` in minutes, plus one.
        Returns the requeued jobs.
        """
        if started_delta == -1:
            started_delta = config["limit_time_real"] // 60 + 1
        stuck = self._get_stuck_jobs_to_requeue(enqueued_delta, started_delta)
        return stuck.requeue()

    def _get_stuck_jobs_domain(self, queue_dl, started_dl):
        now = datetime.now()
        limits = [
            (state, date_field, now - timedelta(minutes=minutes))
            for state, date_field, minutes in (
                (ENQUEUED, "date_enqueued", queue_dl),
                (STARTED, "date_started", started_dl),
            )
            if minutes
        ]
        if not limits:
            raise exceptions.ValidationError(
                _("If both parameters are 0, ALL jobs will be requeued!")
            )
        return expression.OR(
            [
                [("state", "=", state), (date_field, "<=", limit)]
                for state, date_field, limit in limits
            ]
        )

    def _get_stuck_jobs_to_requeue(self, enqueued_delta, started_delta):
        return self.env["queue.job"].search(
            self._get_stuck_jobs_domain(enqueued_delta, started_delta)
        )

    # ------------------------------------------------------------------
    # related actions and the test job
    # ------------------------------------------------------------------

    def related_action_open_record(self):
        """Default related action: the job's records that still exist, in a
        form (one record) or a list (several); None when none is left."""
        self.ensure_one()
        records = self.records.exists()
        if not records:
            return None
        shown = {"type": "ir.actions.act_window", "res_model": records._name}
        if len(records) > 1:
            shown["name"] = _("Related Records")
            shown["view_mode"] = "tree,form"
            shown["domain"] = [("id", "in", records.ids)]
        else:
            shown["name"] = _("Related Record")
            shown["view_mode"] = "form"
            shown["res_id"] = records.id
        return shown

    def _test_job(self, failure_rate=0):
        _logger.info("Running test job.")
        if random.random() <= failure_rate:
            raise JobError("Job failed")


class Base(models.AbstractModel):
    _inherit = "base"

    def flush(self, fnames=None, records=None):
        # a full flush (the Odoo way to prepare raw SQL) writes the buffered
        # new jobs too
        if fnames is None and self._name != "queue.job" and "queue.job" in self.env:
            self.env["queue.job"]._enqueue_flush_buffer()
        return super().flush(fnames=fnames, records=records)
