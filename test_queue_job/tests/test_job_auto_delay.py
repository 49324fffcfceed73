# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Methods patched with _patch_job_auto_delay (in test.queue.job's _register_hook)."""
from odoo.tests import common, tagged

from odoo.addons.queue_job.job import Job


# post_install: the patches are installed by _register_hook, after at_install tests
@tagged("post_install", "-at_install")
class TestJobAutoDelay(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.env["test.queue.job"]

    def test_auto_delay(self):
        job = self.model.delay_me(1, kwarg=2)
        self.assertIsInstance(job, Job)
        self.assertEqual(job.method_name, "delay_me")
        self.assertEqual(job.args, (1,))
        self.assertEqual(job.kwargs, {"kwarg": 2})
        record = job.db_record()
        self.assertEqual(record.state, "pending")
        self.assertEqual(record.method_name, "delay_me")

    def test_auto_delay_options(self):
        job = self.model.delay_me_options()
        self.assertIsInstance(job, Job)
        self.assertEqual(job.identity_key, "my_job_identity")
        # same identity key while the first one waits: the existing record
        again = self.model.delay_me_options()
        self.assertEqual(again, job.db_record())

    def test_auto_delay_inside_job(self):
        job = self.model.delay_me(1, kwarg=2)
        # inside the job (job_uuid in context) the original method runs
        result = job.perform()
        self.assertEqual(result, (1, 2))
        self.assertEqual(
            self.env["queue.job"].search_count([("method_name", "=", "delay_me")]), 1
        )

    def test_auto_delay_force_sync(self):
        result = self.model.with_context(_job_force_sync=True).delay_me(1, kwarg=2)
        self.assertEqual(result, (1, 2))
        result = self.model.with_context(test_queue_job_no_delay=True).delay_me(3)
        self.assertEqual(result, (3, None))
        self.assertEqual(
            self.env["queue.job"].search_count([("method_name", "=", "delay_me")]), 0
        )

    def test_auto_delay_context_key_set(self):
        model = self.model.with_context(auto_delay_delay_me_context_key=True)
        job = model.delay_me_context_key()
        self.assertIsInstance(job, Job)
        self.assertEqual(job.method_name, "delay_me_context_key")

    def test_auto_delay_context_key_unset(self):
        result = self.model.delay_me_context_key()
        self.assertNotIsInstance(result, Job)
        self.assertEqual(result, "delayed by context key")
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("method_name", "=", "delay_me_context_key")]
            ),
            0,
        )

    def test_wrapper_keeps_name_and_origin(self):
        method = type(self.model).delay_me
        self.assertEqual(method.__name__, "delay_me")
        self.assertTrue(callable(method.origin))
