# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import exceptions

from odoo.addons.queue_job.job import Job

from .common import JobCommonCase


class TestJobChannels(JobCommonCase):
    def setUp(self):
        super().setUp()
        self.function_model = self.env["queue.job.function"]
        self.channel_model = self.env["queue.job.channel"]
        self.test_model = self.env["test.queue.channel"]
        self.root_channel = self.env.ref("queue_job.channel_root")

    def test_channel_complete_name(self):
        channel = self.channel_model.create(
            {"name": "number", "parent_id": self.root_channel.id}
        )
        subchannel = self.channel_model.create(
            {"name": "five", "parent_id": channel.id}
        )
        self.assertEqual(channel.complete_name, "root.number")
        self.assertEqual(subchannel.complete_name, "root.number.five")

    def test_channel_tree(self):
        with self.assertRaises(exceptions.ValidationError):
            self.channel_model.create({"name": "sub"})

    def test_channel_root(self):
        with self.assertRaises(exceptions.UserError):
            self.root_channel.unlink()
        with self.assertRaises(exceptions.UserError):
            self.root_channel.name = "leaf"

    def test_channel_on_job(self):
        method = self.env["test.queue.channel"].job_a
        func_name = self.function_model.job_function_name("test.queue.channel", "job_a")
        job_function = self.function_model.search([("name", "=", func_name)])
        self.assertEqual(job_function.channel, "root")

        test_job = Job(method)
        test_job.store()
        stored = test_job.db_record()
        self.assertEqual(stored.channel, "root")
        self.assertEqual(stored.job_function_id, job_function)

        channel = self.channel_model.create(
            {"name": "sub", "parent_id": self.root_channel.id}
        )
        job_function.channel_id = channel
        test_job = Job(method)
        test_job.store()
        self.assertEqual(test_job.db_record().channel, "root.sub")

        # the channel given to the job wins
        test_job = Job(method, channel="root.sub.sub.sub")
        test_job.store()
        self.assertEqual(test_job.db_record().channel, "root.sub.sub.sub")

    def test_default_channel_no_xml(self):
        test_job = Job(self.test_model.job_b)
        test_job.store()
        self.assertEqual(test_job.db_record().channel, "root")
        self.assertFalse(test_job.db_record().job_function_id)

    def test_set_channel_from_record(self):
        func_name = self.function_model.job_function_name(
            "test.queue.channel", "job_sub_channel"
        )
        job_function = self.function_model.search([("name", "=", func_name)])
        self.assertEqual(job_function.channel, "root.sub.subsub")
        self.assertEqual(
            job_function.channel_id, self.env.ref("test_queue_job.channel_subsub")
        )
        test_job = Job(self.test_model.job_sub_channel)
        self.assertEqual(test_job.channel, "root.sub.subsub")

    def test_default_removal_interval(self):
        channel = self.channel_model.create(
            {"name": "test", "parent_id": self.root_channel.id}
        )
        self.assertEqual(channel.removal_interval, 30)
