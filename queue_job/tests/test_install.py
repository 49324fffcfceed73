from odoo.tests import common


class TestInstall(common.TransactionCase):
    def test_manager_group(self):
        group = self.env.ref("queue_job.group_queue_job_manager")
        self.assertIn(self.env.ref("base.user_admin"), group.users)
