# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Only queue_job's own code creates jobs and changes what a job runs: it
holds a sentinel object, which no RPC caller can send."""
import datetime

from odoo import exceptions
from odoo.tests import common

from ..job import Job

# what the job runs, and how it came to be
PROTECTED = {
    "uuid": "another-uuid",
    "name": "Another description",
    "date_created": datetime.datetime(2000, 1, 1),
    "model_name": "res.users",
    "method_name": "unlink",
    "func_string": "res.users(1,).unlink()",
    "channel_method_name": "<res.users>.unlink",
    "job_function_id": False,
    "records": '{"_type": "odoo_recordset", "model": "res.users", "ids": [1]}',
    "args": "[]",
    "kwargs": "{}",
}


class TestWriteProtection(common.TransactionCase):
    def setUp(self):
        super().setUp()
        job = Job(self.env["res.partner"].browse(self.env.user.partner_id.id).exists)
        job.store()
        self.record = job.db_record()

    def test_jobs_are_not_created_directly(self):
        with self.assertRaisesRegex(
            exceptions.AccessError,
            r"^Queue jobs must be created by calling 'with_delay\(\)'.$",
        ):
            self.env["queue.job"].create(
                {"uuid": "made-up", "model_name": "res.users", "method_name": "unlink"}
            )

    def test_what_a_job_runs_cannot_be_changed(self):
        for field, value in PROTECTED.items():
            with self.subTest(field=field):
                before = self.record[field]
                with self.assertRaisesRegex(
                    exceptions.AccessError,
                    r"^Not allowed to change field\(s\): \['%s'\]$" % field,
                ):
                    self.record.write({field: value, "priority": 1})
                self.record.invalidate_cache()
                self.assertEqual(self.record[field], before)
                self.assertEqual(self.record.priority, 10)

    def test_scheduling_fields_stay_editable(self):
        eta = datetime.datetime(2040, 2, 3, 4, 5, 6)
        self.record.write(
            {"priority": 30, "eta": eta, "max_retries": 2, "channel": "root.other"}
        )
        self.assertEqual(
            (
                self.record.priority,
                self.record.eta,
                self.record.max_retries,
                self.record.channel,
            ),
            (30, eta, 2, "root.other"),
        )

    def test_the_sentinel_is_that_object_not_a_copy_of_it(self):
        for fake in ("object()", repr(self.env["queue.job"].EDIT_SENTINEL), True):
            with self.subTest(sentinel=fake):
                with self.assertRaises(exceptions.AccessError):
                    self.record.with_context(_job_edit_sentinel=fake).write(
                        {"method_name": "unlink"}
                    )
        sentinel = self.env["queue.job"].EDIT_SENTINEL
        self.record.with_context(_job_edit_sentinel=sentinel).write(
            {"name": "Renamed by queue_job"}
        )
        self.assertEqual(self.record.name, "Renamed by queue_job")
