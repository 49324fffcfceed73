# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The test helpers of queue_job: trap_jobs, mock_with_delay, direct execution."""
import os
import sys
from unittest import mock

from odoo.tests import common

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.job import Job, identity_exact
from odoo.addons.queue_job.tests.common import (
    JobCall,
    JobCounter,
    JobMixin,
    mock_with_delay,
    trap_jobs,
)

DELAY_LOGGER = "odoo.addons.queue_job.delay"


class TestDelayMocks(JobMixin, common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.env["test.queue.job"]
        cls.records = cls.model.create([{"name": "a"}, {"name": "b"}])

    def setUp(self):
        super().setUp()
        self.counter = JobCounter(self.env)

    def logged(self):
        """Messages of the ir.logging rows written by create_ir_logging."""
        return (
            self.env["ir.logging"]
            .search([("message", "like", "delay-mocks %")], order="id")
            .mapped("message")
        )

    def assertNothingStored(self):
        self.env["queue.job"].flush()
        self.assertEqual(self.counter.count_created(), 0)

    def test_python_version(self):
        # the reference's trap_jobs crashed on this version: prove we run on it
        self.assertGreaterEqual(sys.version_info[:2], (3, 10))
        with trap_jobs() as trap:
            self.model.with_delay().testing_method(1)
        self.assertEqual(trap.jobs_count(), 1)

    def test_trap_on_a_model(self):
        with trap_jobs() as trap:
            job = self.model.with_delay(
                priority=15, channel="root.test"
            ).testing_method(1, foo=2)
            self.assertIsInstance(job, Job)
            trap.assert_jobs_count(1)
            trap.assert_jobs_count(1, only=self.model.testing_method)
            trap.assert_jobs_count(0, only=self.model.create_ir_logging)
            trap.assert_enqueued_job(
                self.model.testing_method,
                args=(1,),
                kwargs={"foo": 2},
                properties={"priority": 15, "channel": "root.test"},
            )
            self.assertEqual(trap.enqueued_jobs, [job])
            self.assertEqual(
                trap.calls,
                [
                    JobCall(
                        method=self.model.testing_method,
                        args=(1,),
                        kwargs={"foo": 2},
                        properties={
                            "priority": 15,
                            "max_retries": None,
                            "eta": None,
                            "description": None,
                            "channel": "root.test",
                            "identity_key": None,
                        },
                    )
                ],
            )
        self.assertNothingStored()

    def test_trap_on_records(self):
        with trap_jobs() as trap:
            self.records.with_delay().testing_method("x")
            self.records[0].with_delay().testing_method("y")
            trap.assert_jobs_count(2)
            trap.assert_jobs_count(1, only=self.records.testing_method)
            trap.assert_jobs_count(1, only=self.records[0].testing_method)
            trap.assert_jobs_count(0, only=self.records[1].testing_method)
            trap.assert_enqueued_job(self.records.testing_method, args=("x",))
            trap.assert_enqueued_job(self.records[0].testing_method, args=("y",))
            with self.assertRaises(AssertionError):
                trap.assert_enqueued_job(self.records[1].testing_method, args=("y",))
        self.assertNothingStored()

    def test_properties_omitted_or_partial(self):
        with trap_jobs() as trap:
            self.model.with_delay(
                priority=15, max_retries=1, description="Test", eta=15
            ).testing_method(1)
            # no properties given: none compared
            trap.assert_enqueued_job(self.model.testing_method, args=(1,))
            trap.assert_enqueued_job(
                self.model.testing_method, args=(1,), properties={"eta": 15}
            )
            trap.assert_enqueued_job(
                self.model.testing_method,
                args=(1,),
                properties={"priority": 15, "description": "Test"},
            )
            with self.assertRaises(AssertionError):
                trap.assert_enqueued_job(
                    self.model.testing_method, args=(1,), properties={"priority": 14}
                )
            # args and kwargs must match exactly
            with self.assertRaises(AssertionError):
                trap.assert_enqueued_job(self.model.testing_method)
            with self.assertRaises(AssertionError):
                trap.assert_enqueued_job(
                    self.model.testing_method, args=(1,), kwargs={"x": 1}
                )

    def test_identity_key_in_trap(self):
        with trap_jobs() as trap:
            first = self.model.with_delay(identity_key=identity_exact).testing_method(1)
            second = self.model.with_delay(identity_key=identity_exact).testing_method(
                1
            )
            other = self.model.with_delay(identity_key=identity_exact).testing_method(2)
            self.assertEqual(first.identity_key, second.identity_key)
            trap.assert_jobs_count(2)
            self.assertEqual(trap.enqueued_jobs, [first, other])
            self.assertEqual(len(trap.calls), 3)
        # the reference stored the duplicate for real: here nothing is stored
        self.assertNothingStored()

    def test_jobs_count_mismatch_message(self):
        with trap_jobs() as trap:
            self.model.with_delay().testing_method(1)
            with self.assertRaisesRegex(
                AssertionError,
                r"^1 != 2 : 1 job\(s\) trapped, 2 expected\n"
                r" \* test\.queue\.job\(\)\.testing_method\(1\)$",
            ):
                trap.assert_jobs_count(2)
            with self.assertRaisesRegex(
                AssertionError, r"^0 != 1 : 0 job\(s\) trapped for create_ir_logging"
            ):
                trap.assert_jobs_count(1, only=self.model.create_ir_logging)

    def test_enqueued_job_mismatch_message(self):
        with trap_jobs() as trap:
            self.model.with_delay(priority=15, eta=15).testing_method(1, foo=2)
            self.records.with_delay(description="Two").testing_method("a")
            message = (
                r"^Job <test\.queue\.job\(\)>\.testing_method\(1, foo=3\) "
                r"with properties \(eta=15, priority=15\) was not enqueued\.\n"
                r"Actual enqueued jobs:\n"
                r" \* <test\.queue\.job\(\)>\.testing_method\(1, foo=2\) "
                r"with properties \(priority=15, eta=15\)\n"
                r" \* <test\.queue\.job\(%d, %d\)>\.testing_method\(a\) "
                r"with properties \(priority=None, eta=None\)$"
            ) % tuple(self.records.ids)
            with self.assertRaisesRegex(AssertionError, message):
                trap.assert_enqueued_job(
                    self.model.testing_method,
                    args=(1,),
                    kwargs={"foo": 3},
                    # as the reference: printed in the order given; the
                    # trapped calls show these properties only, in Job() order
                    properties={"eta": 15, "priority": 15},
                )

    def test_trap_graph(self):
        with trap_jobs() as trap:
            a = self.model.delayable().testing_method("a")
            b = self.model.delayable().testing_method("b")
            c = self.model.delayable().testing_method("c")
            chain(a, group(b, c)).delay()
            trap.assert_jobs_count(3)
            jobs = {job.args[0]: job for job in trap.enqueued_jobs}
            self.assertEqual(len({job.graph_uuid for job in jobs.values()}), 1)
            self.assertTrue(jobs["a"].graph_uuid)
            self.assertEqual(set(jobs["b"].depends_on), {jobs["a"]})
            self.assertEqual(set(jobs["c"].depends_on), {jobs["a"]})
            trap.assert_enqueued_job(self.model.testing_method, args=("c",))
        self.assertNothingStored()

    def test_perform_enqueued_jobs_order(self):
        log = self.model.create_ir_logging
        with trap_jobs() as trap:
            self.model.with_delay(priority=20).create_ir_logging("delay-mocks p20")
            self.model.with_delay(priority=5).create_ir_logging("delay-mocks p5")
            # a graph whose root has the worst priority still runs root first
            first = self.model.delayable(priority=30).create_ir_logging(
                "delay-mocks g-first"
            )
            second = self.model.delayable(priority=1).create_ir_logging(
                "delay-mocks g-second"
            )
            last = self.model.delayable(priority=1).create_ir_logging(
                "delay-mocks g-last"
            )
            chain(first, second, last).delay()
            self.model.with_delay(priority=10).create_ir_logging("delay-mocks p10")
            trap.assert_jobs_count(6, only=log)
            self.assertEqual(self.logged(), [])
            trap.perform_enqueued_jobs()
            self.assertEqual(trap.enqueued_jobs, [])
        self.assertEqual(
            self.logged(),
            [
                "delay-mocks p5",
                "delay-mocks p10",
                "delay-mocks p20",
                "delay-mocks g-first",
                "delay-mocks g-second",
                "delay-mocks g-last",
            ],
        )
        self.assertNothingStored()

    def test_trap_jobs_mixin(self):
        with self.trap_jobs() as trap:
            self.model.with_delay().testing_method(1)
        trap.assert_jobs_count(1)

    def test_perform_jobs_mixin(self):
        counter = self.job_counter()
        self.model.with_delay().create_ir_logging("delay-mocks mixin")
        self.assertEqual(counter.count_created(), 1)
        self.assertEqual(counter.count_all(), counter.count_existing() + 1)
        self.perform_jobs(counter)
        self.assertEqual(self.logged(), ["delay-mocks mixin"])

    def test_mock_with_delay_sees_the_call(self):
        with mock_with_delay() as (delayable_cls, delayable):
            self.records.with_delay(priority=15, channel="root.test").testing_method(
                1, foo=2
            )
        self.assertEqual(delayable_cls.call_count, 1)
        self.assertEqual(delayable_cls.call_args[0], (self.records,))
        self.assertEqual(
            delayable_cls.call_args[1],
            {
                "priority": 15,
                "eta": None,
                "max_retries": None,
                "description": None,
                "channel": "root.test",
                "identity_key": None,
            },
        )
        delayable.testing_method.assert_called_once_with(1, foo=2)
        self.assertNothingStored()

    def test_no_delay_env_var_with_delay(self):
        with mock.patch.dict(os.environ, {"TEST_QUEUE_JOB_NO_DELAY": "1"}):
            with self.assertLogs(DELAY_LOGGER, level="WARNING") as logs:
                job = self.model.with_delay().create_ir_logging("delay-mocks now")
        self.assertIn("`TEST_QUEUE_JOB_NO_DELAY` env var found", logs.output[0])
        self.assertEqual(self.logged(), ["delay-mocks now"])
        self.assertIsInstance(job, Job)
        self.assertEqual(job.retry, 1)
        self.assertNothingStored()

    def test_no_delay_env_var_graph(self):
        first = self.model.delayable(priority=20).create_ir_logging("delay-mocks 1")
        second = self.model.delayable(priority=1).create_ir_logging("delay-mocks 2")
        third = self.model.delayable(priority=1).create_ir_logging("delay-mocks 3")
        with mock.patch.dict(os.environ, {"TEST_QUEUE_JOB_NO_DELAY": "yes"}):
            with self.assertLogs(DELAY_LOGGER, level="WARNING"):
                chain(first, second, third).delay()
        self.assertEqual(
            self.logged(), ["delay-mocks 1", "delay-mocks 2", "delay-mocks 3"]
        )
        self.assertNothingStored()

    def test_no_delay_context_key_with_delay(self):
        model = self.model.with_context(test_queue_job_no_delay=True)
        with self.assertLogs(DELAY_LOGGER, level="WARNING") as logs:
            result = model.with_delay().testing_method(1, return_context=True)
        self.assertIn("`test_queue_job_no_delay` context key found", logs.output[0])
        self.assertIsInstance(result, Job)
        self.assertTrue(result.result.get("job_uuid"))
        self.assertNothingStored()

    def test_no_delay_context_key_on_one_vertex(self):
        # the key in the env of any vertex runs the whole graph now
        first = self.model.delayable().create_ir_logging("delay-mocks a")
        second = (
            self.model.with_context(test_queue_job_no_delay=1)
            .delayable()
            .create_ir_logging("delay-mocks b")
        )
        with self.assertLogs(DELAY_LOGGER, level="WARNING"):
            first.on_done(second).delay()
        self.assertEqual(self.logged(), ["delay-mocks a", "delay-mocks b"])
        self.assertNothingStored()

    def test_no_delay_exceptions_propagate(self):
        model = self.model.with_context(test_queue_job_no_delay=True)
        with self.assertRaises(Exception) as caught, self.assertLogs(DELAY_LOGGER):
            model.with_delay(max_retries=1).testing_method(raise_retry=True)
        self.assertEqual(type(caught.exception).__name__, "FailedJobError")
