# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A Job in memory: what it is made of, how it changes state, when it retries.

Nothing here needs the job's row; storing and running are tested elsewhere.
"""
import hashlib
import os
import uuid
from datetime import datetime, timedelta

from odoo.addons.queue_job.job import (
    CANCELLED,
    DONE,
    ENQUEUED,
    FAILED,
    PENDING,
    STARTED,
    Job,
    identity_exact,
    identity_exact_hasher,
)

from .common import QueueJobCase

NOW = object()  # stands for "the time of the call" in expected values
LONG_AGO = datetime(2001, 9, 9, 1, 46, 40)


class TestJobMaking(QueueJobCase):
    def test_fresh_job_is_pending_with_the_documented_defaults(self):
        job = self.make_job()
        expected = {
            "state": PENDING,
            "retry": 0,
            "max_retries": 5,
            "priority": 10,
            "eta": None,
            "args": (),
            "kwargs": {},
            "channel": "root",
            "description": "Method used for tests",
            "method_name": "testing_method",
            "model_name": "test.queue.job",
            "job_function_name": "<test.queue.job>.testing_method",
            "func_string": "test.queue.job().testing_method()",
            "user_id": self.env.uid,
            "company_id": self.env.company.id,
            "graph_uuid": None,
            "date_enqueued": None,
            "date_started": None,
            "date_done": None,
            "date_cancelled": None,
            "exec_time": None,
            "result": None,
            "exc_name": None,
            "exc_message": None,
            "exc_info": None,
            "worker_pid": None,
        }
        self.assertEqual({key: getattr(job, key) for key in expected}, expected)
        self.assertEqual(job.recordset, self.subject)
        self.assertIs(job.func.__func__, type(self.subject).testing_method)
        self.assertEqual(uuid.UUID(job.uuid).version, 4)
        self.assertEqual(repr(job), "<Job %s, priority:10>" % job.uuid)

    def test_func_string_shows_records_and_arguments(self):
        records = self.subject.create([{"name": "p"}, {"name": "q"}])
        job = self.make_job(records.testing_method, args=[3, "x"], kwargs={"k": None})
        self.assertEqual(
            job.func_string,
            "test.queue.job(%d, %d).testing_method(3, 'x', k=None)"
            % tuple(records.ids),
        )

    def test_arguments_are_normalised_or_refused(self):
        normalised = [
            ({"args": [4, 5]}, "args", (4, 5)),
            ({"args": None}, "args", ()),
            ({"kwargs": None}, "kwargs", {}),
            # 0 is a value, not "unset"
            ({"max_retries": 0}, "max_retries", 0),
            ({"priority": 0}, "priority", 0),
        ]
        for options, attribute, value in normalised:
            with self.subTest(**options):
                self.assertEqual(getattr(self.make_job(**options), attribute), value)
        for options in ({"args": "4, 5"}, {"args": {4}}, {"kwargs": [("k", 1)]}):
            with self.subTest(**options), self.assertRaises(AssertionError):
                self.make_job(**options)

    def test_only_methods_of_models_make_jobs(self):
        class NotAModel:
            def act(self):
                return None

        not_jobs = [
            NotAModel().act,
            print,
            1,
            type(self.subject).testing_method,  # the function, not bound
        ]
        for func in not_jobs:
            with self.subTest(func=func):
                with self.assertRaisesRegex(
                    TypeError, "^Job accepts only methods of Models$"
                ):
                    Job(func)
        with self.assertRaises(AttributeError):
            self.make_job(self.subject.no_such_method)

    def test_eta_from_datetime_seconds_or_delta(self):
        fixed = datetime(2031, 5, 6, 7, 8, 9)
        cases = [
            (fixed, None),
            (90, 90),
            (timedelta(minutes=5), 300),
            (0, None),
            (None, None),
        ]
        for eta, seconds in cases:
            with self.subTest(eta=eta):
                before = datetime.now()
                job = self.make_job(eta=eta)
                after = datetime.now()
                if seconds is None:
                    self.assertEqual(job.eta, fixed if eta else None)
                else:
                    delta = timedelta(seconds=seconds)
                    self.assertTrue(before + delta <= job.eta <= after + delta)

    def test_description_explicit_else_docstring_else_name(self):
        cases = [
            (self.subject.testing_method, None, "Method used for tests"),
            (self.subject.no_description, None, "test.queue.job.no_description"),
            (self.subject.testing_method, "Mine", "Mine"),
            (self.subject.no_description, "Mine too", "Mine too"),
        ]
        for method, given, shown in cases:
            with self.subTest(method=method.__name__, given=given):
                job = self.make_job(method, description=given)
                self.assertEqual(job.description, shown)

    def test_jobs_sort_by_eta_then_priority_then_age(self):
        soon = datetime.now() + timedelta(minutes=1)
        later = soon + timedelta(minutes=1)
        old_low = self.make_job(priority=1)
        old_low.date_created -= timedelta(seconds=5)
        young_low = self.make_job(priority=1)
        high = self.make_job(priority=30)
        eta_high = self.make_job(priority=50, eta=soon)
        eta_later = self.make_job(priority=1, eta=later)
        shuffled = [high, eta_later, young_low, eta_high, old_low]
        self.assertEqual(
            sorted(shuffled), [eta_high, eta_later, old_low, young_low, high]
        )


class TestIdentityKey(QueueJobCase):
    def test_identity_exact_hashes_model_method_ids_and_arguments(self):
        records = self.subject.create([{"name": "n1"}, {"name": "n2"}])
        reversed_records = records[1] | records[0]
        job = self.make_job(
            reversed_records.testing_method,
            args=[7, "seven"],
            kwargs={"zeta": 1, "alpha": [2]},
            identity_key=identity_exact,
        )
        # fed in this order, each part as str()
        parts = [
            "test.queue.job",
            "testing_method",
            str(sorted(records.ids)),
            str((7, "seven")),
            str([("alpha", [2]), ("zeta", 1)]),
        ]
        expected = hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()
        self.assertEqual(job.identity_key, expected)
        self.assertEqual(identity_exact(job), expected)
        # the hasher is handed over unfinished, for callers to feed more
        hasher = identity_exact_hasher(job)
        self.assertEqual(hasher.hexdigest(), expected)
        hasher.update(b"company 2")
        self.assertNotEqual(hasher.hexdigest(), expected)
        # any difference in the arguments gives another key
        other = self.make_job(
            reversed_records.testing_method,
            args=[7, "eight"],
            kwargs={"zeta": 1, "alpha": [2]},
            identity_key=identity_exact,
        )
        self.assertNotEqual(other.identity_key, expected)

    def test_key_function_runs_once_and_only_when_read(self):
        seen = []

        def key_of(job):
            seen.append(job.uuid)
            return "by-method:%s" % job.method_name

        job = self.make_job(identity_key=key_of)
        self.assertEqual(seen, [])
        for _read in range(3):
            self.assertEqual(job.identity_key, "by-method:testing_method")
        self.assertEqual(seen, [job.uuid])
        job.identity_key = "set-later"
        self.assertEqual(job.identity_key, "set-later")
        job.identity_key = key_of
        self.assertEqual(job.identity_key, "by-method:testing_method")
        self.assertEqual(len(seen), 2)


class TestStateChanges(QueueJobCase):
    def used_job(self):
        """A job that has been through a few hands already."""
        job = self.make_job()
        job.date_enqueued = job.date_started = LONG_AGO
        job.date_done = job.date_cancelled = LONG_AGO
        job.worker_pid = 4242
        job.retry = 2
        job.result = "earlier result"
        job.exc_info, job.exc_name, job.exc_message = "trace", "Oops", "oops"
        return job

    def test_each_state_change(self):
        watched = (
            "state",
            "retry",
            "result",
            "date_enqueued",
            "date_started",
            "date_done",
            "date_cancelled",
            "worker_pid",
            "exc_info",
            "exc_name",
            "exc_message",
        )
        changes = [
            (
                "set_pending",
                {"result": "again"},
                {
                    "state": PENDING,
                    "retry": 0,
                    "result": "again",
                    "date_enqueued": None,
                    "date_started": None,
                    "date_done": None,
                    "date_cancelled": None,
                    "worker_pid": None,
                },
            ),
            (
                "set_pending",
                {"reset_retry": False},
                {
                    "state": PENDING,
                    "date_enqueued": None,
                    "date_started": None,
                    "date_done": None,
                    "date_cancelled": None,
                    "worker_pid": None,
                },
            ),
            (
                "set_enqueued",
                {},
                {
                    "state": ENQUEUED,
                    "date_enqueued": NOW,
                    "date_started": None,
                    "worker_pid": None,
                },
            ),
            (
                "set_started",
                {},
                {"state": STARTED, "date_started": NOW, "worker_pid": os.getpid()},
            ),
            (
                "set_done",
                {"result": "all good"},
                {
                    "state": DONE,
                    "result": "all good",
                    "date_done": NOW,
                    "exc_info": None,
                    "exc_name": None,
                },
            ),
            (
                "set_cancelled",
                {"result": "not wanted"},
                {"state": CANCELLED, "result": "not wanted", "date_cancelled": NOW},
            ),
            (
                "set_failed",
                # None values are not written
                {"exc_info": "new trace", "exc_name": "Boom", "result": None},
                {"state": FAILED, "exc_info": "new trace", "exc_name": "Boom"},
            ),
        ]
        for method, arguments, changed in changes:
            with self.subTest(method=method, **arguments):
                job = self.used_job()
                expected = {key: getattr(job, key) for key in watched}
                expected.update(changed)
                before = datetime.now()
                getattr(job, method)(**arguments)
                after = datetime.now()
                for key, value in expected.items():
                    if value is NOW:
                        self.assertTrue(before <= getattr(job, key) <= after, key)
                    else:
                        self.assertEqual(getattr(job, key), value, key)

    def test_set_failed_takes_extra_attributes_but_not_none(self):
        job = self.make_job()
        job.set_failed(exc_message="text", other=None, origin="runner")
        self.assertEqual((job.state, job.exc_message), (FAILED, "text"))
        self.assertEqual(job.origin, "runner")
        self.assertFalse(hasattr(job, "other"))

    def test_exec_time_is_done_minus_started(self):
        job = self.make_job()
        job.set_started()
        self.assertIsNone(job.exec_time)
        job.set_done()
        job.date_started = LONG_AGO
        job.date_done = LONG_AGO + timedelta(minutes=1, seconds=30)
        self.assertEqual(job.exec_time, 90.0)
        job.date_started = None
        self.assertIsNone(job.exec_time)

    def test_postpone_moves_the_eta_and_forgets_the_error(self):
        job = self.used_job()
        job.set_failed(exc_info="trace", exc_name="Boom")
        before = datetime.now()
        job.postpone(result="try later", seconds=45)
        after = datetime.now()
        delta = timedelta(seconds=45)
        self.assertTrue(before + delta <= job.eta <= after + delta)
        self.assertEqual((job.exc_info, job.exc_name), (None, None))
        self.assertEqual(job.result, "try later")
        # the state is the caller's business
        self.assertEqual(job.state, FAILED)
        job.postpone()
        self.assertEqual(job.result, "try later")


class TestRetryDelay(QueueJobCase):
    def delay_of(self, job, seconds=None):
        """The (min, max) delay in seconds that postpone() gave the job."""
        before = datetime.now()
        job.postpone(seconds=seconds)
        after = datetime.now()
        return (job.eta - after).total_seconds(), (job.eta - before).total_seconds()

    def assertDelay(self, job, low, high=None, seconds=None):
        high = low if high is None else high
        shortest, longest = self.delay_of(job, seconds=seconds)
        self.assertTrue(
            low <= longest and shortest <= high,
            "retry %d: delay in [%s, %s], expected [%s, %s]"
            % (job.retry, shortest, longest, low, high),
        )

    def test_delay_follows_the_function_retry_pattern(self):
        patterns = {
            # {1: 60, 2: 180, 3: 10, 5: 300}: the highest count not above
            # the tries made applies
            "job_with_retry_pattern": {
                0: 600,
                1: 60,
                2: 180,
                3: 10,
                4: 10,
                5: 300,
                9: 300,
            },
            # {3: 180}: before the first count, the default interval
            "job_with_retry_pattern__no_zero": {1: 600, 2: 600, 3: 180, 4: 180},
            # no pattern at all
            "testing_method": {1: 600, 4: 600},
        }
        for method_name, delays in patterns.items():
            job = self.make_job(getattr(self.subject, method_name))
            for retry, seconds in delays.items():
                with self.subTest(method=method_name, retry=retry):
                    job.retry = retry
                    self.assertDelay(job, seconds)

    def test_given_seconds_win_over_the_pattern(self):
        job = self.make_job(self.subject.job_with_retry_pattern)
        job.retry = 1
        self.assertDelay(job, 5, seconds=5)
        self.assertDelay(job, 60, seconds=0)  # falsy: the pattern again
        for _draw in range(10):
            self.assertDelay(job, 3, 5, seconds=(3, 5))

    def test_random_ranges_in_a_pattern(self):
        self.env["queue.job.function"].create(
            {
                "model_id": self.env.ref("test_queue_job.model_test_queue_job").id,
                "method": "job_with_random_retry",
                "edit_retry_pattern": "{1: (10, 20), 3: [100, 102]}",
            }
        )
        job = self.make_job(self.subject.job_with_random_retry)
        self.assertEqual(job.job_config.retry_pattern, {1: (10, 20), 3: (100, 102)})
        for retry, (low, high) in {1: (10, 20), 2: (10, 20), 3: (100, 102)}.items():
            job.retry = retry
            with self.subTest(retry=retry):
                for _draw in range(10):
                    self.assertDelay(job, low, high)
