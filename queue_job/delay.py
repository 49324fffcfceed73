# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Build graphs of jobs (``delayable()``, ``chain()``, ``group()``) and enqueue them.

A :class:`Delayable` records one method call; ``on_done`` links nodes; chains
and groups combine nodes. Nothing reaches the database until ``delay()`` is
called on the top-most object: the whole graph reachable from it is then turned
into jobs that share a ``graph_uuid`` and wait for their parents.
"""
import itertools
import logging
import os
import uuid
from typing import Optional

from .graph import Graph
from .job import Eta, IdentityKey, Job

_logger = logging.getLogger(__name__)

# Run jobs synchronously instead of enqueueing them (reference names, 15.0).
NO_DELAY_ENV_VAR = "TEST_QUEUE_JOB_NO_DELAY"
NO_DELAY_CONTEXT_KEY = "test_queue_job_no_delay"

# the job properties of with_delay(), delayable() and Delayable.set()
JOB_PROPERTIES = tuple(
    "priority eta max_retries description channel identity_key".split()
)
# the same, in the order of Job()'s parameters
_JOB_KEYWORDS = tuple(
    "priority max_retries eta description channel identity_key".split()
)
_NODE_SLOTS = ("recordset", "_children", "_generated_job")
_NODE_SLOTS += ("_job_method", "_job_args", "_job_kwargs")

__all__ = [
    "Graph",
    "DelayableGraph",
    "Delayable",
    "DelayableChain",
    "DelayableGroup",
    "DelayableRecordset",
    "chain",
    "group",
]


class DelayableGraph(Graph):
    """Graph whose vertices are delayables, chains or groups; knows how to delay."""

    __slots__ = ()

    def _flatten(self):
        """Return a graph of the Delayable objects only.

        Walks this graph and, through its vertices, every nested graph (chains,
        groups and the graphs of the nodes' own ``on_done``). Each edge becomes
        edges from the tails of the parent to the heads of the child.
        """
        flat = Graph()
        # by owner, not by graph: a Delayable builds its graph on each access
        seen = set()
        pending = [(self, self)]
        while pending:
            owner, graph = pending.pop()
            if owner in seen:
                continue
            seen.add(owner)
            for vertex, children in graph._graph.items():
                if isinstance(vertex, Delayable):
                    flat.add_vertex(vertex)
                pending.append((vertex, vertex._graph))
                for child in children:
                    for tail in vertex._tail():
                        for head in child._head():
                            flat.add_edge(tail, head)
        return flat

    @staticmethod
    def _ensure_same_graph_uuid(jobs):
        """Give every job of a graph the same graph_uuid (none for a lone job)."""
        if not jobs:
            raise ValueError("Expecting jobs")
        if len(jobs) == 1:
            _check_alone(jobs[0])
            return
        existing = {job.graph_uuid for job in jobs if job.graph_uuid}
        if len(existing) > 1:
            raise ValueError("Jobs cannot have dependencies between several graphs")
        graph_uuid = existing.pop() if existing else str(uuid.uuid4())
        for job in jobs:
            job.graph_uuid = graph_uuid

    @staticmethod
    def _must_run_directly(delayables):
        return _must_run_directly(delayables)

    def delay(self):
        graph = self._flatten()
        # the order is computed first so that a cycle fails before any side effect
        order = list(graph.topological_sort())
        jobs = {delayable: delayable._build_job() for delayable in order}
        self._ensure_same_graph_uuid(list(jobs.values()))

        if self._must_run_directly(order):
            for delayable in order:
                delayable._execute_direct()
            return

        for parent, child in graph.edges():
            jobs[child].add_depends({jobs[parent]})

        if len(order) == 1:
            # a lone job: store() itself skips a duplicate, race-safely, and
            # returns the waiting job that has the same identity key
            existing = jobs[order[0]].store()
            if existing:
                order[0]._generated_job = existing
            return
        keyed = [delayable for delayable in order if jobs[delayable].identity_key]
        if keyed:
            existing = {
                delayable: jobs[delayable].job_record_with_same_identity_key()
                for delayable in keyed
            }
            if all(existing.values()):
                # every keyed job already waits in the queue: enqueue nothing and
                # hand back the existing records (the reference swaps one only)
                for delayable, record in existing.items():
                    delayable._generated_job = record
                return

        for delayable in order:
            jobs[delayable].store()


def _check_alone(job):
    if job.graph_uuid:
        raise ValueError(
            "Job %s is part of graph %s and cannot be delayed alone"
            % (job.uuid, job.graph_uuid)
        )


def _no_delay_env():
    """``os.environ.get(NO_DELAY_ENV_VAR)``, read at each delay (tests patch
    os.environ) without the key encoding and KeyError of os.environ."""
    environ = os.environ
    data = getattr(environ, "_data", None)
    if data is None or os.name != "posix":
        return environ.get(NO_DELAY_ENV_VAR)
    return data.get(_NO_DELAY_ENV_KEY)


_NO_DELAY_ENV_KEY = NO_DELAY_ENV_VAR.encode()


def _must_run_directly(delayables):
    """True when jobs run now instead of being enqueued (reference switches)."""
    if _no_delay_env():
        _logger.warning(
            "`%s` env var found: jobs are run now, none is enqueued.",
            NO_DELAY_ENV_VAR,
        )
        return True
    for delayable in delayables:
        if delayable.recordset.env.context.get(NO_DELAY_CONTEXT_KEY):
            _logger.warning(
                "`%s` context key found: jobs are run now, none is enqueued.",
                NO_DELAY_CONTEXT_KEY,
            )
            return True
    return False


def _check_node(node, role):
    if not isinstance(node, (Delayable, DelayableChain, DelayableGroup)):
        raise TypeError(
            "%s must be a Delayable, DelayableChain or DelayableGroup, got %r"
            % (role, node)
        )


class DelayableChain:
    """Delayables run one after the other: each waits for the previous one."""

    __slots__ = ("_graph", "_first", "_last")

    def __init__(self, *delayables):
        if not delayables:
            raise ValueError("A chain needs at least one delayable")
        for node in delayables:
            _check_node(node, "A chain member")
        self._graph = DelayableGraph()
        self._graph.add_vertex(delayables[0])
        for previous, following in zip(delayables, delayables[1:]):
            self._graph.add_edge(previous, following)
        self._first = delayables[0]
        self._last = delayables[-1]

    def _head(self):
        return self._first._head()

    def _tail(self):
        return self._last._tail()

    def on_done(self, *delayables):
        for node in delayables:
            _check_node(node, "on_done() argument")
            self._graph.add_edge(self._last, node)
        return self

    def delay(self):
        self._graph.delay()

    def __repr__(self):
        return "DelayableChain(\n\t%s\n)" % repr(self._graph).replace("\n", "\n\t")


class DelayableGroup:
    """Delayables run in parallel; what follows a group waits for all of them."""

    __slots__ = ("_graph", "_delayables")

    def __init__(self, *delayables):
        for node in delayables:
            _check_node(node, "A group member")
        self._graph = DelayableGraph()
        self._delayables = set(delayables)
        for node in delayables:
            self._graph.add_vertex(node)

    def _head(self):
        return list(itertools.chain.from_iterable(d._head() for d in self._delayables))

    def _tail(self):
        return list(itertools.chain.from_iterable(d._tail() for d in self._delayables))

    def on_done(self, *delayables):
        for node in delayables:
            _check_node(node, "on_done() argument")
            for member in self._delayables:
                self._graph.add_edge(member, node)
        return self

    def delay(self):
        self._graph.delay()

    def __repr__(self):
        return "DelayableGroup(\n\t%s\n)" % repr(self._graph).replace("\n", "\n\t")


def chain(*delayables):
    """Shortcut for ``DelayableChain(*delayables)``."""
    return DelayableChain(*delayables)


def group(*delayables):
    """Shortcut for ``DelayableGroup(*delayables)``."""
    return DelayableGroup(*delayables)


class Delayable:
    """One job to be: a recorded method call on a recordset, plus job properties.

    ``records.delayable(priority=5).method(1, k=2)`` records the call and
    returns the Delayable, so that ``set()``, ``on_done()`` and ``delay()`` can
    follow in builder style.
    """

    # the job properties a node carries (see with_delay())
    _properties = JOB_PROPERTIES
    # ``_children`` (the on_done() nodes, an ordered set) stands for the
    # reference's ``_graph`` slot: a graph holding the node itself made every
    # node a reference cycle, collected late; ``_graph`` is built on demand
    __slots__ = JOB_PROPERTIES + _NODE_SLOTS

    def __init__(
        self,
        recordset,
        priority: Optional[int] = None,
        eta: Eta = None,
        max_retries: Optional[int] = None,
        description: Optional[str] = None,
        channel: Optional[str] = None,
        identity_key: IdentityKey = None,
    ):
        self.recordset = recordset
        self.priority, self.eta, self.max_retries = priority, eta, max_retries
        self.description, self.channel = description, channel
        self.identity_key = identity_key
        # no call recorded yet, nothing follows, no job made
        self._job_method, self._job_args, self._job_kwargs = None, (), {}
        self._children = {}
        self._generated_job = None

    @property
    def _graph(self):
        """This node and its on_done() children, as a DelayableGraph."""
        graph = DelayableGraph()
        graph.add_vertex(self)
        for child in self._children:
            graph.add_edge(self, child)
        return graph

    def _head(self):
        return [self]

    def _tail(self):
        return [self]

    def _method(self, name):
        """The bound method ``name`` of the recordset, refusing fields."""
        recordset = self.recordset
        if name in recordset._fields:
            raise AttributeError(
                "only methods can be delayed (%s called on %s)" % (name, recordset)
            )
        method = getattr(recordset, name)
        if not callable(method):
            raise AttributeError(
                "only methods can be delayed (%s called on %s)" % (name, recordset)
            )
        return method

    def __getattr__(self, name):
        # only reached for names that are not slots: record a method call
        if name in Delayable.__slots__ or name == "_graph" or name.startswith("__"):
            raise AttributeError(name)
        method = self._method(name)

        def record_call(*args, **kwargs):
            self._job_method = method
            self._job_args = args
            self._job_kwargs = kwargs
            return self

        return record_call

    def set(self, *args, **kwargs):
        """Set job properties from a dict and/or keyword arguments."""
        if len(args) > 1:
            raise TypeError(
                "set() takes at most one positional dict, got %d arguments" % len(args)
            )
        values = {}
        if args:
            if not isinstance(args[0], dict):
                raise TypeError(
                    "set() positional argument must be a dict, got %r" % (args[0],)
                )
            values.update(args[0])
        values.update(kwargs)
        for key, value in values.items():
            if key not in self._properties:
                raise ValueError("No property %s" % key)
            setattr(self, key, value)
        return self

    def on_done(self, *delayables):
        """The given delayables (or chains, groups) start once this job is done."""
        for node in delayables:
            _check_node(node, "on_done() argument")
            if node is self:
                raise ValueError("%r cannot depend on itself" % self)
            self._children[node] = None
        return self

    def delay(self):
        """Enqueue this node and everything that follows it through on_done()."""
        if self._children:
            self._graph.delay()
        else:
            self._delay_alone()

    def _delay_alone(self):
        """``DelayableGraph.delay()`` for a graph of this node only (what every
        ``with_delay()`` does), without building the graph."""
        job = self._build_job()
        _check_alone(job)
        if _must_run_directly((self,)):
            self._execute_direct()
            return
        # store() skips a duplicate of a waiting job, race-safely, and
        # returns the waiting job that has the same identity key
        existing = job.store()
        if existing:
            self._generated_job = existing

    def _build_job(self):
        if self._generated_job is not None:
            return self._generated_job
        if self._job_method is None:
            raise ValueError(
                "%r has no method call to delay: call one first, "
                "e.g. records.delayable().method(*args)" % self
            )
        # the trap of tests.common records the keywords in this order
        self._generated_job = Job(
            self._job_method,
            args=self._job_args,
            kwargs=self._job_kwargs,
            **{name: getattr(self, name) for name in _JOB_KEYWORDS},
        )
        return self._generated_job

    def _new_like(self):
        """A new Delayable on the same recordset, with the same properties."""
        return Delayable(
            self.recordset, **{name: getattr(self, name) for name in self._properties}
        )

    def _execute_direct(self):
        return self._build_job().perform()

    def __repr__(self):
        method = self._job_method
        return "Delayable(%s.%s(%s, %s))" % (
            self.recordset,
            method.__name__ if method is not None else "<no method>",
            self._job_args,
            self._job_kwargs,
        )

    def __del__(self):
        # getattr: __init__ may have failed before the slot was set
        if getattr(self, "_generated_job", False) is None:
            try:
                _logger.warning("Delayable %r was prepared but never delayed", self)
            # pylint: disable-next=except-pass  # no way left to report: logging failed
            except Exception:  # interpreter shutdown, recordset gone...
                pass


class DelayableRecordset:
    """What ``with_delay()`` returns: calling a method on it enqueues a job.

    ``records.with_delay(priority=5).method(1)`` builds a one-node Delayable,
    delays it and returns the generated job (see the ``with_delay`` docstring).
    """

    __slots__ = ("delayable",)

    def __init__(
        self,
        recordset,
        priority: Optional[int] = None,
        eta: Eta = None,
        max_retries: Optional[int] = None,
        description: Optional[str] = None,
        channel: Optional[str] = None,
        identity_key: IdentityKey = None,
    ):
        # one Delayable per with_delay() call: positional, the cheapest call
        self.delayable = Delayable(
            recordset, priority, eta, max_retries, description, channel, identity_key
        )

    @property
    def recordset(self):
        return self.delayable.recordset

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def delay_call(*args, **kwargs):
            delayable = self.delayable
            if delayable._generated_job is not None:
                # a proxy used again (``rs = records.with_delay()`` then
                # ``rs.a(); rs.b()``): a new job each time, same properties
                delayable = self.delayable = delayable._new_like()
            # what ``getattr(delayable, name)(*args, **kwargs).delay()`` does,
            # for a node that has no on_done() children
            delayable._job_method = delayable._method(name)
            delayable._job_args = args
            delayable._job_kwargs = kwargs
            delayable.delay()
            return delayable._generated_job

        return delay_call

    def __str__(self):
        recordset = self.delayable.recordset
        return "DelayableRecordset(%s%r)" % (recordset._name, recordset._ids)

    __repr__ = __str__
