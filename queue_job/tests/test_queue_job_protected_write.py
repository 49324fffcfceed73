# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import exceptions
from odoo.tests import common

from odoo.addons.queue_job.job import Job


class TestJobWriteProtected(common.TransactionCase):
    def _stored_job(self):
        job_ = Job(self.env["res.partner"].browse(1).name_get)
        job_.store()
        return job_.db_record()

    def test_create_error(self):
        with self.assertRaisesRegex(exceptions.AccessError, "with_delay"):
            self.env["queue.job"].create(
                {"uuid": "test", "model_name": "res.partner", "method_name": "write"}
            )

    def test_write_protected_field_error(self):
        record = self._stored_job()
        with self.assertRaisesRegex(exceptions.AccessError, "method_name"):
            record.method_name = "unlink"
        with self.assertRaisesRegex(exceptions.AccessError, "kwargs"):
            record.write({"kwargs": "{}", "priority": 3})
        self.assertEqual(record.method_name, "name_get")

    def test_write_allow_no_protected_field_error(self):
        record = self._stored_job()
        record.priority = 30
        self.assertEqual(record.priority, 30)

    def test_sentinel_needs_the_object(self):
        record = self._stored_job()
        # an RPC caller can only send a copy of something, not the object
        with self.assertRaises(exceptions.AccessError):
            record.with_context(_job_edit_sentinel="object()").write(
                {"method_name": "unlink"}
            )
