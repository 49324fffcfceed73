# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from datetime import datetime, timedelta

from odoo.addons.queue_job.job import Job

from .common import JobCommonCase


class TestQueueJobAutovacuumCronJob(JobCommonCase):
    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("queue_job.ir_cron_autovacuum_queue_jobs")

    def _job(self, days_ago, state="done", channel=None):
        job_ = Job(self.method, channel=channel)
        when = datetime.now() - timedelta(days=days_ago)
        if state == "done":
            job_.set_done()
            job_.date_done = when
        elif state == "cancelled":
            job_.set_cancelled()
            job_.date_cancelled = when
        else:
            job_.set_failed(exc_info="failed")
            job_.date_created = when
        job_.store()
        return job_.db_record()

    def test_old_jobs_are_deleted(self):
        old = self._job(31)
        self.cron.method_direct_trigger()
        self.assertFalse(old.exists())

    def test_interval(self):
        recent = self._job(29)
        old = self._job(31)
        cancelled = self._job(31, state="cancelled")
        failed = self._job(400, state="failed")
        self.assertTrue(self.env["queue.job"].autovacuum())
        self.assertTrue(recent.exists())
        self.assertFalse(old.exists())
        self.assertFalse(cancelled.exists())
        # failed jobs are kept for someone to look at
        self.assertTrue(failed.exists())

    def test_channel_interval(self):
        root = self.env.ref("queue_job.channel_root")
        self.env["queue.job.channel"].create(
            {"name": "long", "parent_id": root.id, "removal_interval": 60}
        )
        in_long = self._job(31, channel="root.long")
        old_in_long = self._job(61, channel="root.long")
        # no channel record: nothing decides its removal
        unknown = self._job(400, channel="root.unknown")
        self.env["queue.job"].autovacuum()
        self.assertTrue(in_long.exists())
        self.assertFalse(old_in_long.exists())
        self.assertTrue(unknown.exists())

    def test_many_batches(self):
        jobs = [self._job(40) for _i in range(5)]
        self.env["queue.job"].autovacuum()
        self.assertFalse(any(job_.exists() for job_ in jobs))
