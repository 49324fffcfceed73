# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Behaviours of the reference that callers see, checked one by one (issue 13):
arguments copied when a job is made, dependencies as Job objects, the text of
trap_jobs() mismatches, and the overridable steps of the runjob controller."""
import gc
import inspect
import re
from unittest import mock

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.controllers import main as controllers
from odoo.addons.queue_job.controllers.main import (
    RunJobController,
    overridden_steps,
    runjob_controller,
)
from odoo.addons.queue_job.job import DONE, ENQUEUED, FAILED, PENDING, Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import QueueJobCase


class TestArgumentsCopiedAtCreation(QueueJobCase):
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
        job_ = Job(self.subject.testing_method, args=[numbers], kwargs={"o": options})
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
        job_ = Job(self.subject.testing_method, args=(1, {2, 3}))
        self.assertEqual(job_.perform(), ((1, {2, 3}), {}))
        with self.assertRaisesRegex(TypeError, r"argument 1 \(\{2, 3\}\)"):
            job_.store()


class TestDependenciesAreJobs(QueueJobCase):
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
        parent = Job(self.subject.testing_method, args=("parent",))
        child = Job(self.subject.testing_method, args=("child",))
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


class TestTrapMessages(QueueJobCase):
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


def _extended_controller():
    """A new subclass of the controller at each call, as an addon would make
    it; forgotten once the test drops it."""

    class Extended(RunJobController):
        def _get_failure_values(self, job, traceback_txt, orig_exception):
            values = super()._get_failure_values(job, traceback_txt, orig_exception)
            values["exc_message"] = "extended: " + values["exc_message"]
            return values

    return Extended


class TestControllerOutsideRequests(QueueJobCase):
    """A slot runs jobs without the route: it gets the controller that the
    route would use, and calls the overridden steps on it."""

    def test_plain_controller(self):
        self.assertIs(type(runjob_controller(self.env)), RunJobController)

    def test_overridden_steps(self):
        # nothing overridden: the slot takes its own faster way for each step
        controller = runjob_controller(self.env)
        self.assertEqual(overridden_steps(controller), frozenset())

        def retry_postpone(controller, job, message, seconds=None):
            return None

        # a patch of the class counts as an override, as a subclass's does
        with mock.patch.object(RunJobController, "retry_postpone", retry_postpone):
            self.assertEqual(overridden_steps(controller), {"retry_postpone"})

    def _check_extension(self):
        Extended = _extended_controller()
        # as if defined by test_queue_job's own controllers
        Extended.__module__ = "odoo.addons.test_queue_job.controllers.extended"
        controller = runjob_controller(self.env)
        self.assertIsInstance(controller, Extended)
        values = controller._get_failure_values(
            Job(self.subject.testing_method), "the traceback", ValueError("bad value")
        )
        self.assertEqual(
            values,
            {
                "exc_info": "the traceback",
                "exc_name": "builtins.ValueError",
                "exc_message": "extended: bad value",
            },
        )
        # an addon that is not installed does not count
        Extended.__module__ = "odoo.addons.not_installed_addon.controllers"
        self.assertIs(type(runjob_controller(self.env)), RunJobController)

    def test_extended_by_an_installed_addon(self):
        try:
            self._check_extension()
        finally:
            # forgotten, so that Odoo's routing never meets it
            controllers._composed.clear()
            gc.collect()
        self.assertEqual(RunJobController.__subclasses__(), [])

    def test_dependents_released_without_request(self):
        model = self.env["test.queue.job"]
        parent = model.delayable().testing_method("parent")
        child = model.delayable().testing_method("child")
        parent.on_done(child).delay()
        parent_job = parent._generated_job
        parent_job.set_done()
        parent_job.store()
        runjob_controller(self.env)._enqueue_dependent_jobs(self.env, parent_job)
        self.assertEqual(child._generated_job.db_record().state, PENDING)


@tagged("post_install", "-at_install")
class TestRunJobController(HttpCase):
    """The unsigned ``/queue_job/runjob`` (the reference's way) goes through
    the controller methods other addons override."""

    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("mail.catchall.domain", "example.com")
        params.set_param("mail.default.from", "notifications")
        self.model = self.env["test.queue.job"]

    def _enqueued(self, job_):
        """Set ``job_`` enqueued, as the runner does before its request."""
        self.env.cr.execute(
            "UPDATE queue_job SET state = %s, date_enqueued = now() at time zone 'utc'"
            " WHERE uuid = %s",
            (ENQUEUED, job_.uuid),
        )
        return job_

    def _run(self, job_):
        return self.url_open(
            "/queue_job/runjob?db=%s&job_uuid=%s" % (self.env.cr.dbname, job_.uuid),
            timeout=60,
        )

    def _record(self, job_):
        self.env["queue.job"].invalidate_cache()
        return self.env["queue.job"].search([("uuid", "=", job_.uuid)])

    def test_methods_and_signatures(self):
        expected = {
            "_try_perform_job": ["self", "env", "job"],
            "_get_failure_values": ["self", "job", "traceback_txt", "orig_exception"],
            "_enqueue_dependent_jobs": ["self", "env", "job"],
            "retry_postpone": ["self", "job", "message", "seconds"],
        }
        for name, params in expected.items():
            signature = inspect.signature(getattr(RunJobController, name))
            self.assertEqual(list(signature.parameters), params, name)
        seconds = inspect.signature(RunJobController.retry_postpone).parameters
        self.assertIsNone(seconds["seconds"].default)

    def test_done_through_try_perform_job(self):
        job_ = self._enqueued(self.model.with_delay().testing_method(1, k=2))
        seen = []
        original = RunJobController._try_perform_job

        def _try_perform_job(controller, env, job):
            # what an addon wrapping the run (a profiler, a context) sees
            seen.append((job.uuid, job.state, env.uid))
            return original(controller, env, job)

        with mock.patch.object(RunJobController, "_try_perform_job", _try_perform_job):
            response = self._run(job_)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.text, "")
        self.assertEqual(len(seen), 1)
        self.assertEqual(seen[0][0], job_.uuid)
        self.assertEqual(seen[0][2], 1)  # the superuser
        record = self._record(job_)
        self.assertEqual(record.state, DONE)
        self.assertEqual(record.result, "((1,), {'k': 2})")
        self.assertEqual(record.retry, 1)
        self.assertTrue(record.date_started and record.date_done)
        self.assertGreaterEqual(record.exec_time, 0.0)

    def test_not_enqueued_is_not_run(self):
        job_ = self.model.with_delay().testing_method(1)
        with mute_logger("odoo.addons.queue_job.controllers.main"):
            response = self._run(job_)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._record(job_).state, PENDING)

    def test_dependents_released(self):
        parent = self.model.delayable().testing_method("parent")
        child = self.model.delayable().testing_method("child")
        parent.on_done(child)
        parent.delay()
        calls = []
        original = RunJobController._enqueue_dependent_jobs

        def _enqueue_dependent_jobs(controller, env, job):
            calls.append(job.uuid)
            return original(controller, env, job)

        self._enqueued(parent._generated_job)
        with mock.patch.object(
            RunJobController, "_enqueue_dependent_jobs", _enqueue_dependent_jobs
        ):
            self._run(parent._generated_job)
        self.assertEqual(calls, [parent._generated_job.uuid])
        self.assertEqual(self._record(parent._generated_job).state, DONE)
        self.assertEqual(self._record(child._generated_job).state, PENDING)

    def test_retryable_error_goes_through_retry_postpone(self):
        job_ = self._enqueued(self.model.with_delay().testing_method(raise_retry=True))
        calls = []
        original = RunJobController.retry_postpone

        def retry_postpone(controller, job, message, seconds=None):
            calls.append((job.uuid, message, seconds))
            return original(controller, job, message, seconds=seconds)

        with mock.patch.object(RunJobController, "retry_postpone", retry_postpone):
            response = self._run(job_)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(calls, [(job_.uuid, "Must be retried later", None)])
        record = self._record(job_)
        self.assertEqual(record.state, PENDING)
        self.assertEqual(record.retry, 1)
        self.assertEqual(record.result, "Must be retried later")
        self.assertTrue(record.eta)

    # the server thread logs the failed request once the answer is sent
    @mute_logger("odoo.addons.queue_job.controllers.main", "odoo.http", "werkzeug")
    def test_failure_values_from_the_controller(self):
        job_ = self._enqueued(self.model.with_delay().job_raise_user_error())
        original = RunJobController._get_failure_values

        def _get_failure_values(controller, job, traceback_txt, orig_exception):
            values = original(controller, job, traceback_txt, orig_exception)
            values["exc_message"] = "seen by an override: %s" % values["exc_message"]
            return values

        with mock.patch.object(
            RunJobController, "_get_failure_values", _get_failure_values
        ):
            response = self._run(job_)
        # a failed job is an error for the caller, as in the reference
        self.assertEqual(response.status_code, 500)
        record = self._record(job_)
        self.assertEqual(record.state, FAILED)
        self.assertEqual(record.exc_name, "odoo.exceptions.UserError")
        self.assertEqual(record.exc_message, "seen by an override: Not retried")
        self.assertIn("Traceback", record.exc_info)
        self.assertIn("UserError: Not retried", record.exc_info)
