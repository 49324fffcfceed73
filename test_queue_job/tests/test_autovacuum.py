# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Old finished jobs are deleted, channel by channel, after the channel's
removal interval (30 days unless the channel record says otherwise)."""
from datetime import datetime, timedelta

from odoo.addons.queue_job.job import CANCELLED, DONE, FAILED

from .common import QueueJobCase


class TestAutovacuum(QueueJobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["queue.job.channel"].create(
            {
                "name": "archive",
                "parent_id": cls.env.ref("queue_job.channel_root").id,
                "removal_interval": 90,
            }
        )

    def finished(self, state, days_ago, channel="root"):
        job = self.make_job(channel=channel)
        when = datetime.now() - timedelta(days=days_ago)
        if state == DONE:
            job.set_done()
            job.date_done = when
        elif state == CANCELLED:
            job.set_cancelled()
            job.date_cancelled = when
        else:
            job.set_failed(exc_info="kept for a look")
            job.date_created = when
        job.store()
        return job.db_record()

    def test_what_is_old_enough_goes(self):
        # (state, days ago, channel) -> still there after the vacuum
        cases = {
            (DONE, 29, "root"): True,
            (DONE, 31, "root"): False,
            (CANCELLED, 31, "root"): False,
            (CANCELLED, 2, "root"): True,
            # failed jobs wait for someone to look at them
            (FAILED, 400, "root"): True,
            (DONE, 89, "root.archive"): True,
            (DONE, 91, "root.archive"): False,
            # no channel record: no interval, nothing goes
            (DONE, 400, "root.unknown"): True,
        }
        records = {case: self.finished(*case) for case in cases}
        self.assertIs(self.jobs.autovacuum(), True)
        for case, kept in cases.items():
            with self.subTest(case=case):
                self.assertEqual(bool(records[case].exists()), kept)

    def test_the_daily_cron_vacuums(self):
        old = [self.finished(DONE, 45) for _i in range(3)]
        recent = self.finished(DONE, 1)
        cron = self.env.ref("queue_job.ir_cron_autovacuum_queue_jobs")
        self.assertTrue(cron.active)
        cron.method_direct_trigger()
        self.assertFalse(any(record.exists() for record in old))
        self.assertTrue(recent.exists())
