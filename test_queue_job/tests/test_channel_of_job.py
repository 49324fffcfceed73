# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Which channel a job goes to: the one given, else its job function's, else
root. The channels and functions used are in data/queue_job_test_job.xml."""
from odoo.addons.queue_job.job import Job

from .common import QueueJobCase


class TestChannelOfJob(QueueJobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.functions = cls.env["queue.job.function"]
        cls.model = cls.env["test.queue.channel"]
        cls.sub = cls.env.ref("test_queue_job.channel_sub")
        cls.subsub = cls.env.ref("test_queue_job.channel_subsub")

    def function_of(self, method_name):
        name = self.functions.job_function_name("test.queue.channel", method_name)
        self.assertEqual(name, "<test.queue.channel>.%s" % method_name)
        return self.functions.search([("name", "=", name)])

    def test_data_channels_and_functions(self):
        self.assertEqual(self.subsub.complete_name, "root.sub.subsub")
        self.assertEqual(
            self.subsub.parent_id.parent_id, self.env.ref("queue_job.channel_root")
        )
        self.assertEqual(self.function_of("job_sub_channel").channel_id, self.subsub)
        self.assertEqual(self.function_of("job_a").channel, "root")
        self.assertFalse(self.function_of("job_b"))

    def test_job_channel_by_function_and_by_caller(self):
        self.function_of("job_a").channel_id = self.sub
        cases = [
            # method, channel given, channel of the job, its function
            ("job_a", None, "root.sub", "job_a"),
            ("job_a", "root.elsewhere", "root.elsewhere", "job_a"),
            ("job_sub_channel", None, "root.sub.subsub", "job_sub_channel"),
            ("job_sub_channel", "root", "root", "job_sub_channel"),
            # no function record at all
            ("job_b", None, "root", None),
            ("job_b", "root.sub.sub", "root.sub.sub", None),
        ]
        for method_name, given, channel, function_of in cases:
            with self.subTest(method=method_name, given=given):
                method = getattr(self.model, method_name)
                job = Job(method, channel=given)
                self.assertEqual(job.channel, channel)
                job.store()
                record = job.db_record()
                self.assertEqual(record.channel, channel)
                function = self.function_of(function_of) if function_of else None
                self.assertEqual(record.job_function_id, function or self.functions)
                self.assertEqual(Job.load(self.env, job.uuid).channel, channel)

    def test_channel_is_chosen_once_at_creation(self):
        function = self.function_of("job_a")
        job = Job(self.model.job_a)
        job.store()
        function.channel_id = self.subsub
        self.assertEqual(Job(self.model.job_a).channel, "root.sub.subsub")
        job.priority = 3
        job.store()
        record = job.db_record()
        self.assertEqual((record.channel, record.priority), ("root", 3))

    def test_with_delay_channel(self):
        delayed = self.model.with_delay(channel="root.sub.sub").job_a()
        self.assertEqual(delayed.channel, "root.sub.sub")
        self.assertEqual(delayed.db_record().channel, "root.sub.sub")
