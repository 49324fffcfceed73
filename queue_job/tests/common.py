# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Helpers for testing code that enqueues jobs.

``trap_jobs()`` is the main one: inside it, jobs created by ``with_delay()``
or ``delayable()`` are recorded instead of stored, can be asserted on and
performed on demand::

    with trap_jobs() as trap:
        records.button_that_enqueues()
        trap.assert_jobs_count(1, only=records.my_method)
        trap.assert_enqueued_job(records.my_method, args=(1,), properties={"eta": 5})
        trap.perform_enqueued_jobs()
"""
import doctest
import itertools
import logging
from collections import namedtuple
from contextlib import contextmanager
from unittest import mock

from .. import delay as delay_module
from ..delay import Graph
from ..job import Job

_logger = logging.getLogger(__name__)

# the order in which Delayable passes the job properties to Job()
PROPERTY_ORDER = (
    "priority",
    "max_retries",
    "eta",
    "description",
    "channel",
    "identity_key",
)


def _same_bound_method(method, other):
    """Same function bound to equal recordsets."""
    return getattr(method, "__self__", None) == getattr(
        other, "__self__", None
    ) and getattr(method, "__func__", method) == getattr(other, "__func__", other)


class JobCall(namedtuple("JobCall", ["method", "args", "kwargs", "properties"])):
    """One job construction seen by :func:`trap_jobs`.

    Two calls are equal when their methods are the same function bound to
    equal recordsets and their args, kwargs and properties are equal.
    """

    __slots__ = ()

    def __eq__(self, other):
        if not isinstance(other, JobCall):
            return NotImplemented
        return (
            _same_bound_method(self.method, other.method)
            and tuple(self.args) == tuple(other.args)
            and self.kwargs == other.kwargs
            and self.properties == other.properties
        )

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None


def _format_job_call(call):
    arguments = [str(arg) for arg in call.args]
    arguments += ["%s=%s" % (key, value) for key, value in call.kwargs.items()]
    ordered = sorted(
        call.properties,
        key=lambda key: (
            PROPERTY_ORDER.index(key) if key in PROPERTY_ORDER else len(PROPERTY_ORDER)
        ),
    )
    properties = ", ".join("%s=%s" % (key, call.properties[key]) for key in ordered)
    return "<%s>.%s(%s) with properties (%s)" % (
        call.method.__self__,
        call.method.__name__,
        ", ".join(arguments),
        properties,
    )


class JobsTrap:
    """What :func:`trap_jobs` yields: the jobs created while it is active.

    ``calls`` lists a :class:`JobCall` per job built; ``enqueued_jobs`` the
    ``Job`` objects that would have been stored (a job whose identity key
    matches an earlier trapped job is left out, as the queue would skip it).
    No trapped job is ever written to the database.
    """

    def __init__(self):
        self.calls = []
        self.enqueued_jobs = []

    @contextmanager
    def _patched(self):
        # patch.object on the module attribute: no spec keyword (the reference
        # passed a misspelt one, which Python 3.10's mock rejects)
        with mock.patch.object(delay_module, "Job", new=self._trap_job):
            yield self

    def _trap_job(self, func, args=None, kwargs=None, **properties):
        job = _TrappedJob(func, args=args, kwargs=kwargs, **properties)
        self.calls.append(
            JobCall(
                method=func,
                args=tuple(args or ()),
                kwargs=dict(kwargs or {}),
                properties=properties,
            )
        )
        identity_key = job.identity_key
        if not identity_key or all(
            trapped.identity_key != identity_key for trapped in self.enqueued_jobs
        ):
            self.enqueued_jobs.append(job)
        return job

    def _filtered_jobs(self, only=None):
        if only is None:
            return list(self.enqueued_jobs)
        return [
            job
            for job in self.enqueued_jobs
            if job.recordset == getattr(only, "__self__", None)
            and job.method_name == only.__name__
        ]

    def jobs_count(self, only=None):
        """Number of trapped jobs, or of those of bound method ``only``."""
        return len(self._filtered_jobs(only))

    def assert_jobs_count(self, expected, only=None):
        actual = self.jobs_count(only=only)
        if actual != expected:
            # starts like unittest's assertEqual(actual, expected) message
            raise AssertionError(
                "%d != %d : %d job(s) trapped%s, %d expected\n%s"
                % (
                    actual,
                    expected,
                    actual,
                    " for %s" % only.__name__ if only is not None else "",
                    expected,
                    "\n".join(
                        " * %s" % job.func_string for job in self._filtered_jobs(only)
                    ),
                )
            )

    def assert_enqueued_job(self, method, args=None, kwargs=None, properties=None):
        """Assert a job of ``method`` with these args/kwargs was enqueued.

        ``args`` and ``kwargs`` must match exactly; only the keys given in
        ``properties`` are compared.
        """
        expected = JobCall(
            method=method,
            args=tuple(args or ()),
            kwargs=dict(kwargs or {}),
            properties=dict(properties or {}),
        )
        for call in self.calls:
            compared = {
                key: value
                for key, value in call.properties.items()
                if key in expected.properties
            }
            if expected == call._replace(properties=compared):
                return
        raise AssertionError(
            "Job %s was not enqueued.\nActual enqueued jobs:\n%s"
            % (
                _format_job_call(expected),
                "\n".join(" * %s" % _format_job_call(call) for call in self.calls),
            )
        )

    def perform_enqueued_jobs(self):
        """Perform the trapped jobs, then forget them.

        Jobs without graph run first by priority, then each graph in
        dependency order. Only ``Job.perform()`` is called: states are not
        changed and nothing is stored.
        """
        jobs, self.enqueued_jobs = self.enqueued_jobs, []
        position = {job: index for index, job in enumerate(jobs)}

        def order(job):
            return (job.priority, position.get(job, len(position)))

        for job in sorted((job for job in jobs if not job.graph_uuid), key=order):
            job.perform()
        graphs = {}
        for job in jobs:
            if job.graph_uuid:
                graphs.setdefault(job.graph_uuid, []).append(job)
        for graph_jobs in graphs.values():
            graph = Graph()
            for job in graph_jobs:
                graph.add_vertex(job)
                for parent in job.depends_on:
                    graph.add_edge(parent, job)
            for job in graph.topological_sort(key=order):
                if job in position:
                    job.perform()


class _TrappedJob(Job):
    """A real Job that is never written: the trap only records it."""

    def store(self):
        return None


@contextmanager
def trap_jobs():
    """Context manager: trap the jobs created inside it (see :class:`JobsTrap`)."""
    trap = JobsTrap()
    with trap._patched():
        yield trap


class JobCounter:
    """Count the ``queue.job`` records created since this object was made."""

    def __init__(self, env):
        self.env = env
        self.existing = self.search_all()

    def count_all(self):
        return len(self.search_all())

    def count_created(self):
        return len(self.search_created())

    def count_existing(self):
        return len(self.existing)

    def search_created(self):
        return self.search_all() - self.existing

    def search_all(self):
        return self.env["queue.job"].search([])


class JobMixin:
    """Mixin for TestCases (needs ``self.env``)."""

    def job_counter(self):
        return JobCounter(self.env)

    def perform_jobs(self, jobs):
        """Perform the jobs created since ``jobs`` (a JobCounter) was made."""
        for record in jobs.search_created():
            Job.load(self.env, record.uuid).perform()

    @contextmanager
    def trap_jobs(self):
        with trap_jobs() as trap:
            yield trap


@contextmanager
def mock_with_delay():
    """Deprecated, use :func:`trap_jobs`.

    Replace ``with_delay()`` by a mock; yields ``(delayable_cls, delayable)``:
    the mock standing for ``DelayableRecordset`` (its ``call_args`` are the
    recordset and the job properties) and the mock it returns (on which the
    delayed method and its arguments are recorded).
    """
    with mock.patch(
        "odoo.addons.queue_job.models.base.DelayableRecordset",
        name="DelayableRecordset",
        spec=True,
    ) as delayable_cls:
        delayable = mock.MagicMock(name="DelayableRecordset()")
        delayable_cls.return_value = delayable
        yield delayable_cls, delayable


_doctest_sequence = itertools.count(1)


class OdooDocTestCase(doctest.DocTestCase):
    """A doctest that Odoo's test runner selects like its own test cases."""

    def __init__(self, test, optionflags=0, setUp=None, tearDown=None, checker=None):
        super().__init__(
            test,
            optionflags=optionflags,
            setUp=setUp,
            tearDown=tearDown,
            checker=checker,
        )
        parts = test.name.split(".")
        addon = parts[2] if parts[:2] == ["odoo", "addons"] and len(parts) > 2 else None
        self.test_tags = {"standard", "at_install", "queue_job", "doctest"}
        self.test_module = addon
        self.test_class = self.__class__.__name__
        self.test_sequence = next(_doctest_sequence)

    def setUp(self):
        _logger.info("Running tests for %s", self._dt_test.name)
        super().setUp()


def load_doctests(module):
    """Return a ``load_tests`` function running ``module``'s doctests in Odoo.

    In a test module: ``load_tests = load_doctests(my_module)``.
    """

    def load_tests(loader, tests, ignore):
        for test in doctest.DocTestFinder().find(module):
            if test.examples:
                tests.addTest(OdooDocTestCase(test))
        return tests

    return load_tests
