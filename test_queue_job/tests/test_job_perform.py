# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Job.perform(): the call, the count of tries, the errors, the environment."""
import logging

from odoo import SUPERUSER_ID
from odoo.exceptions import MissingError, UserError

from odoo.addons.queue_job.exception import FailedJobError, JobError, RetryableJobError
from odoo.addons.queue_job.job import Job

from .common import QueueJobCase


class TestPerform(QueueJobCase):
    def test_result_is_returned_kept_and_the_try_counted(self):
        job = self.make_job(args=("x", 2), kwargs={"flag": True})
        expected = (("x", 2), {"flag": True})
        self.assertEqual(job.perform(), expected)
        self.assertEqual((job.result, job.retry), (expected, 1))
        job.perform()
        self.assertEqual(job.retry, 2)

    def test_retryable_error_becomes_final_on_the_last_try(self):
        for max_retries in (1, 2, 4):
            with self.subTest(max_retries=max_retries):
                job = self.make_job(
                    kwargs={"raise_retry": True}, max_retries=max_retries
                )
                for attempt in range(1, max_retries):
                    with self.assertRaises(RetryableJobError):
                        job.perform()
                    self.assertEqual(job.retry, attempt)
                with self.assertRaises(FailedJobError) as caught:
                    job.perform()
                self.assertEqual(job.retry, max_retries)
                self.assertEqual(
                    str(caught.exception),
                    "Max. retries (%d) reached: Must be retried later" % max_retries,
                )
                self.assertIsInstance(caught.exception.__cause__, RetryableJobError)

    def test_no_maximum_when_max_retries_is_zero(self):
        job = self.make_job(kwargs={"raise_retry": True}, max_retries=0)
        for _attempt in range(25):
            with self.assertRaises(RetryableJobError):
                job.perform()
        self.assertEqual(job.retry, 25)

    def test_ignored_retries_are_not_counted(self):
        job = self.make_job(self.subject.job_retry_ignored, max_retries=1)
        for _attempt in range(4):
            with self.assertRaisesRegex(RetryableJobError, "Not counted"):
                job.perform()
        self.assertEqual(job.retry, 0)

    def test_other_errors_pass_through_untouched(self):
        job = self.make_job(self.subject.job_raise_user_error, max_retries=1)
        with self.assertRaisesRegex(UserError, "^Not retried$"):
            job.perform()
        self.assertEqual(job.retry, 1)

    def test_method_sees_its_job_uuid_in_the_context(self):
        job = self.make_job(kwargs={"return_context": True})
        context = job.perform()
        self.assertEqual(context["job_uuid"], job.uuid)
        # only while it runs: the job's own recordset is left alone
        self.assertNotIn("job_uuid", job.recordset.env.context)
        delayed = self.subject.with_delay().testing_method(return_context=True)
        loaded = Job.load(self.env, delayed.uuid)
        self.assertEqual(loaded.perform()["job_uuid"], delayed.uuid)

    def test_runs_as_the_user_who_delayed_it(self):
        demo = self.env.ref("base.user_demo")
        for sudo in (False, True):
            with self.subTest(sudo=sudo):
                model = self.subject.with_user(demo)
                if sudo:
                    model = model.sudo()
                delayed = model.with_delay().testing_method()
                # loaded by whoever runs the queue
                loaded = Job.load(self.env(user=SUPERUSER_ID), delayed.uuid)
                env = loaded.func.__self__.env
                self.assertEqual((env.uid, env.su), (demo.id, sudo))
                self.assertEqual(loaded.user_id, demo.id)
                self.assertEqual(delayed.db_record().user_id, demo)

    def test_job_on_several_records(self):
        records = self.subject.create([{"name": "first"}, {"name": "second"}])
        delayed = records.with_delay().mapped("name")
        self.assertEqual(
            (delayed.model_name, delayed.method_name, delayed.args),
            ("test.queue.job", "mapped", ("name",)),
        )
        loaded = Job.load(self.env, delayed.uuid)
        self.assertEqual(loaded.recordset, records)
        self.assertEqual(loaded.perform(), ["first", "second"])

    def test_arguments_stay_as_delayed_whatever_the_method_does(self):
        given = [1]
        delayed = self.subject.with_delay().job_alter_mutable(
            given, mutable_kwarg={"a": 1}
        )
        # changed by the caller before the row was written
        given.append("late")
        self.assertEqual(delayed.db_record().args, [[1]])
        loaded = Job.load(self.env, delayed.uuid)
        self.assertEqual(loaded.perform(), ([1, 2], {"a": 1, "b": 2}))
        loaded.set_done()
        loaded.store()
        record = loaded.db_record()
        record.invalidate_cache()
        self.assertEqual(
            (record.args, record.kwargs), ([[1]], {"mutable_kwarg": {"a": 1}})
        )
        again = Job.load(self.env, delayed.uuid)
        self.assertEqual(again.args, ([1],))

    def test_records_deleted_before_the_run(self):
        record = self.subject.create({"name": "short-lived"})
        delayed = record.with_delay().mapped("name")
        record.unlink()
        loaded = Job.load(self.env, delayed.uuid)
        self.assertFalse(loaded.recordset.exists())
        with self.assertRaises(MissingError):
            loaded.perform()

    def test_the_test_job_of_the_addon(self):
        jobs = self.env["queue.job"]
        job = self.make_job(jobs._test_job, kwargs={"failure_rate": 0})
        self.assertEqual(job.channel, "root")
        self.assertTrue(job.job_config.job_function_id)
        # logging.INFO: Odoo gives the name "INFO" to a level of its own too
        with self.assertLogs("odoo.addons.queue_job", logging.INFO) as logs:
            job.perform()
        self.assertIn("Running test job.", logs.output[0])
        doomed = self.make_job(jobs._test_job, kwargs={"failure_rate": 1})
        with self.assertRaisesRegex(JobError, "^Job failed$"):
            doomed.perform()
