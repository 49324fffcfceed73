# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Failure notices of the jobs the runner fails (found dead too often).

The runner has no ORM: in the statement that fails such a job it keeps a row
in queue_job_failure_notice and triggers the cron posting them."""
from .common import QueueJobCase


class TestFailureNotices(QueueJobCase):
    def _failed_by_runner(self):
        stored = self.stored_record()
        stored.flush()
        cr = self.env.cr
        cr.execute(
            "UPDATE queue_job SET state = 'failed', exc_name = "
            "'odoo.addons.queue_job.exception.JobFoundDead' WHERE id = %s",
            (stored.id,),
        )
        cr.execute(
            "INSERT INTO queue_job_failure_notice (job_id) VALUES (%s)", (stored.id,)
        )
        stored.invalidate_cache()
        return stored

    def post_notices(self):
        """What the cron "Job Queue: failure notices" does."""
        self.env.ref("queue_job.ir_cron_failure_notices").method_direct_trigger()

    def _notices_left(self):
        self.env.cr.execute("SELECT count(*) FROM queue_job_failure_notice")
        return self.env.cr.fetchone()[0]

    def test_notice_posted_once(self):
        stored = self._failed_by_runner()
        self.assertFalse(stored.message_ids)
        self.post_notices()
        message = stored.message_ids
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.env.ref("queue_job.mt_job_failed"))
        self.assertIn(stored.uuid, message.body)
        self.assertEqual(self._notices_left(), 0)
        self.post_notices()
        self.assertEqual(len(stored.message_ids), 1)

    def test_job_requeued_before_its_notice_gets_none(self):
        stored = self._failed_by_runner()
        stored.requeue()
        stored.flush()
        self.post_notices()
        self.assertFalse(stored.message_ids)
        self.assertEqual(self._notices_left(), 0)

    def test_notices_in_batches_trigger_their_cron_again(self):
        jobs = self._failed_by_runner() | self._failed_by_runner()
        jobs |= self._failed_by_runner()
        cron = self.env.ref("queue_job.ir_cron_failure_notices")
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search_count([("cron_id", "=", cron.id)])
        first = self.jobs._post_failure_notices(limit=2)
        self.assertEqual(len(first), 2)
        self.assertEqual(triggers.search_count([("cron_id", "=", cron.id)]), before + 1)
        second = self.jobs._post_failure_notices(limit=2)
        self.assertEqual(first | second, jobs)
        self.assertEqual(self._notices_left(), 0)

    def test_deleted_job_takes_its_notice_along(self):
        stored = self._failed_by_runner()
        stored.unlink()
        self.assertEqual(self._notices_left(), 0)

    def test_a_notice_that_fails_holds_back_no_other(self):
        broken, sound = self._failed_by_runner(), self._failed_by_runner()
        message = type(broken)._message_failed_job

        def failed_job_message(job_):
            if job_ == broken:
                raise ValueError("no message for this one")
            return message(job_)

        self.patch(type(broken), "_message_failed_job", failed_job_message)
        with self.assertLogs("odoo.addons.queue_job.models.queue_job_housekeeping", "ERROR"):
            self.post_notices()
        self.assertEqual(len(sound.message_ids), 1)
        self.assertFalse(broken.message_ids)
        self.assertEqual(self._notices_left(), 0)
