# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo.tests import common

from odoo.addons.queue_job.job import Job


class JobCommonCase(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.queue_job = cls.env["queue.job"]
        cls.user = cls.env["res.users"]
        cls.method = cls.env["test.queue.job"].testing_method
        # failure notifications are mailed: give the database a sender
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("mail.catchall.domain", "example.com")
        params.set_param("mail.default.from", "notifications")

    def _create_job(self):
        test_job = Job(self.method)
        test_job.store()
        stored = Job.db_record_from_uuid(self.env, test_job.uuid)
        self.assertEqual(len(stored), 1)
        return stored
