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
        record = job_.db_record()
        if state == "started":
            # claimed by a backend that is gone: the job is dead
            record.flush()
            self.env.cr.execute(
                "UPDATE queue_job SET worker_backend = 2147483647 WHERE id = %s",
                (record.id,),
            )
            record.invalidate_cache()
        return record

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
        stuck.retry = 2
        requeued = self.jobs.requeue_stuck_jobs(enqueued_delta=0, started_delta=5)
        self.assertEqual(requeued, stuck)
        self.assertEqual(stuck.state, "pending")
        # as the runner does with a dead job: one more try counted
        self.assertEqual(stuck.retry, 3)
        self.assertFalse(stuck.worker_backend or stuck.date_started)
        self.assertEqual(fresh.state, "started")

    def test_live_started_job_stays(self):
        live = self._job("started", 0)
        # claimed by this test's own backend, which lives
        self.env.cr.execute(
            "UPDATE queue_job SET worker_backend = pg_backend_pid(),"
            " date_started = now() AT TIME ZONE 'UTC' WHERE id = %s",
            (live.id,),
        )
        live.invalidate_cache()
        # started a few milliseconds ago counts as stuck for this call
        requeued = self.jobs.requeue_stuck_jobs(enqueued_delta=0, started_delta=1e-9)
        self.assertFalse(requeued)
        self.assertEqual(live.state, "started")

    def test_dead_job_out_of_tries_fails(self):
        stuck = self._job("started", 10)
        stuck.write({"retry": 2, "max_retries": 3})
        self.jobs.requeue_stuck_jobs(enqueued_delta=0, started_delta=5)
        self.assertEqual(stuck.state, "failed")
        self.assertTrue(stuck.exc_name.endswith("JobFoundDead"))

    def test_started_without_worker_keeps_its_tries(self):
        job_ = self.make_job()
        job_.set_started()
        job_.date_started = datetime.now() - timedelta(minutes=10)
        job_.retry = 1
        job_.store()
        record = job_.db_record()
        self.jobs.requeue_stuck_jobs(enqueued_delta=0, started_delta=5)
        self.assertEqual(record.state, "pending")
        self.assertEqual(record.retry, 1)

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
