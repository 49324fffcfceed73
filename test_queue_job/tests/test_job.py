# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import hashlib
import json
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, exceptions

from odoo.addons.queue_job.exception import (
    FailedJobError,
    NoSuchJobError,
    RetryableJobError,
)
from odoo.addons.queue_job.job import (
    CANCELLED,
    DONE,
    ENQUEUED,
    FAILED,
    PENDING,
    RETRY_INTERVAL,
    STARTED,
    WAIT_DEPENDENCIES,
    Job,
    identity_exact,
    identity_exact_hasher,
)

from .common import JobCommonCase


class TestJobsOnTestingMethod(JobCommonCase):
    def test_new_job(self):
        test_job = Job(self.method)
        self.assertEqual(test_job.func.__func__, self.method.__func__)
        self.assertEqual(test_job.method_name, "testing_method")
        self.assertEqual(test_job.recordset, self.env["test.queue.job"])
        self.assertEqual(test_job.state, PENDING)
        self.assertEqual(test_job.retry, 0)
        self.assertEqual(test_job.max_retries, 5)
        self.assertEqual(test_job.priority, 10)
        self.assertIsNone(test_job.eta)
        self.assertEqual(test_job.args, ())
        self.assertEqual(test_job.kwargs, {})
        self.assertEqual(test_job.channel, "root")
        self.assertEqual(test_job.description, "Method used for tests")
        self.assertEqual(test_job.func_string, "test.queue.job().testing_method()")
        self.assertEqual(test_job.job_function_name, "<test.queue.job>.testing_method")
        self.assertEqual(test_job.model_name, "test.queue.job")
        self.assertEqual(test_job.user_id, self.env.uid)
        self.assertEqual(test_job.company_id, self.env.company.id)
        self.assertEqual(len(test_job.uuid), 36)
        self.assertIsNone(test_job.graph_uuid)
        self.assertEqual(repr(test_job), "<Job %s, priority:10>" % test_job.uuid)

    def test_args_list_and_assertions(self):
        self.assertEqual(Job(self.method, args=[1, 2]).args, (1, 2))
        with self.assertRaises(AssertionError):
            Job(self.method, args="not a tuple")
        with self.assertRaises(AssertionError):
            Job(self.method, kwargs=[("a", 1)])

    def test_max_retries_zero_kept(self):
        self.assertEqual(Job(self.method, max_retries=0).max_retries, 0)
        self.assertEqual(Job(self.method, priority=0).priority, 0)

    def test_eta(self):
        before = datetime.now()
        eta = datetime(2030, 1, 2, 3, 4, 5)
        self.assertEqual(Job(self.method, eta=eta).eta, eta)
        in_ten = Job(self.method, eta=10).eta
        self.assertTrue(
            before + timedelta(seconds=10) <= in_ten <= datetime.now() + timedelta(10)
        )
        in_hour = Job(self.method, eta=timedelta(hours=1)).eta
        self.assertTrue(before + timedelta(hours=1) <= in_hour)
        self.assertLess(in_hour, datetime.now() + timedelta(hours=1, seconds=5))
        self.assertIsNone(Job(self.method, eta=0).eta)
        self.assertIsNone(Job(self.method, eta=None).eta)

    def test_perform_args(self):
        test_job = Job(self.method, args=("o", "k"), kwargs={"c": "!"})
        result = test_job.perform()
        self.assertEqual(result, (("o", "k"), {"c": "!"}))
        self.assertEqual(test_job.result, result)
        self.assertEqual(test_job.retry, 1)

    def test_retryable_error(self):
        test_job = Job(self.method, kwargs={"raise_retry": True}, max_retries=3)
        with self.assertRaises(RetryableJobError):
            test_job.perform()
        self.assertEqual(test_job.retry, 1)
        with self.assertRaises(RetryableJobError):
            test_job.perform()
        self.assertEqual(test_job.retry, 2)
        with self.assertRaises(FailedJobError) as ctx:
            test_job.perform()
        self.assertEqual(test_job.retry, 3)
        self.assertEqual(
            str(ctx.exception), "Max. retries (3) reached: Must be retried later"
        )
        self.assertIsInstance(ctx.exception.__cause__, RetryableJobError)

    def test_infinite_retryable_error(self):
        test_job = Job(self.method, kwargs={"raise_retry": True}, max_retries=0)
        for _i in range(10):
            with self.assertRaises(RetryableJobError):
                test_job.perform()
        self.assertEqual(test_job.retry, 10)

    def test_retry_ignored(self):
        test_job = Job(self.env["test.queue.job"].job_retry_ignored, max_retries=1)
        for _i in range(3):
            with self.assertRaises(RetryableJobError):
                test_job.perform()
        self.assertEqual(test_job.retry, 0)

    def test_other_error_propagates(self):
        test_job = Job(self.env["test.queue.job"].job_raise_user_error)
        with self.assertRaises(exceptions.UserError):
            test_job.perform()
        self.assertEqual(test_job.retry, 1)

    def test_on_instance_method(self):
        class A:
            def method(self):
                pass

        with self.assertRaisesRegex(TypeError, "Job accepts only methods of Models"):
            Job(A().method)
        with self.assertRaisesRegex(TypeError, "Job accepts only methods of Models"):
            Job(1)

    def test_unknown_method(self):
        with self.assertRaises(AttributeError):
            Job(self.env["test.queue.job"].no_such_method)

    def test_set_pending(self):
        test_job = Job(self.method)
        test_job.date_started = datetime.now()
        test_job.date_enqueued = datetime.now()
        test_job.date_done = datetime.now()
        test_job.date_cancelled = datetime.now()
        test_job.worker_pid = 99
        test_job.retry = 2
        test_job.set_pending(result="test")
        self.assertEqual(test_job.state, PENDING)
        self.assertFalse(test_job.date_enqueued)
        self.assertFalse(test_job.date_started)
        self.assertFalse(test_job.date_done)
        self.assertFalse(test_job.date_cancelled)
        self.assertFalse(test_job.worker_pid)
        self.assertEqual(test_job.retry, 0)
        self.assertEqual(test_job.result, "test")
        test_job.retry = 2
        test_job.set_pending(reset_retry=False)
        self.assertEqual(test_job.retry, 2)
        self.assertEqual(test_job.result, "test")

    def test_set_enqueued(self):
        test_job = Job(self.method)
        test_job.worker_pid = 99
        test_job.set_enqueued()
        self.assertEqual(test_job.state, ENQUEUED)
        self.assertTrue(test_job.date_enqueued)
        self.assertFalse(test_job.date_started)
        self.assertFalse(test_job.worker_pid)

    def test_set_started(self):
        test_job = Job(self.method)
        test_job.set_started()
        self.assertEqual(test_job.state, STARTED)
        self.assertTrue(test_job.date_started)
        self.assertTrue(test_job.worker_pid)

    def test_set_done(self):
        test_job = Job(self.method)
        test_job.exc_info = "previous failure"
        test_job.exc_name = "ValueError"
        test_job.date_started = datetime(2015, 3, 15, 16, 40)
        test_job.set_done(result="test")
        self.assertEqual(test_job.state, DONE)
        self.assertEqual(test_job.result, "test")
        self.assertIsNone(test_job.exc_info)
        self.assertIsNone(test_job.exc_name)
        self.assertTrue(test_job.date_done)
        test_job.date_done = datetime(2015, 3, 15, 16, 41)
        self.assertEqual(test_job.exec_time, 60.0)

    def test_set_cancelled(self):
        test_job = Job(self.method)
        test_job.set_cancelled(result="no")
        self.assertEqual(test_job.state, CANCELLED)
        self.assertTrue(test_job.date_cancelled)
        self.assertEqual(test_job.result, "no")

    def test_set_failed(self):
        test_job = Job(self.method)
        test_job.set_failed(
            exc_info="Trace", exc_name="FailedTest", exc_message="It failed", other=None
        )
        self.assertEqual(test_job.state, FAILED)
        self.assertEqual(test_job.exc_info, "Trace")
        self.assertEqual(test_job.exc_name, "FailedTest")
        self.assertEqual(test_job.exc_message, "It failed")
        self.assertFalse(hasattr(test_job, "other"))

    def test_postpone(self):
        test_job = Job(self.method)
        test_job.exc_info = "Trace"
        test_job.exc_name = "Error"
        before = datetime.now()
        test_job.postpone(result="test", seconds=60)
        self.assertTrue(
            before + timedelta(seconds=60)
            <= test_job.eta
            <= datetime.now() + timedelta(seconds=60)
        )
        self.assertEqual(test_job.result, "test")
        self.assertIsNone(test_job.exc_info)
        self.assertIsNone(test_job.exc_name)
        self.assertEqual(test_job.state, PENDING)

    def test_postpone_range_and_default(self):
        test_job = Job(self.method)
        for _i in range(20):
            self.assertIn(test_job._get_retry_seconds((1, 3)), (1, 2, 3))
        self.assertEqual(test_job._get_retry_seconds(), RETRY_INTERVAL)
        self.assertEqual(test_job._get_retry_seconds(0), RETRY_INTERVAL)

    def test_store(self):
        test_job = Job(self.method)
        test_job.store()
        stored = self.queue_job.search([("uuid", "=", test_job.uuid)])
        self.assertEqual(len(stored), 1)

    def test_store_extra_data(self):
        test_job = Job(self.method)
        test_job.store()
        stored = test_job.db_record()
        self.assertEqual(stored.additional_info, "JUST_TESTING")
        test_job.set_failed(exc_info="failed test", exc_name="FailedTest")
        test_job.store()
        stored.invalidate_cache()
        self.assertEqual(stored.additional_info, "JUST_TESTING_BUT_FAILED")

    def test_store_values_method_specific_wins(self):
        # quirk 6 of the reference: _job_store_values overwrote the method
        # specific values
        test_job = Job(self.env["test.queue.job"].job_with_own_store_values)
        self.assertEqual(
            test_job._model_store_values(),
            {"additional_info": "OWN_VALUES", "state": "done"},
        )
        test_job.store()
        self.assertEqual(test_job.db_record().additional_info, "OWN_VALUES")

    def test_store_values_never_override_core(self):
        test_job = Job(self.env["test.queue.job"].job_with_own_store_values)
        values = test_job._store_values(create=True)
        # the model asked for a state too: the job's own value is kept
        self.assertEqual(values["state"], PENDING)

    def test_read(self):
        eta = datetime.now() + timedelta(hours=5)
        test_job = Job(
            self.method,
            args=("o", "k"),
            kwargs={"c": "!"},
            priority=15,
            eta=eta,
            description="My description",
        )
        test_job.worker_pid = 99999  # normally set on "set_start"
        test_job.company_id = self.env.ref("base.main_company").id
        test_job.store()
        job_read = Job.load(self.env, test_job.uuid)
        self.assertEqual(test_job.uuid, job_read.uuid)
        self.assertEqual(test_job.model_name, job_read.model_name)
        self.assertEqual(test_job.func.__func__, job_read.func.__func__)
        self.assertEqual(test_job.args, job_read.args)
        self.assertIsInstance(job_read.args, tuple)
        self.assertEqual(test_job.kwargs, job_read.kwargs)
        self.assertEqual(test_job.method_name, job_read.method_name)
        self.assertEqual(test_job.description, job_read.description)
        self.assertEqual(test_job.state, job_read.state)
        self.assertEqual(test_job.priority, job_read.priority)
        self.assertEqual(test_job.exc_info, job_read.exc_info)
        self.assertEqual(test_job.result, job_read.result)
        self.assertEqual(test_job.user_id, job_read.user_id)
        self.assertEqual(test_job.company_id, job_read.company_id)
        self.assertEqual(test_job.worker_pid, 99999)
        self.assertEqual(job_read.worker_pid, 99999)
        delta = timedelta(seconds=1)
        self.assertAlmostEqual(
            test_job.date_created, job_read.date_created, delta=delta
        )
        self.assertAlmostEqual(test_job.eta, job_read.eta, delta=delta)

        test_date = datetime(2015, 3, 15, 21, 7, 0)
        job_read.date_enqueued = test_date
        job_read.date_started = test_date
        job_read.date_done = test_date
        job_read.date_cancelled = test_date
        job_read.store()

        job_read = Job.load(self.env, test_job.uuid)
        self.assertAlmostEqual(job_read.date_started, test_date, delta=delta)
        self.assertAlmostEqual(job_read.date_enqueued, test_date, delta=delta)
        self.assertAlmostEqual(job_read.date_done, test_date, delta=delta)
        self.assertAlmostEqual(job_read.date_cancelled, test_date, delta=delta)
        self.assertEqual(job_read.exec_time, 0.0)

    def test_load_keeps_exception_fields(self):
        # quirk 4 of the reference: exc_name and exc_message were not loaded,
        # so the next store() blanked them
        test_job = Job(self.method)
        test_job.set_failed(
            exc_info="Traceback", exc_name="builtins.ValueError", exc_message="bad"
        )
        test_job.store()
        loaded = Job.load(self.env, test_job.uuid)
        self.assertEqual(loaded.exc_name, "builtins.ValueError")
        self.assertEqual(loaded.exc_message, "bad")
        loaded.priority = 3
        loaded.store()
        record = loaded.db_record()
        record.invalidate_cache()
        self.assertEqual(record.exc_name, "builtins.ValueError")
        self.assertEqual(record.exc_message, "bad")
        self.assertEqual(record.priority, 3)

    def test_job_unlinked(self):
        test_job = Job(self.method, args=("o", "k"), kwargs={"c": "!"})
        test_job.store()
        stored = self.queue_job.search([("uuid", "=", test_job.uuid)])
        stored.unlink()
        with self.assertRaisesRegex(NoSuchJobError, "does no longer exist"):
            Job.load(self.env, test_job.uuid)

    def test_load_many(self):
        jobs = [Job(self.method, args=(i,)) for i in range(3)]
        for job_ in jobs:
            job_.store()
        loaded = Job.load_many(self.env, [job_.uuid for job_ in jobs] + ["nope"])
        self.assertEqual(loaded, set(jobs))

    def test_unicode(self):
        test_job = Job(
            self.method,
            args=("öô¿‽", "ñě"),
            kwargs={"c": "ßø"},
            priority=15,
            description="My dé^Wdescription",
        )
        test_job.store()
        job_read = Job.load(self.env, test_job.uuid)
        self.assertEqual(test_job.args, job_read.args)
        self.assertEqual(job_read.args, ("öô¿‽", "ñě"))
        self.assertEqual(test_job.kwargs, job_read.kwargs)
        self.assertEqual(job_read.kwargs, {"c": "ßø"})
        self.assertEqual(test_job.description, job_read.description)
        self.assertEqual(job_read.description, "My dé^Wdescription")

    def test_accented_bytestring(self):
        test_job = Job(
            self.method,
            args=("öô¿‽", "ñě"),
            kwargs={"c": "ßø"},
            description="My dé^Wdescription",
        )
        test_job.store()
        job_read = Job.load(self.env, test_job.uuid)
        self.assertEqual(job_read.args, ("öô¿‽", "ñě"))
        self.assertEqual(job_read.kwargs, {"c": "ßø"})
        self.assertEqual(job_read.description, "My dé^Wdescription")

    def test_job_identity_key_str(self):
        id_key = "e294e8444453b09d59bdb6efbfec1323"
        test_job_1 = Job(
            self.method,
            priority=15,
            description="Test I am the first one",
            identity_key=id_key,
        )
        test_job_1.store()
        test_job_2 = Job(
            self.method,
            priority=15,
            description="Test I am the second one",
            identity_key=id_key,
        )
        self.assertEqual(
            test_job_2.job_record_with_same_identity_key(), test_job_1.db_record()
        )
        # storing anyway does not make a second waiting job
        existing = test_job_2.store()
        self.assertEqual(existing, test_job_1.db_record())
        self.assertFalse(test_job_2.db_record())
        self.assertEqual(
            self.queue_job.search_count([("identity_key", "=", id_key)]), 1
        )

    def test_job_identity_key_not_blocking_when_done(self):
        id_key = "done-key"
        first = Job(self.method, identity_key=id_key)
        first.set_done()
        first.store()
        second = Job(self.method, identity_key=id_key)
        self.assertFalse(second.job_record_with_same_identity_key())
        self.assertIsNone(second.store())
        self.assertTrue(second.db_record())

    def test_job_identity_key_func_exact(self):
        hasher = hashlib.sha1()
        hasher.update(b"test.queue.job")
        hasher.update(b"testing_method")
        hasher.update(str(sorted([])).encode())
        hasher.update(str((1, "foo")).encode())
        hasher.update(str(sorted({"bar": "baz"}.items())).encode())
        expected_key = hasher.hexdigest()

        test_job = Job(
            self.method,
            args=(1, "foo"),
            kwargs={"bar": "baz"},
            identity_key=identity_exact,
        )
        self.assertEqual(test_job.identity_key, expected_key)
        test_job.store()
        self.assertEqual(test_job.db_record().identity_key, expected_key)
        self.assertEqual(identity_exact_hasher(test_job).hexdigest(), expected_key)

    def test_job_identity_key_callable_lazy(self):
        calls = []

        def key(job_):
            calls.append(job_)
            return "key-%s" % job_.method_name

        test_job = Job(self.method, identity_key=key)
        self.assertEqual(calls, [])
        self.assertEqual(test_job.identity_key, "key-testing_method")
        self.assertEqual(test_job.identity_key, "key-testing_method")
        self.assertEqual(len(calls), 1)
        test_job.identity_key = "plain"
        self.assertEqual(test_job.identity_key, "plain")

    def test_job_uuid_in_context(self):
        test_job = Job(self.method, kwargs={"return_context": 1})
        result = test_job.perform()
        self.assertEqual(result, {"job_uuid": test_job.uuid})

    def test_description(self):
        self.assertEqual(Job(self.method).description, "Method used for tests")
        no_doc = Job(self.env["test.queue.job"].no_description)
        self.assertEqual(no_doc.description, "test.queue.job.no_description")
        explicit = Job(self.method, description="explicit")
        self.assertEqual(explicit.description, "explicit")

    def test_retry_pattern(self):
        test_job = Job(self.env["test.queue.job"].job_with_retry_pattern)
        expected = {1: 60, 2: 180, 3: 10, 4: 10, 5: 300, 6: 300}
        for retry, seconds in expected.items():
            test_job.retry = retry
            before = datetime.now()
            test_job.postpone()
            self.assertAlmostEqual(
                test_job.eta,
                before + timedelta(seconds=seconds),
                delta=timedelta(seconds=1),
            )
            self.assertEqual(test_job._get_retry_seconds(), seconds)

    def test_retry_pattern_no_zero(self):
        test_job = Job(self.env["test.queue.job"].job_with_retry_pattern__no_zero)
        for retry, seconds in {1: 600, 2: 600, 3: 180, 4: 180}.items():
            test_job.retry = retry
            self.assertEqual(test_job._get_retry_seconds(), seconds)

    def test_retry_pattern_random(self):
        self.env["queue.job.function"].create(
            {
                "model_id": self.env.ref("test_queue_job.model_test_queue_job").id,
                "method": "job_with_random_retry",
                "edit_retry_pattern": "{1: (10, 20), 3: (100, 102)}",
            }
        )
        test_job = Job(self.env["test.queue.job"].job_with_random_retry)
        self.assertEqual(
            test_job.job_config.retry_pattern, {1: (10, 20), 3: (100, 102)}
        )
        for retry, bounds in {
            1: (10, 20),
            2: (10, 20),
            3: (100, 102),
            9: (100, 102),
        }.items():
            test_job.retry = retry
            for _i in range(10):
                seconds = test_job._get_retry_seconds()
                self.assertTrue(bounds[0] <= seconds <= bounds[1], seconds)
        # an explicit range on the exception wins over the pattern
        self.assertIn(test_job._get_retry_seconds([1, 2]), (1, 2))

    def test_job_delay_model_method_multi(self):
        rec1 = self.env["test.queue.job"].create({"name": "test1"})
        rec2 = self.env["test.queue.job"].create({"name": "test2"})
        recs = rec1 | rec2
        test_job = Job(recs.mapped, args=("name",))
        test_job.store()
        loaded = Job.load(self.env, test_job.uuid)
        self.assertEqual(loaded.recordset, recs)
        self.assertEqual(loaded.perform(), ["test1", "test2"])

    def test_job_with_mutable_arguments(self):
        test_job = Job(
            self.env["test.queue.job"].job_alter_mutable,
            args=([1],),
            kwargs={"mutable_kwarg": {"a": 1}},
        )
        test_job.store()
        loaded = Job.load(self.env, test_job.uuid)
        loaded.perform()
        loaded.set_done()
        loaded.store()
        record = loaded.db_record()
        record.invalidate_cache()
        self.assertEqual(record.args, [[1]])
        self.assertEqual(record.kwargs, {"mutable_kwarg": {"a": 1}})

    def test_mutated_before_flush_not_stored(self):
        # the row is serialized at store(), not when the buffer is written
        mutable = [1]
        test_job = Job(self.method, args=(mutable,))
        test_job.store()
        mutable.append(2)
        record = test_job.db_record()
        self.assertEqual(record.args, [[1]])

    def test_store_env_su_false(self):
        demo = self.env.ref("base.user_demo")
        model = self.env["test.queue.job"].with_user(demo)
        test_job = Job(model.testing_method)
        test_job.store()
        loaded = Job.load(self.env, test_job.uuid)
        self.assertEqual(loaded.recordset.env.uid, demo.id)
        self.assertFalse(loaded.recordset.env.su)
        self.assertEqual(loaded.db_record().user_id, demo)

    def test_store_env_su_true(self):
        demo = self.env.ref("base.user_demo")
        model = self.env["test.queue.job"].with_user(demo).sudo()
        test_job = Job(model.testing_method)
        test_job.store()
        loaded = Job.load(self.env, test_job.uuid)
        self.assertEqual(loaded.recordset.env.uid, demo.id)
        self.assertTrue(loaded.recordset.env.su)

    def test_record_deleted_before_run(self):
        record = self.env["test.queue.job"].create({"name": "gone"})
        test_job = Job(record.mapped, args=("name",))
        test_job.store()
        record.unlink()
        loaded = Job.load(self.env, test_job.uuid)
        self.assertFalse(loaded.recordset.exists())
        with self.assertRaises(exceptions.MissingError):
            loaded.perform()

    def test_load_unknown_method(self):
        test_job = Job(self.method)
        test_job.store()
        record = test_job.db_record()
        record.with_context(
            _job_edit_sentinel=self.queue_job.EDIT_SENTINEL
        ).method_name = "vanished_method"
        with self.assertRaisesRegex(Exception, "has no method 'vanished_method'"):
            Job.load(self.env, test_job.uuid)

    def test_load_unknown_model(self):
        test_job = Job(self.method)
        test_job.store()
        self.env["base"].flush()  # raw SQL ahead: write the new row
        self.env.cr.execute(
            "UPDATE queue_job SET records = replace(records, 'test.queue.job', "
            "'test.vanished.model') WHERE uuid = %s",
            (test_job.uuid,),
        )
        self.queue_job.invalidate_cache()
        with self.assertRaisesRegex(ValueError, "test.vanished.model"):
            Job.load(self.env, test_job.uuid)

    def test_unserializable_args(self):
        count = self.queue_job.search_count([])
        test_job = Job(self.method, args=("ok", {1, 2}))
        with self.assertRaisesRegex(TypeError, r"argument 1 \(\{1, 2\}\)"):
            test_job.store()
        test_job = Job(self.method, kwargs={"when": object})
        with self.assertRaisesRegex(TypeError, "keyword argument 'when'"):
            test_job.store()
        circular = ["loop"]
        circular.append(circular)
        test_job = Job(self.method, args=(1, circular))
        with self.assertRaisesRegex(
            TypeError, r"argument 1 \(\['loop', \[\.\.\.\]\]\).*Circular reference"
        ):
            test_job.store()
        self.assertEqual(self.queue_job.search_count([]), count)
        self.assertFalse(test_job.db_record())

    def test_sorting(self):
        first = Job(self.method, priority=1)
        second = Job(self.method, priority=2)
        with_eta = Job(self.method, priority=5, eta=datetime.now())
        self.assertEqual(sorted([second, with_eta, first]), [with_eta, first, second])


class TestJobsCompany(JobCommonCase):
    def test_job_default_company_id(self):
        main_company = self.env.ref("base.main_company")
        test_job = Job(self.env["test.queue.job"].testing_method)
        test_job.store()
        self.assertEqual(test_job.db_record().company_id, main_company)

    def test_job_no_company_id(self):
        model = self.env["test.queue.job"].with_context(company_id=None)
        test_job = Job(model.testing_method)
        test_job.store()
        self.assertFalse(test_job.db_record().company_id)

    def test_job_specific_company_id(self):
        company = self.env["res.company"].create({"name": "Queue Test Company"})
        model = self.env["test.queue.job"].with_context(company_id=company.id)
        test_job = Job(model.testing_method)
        test_job.store()
        self.assertEqual(test_job.db_record().company_id, company)

    def test_job_subscription(self):
        company = self.env["res.company"].create({"name": "Queue Test Company"})
        manager_group = self.env.ref("queue_job.group_queue_job_manager")
        user_values = {
            "groups_id": [
                (6, 0, [manager_group.id, self.env.ref("base.group_user").id])
            ],
        }
        other_manager = self.user.with_context(no_reset_password=True).create(
            dict(user_values, name="Other", login="qj_other")
        )
        company_manager = self.user.with_context(no_reset_password=True).create(
            dict(
                user_values,
                name="Company manager",
                login="qj_company",
                company_id=company.id,
                company_ids=[(4, company.id)],
            )
        )
        demo = self.env.ref("base.user_demo")
        model = (
            self.env["test.queue.job"]
            .with_user(demo)
            .with_context(company_id=company.id)
        )
        test_job = Job(model.testing_method)
        test_job.store()
        stored = test_job.db_record()
        stored.write({"state": FAILED})
        followers = stored.message_follower_ids.mapped("partner_id")
        self.assertIn(company_manager.partner_id, followers)
        self.assertNotIn(other_manager.partner_id, followers)
        # the job's own user follows too
        self.assertIn(demo.partner_id, followers)

    def test_job_company_rule(self):
        company_a = self.env.ref("base.main_company")
        company_b = self.env["res.company"].create({"name": "Queue Test Company"})
        manager = self.user.with_context(no_reset_password=True).create(
            {
                "name": "B manager",
                "login": "qj_b_manager",
                "company_id": company_b.id,
                "company_ids": [(6, 0, [company_b.id])],
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("queue_job.group_queue_job_manager").id,
                        ],
                    )
                ],
            }
        )
        jobs = {}
        for key, company in (("a", company_a), ("b", company_b), ("none", None)):
            model = self.env["test.queue.job"].with_context(
                company_id=company.id if company else None
            )
            job_ = Job(model.testing_method)
            job_.store()
            jobs[key] = job_.db_record()
        visible = self.queue_job.with_user(manager).search(
            [("id", "in", [record.id for record in jobs.values()])]
        )
        self.assertEqual(visible, jobs["b"] | jobs["none"])


class TestJobModel(JobCommonCase):
    def test_job_change_state(self):
        stored = self._create_job()
        stored._change_job_state(DONE, result="test")
        self.assertEqual(stored.state, DONE)
        self.assertEqual(stored.result, "test")
        stored._change_job_state(PENDING, result="test2")
        self.assertEqual(stored.state, PENDING)
        self.assertEqual(stored.result, "test2")
        with self.assertRaisesRegex(ValueError, "State not supported: started"):
            stored._change_job_state(STARTED)

    def test_button_done(self):
        stored = self._create_job()
        stored.button_done()
        self.assertEqual(stored.state, DONE)
        self.assertEqual(
            stored.result, "Manually set to done by %s" % self.env.user.name
        )

    def test_button_cancelled(self):
        stored = self._create_job()
        stored.button_cancelled()
        self.assertEqual(stored.state, CANCELLED)
        self.assertEqual(stored.result, "Cancelled by %s" % self.env.user.name)
        self.assertTrue(stored.date_cancelled)

    def test_requeue(self):
        stored = self._create_job()
        stored.write({"state": "failed"})
        stored.retry = 3
        requeued = stored.requeue()
        self.assertEqual(requeued, stored)
        self.assertEqual(stored.state, PENDING)
        self.assertEqual(stored.retry, 0)

    def test_requeue_wait_dependencies_not_touched(self):
        job_root = Job(self.method)
        job_child = Job(self.method)
        job_child.add_depends({job_root})
        job_root.graph_uuid = job_child.graph_uuid = "a-graph"
        job_root.store()
        job_child.store()
        record_root = job_root.db_record()
        record_child = job_child.db_record()
        self.assertEqual(record_child.state, WAIT_DEPENDENCIES)
        record_root.write({"state": "failed"})
        requeued = (record_root | record_child).requeue()
        self.assertEqual(requeued, record_root)
        self.assertEqual(record_root.state, PENDING)
        self.assertEqual(record_child.state, WAIT_DEPENDENCIES)

    def test_message_when_write_fail(self):
        stored = self._create_job()
        self.assertFalse(stored.message_ids)
        stored.write({"state": "failed"})
        self.assertEqual(stored.state, FAILED)
        messages = stored.message_ids
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages.subtype_id, self.env.ref("queue_job.mt_job_failed"))
        self.assertIn(stored.uuid, messages.body)

    def test_follower_when_write_fail(self):
        group = self.env.ref("queue_job.group_queue_job_manager")
        vals = {
            "name": "xx",
            "login": "xx",
            "groups_id": [(6, 0, [group.id])],
            "active": False,
        }
        inactive_user = self.user.create(vals)
        vals.update(name="yy", login="yy", active=True)
        active_user = self.user.create(vals)
        stored = self._create_job()
        stored.write({"state": "failed"})
        followers = stored.message_follower_ids.mapped("partner_id")
        self.assertIn(active_user.partner_id, followers)
        self.assertNotIn(inactive_user.partner_id, followers)

    def test_inactive_job_user_not_follower(self):
        user = self.user.with_context(no_reset_password=True).create(
            {"name": "Gone", "login": "qj_gone"}
        )
        test_job = Job(self.env["test.queue.job"].with_user(user).testing_method)
        test_job.store()
        stored = test_job.db_record()
        user.active = False
        stored.write({"state": "failed"})
        self.assertNotIn(
            user.partner_id, stored.message_follower_ids.mapped("partner_id")
        )

    def test_no_message_on_enqueue(self):
        messages_before = self.env["mail.message"].search_count([])
        followers_before = self.env["mail.followers"].search_count([])
        for _i in range(3):
            Job(self.method).store()
        self.queue_job.flush()
        self.assertEqual(self.env["mail.message"].search_count([]), messages_before)
        self.assertEqual(self.env["mail.followers"].search_count([]), followers_before)

    def test_message_failed_job_override_none(self):
        stored = self._create_job()
        self.patch(type(stored), "_message_failed_job", lambda self: None)
        stored.write({"state": "failed"})
        self.assertFalse(stored.message_ids)

    def test_override_channel(self):
        test_job = Job(self.method, channel="root.sub.sub")
        self.assertEqual(test_job.channel, "root.sub.sub")
        test_job.store()
        self.assertEqual(test_job.db_record().channel, "root.sub.sub")

    def test_job_change_user_id(self):
        demo_user = self.env.ref("base.user_demo")
        stored = self._create_job()
        stored.user_id = demo_user
        self.assertEqual(stored.records.env.uid, demo_user.id)
        loaded = Job.load(self.env, stored.uuid)
        self.assertEqual(loaded.recordset.env.uid, demo_user.id)

    def test_open_related_action_default(self):
        record = self.env["test.queue.job"].create({"name": "x"})
        test_job = Job(record.no_description)
        test_job.store()
        action = test_job.db_record().open_related_action()
        self.assertEqual(action["res_model"], "test.queue.job")
        self.assertEqual(action["res_id"], record.id)

    def test_open_related_action_none(self):
        test_job = Job(self.env["test.queue.job"].no_description)
        test_job.store()
        with self.assertRaisesRegex(exceptions.UserError, "No action available"):
            test_job.db_record().open_related_action()

    def test_needaction_domain(self):
        self.assertEqual(
            self.queue_job._needaction_domain_get(), [("state", "=", "failed")]
        )

    def test_test_job(self):
        test_job = Job(self.queue_job._test_job, kwargs={"failure_rate": 0})
        self.assertEqual(test_job.channel, "root")
        self.assertTrue(test_job.job_config.job_function_id)
        test_job.perform()
        failing = Job(self.queue_job._test_job, kwargs={"failure_rate": 1})
        with self.assertRaisesRegex(Exception, "Job failed"):
            failing.perform()

    def test_enqueue_old_api(self):
        test_job = Job.enqueue(self.method, args=(1,), identity_key="old-api")
        self.assertTrue(test_job.db_record())
        again = Job.enqueue(self.method, args=(2,), identity_key="old-api")
        self.assertEqual(again.uuid, test_job.uuid)
        self.assertIs(test_job._enqueue_job(), test_job)

    def test_record_ids(self):
        recs = self.env["test.queue.job"].create([{"name": "a"}, {"name": "b"}])
        test_job = Job(recs.testing_method)
        test_job.store()
        self.assertEqual(test_job.db_record().record_ids, recs.ids)

    def test_su_execution_user(self):
        # the job executes as the user who delayed it
        demo = self.env.ref("base.user_demo")
        test_job = Job(
            self.env["test.queue.job"].with_user(demo).testing_method,
            kwargs={"return_context": True},
        )
        test_job.store()
        loaded = Job.load(self.env(user=SUPERUSER_ID), test_job.uuid)
        self.assertEqual(loaded.func.__self__.env.uid, demo.id)


class TestJobsWithDelay(JobCommonCase):
    """The job core seen through with_delay()."""

    def test_button_that_uses_with_delay(self):
        record = self.env["test.queue.job"].create({"name": "x"})
        before = datetime.now()
        record.button_that_uses_with_delay()
        stored = self.queue_job.search([("records", "!=", False)], limit=1)
        self.assertEqual(stored.records, record)
        self.assertEqual(stored.channel, "root.test")
        self.assertEqual(stored.name, "Test")
        self.assertEqual(stored.priority, 15)
        self.assertEqual(stored.max_retries, 1)
        self.assertEqual(stored.args, [1])
        self.assertEqual(stored.kwargs, {"foo": 2})
        self.assertTrue(before + timedelta(seconds=14) <= stored.eta)
        loaded = Job.load(self.env, stored.uuid)
        self.assertEqual(stored.identity_key, identity_exact(loaded))

    def test_with_delay_multi_records(self):
        recs = self.env["test.queue.job"].create([{"name": "a"}, {"name": "b"}])
        job_ = recs.with_delay().mapped("name")
        self.assertEqual(Job.load(self.env, job_.uuid).perform(), ["a", "b"])

    def test_with_delay_job_uuid_in_context(self):
        job_ = (
            self.env["test.queue.job"].with_delay().testing_method(return_context=True)
        )
        loaded = Job.load(self.env, job_.uuid)
        self.assertEqual(loaded.perform()["job_uuid"], job_.uuid)

    def test_with_delay_context_allow_list(self):
        records = (
            self.env["test.queue.job"]
            .create({"name": "a"})
            .with_context(tz="Europe/Brussels", lang="en_US", secret="no")
        )
        job_ = records.with_delay().testing_method()
        stored = job_.db_record()
        self.env["base"].flush()
        self.env.cr.execute("SELECT records FROM queue_job WHERE id = %s", stored.ids)
        raw = json.loads(self.env.cr.fetchone()[0])
        self.assertEqual(raw["context"], {"tz": "Europe/Brussels", "lang": "en_US"})
        # decoded in a clean environment (like the runner's): only those keys
        clean = self.queue_job.browse(stored.id)
        self.assertEqual(
            clean.records.env.context, {"tz": "Europe/Brussels", "lang": "en_US"}
        )

    def test_with_delay_unserializable(self):
        count = self.queue_job.search_count([])
        with self.assertRaisesRegex(TypeError, "keyword argument 'bad'"):
            self.env["test.queue.job"].with_delay().testing_method(1, bad={1})
        self.assertEqual(self.queue_job.search_count([]), count)

    def test_with_delay_identity_key_callable(self):
        model = self.env["test.queue.job"]
        first = model.with_delay(identity_key=identity_exact).testing_method(7)
        again = model.with_delay(identity_key=identity_exact).testing_method(7)
        self.assertEqual(again.uuid, first.uuid)
        self.assertEqual(
            self.queue_job.search_count([("identity_key", "=", first.identity_key)]),
            1,
        )
