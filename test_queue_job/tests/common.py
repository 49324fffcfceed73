# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Ground shared by the tests of this addon."""
from odoo.tests import common

from odoo.addons.queue_job.job import Job


class QueueJobCase(common.TransactionCase):
    """One transaction, with ``self.jobs`` (the ``queue.job`` model) and
    ``self.subject`` (``test.queue.job``, whose methods the jobs call)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jobs = cls.env["queue.job"]
        cls.subject = cls.env["test.queue.job"]
        # a failed job tells its followers by mail, which wants a sender
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("mail.catchall.domain", "example.com")
        icp.set_param("mail.default.from", "notifications")

    def make_job(self, method=None, **options):
        """A Job of ``method`` (``testing_method`` when None), in memory."""
        if method is None:
            method = self.subject.testing_method
        return Job(method, **options)

    def stored_record(self, method=None, **options):
        """The ``queue.job`` record of a job made and stored right now."""
        job = self.make_job(method, **options)
        job.store()
        return job.db_record()
