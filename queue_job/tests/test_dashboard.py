# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The Overview dashboard's reads and writes (models/queue_job_dashboard.py):
the history's series and quantiles, the failing functions, the channel
settings it changes, and who may change them."""
from odoo.exceptions import AccessError, UserError
from odoo.tests import common

from ..jobrunner.history import History
from ..models.queue_job_dashboard import quantile
from .ui_data import failing_job


class TestDashboard(common.TransactionCase):
    def setUp(self):
        super().setUp()
        self.model = self.env["queue.job"]
        self.partner = self.env["res.partner"].create({"name": "Dashboard Partner"})

    def test_quantile_from_buckets(self):
        bounds = [1, 2, 5]
        self.assertIsNone(quantile([0, 0, 0, 0], bounds, 0.95))
        self.assertEqual(quantile([90, 5, 5, 0], bounds, 0.5), 1)
        self.assertEqual(quantile([90, 5, 5, 0], bounds, 0.95), 2)
        self.assertEqual(quantile([0, 0, 1, 9], bounds, 0.95), 5)

    def test_series_from_history_counters(self):
        cr = self.env.cr
        cr.execute(
            "INSERT INTO queue_job_counter (channel, name, shard, value) VALUES"
            " ('root.d', 'done', 7, 4), ('root.d', 'failed', 7, 1),"
            " ('root.d', 'latency_le_0.1', 7, 4), ('root.d', 'latency_le_5', 7, 1)"
        )
        History(cr.dbname).roll_up(cr)
        for window in ("1h", "24h", "7d"):
            points = self.model.get_dashboard(window)["series"]["points"]
            self.assertEqual(sum(p["done"] for p in points), 4, window)
            self.assertEqual(sum(p["failed"] for p in points), 1, window)
            self.assertEqual(points[-1]["latency_p95"], 5, window)
            self.assertIsNotNone(points[-1]["pending"], window)
        with self.assertRaises(UserError):
            self.model.get_dashboard("2d")

    def test_failing_functions_with_last_error(self):
        failing_job(self.env, self.partner, field="x_dash_first")
        failing_job(self.env, self.partner, field="x_dash_last")
        (row,) = self.model.get_dashboard()["failing"]
        self.assertEqual(
            (row["model_name"], row["method_name"]), ("res.partner", "write")
        )
        self.assertEqual(row["count"], 2)
        self.assertIn("x_dash_last", row["exc_message"])
        action = self.model.action_dashboard_failing("res.partner", "write")
        self.assertEqual(self.model.search_count(action["domain"]), 2)

    def test_set_channel_makes_the_path_and_checks_values(self):
        result = self.model.dashboard_set_channel("root.dash.sub", paused=True)
        self.assertEqual(result, {"capacity": 0, "paused": True})
        channel = self.env["queue.job.channel"].search(
            [("complete_name", "=", "root.dash.sub")]
        )
        self.assertEqual(channel.parent_id.complete_name, "root.dash")
        self.model.dashboard_set_channel("root.dash.sub", capacity=4, paused=False)
        self.assertEqual((channel.capacity, channel.paused), (4, False))
        for bad in (-1, "3", 1.5, True):
            with self.assertRaises(UserError):
                self.model.dashboard_set_channel("root.dash.sub", capacity=bad)
        for bad in ("other.x", "root..x", ""):
            with self.assertRaises(UserError):
                self.model.dashboard_set_channel(bad, paused=True)
        self.assertEqual(channel.capacity, 4)

    def test_only_managers(self):
        user = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Dashboard Plain User",
                    "login": "qj_dash_plain",
                    "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
                }
            )
        )
        model = self.model.with_user(user)
        with self.assertRaises(AccessError):
            model.get_dashboard()
        with self.assertRaises(AccessError):
            model.dashboard_set_channel("root", paused=True)
        self.assertFalse(self.env["queue.job.channel"].search([]).filtered("paused"))
