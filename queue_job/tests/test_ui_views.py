# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Server side of the Job Queue UI: views and actions, the capped pager
count, the Overview counts, and the indexes behind them."""
from datetime import datetime, timedelta

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import common
from odoo.tools.safe_eval import safe_eval

from .. import schema
from ..job import Job
from ..models.queue_job_ui import COUNT_LIMIT

CHANNEL = "root.ui_test"
UNFINISHED = ["wait_dependencies", "pending", "enqueued", "started", "failed"]


class TestQueueJobUI(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Queue UI Partner"})
        cls.model = cls.env["queue.job"]

    def _jobs(self, state, count=1, **values):
        """``count`` stored jobs of channel CHANNEL, moved to ``state``."""
        records = self.model.browse()
        for _i in range(count):
            job_ = Job(
                self.partner.name_get, description="UI %s job" % state, channel=CHANNEL
            )
            if state == "done":
                job_.set_started()
                job_.set_done()
            elif state == "failed":
                job_.set_started()
                job_.set_failed(exc_info="Traceback", exc_name="ValueError")
            elif state == "started":
                job_.set_started()
            elif state == "enqueued":
                job_.set_enqueued()
            elif state == "cancelled":
                job_.set_cancelled()
            elif state == "wait_dependencies":
                job_.state = state
            job_.store()
            record = job_.db_record()
            if values:
                record.with_context(_job_edit_sentinel=self.model.EDIT_SENTINEL).write(
                    values
                )
            records |= record
        return records

    # views, actions, menus ------------------------------------------------

    def test_jobs_action_opens_on_unfinished_jobs(self):
        action = self.env.ref("queue_job.action_queue_job")
        self.assertEqual(action.view_mode, "tree,form,pivot,graph")
        self.assertEqual(action.view_id, self.env.ref("queue_job.view_queue_job_tree"))
        context = safe_eval(action.context)
        defaults = {
            key[len("search_default_") :]
            for key, value in context.items()
            if key.startswith("search_default_") and value
        }
        self.assertEqual(defaults, set(UNFINISHED))
        self.assertEqual(context["queue_job_count_limit"], COUNT_LIMIT)

    def test_search_view_filters_and_group_bys(self):
        arch = etree.fromstring(
            self.model.fields_view_get(
                self.env.ref("queue_job.view_queue_job_search").id, "search"
            )["arch"]
        )
        filters = {node.get("name"): node for node in arch.iter("filter")}
        for state in UNFINISHED + ["done", "cancelled"]:
            self.assertEqual(
                safe_eval(filters[state].get("domain")), [("state", "=", state)]
            )
        group_bys = {
            name: safe_eval(node.get("context"))["group_by"]
            for name, node in filters.items()
            if name.startswith("group_by_")
        }
        self.assertEqual(
            group_bys,
            {
                "group_by_channel": "channel",
                "group_by_job_function_id": "job_function_id",
                "group_by_state": "state",
                "group_by_model_name": "model_name",
                "group_by_exc_name": "exc_name",
                "group_by_exc_message": "exc_message",
                "group_by_graph": "graph_uuid",
            },
        )

    def test_form_view(self):
        arch = etree.fromstring(
            self.model.fields_view_get(
                self.env.ref("queue_job.view_queue_job_form").id, "form"
            )["arch"]
        )
        buttons = {node.get("name"): node for node in arch.iter("button")}
        self.assertEqual(buttons["requeue"].get("states"), "failed")
        self.assertEqual(
            buttons["button_done"].get("states"),
            "wait_dependencies,pending,enqueued,failed",
        )
        self.assertEqual(
            buttons["button_cancelled"].get("states"), "pending,enqueued,failed"
        )
        self.assertIn("open_related_action", buttons)
        self.assertIn("open_graph_jobs", buttons)
        (graph,) = arch.xpath("//field[@name='dependency_graph']")
        self.assertEqual(graph.get("widget"), "job_directed_graph")
        (state,) = arch.xpath("//header/field[@name='state']")
        self.assertEqual(
            state.get("statusbar_visible"),
            "wait_dependencies,pending,enqueued,started,done",
        )

    def test_job_function_form_edits_with_ace(self):
        arch = etree.fromstring(
            self.env["queue.job.function"].fields_view_get(
                self.env.ref("queue_job.view_queue_job_function_form").id, "form"
            )["arch"]
        )
        for name in ("edit_retry_pattern", "edit_related_action"):
            (node,) = arch.xpath("//field[@name='%s']" % name)
            self.assertEqual(node.get("widget"), "ace")

    def test_wizard_actions_in_action_menu(self):
        for xmlid, model in [
            ("queue_job.action_requeue_job", "queue.requeue.job"),
            ("queue_job.action_set_jobs_done", "queue.jobs.to.done"),
            ("queue_job.action_set_jobs_cancelled", "queue.jobs.to.cancelled"),
        ]:
            action = self.env.ref(xmlid)
            self.assertEqual(action.res_model, model)
            self.assertEqual(action.target, "new")
            self.assertEqual(action.binding_model_id.model, "queue.job")
        bindings = self.env["ir.actions.actions"].get_bindings("queue.job")["action"]
        self.assertIn(
            self.env.ref("queue_job.action_requeue_job").id,
            [binding["id"] for binding in bindings],
        )

    # pager count ----------------------------------------------------------

    def test_pager_count_is_capped(self):
        self._jobs("pending", 5)
        domain = [("channel", "=", CHANNEL)]
        capped = self.model.with_context(queue_job_count_limit=3).web_search_read(
            domain, ["name"], limit=2
        )
        self.assertEqual(len(capped["records"]), 2)
        # limit + 1 means "more than the limit"
        self.assertEqual(capped["length"], 4)
        roomy = self.model.with_context(queue_job_count_limit=10).web_search_read(
            domain, ["name"], limit=2
        )
        self.assertEqual(roomy["length"], 5)
        exact = self.model.web_search_read(domain, ["name"], limit=2)
        self.assertEqual(exact["length"], 5)
        # a page read past the cap is still counted
        far = self.model.with_context(queue_job_count_limit=1).web_search_read(
            domain, ["name"], offset=2, limit=2
        )
        self.assertEqual(far["length"], 4)
        # search_count elsewhere stays exact under the action's context
        self.assertEqual(
            self.model.with_context(queue_job_count_limit=1).search_count(domain), 5
        )

    # overview -------------------------------------------------------------

    def test_overview_counts_by_channel(self):
        self._jobs("pending", 2)
        self._jobs("enqueued")
        self._jobs("started")
        self._jobs("failed", 3)
        self._jobs("done", 2)
        self._jobs("done", date_done=datetime.now() - timedelta(hours=2))
        self._jobs("cancelled")
        self._jobs("wait_dependencies")
        overview = self.model.get_overview()
        self.assertEqual(
            [column["key"] for column in overview["columns"]],
            ["pending", "running", "failed", "done_last_hour"],
        )
        (row,) = [row for row in overview["channels"] if row["channel"] == CHANNEL]
        self.assertEqual(
            row,
            {
                "channel": CHANNEL,
                "pending": 2,
                "running": 2,
                "failed": 3,
                "done_last_hour": 2,
            },
        )
        for column in overview["columns"]:
            key = column["key"]
            self.assertEqual(
                overview["totals"][key],
                sum(row[key] for row in overview["channels"]),
            )

    def test_overview_opens_the_jobs_behind_a_number(self):
        failed = self._jobs("failed", 3)
        self._jobs("pending", 2)
        action = self.model.action_overview_jobs(CHANNEL, "failed")
        self.assertEqual(action["res_model"], "queue.job")
        self.assertEqual(self.model.search(action["domain"]), failed)
        everywhere = self.model.action_overview_jobs(False, "failed")
        self.assertEqual(
            self.model.search(everywhere["domain"]),
            self.model.search([("state", "=", "failed")]),
        )

    def test_overview_rejects_unknown_column(self):
        with self.assertRaisesRegex(UserError, "'finished'.*done_last_hour"):
            self.model.action_overview_jobs(CHANNEL, "finished")

    # indexes --------------------------------------------------------------

    def test_ui_indexes_exist(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'queue_job'"
        )
        existing = {row[0] for row in self.env.cr.fetchall()}
        for name in (
            "queue_job_ui_unfinished_idx",
            "queue_job_date_created_idx",
            "queue_job_failed_idx",
            "queue_job_done_idx",
        ):
            self.assertIn(name, existing)
            self.assertIn(name, dict(schema.INDEXES))

    def test_default_list_query_can_use_the_partial_index(self):
        """The ORM's WHERE clause for the default filters implies the index
        predicate, and its ORDER BY is the index's: PostgreSQL reads the page
        from the index, no sort, whatever the size of the table."""
        self._jobs("pending", 3)
        self._jobs("done", 3)
        domain = ["|", "|", "|", "|"] + [("state", "=", state) for state in UNFINISHED]
        query = self.model._search(domain, limit=80)
        sql, params = query.select()
        self.env.cr.execute("ANALYZE queue_job")
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute("SET LOCAL enable_sort = off")
        self.env.cr.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("queue_job_ui_unfinished_idx", plan)
        self.assertNotIn("Sort", plan)
