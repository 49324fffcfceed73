# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The three wizards of the Jobs list: requeue, set to done, cancel. Each
is run on a selection of a failed, a pending and a done job."""
from odoo.tests import common

from ..job import Job

CLOSE = {"type": "ir.actions.act_window_close"}


class TestJobWizards(common.TransactionCase):
    def setUp(self):
        super().setUp()
        self.by_state = {}
        for state in ("failed", "pending", "done"):
            job = Job(self.env.user.partner_id.exists)
            if state == "failed":
                job.set_failed(exc_info="Traceback", exc_name="Boom", exc_message="b")
            elif state == "done":
                job.set_done(result="finished")
            job.store()
            self.by_state[state] = job.db_record()
        self.selection = self.env["queue.job"].concat(*self.by_state.values())

    def run_wizard(self, model, button):
        wizard = (
            self.env[model]
            .with_context(active_model="queue.job", active_ids=self.selection.ids)
            .create({})
        )
        self.assertEqual(wizard.job_ids, self.selection)
        self.assertEqual(getattr(wizard, button)(), CLOSE)

    def assertOutcome(self, expected):
        """``expected``: state before -> (state, result) after."""
        self.assertEqual(
            {
                before: (record.state, record.result)
                for before, record in self.by_state.items()
            },
            expected,
        )

    def test_requeue_wizard(self):
        self.run_wizard("queue.requeue.job", "requeue")
        self.assertOutcome(
            {
                "failed": ("pending", False),
                "pending": ("pending", False),
                "done": ("pending", "finished"),
            }
        )

    def test_done_wizard(self):
        self.run_wizard("queue.jobs.to.done", "set_done")
        signed = "Manually set to done by %s" % self.env.user.name
        self.assertOutcome(
            {
                "failed": ("done", signed),
                "pending": ("done", signed),
                "done": ("done", signed),
            }
        )

    def test_cancel_wizard_leaves_ended_jobs(self):
        self.run_wizard("queue.jobs.to.cancelled", "set_cancelled")
        signed = "Cancelled by %s" % self.env.user.name
        self.assertOutcome(
            {
                "failed": ("cancelled", signed),
                "pending": ("cancelled", signed),
                "done": ("done", "finished"),
            }
        )
        self.assertTrue(self.by_state["failed"].date_cancelled)
        self.assertFalse(self.by_state["done"].date_cancelled)

    def test_selection_from_another_model_is_ignored(self):
        wizard = (
            self.env["queue.requeue.job"]
            .with_context(active_model="res.partner", active_ids=self.selection.ids)
            .create({})
        )
        self.assertFalse(wizard.job_ids)
