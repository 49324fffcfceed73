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

    def _describe(self):
        """``<recordset>.method(args, key=value) with properties (...)``: the
        properties in the order of this call's dict."""
        shown = ["%s" % (arg,) for arg in self.args]
        shown += ["%s=%s" % pair for pair in self.kwargs.items()]
        return "<%s>.%s(%s) with properties (%s)" % (
            self.method.__self__,
            self.method.__name__,
            ", ".join(shown),
            ", ".join("%s=%s" % pair for pair in self.properties.items()),
        )


class JobsTrap:
    """What :func:`trap_jobs` yields: the jobs created while it is active.

    ``calls`` lists a :class:`JobCall` per job built; ``enqueued_jobs`` the
    ``Job`` objects that would have been stored (a job whose identity key
    matches an earlier trapped job is left out, as the queue would skip it).
    No trapped job is ever written to the database.

    ``job_mock``: a mock standing for the ``Job`` class of the ``delay``
    module (the reference's way to build a trap); without it,
    :meth:`_patched` puts the trap in its place.
    """

    def __init__(self, job_mock=None):
        self.calls = []
        self.enqueued_jobs = []
        if job_mock is not None:
            job_mock.side_effect = self._trap_job

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        return None

    def __repr__(self):
        return repr(self.calls)

    @contextmanager
    def _patched(self):
        # patch.object on the module attribute: no spec keyword (the reference
        # passed a misspelt one, which Python 3.10's mock rejects)
        with mock.patch.object(delay_module, "Job", new=self._trap_job):
            yield self

    def _trap_job(self, func, args=None, kwargs=None, **properties):
        job = _TrappedJob(func, args=args, kwargs=kwargs, **properties)
        call = JobCall(func, tuple(args or ()), dict(kwargs or {}), properties)
        self.calls.append(call)
        key = job.identity_key
        if not (key and any(known.identity_key == key for known in self.enqueued_jobs)):
            self.enqueued_jobs.append(job)
        return job

    def _filtered_jobs(self, only=None):
        if only is None:
            return list(self.enqueued_jobs)
        records, name = getattr(only, "__self__", None), only.__name__
        return [
            job
            for job in self.enqueued_jobs
            if job.recordset == records and job.method_name == name
        ]

    def jobs_count(self, only=None):
        """Number of trapped jobs, or of those of bound method ``only``."""
        return len(self._filtered_jobs(only))

    def assert_jobs_count(self, expected, only=None):
        jobs = self._filtered_jobs(only)
        if len(jobs) == expected:
            return
        # starts like unittest's assertEqual(actual, expected) message
        what = " for %s" % only.__name__ if only is not None else ""
        listed = "".join("\n * %s" % job.func_string for job in jobs)
        raise AssertionError(
            "%d != %d : %d job(s) trapped%s, %d expected%s"
            % (len(jobs), expected, len(jobs), what, expected, listed)
        )

    def assert_enqueued_job(self, method, args=None, kwargs=None, properties=None):
        """Assert a job of ``method`` with these args/kwargs was enqueued.

        ``args`` and ``kwargs`` must match exactly; only the keys given in
        ``properties`` are compared. The message of a mismatch, as the
        reference's, shows the expected properties in the order given and
        each trapped call with these properties only, in Job()'s order.
        """
        wanted = JobCall(
            method, tuple(args or ()), dict(kwargs or {}), dict(properties or {})
        )
        seen = []
        for call in self.calls:
            compared = {
                key: value
                for key, value in call.properties.items()
                if key in wanted.properties
            }
            seen.append(call._replace(properties=compared))
        if wanted in seen:
            return
        raise AssertionError(
            "Job %s was not enqueued.\nActual enqueued jobs:\n%s"
            % (
                wanted._describe(),
                "\n".join(" * %s" % call._describe() for call in seen),
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
    """Counts the ``queue.job`` records created since it was made."""

    def __init__(self, env):
        self.env = env
        self.existing = self.search_all()

    def search_all(self):
        """Every job (that the env's user may read)."""
        return self.env["queue.job"].search([])

    def search_created(self):
        """The jobs created since this counter was made."""
        return self.search_all() - self.existing

    def count_existing(self):
        return len(self.existing)

    def count_created(self):
        return len(self.search_created())

    def count_all(self):
        return len(self.search_all())


class JobMixin:
    """Mixin for TestCases (needs ``self.env``)."""

    def job_counter(self):
        """A :class:`JobCounter`, to count or run the jobs created next."""
        return JobCounter(self.env)

    def perform_jobs(self, jobs):
        """Perform the jobs created since ``jobs`` (a JobCounter) was made."""
        for record in jobs.search_created():
            Job.load(self.env, record.uuid).perform()

    def trap_jobs(self):
        """:func:`trap_jobs`, as a method: ``with self.trap_jobs() as trap:``."""
        return trap_jobs()


@contextmanager
def mock_with_delay():
    """Deprecated, use :func:`trap_jobs`.

    Replace ``with_delay()`` by a mock; yields ``(delayable_cls, delayable)``:
    the mock standing for ``DelayableRecordset`` (its ``call_args`` are the
    recordset and the job properties) and the mock it returns (on which the
    delayed method and its arguments are recorded).
    """
    # the name base.with_delay() looks up at each call
    target = "odoo.addons.queue_job.models.base.DelayableRecordset"
    delayable = mock.MagicMock(name="DelayableRecordset()")
    with mock.patch(target, name="DelayableRecordset", spec=True) as delayable_cls:
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
