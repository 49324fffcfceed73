# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The ``queue.job`` model: its fields, what protects them, the computed
fields of the form, and the release of dependent jobs. The rest of the model
is in queue_job_enqueue.py, queue_job_actions.py, queue_job_housekeeping.py
and queue_job_ui.py (same ``_name``, one concern each)."""
import logging
import random

from odoo import _, api, exceptions, fields, models
from odoo.tools import html_escape

from odoo.addons.base_sparse_field.models.fields import Serialized

from .. import schema, transitions
from ..exception import JobError
from ..fields import JobSerialized
from ..job import DONE, FAILED, PENDING, STARTED, STATES, WAIT_DEPENDENCIES
from ..post_init_hook import ensure_dispatch_secret, rotate_dispatch_secret

_logger = logging.getLogger(__name__)

STATE_COLORS = {
    DONE: ("#C2FABC", "#4AD63A"),
    FAILED: ("#FB7E81", "#FA0A10"),
    STARTED: ("#FFFF00", "#FFA500"),
}
DEFAULT_STATE_COLOR = ("#D2E5FF", "#2B7CE9")


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
    # the database backend running its transaction: the job is dead once it
    # is gone (states.DEAD)
    worker_backend = fields.Integer(readonly=True)

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
