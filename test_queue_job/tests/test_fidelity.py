# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Behaviours of the reference that callers see, checked one by one (issue 13):
arguments copied when a job is made, dependencies as Job objects, the text of
trap_jobs() mismatches."""
import gc
import re

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import JobCommonCase


class TestArgumentsCopiedAtCreation(JobCommonCase):
    """What the caller changes in its arguments after making a job is not
    what the job runs with."""

    def _stored(self, job_):
        record = job_.db_record()
        record.invalidate_cache()
        return record

    def test_with_delay_then_stored_again(self):
        numbers = [1]
        options = {"k": [1]}
        job_ = (
            self.env["test.queue.job"].with_delay().testing_method(numbers, o=options)
        )
        numbers.append(2)
        options["k"].append(2)
        # a later store() writes the job's state, never its arguments
        job_.set_pending(result="again")
        job_.store()
        record = self._stored(job_)
        self.assertEqual(record.args, [[1]])
        self.assertEqual(record.kwargs, {"o": {"k": [1]}})
        self.assertEqual(record.result, "again")
        self.assertEqual(record.func_string, job_.func_string)
        self.assertIn("[1]", record.func_string)
        self.assertNotIn("[1, 2]", record.func_string)

    def test_job_built_directly(self):
        numbers = [1]
        options = {"k": [1]}
        job_ = Job(self.method, args=[numbers], kwargs={"o": options})
        numbers.append(2)
        options["k"].append(2)
        options["new"] = True
        job_.store()
        record = self._stored(job_)
        self.assertEqual(record.args, [[1]])
        self.assertEqual(record.kwargs, {"o": {"k": [1]}})

    def test_graph_jobs(self):
        numbers = [1]
        first = self.env["test.queue.job"].delayable().testing_method(numbers)
        second = self.env["test.queue.job"].delayable().testing_method(numbers)
        first.on_done(second)
        first.delay()
        numbers.append(2)
        # storing the parent again (e.g. to record a state) keeps its args
        first._generated_job.store()
        self.assertEqual(self._stored(first._generated_job).args, [[1]])
        self.assertEqual(self._stored(second._generated_job).args, [[1]])

    def test_unserializable_argument_named_at_store(self):
        # a job that is never stored (trapped, run directly) may take any
        # argument; storing it names the one that cannot be stored
        job_ = Job(self.method, args=(1, {2, 3}))
        self.assertEqual(job_.perform(), ((1, {2, 3}), {}))
        with self.assertRaisesRegex(TypeError, r"argument 1 \(\{2, 3\}\)"):
            job_.store()


class TestDependenciesAreJobs(JobCommonCase):
    def _graph(self):
        model = self.env["test.queue.job"]
        parent = model.delayable().testing_method("parent")
        parent.on_done(model.delayable().testing_method("child"))
        parent.delay()
        return parent._generated_job

    def test_linked_jobs_are_the_graph_jobs(self):
        model = self.env["test.queue.job"]
        parent = model.delayable().testing_method("parent")
        child = model.delayable().testing_method("child")
        parent.on_done(child).delay()
        parent_job, child_job = parent._generated_job, child._generated_job
        self.assertEqual(parent_job.reverse_depends_on, {child_job})
        self.assertIs(next(iter(parent_job.reverse_depends_on)), child_job)
        self.assertIs(next(iter(child_job.depends_on)), parent_job)
        self.assertIsInstance(parent_job.reverse_depends_on, set)

    def test_reverse_depends_on_holds_jobs(self):
        parent = self._graph()
        # nobody else holds the child Job now
        gc.collect()
        children = parent.reverse_depends_on
        self.assertIsInstance(children, set)
        self.assertEqual(len(children), 1)
        (child,) = children
        self.assertIsInstance(child, Job)
        self.assertEqual(child.args, ("child",))
        self.assertEqual(child.depends_on, {parent})
        self.assertIsInstance(child.depends_on, set)

    def test_unstored_jobs(self):
        parent = Job(self.method, args=("parent",))
        child = Job(self.method, args=("child",))
        child.add_depends({parent})
        child_uuid = child.uuid
        del child
        gc.collect()
        children = parent.reverse_depends_on
        self.assertIsInstance(children, set)
        self.assertEqual([job_.uuid for job_ in children], [child_uuid])
        self.assertTrue(all(isinstance(job_, Job) for job_ in children))

    def test_loaded_jobs(self):
        parent = self._graph()
        loaded = Job.load(self.env, parent.uuid)
        children = loaded.reverse_depends_on
        self.assertIsInstance(children, set)
        (child,) = children
        self.assertIsInstance(child, Job)
        self.assertEqual({job_.uuid for job_ in child.depends_on}, {parent.uuid})


class TestTrapMessages(JobCommonCase):
    """assert_enqueued_job() prints the expected call's properties in the
    order they were given, and each enqueued call's properties in the
    order of the job's constructor, limited to the ones compared."""

    def test_properties_in_given_order(self):
        record = self.env["test.queue.job"].create({"name": "trapped"})
        with trap_jobs() as trap:
            record.button_that_uses_with_delay()
            expected = (
                "Job <test.queue.job()>.testing_method(1, foo=2) with properties "
                "(channel=root.test, description=Test, eta=15, identity_key=IDENT, "
                "max_retries=1, priority=15) was not enqueued.\n"
                "Actual enqueued jobs:\n"
                " * <test.queue.job(%d,)>.testing_method(1, foo=2) with properties "
                "(priority=15, max_retries=1, eta=15, description=Test, "
                "channel=root.test, identity_key=IDENT)" % record.id
            )
            with self.assertRaises(AssertionError) as raised:
                trap.assert_enqueued_job(
                    self.env["test.queue.job"].testing_method,
                    args=(1,),
                    kwargs={"foo": 2},
                    properties={
                        "channel": "root.test",
                        "description": "Test",
                        "eta": 15,
                        "identity_key": trap.calls[0].properties["identity_key"],
                        "max_retries": 1,
                        "priority": 15,
                    },
                )
        message = re.sub(
            r"<function identity_exact at 0x[0-9a-f]+>", "IDENT", str(raised.exception)
        )
        self.assertEqual(message, expected)

    def test_only_compared_properties_printed(self):
        model = self.env["test.queue.job"]
        with trap_jobs() as trap:
            model.with_delay(priority=15, eta=15).testing_method(1, foo=2)
            model.with_delay(description="Two").testing_method("a")
            with self.assertRaises(AssertionError) as raised:
                trap.assert_enqueued_job(
                    model.testing_method,
                    args=(1,),
                    kwargs={"foo": 3},
                    properties={"eta": 15, "priority": 15},
                )
            with self.assertRaises(AssertionError) as raised_bare:
                trap.assert_enqueued_job(model.no_description)
        self.assertEqual(
            str(raised.exception),
            "Job <test.queue.job()>.testing_method(1, foo=3) with properties "
            "(eta=15, priority=15) was not enqueued.\n"
            "Actual enqueued jobs:\n"
            " * <test.queue.job()>.testing_method(1, foo=2) with properties "
            "(priority=15, eta=15)\n"
            " * <test.queue.job()>.testing_method(a) with properties "
            "(priority=None, eta=None)",
        )
        self.assertEqual(
            str(raised_bare.exception),
            "Job <test.queue.job()>.no_description() with properties () "
            "was not enqueued.\n"
            "Actual enqueued jobs:\n"
            " * <test.queue.job()>.testing_method(1, foo=2) with properties ()\n"
            " * <test.queue.job()>.testing_method(a) with properties ()",
        )
