# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import exceptions

from odoo.addons.queue_job.job import Job

from .common import JobCommonCase


class TestRelatedAction(JobCommonCase):
    def setUp(self):
        super().setUp()
        self.model = self.env["test.related.action"]
        self.record = self.model.create({})
        self.records = self.record | self.model.create({})

    def test_attributes(self):
        """Job with related action and kwargs"""
        job_ = Job(self.record.testing_related_action__kwargs)
        job_.store()
        act_job, act_kwargs = job_.related_action()
        self.assertEqual(act_job, job_.db_record())
        self.assertEqual(act_kwargs, {"b": 4})

    def test_decorator_empty(self):
        """Job with the default related action"""
        job_ = Job(self.record.testing_related_action__return_none)
        job_.store()
        self.assertEqual(
            job_.related_action(),
            {
                "name": "Related Record",
                "type": "ir.actions.act_window",
                "view_mode": "form",
                "res_model": self.model._name,
                "res_id": self.record.id,
            },
        )

    def test_disabled(self):
        job_ = Job(self.record.testing_related_action__no)
        job_.store()
        self.assertIsNone(job_.related_action())
        with self.assertRaisesRegex(exceptions.UserError, "No action available"):
            job_.db_record().open_related_action()

    def test_default_no_record(self):
        job_ = Job(self.model.testing_related_action__return_none)
        job_.store()
        self.assertIsNone(job_.related_action())

    def test_default_deleted_record(self):
        job_ = Job(self.record.testing_related_action__return_none)
        job_.store()
        self.record.unlink()
        self.assertIsNone(job_.related_action())

    def test_default_several_records(self):
        job_ = Job(self.records.testing_related_action__return_none)
        job_.store()
        self.assertEqual(
            job_.related_action(),
            {
                "name": "Related Records",
                "type": "ir.actions.act_window",
                "view_mode": "tree,form",
                "res_model": self.model._name,
                "domain": [("id", "in", self.records.ids)],
            },
        )

    def test_url_from_argument(self):
        job_ = Job(self.record.testing_related_action__store, args=("Discworld",))
        job_.store()
        self.assertEqual(
            job_.db_record().open_related_action(),
            {
                "type": "ir.actions.act_url",
                "target": "new",
                "url": "https://en.wikipedia.org/wiki/Discworld",
            },
        )

    def test_testing_method_related_action(self):
        job_ = Job(self.env["test.queue.job"].testing_method)
        job_.store()
        record, kwargs = job_.related_action()
        self.assertEqual(record, job_.db_record())
        self.assertEqual(kwargs, {})

    def test_func_name_not_a_string(self):
        function = self.env.ref("test_queue_job.job_function_related_action_kwargs")
        function.related_action = {"func_name": "testing_related_method"}
        job_ = Job(self.record.testing_related_action__kwargs)
        self.assertEqual(job_.job_config.related_action_kwargs, {})
