# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo.tests import common

from ..job import Job


class TestTransitionLog(common.TransactionCase):
    def test_state_changes_are_logged_as_key_values(self):
        job = self.env["queue.job"].with_delay(channel="root")._test_job()
        record = Job.db_records_from_uuids(self.env, [job.uuid])
        with self.assertLogs("odoo.addons.queue_job.transitions", "DEBUG") as logs:
            record.button_done()
        self.assertEqual(len(logs.records), 1)
        self.assertEqual(
            logs.records[0].getMessage(),
            "job=%s db=%s channel=root from=pending to=done"
            % (job.uuid, self.env.cr.dbname),
        )

    def test_nothing_is_logged_when_the_state_stays(self):
        job = self.env["queue.job"].with_delay()._test_job()
        record = Job.db_records_from_uuids(self.env, [job.uuid])
        with self.assertNoLogs("odoo.addons.queue_job.transitions", "DEBUG"):
            record.write({"priority": 3})
