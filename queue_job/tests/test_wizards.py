# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo.tests import common

from odoo.addons.queue_job.job import Job


class TestWizards(common.TransactionCase):
    def setUp(self):
        super().setUp()
        job_ = Job(self.env["res.users"].browse(self.env.uid).name_get)
        job_.set_failed(exc_info="Traceback...", exc_name="Boom", exc_message="boom")
        job_.store()
        self.job = job_.db_record()

    def _wizard(self, model_name):
        return (
            self.env[model_name]
            .with_context(active_model="queue.job", active_ids=self.job.ids)
            .create({})
        )

    def test_01_requeue(self):
        wizard = self._wizard("queue.requeue.job")
        self.assertEqual(wizard.job_ids, self.job)
        self.assertEqual(wizard.requeue(), {"type": "ir.actions.act_window_close"})
        self.assertEqual(self.job.state, "pending")

    def test_02_cancel(self):
        wizard = self._wizard("queue.jobs.to.cancelled")
        wizard.set_cancelled()
        self.assertEqual(self.job.state, "cancelled")
        self.assertTrue(self.job.date_cancelled)

    def test_03_done(self):
        wizard = self._wizard("queue.jobs.to.done")
        wizard.set_done()
        self.assertEqual(self.job.state, "done")
        self.assertIn("Manually set to done by", self.job.result)

    def test_04_cancel_skips_other_states(self):
        self.job.button_done()
        wizard = self._wizard("queue.jobs.to.cancelled")
        wizard.set_cancelled()
        self.assertEqual(self.job.state, "done")

    def test_05_no_default_from_other_model(self):
        wizard = (
            self.env["queue.requeue.job"]
            .with_context(active_model="res.partner", active_ids=self.job.ids)
            .create({})
        )
        self.assertFalse(wizard.job_ids)
