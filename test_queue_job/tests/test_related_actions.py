# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The "Related" button of a job: Job.related_action() and, on the record,
open_related_action(). The job functions of test.related.action (data XML)
configure it."""
from odoo import exceptions

from .common import QueueJobCase

NO_ACTION = "^No action available for this job$"


class TestRelatedAction(QueueJobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.env["test.related.action"]
        cls.one = cls.model.create({})
        cls.two = cls.one | cls.model.create({})

    def stored_job(self, method, *args):
        job = self.make_job(method, args=args)
        job.store()
        return job

    def assertNoAction(self, job):
        self.assertIsNone(job.related_action())
        with self.assertRaisesRegex(exceptions.UserError, NO_ACTION):
            job.db_record().open_related_action()

    def test_default_action_opens_the_records(self):
        # no job function for this method: the default related action
        cases = [
            (
                self.one,
                {
                    "name": "Related Record",
                    "type": "ir.actions.act_window",
                    "view_mode": "form",
                    "res_model": "test.related.action",
                    "res_id": self.one.id,
                },
            ),
            (
                self.two,
                {
                    "name": "Related Records",
                    "type": "ir.actions.act_window",
                    "view_mode": "tree,form",
                    "res_model": "test.related.action",
                    "domain": [("id", "in", self.two.ids)],
                },
            ),
        ]
        for records, action in cases:
            with self.subTest(records=records.ids):
                job = self.stored_job(records.testing_related_action__no)
                self.assertEqual(job.related_action(), action)
                self.assertEqual(job.db_record().open_related_action(), action)

    def test_default_action_without_records(self):
        self.assertNoAction(self.stored_job(self.model.testing_related_action__no))
        record = self.model.create({})
        job = self.stored_job(record.testing_related_action__no)
        record.unlink()
        self.assertNoAction(job)
        # the same on the addon's own model
        subject_record = self.subject.create({"name": "gone soon"})
        job = self.stored_job(subject_record.no_description)
        self.assertEqual(job.related_action()["res_id"], subject_record.id)
        subject_record.unlink()
        self.assertNoAction(job)

    def test_disabled_by_the_job_function(self):
        # {"enable": False}, even with records to open
        self.assertNoAction(
            self.stored_job(self.two.testing_related_action__return_none)
        )

    def test_method_and_kwargs_from_the_job_function(self):
        # {"func_name": "testing_related_method", "kwargs": {"b": 4}}; that
        # method returns the queue.job record it is called on and its kwargs
        job = self.stored_job(self.one.testing_related_action__kwargs)
        self.assertEqual(job.related_action(), (job.db_record(), {"b": 4}))
        # testing_method's function names the method without kwargs
        job = self.stored_job(self.subject.testing_method)
        self.assertEqual(job.related_action(), (job.db_record(), {}))

    def test_kwargs_left_out_of_the_configuration(self):
        function = self.env.ref("test_queue_job.job_function_related_action_kwargs")
        function.related_action = {"func_name": "testing_related_method"}
        job = self.stored_job(self.one.testing_related_action__kwargs)
        self.assertEqual(job.job_config.related_action_kwargs, {})
        self.assertEqual(job.related_action(), (job.db_record(), {}))

    def test_configured_method_that_finds_nothing(self):
        function = self.env.ref("test_queue_job.job_function_related_action_kwargs")
        function.related_action = {"func_name": "testing_related__none"}
        self.assertNoAction(self.stored_job(self.one.testing_related_action__kwargs))

    def test_url_made_from_a_job_argument(self):
        # kwargs {"url": "https://en.wikipedia.org/wiki/{subject}"}
        job = self.stored_job(self.one.testing_related_action__store, "Ankh-Morpork")
        self.assertEqual(
            job.db_record().open_related_action(),
            {
                "type": "ir.actions.act_url",
                "target": "new",
                "url": "https://en.wikipedia.org/wiki/Ankh-Morpork",
            },
        )
