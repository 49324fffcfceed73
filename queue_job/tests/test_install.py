# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo.tests import common

from odoo.addons.queue_job import identity_exact, job, schema


class TestInstall(common.TransactionCase):
    def test_manager_group(self):
        group = self.env.ref("queue_job.group_queue_job_manager")
        self.assertIn(self.env.ref("base.user_admin"), group.users)

    def test_dispatch_secret(self):
        secret = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("queue_job.dispatch_secret")
        )
        self.assertTrue(secret)
        self.assertGreaterEqual(len(secret), 43)  # 32 random bytes at least
        # init() at every update keeps the existing secret
        self.env["queue.job"].init()
        self.assertEqual(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("queue_job.dispatch_secret"),
            secret,
        )

    def test_schema_objects(self):
        cr = self.env.cr
        cr.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'queue_job'::regclass"
        )
        triggers = {row[0] for row in cr.fetchall()}
        self.assertTrue(set(schema.TRIGGER_NAMES) <= triggers)
        cr.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'queue_job'")
        indexes = {row[0] for row in cr.fetchall()}
        for name, _ddl in schema.INDEXES:
            self.assertIn(name, indexes)
        self.assertTrue(schema.table_exists(cr, schema.LEASE_TABLE))
        self.assertTrue(schema.table_exists(cr, schema.NOTICE_TABLE))

    def test_data(self):
        self.assertEqual(self.env.ref("queue_job.channel_root").complete_name, "root")
        function = self.env.ref("queue_job.job_function_queue_job__test_job")
        self.assertEqual(function.name, "<queue.job>._test_job")
        cron = self.env.ref("queue_job.ir_cron_queue_job_garbage_collector")
        self.assertEqual(
            cron.code, "model.requeue_stuck_jobs(enqueued_delta=1, started_delta=-1)"
        )
        self.assertEqual(
            self.env.ref("queue_job.ir_cron_autovacuum_queue_jobs").code,
            "model.autovacuum()",
        )
        self.assertEqual(
            self.env.ref("queue_job.ir_cron_failure_notices").code,
            "model._post_failure_notices()",
        )
        self.assertEqual(self.env.ref("queue_job.mt_job_failed").res_model, "queue.job")
        rule = self.env.ref("queue_job.queue_job_comp_rule")
        self.assertTrue(rule["global"])

    def test_reexport(self):
        self.assertIs(identity_exact, job.identity_exact)
