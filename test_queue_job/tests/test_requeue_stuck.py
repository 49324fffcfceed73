# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from datetime import datetime, timedelta

from odoo import exceptions
from odoo.tools import config

from .common import QueueJobCase


class TestRequeueStuckJobs(QueueJobCase):
    def _job(self, state, minutes_ago):
        job_ = self.make_job()
        when = datetime.now() - timedelta(minutes=minutes_ago)
        if state == "enqueued":
            job_.set_enqueued()
            job_.date_enqueued = when
        elif state == "started":
            job_.set_started()
            job_.date_started = when
        job_.store()
        return job_.db_record()

    def test_requeue_enqueued(self):
        stuck = self._job("enqueued", 2)
        fresh = self._job("enqueued", 0)
        started = self._job("started", 60)
        requeued = self.jobs.requeue_stuck_jobs(enqueued_delta=1, started_delta=0)
        self.assertEqual(requeued, stuck)
        self.assertEqual(stuck.state, "pending")
        self.assertFalse(stuck.date_enqueued)
        self.assertEqual(fresh.state, "enqueued")
        self.assertEqual(started.state, "started")

    def test_requeue_started(self):
        stuck = self._job("started", 10)
        fresh = self._job("started", 1)
        requeued = self.jobs.requeue_stuck_jobs(enqueued_delta=0, started_delta=5)
        self.assertEqual(requeued, stuck)
        self.assertEqual(stuck.state, "pending")
        self.assertEqual(fresh.state, "started")

    def test_started_delta_from_limit_time_real(self):
        self.patch(config, "options", dict(config.options, limit_time_real=300))
        over = self._job("started", 7)  # limit is 300 // 60 + 1 = 6 minutes
        under = self._job("started", 5)
        self.jobs.requeue_stuck_jobs(enqueued_delta=1, started_delta=-1)
        self.assertEqual(over.state, "pending")
        self.assertEqual(under.state, "started")

    def test_both_zero(self):
        with self.assertRaisesRegex(exceptions.ValidationError, "ALL jobs"):
            self.jobs.requeue_stuck_jobs(enqueued_delta=0, started_delta=0)

    def test_cron(self):
        stuck = self._job("enqueued", 5)
        self.env.ref(
            "queue_job.ir_cron_queue_job_garbage_collector"
        ).method_direct_trigger()
        self.assertEqual(stuck.state, "pending")
