# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The Job Queue menu in a real browser (headless Chromium), with jobs made
by the Job API and run the way a worker runs them."""
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from ..execution.request import run_request
from ..jobrunner.history import History
from .common_browser import HttpCase
from .ui_data import failing_job, graph_jobs


@tagged("post_install", "-at_install")
class TestJobQueueTours(HttpCase):
    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Tour Queue Partner"})

    def test_failed_job_requeue_and_related_record(self):
        job_ = failing_job(
            self.env,
            self.partner,
            description="Tour: update the partner's legacy code",
            field="x_tour_legacy_code",
        )
        record = job_.db_record()
        self.assertEqual(record.state, "failed")
        self.assertIn("x_tour_legacy_code", record.exc_info)
        # listed until the Failed filter applies: the tour waits for the
        # filtered list instead of checking the list it had before
        pending = self.partner.with_delay(description="Tour: a pending job")
        pending.name_get()
        self.start_tour("/web", "queue_job_failed_job_tour", login="admin")
        record.invalidate_cache()
        # the wizard of the tour requeued it
        self.assertEqual(record.state, "pending")
        self.assertEqual(record.retry, 0)

    def test_graph_click_opens_job(self):
        jobs = graph_jobs(self.env, self.partner, prefix="Tour graph")
        stock = jobs[2].db_record()
        self.assertEqual(stock.name, "Tour graph: update the stock")
        self.assertEqual(stock.graph_jobs_count, 4)
        action = self.env.ref("queue_job.action_queue_job")
        self.start_tour(
            "/web#action=%d&model=queue.job&view_type=form&id=%d"
            % (action.id, stock.id),
            "queue_job_graph_tour",
            login="admin",
        )

    def test_capped_pager_count(self):
        self.assertFalse(
            self.env["queue.job"].search_count(
                [("state", "not in", ("done", "cancelled"))]
            )
        )
        for i in range(120):
            self.partner.with_delay(description="Pager job %d" % i).name_get()
        action = self.env.ref("queue_job.action_queue_job")
        context = safe_eval(action.context)
        context["queue_job_count_limit"] = 90
        action.context = repr(context)
        self.start_tour(
            "/web#action=%d" % action.id, "queue_job_capped_count_tour", login="admin"
        )

    def test_dashboard_charts_window_and_channel_settings(self):
        """Jobs run the way a worker runs them (counters included), the
        runner's roll-up writes the history, the dashboard draws it."""
        env = self.env
        with self.registry.cursor() as cr:
            uuids = [
                self.partner.with_delay(channel="root.tour").name_get().uuid
                for _i in range(3)
            ]
            failing = self.partner.with_delay(channel="root.tour").write(
                {"x_tour_dashboard_code": "B-2"}
            )
            # a second channel: each row of the Overview has its own settings
            other = self.partner.with_delay(channel="root.other").name_get()
            env["queue.job"].flush()
            uuids += [failing.uuid, other.uuid]
            for uuid in uuids:
                run_request(cr, cr.dbname, uuid, signed=True)
            cr.execute(
                "INSERT INTO queue_job_runner_lease (name, holder, expires_at,"
                " renewed_at, since, report) VALUES ('runner', 'tour',"
                " (now() AT TIME ZONE 'UTC') + interval '1 hour',"
                " now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', %s)"
                " ON CONFLICT (name) DO NOTHING",
                ('{"host": "tour-runner-host", "channels": []}',),
            )
            self.assertTrue(History(cr.dbname).roll_up(cr))
        series = env["queue.job"].get_dashboard("1h")["series"]["points"]
        self.assertEqual(sum(p["done"] for p in series), 4)
        self.assertEqual(sum(p["failed"] for p in series), 1)
        self.assertGreaterEqual(sum(p["enqueued"] for p in series), 5)
        action = self.env.ref("queue_job.action_queue_job_overview")
        self.start_tour(
            "/web#action=%d" % action.id, "queue_job_dashboard_tour", login="admin"
        )
        channel = env["queue.job.channel"].search([("complete_name", "=", "root.tour")])
        self.assertEqual((channel.paused, channel.capacity), (False, 3))
