# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The Job: a method call on a recordset, stored in ``queue.job``.

A Job lives in memory; ``store()`` writes it and ``load()`` reads it back.
The state mutators (``set_*``, ``postpone``) change memory only.
"""
import functools
import hashlib
import inspect
import logging
import os
import random
from datetime import datetime, timedelta
from typing import Callable, Optional, Sequence, Union

import odoo

from . import fields as job_fields, states
from .exception import (  # noqa: F401 (re-exported: addons import them from here)
    FailedJobError,
    JobError,
    NoSuchJobError,
    RetryableJobError,
)
from .job_storage import LOADED_COLUMNS, JobStorage, _checked_arguments  # noqa: F401
from .states import (  # noqa: F401 (the reference's names, imported from here)
    CANCELLED,
    DONE,
    ENQUEUED,
    FAILED,
    PENDING,
    STARTED,
    STATES,
    WAIT_DEPENDENCIES,
    WAITING_STATES,
)
from .storable import storable
from .time_limit import StopWatch, TimeLimit


def _stopped_jobs(dbname, uuids):
    """The uuids among ``uuids`` that a user stopped (now cancelled)."""
    with odoo.sql_db.db_connect(dbname).cursor() as cr:
        cr.execute(
            "SELECT uuid FROM queue_job WHERE uuid = ANY(%s) AND state = 'cancelled'",
            (list(uuids),),
        )
        return {row[0] for row in cr.fetchall()}


# one per process: stops the running jobs users stopped
STOP_WATCH = StopWatch(_stopped_jobs)

DEFAULT_PRIORITY = 10  # lower runs first
DEFAULT_MAX_RETRIES = 5
RETRY_INTERVAL = 600  # seconds before a retry, without retry pattern
# the most a job's arguments may take, as JSON text (documented in
# readme/USAGE.rst); PostgreSQL refuses any value over 1 GB
MAX_ARGUMENTS_SIZE = 256 * 1024 * 1024

# what the job properties accept (see Job and with_delay())
Eta = Union[None, int, timedelta, datetime]
IdentityKey = Union[None, str, Callable[["Job"], str]]

_logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def _delay_module():
    # imported late: delay.py imports this module
    from . import delay

    return delay


def DelayableRecordset(*args, **kwargs):
    """Compatibility: the class moved to the ``delay`` module."""
    _logger.debug("queue_job.job.DelayableRecordset is deprecated, see delay.py")
    return _delay_module().DelayableRecordset(*args, **kwargs)


def identity_exact_hasher(job_):
    """SHA1 hasher fed with the job's model, method, records and arguments.

    Returned unfinalised so that callers can feed more data.
    """
    hasher = hashlib.sha1()
    for part in (
        job_.model_name,
        job_.method_name,
        str(sorted(job_.recordset.ids)),
        str(job_.args),
        str(sorted(job_.kwargs.items())),
    ):
        hasher.update(part.encode("utf-8"))
    return hasher


def identity_exact(job_):
    """Identity key: same model, method, records and arguments."""
    return identity_exact_hasher(job_).hexdigest()


@functools.lru_cache(maxsize=1024)
def _first_doc_line(doc):
    """First non-empty line of a docstring, stripped ("" for none)."""
    if not doc:
        return ""
    return doc.strip().splitlines()[0].strip()


# the variant nibble of a version 4 uuid (10xx) from a random hex digit
_UUID_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def _new_uuid():
    """A random (version 4) UUID string, like str(uuid.uuid4()) but cheaper:
    one is made for every job."""
    d = os.urandom(16).hex()
    return f"{d[:8]}-{d[8:12]}-4{d[13:16]}-{_UUID_VARIANT[d[16]]}{d[17:20]}-{d[20:]}"


# key of the memo of job configs in the registry's ormcache (see _job_config)
_JOB_CONFIG_MEMO = ("queue.job.function", "job_config memo")


def _job_config(env, name):
    """``env["queue.job.function"].job_config(name)``, for every new job.

    The ormcache lookup costs more than the rest of the Job: the configs are
    memoized in a dict kept in the same registry cache, so that whatever
    clears the ormcache (a job function or channel changed, another process
    signaled) drops them too.
    """
    cache = env.registry._Registry__cache  # an odoo.tools.lru.LRU
    # read from the LRU's dict without its lock (a dict read is atomic)
    memo = cache.d.get(_JOB_CONFIG_MEMO)
    if memo is None:
        memo = cache[_JOB_CONFIG_MEMO] = {}
    config = memo.get(name)
    if config is None:
        config = memo[name] = env["queue.job.function"].job_config(name)
    return config


def _is_model_method(func):
    return inspect.ismethod(func) and isinstance(
        func.__self__.__class__, odoo.models.MetaModel
    )


def _frozen(value):
    """``value`` as the JSON text it is stored as, or None when it cannot be
    encoded: a job that is never stored (trapped, run directly) may take any
    argument, and ``store()`` names the culprit."""
    try:
        return job_fields.dumps(value)
    except Exception:  # anything the encoder may meet, reported at store()
        return None


class Job(JobStorage):
    """A job: a method of a recordset to call later, with its state.

    ``func`` is a bound method of a recordset; ``args`` a tuple (or list) and
    ``kwargs`` a dict of JSON-serializable values (recordsets, dates,
    datetimes and lxml elements included, see ``fields.JobEncoder``). What
    is stored of them is what they were when the Job was made: a caller may
    change its own lists and dicts afterwards.

    ``depends_on`` and ``reverse_depends_on`` are the sets of Jobs this one
    waits for, and that wait for it.
    """

    def __init__(
        self,
        func: Callable,
        args: Optional[Sequence] = None,
        kwargs: Optional[dict] = None,
        priority: Optional[int] = None,
        eta: Eta = None,
        job_uuid: Optional[str] = None,
        max_retries: Optional[int] = None,
        description: Optional[str] = None,
        channel: Optional[str] = None,
        identity_key: IdentityKey = None,
    ):
        args, kwargs = _checked_arguments(args, kwargs)
        if not _is_model_method(func):
            raise TypeError("Job accepts only methods of Models")
        self._setup(func, args, kwargs, job_uuid)
        self._set_properties(priority, eta, max_retries, description, channel)
        self._set_identity_key(identity_key)
        # the reference: a "company_id" key in the context wins, even None
        context = self.env.context
        self.company_id = (
            context["company_id"] if "company_id" in context else self.env.company.id
        )
        # a uuid we generate ourselves cannot be in the storage yet
        self._known_new = job_uuid is None
        # the copy that store() writes: the JSON text, made once, is cheaper
        # than a deep copy and is what the row needs anyway
        self._args_text = _frozen(args)
        self._kwargs_text = _frozen(kwargs)
        self._check_arguments_size()
        try:
            self._func_string = self._format_call()
        except Exception:  # a repr that fails: only a store() needs it
            self._func_string = None

    def _check_arguments_size(self):
        """A job whose arguments, as stored, exceed MAX_ARGUMENTS_SIZE is
        refused now, at ``with_delay()``, rather than failing its whole
        transaction's INSERT (PostgreSQL's hard limit is 1 GB per value)."""
        size = len(self._args_text or "") + len(self._kwargs_text or "")
        if size > MAX_ARGUMENTS_SIZE:
            raise JobError(
                "The arguments of job %s.%s take %d characters of JSON, over the"
                " limit of %d (queue_job.job.MAX_ARGUMENTS_SIZE): pass a"
                " reference to the data (a record, an attachment) instead"
                % (self.recordset._name, self.method_name, size, MAX_ARGUMENTS_SIZE)
            )
        self._arguments_size = size

    def _setup(self, func, args, kwargs, job_uuid):
        """What every Job has, new or loaded: the call and a fresh history."""
        recordset = func.__self__
        self.recordset = recordset
        self.env = recordset.env
        self.method_name = func.__name__
        self.args = args
        self.kwargs = kwargs
        self.job_model_name = "queue.job"
        self.job_config = _job_config(self.env, self.job_function_name)
        self._uuid = job_uuid
        self._stored = False
        self._known_new = False
        self._args_text = self._kwargs_text = self._func_string = None

        self.state = PENDING
        self.retry = 0
        self.graph_uuid = None
        self.date_created = datetime.now()
        self.date_enqueued = self.date_started = None
        self.date_done = self.date_cancelled = None
        self.result = self.exc_info = None
        self.exc_name = self.exc_message = None
        self.worker_pid = None
        # a loaded job's is its row's (job_storage.py): env.company would
        # cost a query on the worker's path
        self.company_id = None

        self._depends_on = set()
        self._reverse_depends_on = set()
        self._depends_on_uuids = set()
        self._reverse_depends_on_uuids = set()

    def _set_properties(self, priority, eta, max_retries, description, channel):
        self.priority = DEFAULT_PRIORITY if priority is None else priority
        # 0 is kept: it means retry forever
        self.max_retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        self._description = description
        self._channel = channel
        self._eta = None
        if eta:
            self.eta = eta

    def _set_identity_key(self, value):
        if value is None or isinstance(value, str):
            self._identity_key = value
            self._identity_key_func = None
        else:
            # a callable, evaluated on first read
            self._identity_key = None
            self._identity_key_func = value

    def job_record_with_same_identity_key(self):
        """The waiting job (if any) that has this job's identity key."""
        domain = [
            ("identity_key", "=", self.identity_key),
            ("state", "in", list(WAITING_STATES)),
        ]
        return self.env["queue.job"].sudo().search(domain, limit=1)

    # ------------------------------------------------------------------
    # the old API: build and store in one call
    # ------------------------------------------------------------------

    @classmethod
    def enqueue(
        cls,
        func: Callable,
        args: Optional[Sequence] = None,
        kwargs: Optional[dict] = None,
        priority: Optional[int] = None,
        eta: Eta = None,
        max_retries: Optional[int] = None,
        description: Optional[str] = None,
        channel: Optional[str] = None,
        identity_key: IdentityKey = None,
    ):
        """Make a job and store it (prefer ``with_delay()``).

        Returns the Job; when a waiting job has the same identity key, that
        one, loaded, and nothing is stored.
        """
        # positional, in the constructor's order (job_uuid: a new one)
        made = cls(
            func, args, kwargs, priority, eta, None, max_retries, description, channel
        )
        made.identity_key = identity_key
        return made._enqueue_job()

    def _enqueue_job(self):
        """Store the job unless a waiting one has its identity key (old API)."""
        waiting = self.identity_key and self.job_record_with_same_identity_key()
        if not waiting or waiting.uuid == self.uuid:
            # store() skips a duplicate too, when it can do so race-safely
            waiting = self.store()
        if waiting:
            _logger.debug(
                "job not enqueued: job %s waits with identity key %s",
                waiting.uuid,
                self.identity_key,
            )
            return self._load_from_db_record(waiting)
        _logger.debug("stored job %s: %s", self.uuid, self.func_string)
        return self

    # ------------------------------------------------------------------
    # running
    # ------------------------------------------------------------------

    def perform(self):
        """Call the method, counting the try; keep and return its result.

        A RetryableJobError that uses the last try allowed by ``max_retries``
        (0: no limit) becomes a FailedJobError; one raised with
        ``ignore_retry`` does not count.
        """
        self.retry += 1
        try:
            with self._time_limited():
                self.result = self.func(*self.args, **self.kwargs)
        except RetryableJobError as err:
            if err.ignore_retry:
                self.retry -= 1
            elif states.retries_exhausted(self.retry, self.max_retries):
                raise FailedJobError(
                    "Max. retries (%d) reached: %s"
                    % (self.max_retries, err or type(err))
                ) from err
            raise
        return self.result

    def _time_limited(self):
        """The TimeLimit of a run: cancels the query of the job's cursor."""
        seconds = self._time_limit()
        cr = self.env.cr
        # a test cursor wraps the real one
        cnx = getattr(cr, "_cnx", None) or getattr(
            getattr(cr, "_cursor", None), "_cnx", None
        )
        return TimeLimit(seconds, cnx, "Job", STOP_WATCH, self.env.cr.dbname, self.uuid)

    def _time_limit(self):
        """Seconds the job may run (0: no limit): its function's
        ``time_limit``, else its channel's (or the nearest parent's)."""
        return self.env["queue.job.function"]._time_limit_of(
            self.job_function_name, self.channel
        )

    def enqueue_waiting(self):
        """Move the dependents whose parents are all done to pending."""
        self.env["queue.job"].sudo()._enqueue_waiting_dependents(self.uuid)

    # ------------------------------------------------------------------
    # writing to the storage
    # ------------------------------------------------------------------

    def _state_values(self):
        # plain attributes read directly: one call per job, for every job
        started, done = self.date_started, self.date_done
        return {
            "state": self.state,
            "priority": self.priority,
            "retry": self.retry,
            "max_retries": self.max_retries,
            "eta": self.eta or False,
            "identity_key": self.identity_key or False,
            "graph_uuid": self.graph_uuid,
            "company_id": self.company_id,
            "worker_pid": self.worker_pid,
            "result": storable(str(self.result)) if self.result else False,
            "exc_info": storable(self.exc_info),
            "exc_name": storable(self.exc_name),
            "exc_message": storable(self.exc_message),
            "date_enqueued": self.date_enqueued or False,
            "date_started": started or False,
            "date_done": done or False,
            "date_cancelled": self.date_cancelled or False,
            "exec_time": (done - started).total_seconds()
            if started and done
            else False,
            # from the uuids: no loading, and links to jobs never loaded count
            "dependencies": {
                "depends_on": sorted(self._depends_on_uuids),
                "reverse_depends_on": sorted(self._reverse_depends_on_uuids),
            },
        }

    # ------------------------------------------------------------------
    # what the job is
    # ------------------------------------------------------------------

    @property
    def job_model(self):
        return self.env["queue.job"]

    def _sudo_job_model(self):
        model = self.env["queue.job"]
        return model if self.env.su else model.sudo()

    @property
    def uuid(self):
        """The job's uuid, made on first use for a new job."""
        if self._uuid is None:
            self._uuid = _new_uuid()
        return self._uuid

    @property
    def func(self):
        """The method, bound to the recordset with ``job_uuid`` in context."""
        return getattr(
            self.recordset.with_context(job_uuid=self.uuid), self.method_name
        )

    @property
    def model_name(self):
        return self.recordset._name

    @property
    def job_function_name(self):
        return "<%s>.%s" % (self.recordset._name, self.method_name)

    @property
    def user_id(self):
        return self.env.uid

    @property
    def func_string(self):
        """``repr(recordset).method(args..., key=value...)``, as made."""
        return self._func_string or self._format_call()

    def _format_call(self):
        shown = [repr(arg) for arg in self.args]
        shown.extend("%s=%r" % pair for pair in self.kwargs.items())
        return "%r.%s(%s)" % (self.recordset, self.method_name, ", ".join(shown))

    @property
    def description(self):
        """The given description, else the first line of the method's
        docstring, else ``model.method``."""
        if self._description:
            return self._description
        # from the class: no bound method to build
        method = getattr(type(self.recordset), self.method_name, None)
        return _first_doc_line(getattr(method, "__doc__", None)) or "%s.%s" % (
            self.recordset._name,
            self.method_name,
        )

    @description.setter
    def description(self, value):
        self._description = value

    @property
    def channel(self):
        """The given channel, else the one of the job function."""
        return self._channel or self.job_config.channel

    @channel.setter
    def channel(self, value):
        self._channel = value

    @property
    def eta(self):
        """Not run before this datetime (None: as soon as possible)."""
        return self._eta

    @eta.setter
    def eta(self, value):
        # seconds or a timedelta count from now; a falsy value is no eta
        if not value:
            value = None
        elif isinstance(value, int):
            value = timedelta(seconds=value)
        if isinstance(value, timedelta):
            value = datetime.now() + value
        self._eta = value

    @property
    def identity_key(self):
        if self._identity_key_func is not None and self._identity_key is None:
            self._identity_key = self._identity_key_func(self)
        return self._identity_key

    @identity_key.setter
    def identity_key(self, value):
        self._set_identity_key(value)

    @property
    def exec_time(self):
        """Seconds from start to done (None until both are known)."""
        if not (self.date_started and self.date_done):
            return None
        return (self.date_done - self.date_started).total_seconds()

    # ------------------------------------------------------------------
    # dependencies
    # ------------------------------------------------------------------

    def _linked(self, jobs, uuids):
        """``jobs``, completed by loading the jobs of ``uuids`` it lacks."""
        if len(jobs) < len(uuids):
            missing = uuids.difference(job_.uuid for job_ in jobs)
            if missing:
                jobs.update(Job.load_many(self.env, missing))
        return jobs

    @property
    def depends_on(self):
        """The Jobs this one waits for."""
        return self._linked(self._depends_on, self._depends_on_uuids)

    @property
    def reverse_depends_on(self):
        """The Jobs that wait for this one."""
        return self._linked(self._reverse_depends_on, self._reverse_depends_on_uuids)

    def add_depends(self, jobs):
        """This job runs after ``jobs`` (an iterable of Jobs) are done."""
        if self in jobs:
            raise ValueError("job cannot depend on itself")
        for parent in jobs:
            self._depends_on.add(parent)
            self._depends_on_uuids.add(parent.uuid)
            parent._reverse_depends_on.add(self)
            parent._reverse_depends_on_uuids.add(self.uuid)
            if parent.state != DONE:
                self.state = WAIT_DEPENDENCIES

    # ------------------------------------------------------------------
    # comparison
    # ------------------------------------------------------------------

    def __eq__(self, other):
        return isinstance(other, Job) and self.uuid == other.uuid

    def __hash__(self):
        return hash(self.uuid)

    def sorting_key(self):
        # the runner's order: eta, priority, creation; the uuid breaks ties
        return self.eta, self.priority, self.date_created, self.uuid

    def __lt__(self, other):
        # jobs with an eta come first, as in the runner's queues
        if bool(self.eta) != bool(other.eta):
            return bool(self.eta)
        return self.sorting_key() < other.sorting_key()

    def __repr__(self):
        return "<Job %s, priority:%d>" % (self.uuid, self.priority)

    # ------------------------------------------------------------------
    # state changes (memory only: store() persists)
    # ------------------------------------------------------------------

    def _get_retry_seconds(self, seconds=None):
        """Delay before the next try: ``seconds``, else the retry pattern.

        The pattern maps a try count to a delay: the entry with the highest
        count not above ``retry`` applies (RETRY_INTERVAL below the first).
        A delay given as a 2-element range is drawn at random, bounds
        included.
        """
        if not seconds:
            pattern = self.job_config.retry_pattern or {}
            reached = [count for count in pattern if count <= self.retry]
            seconds = pattern[max(reached)] if reached else RETRY_INTERVAL
        if isinstance(seconds, (list, tuple)):
            seconds = random.randint(seconds[0], seconds[1])
        return seconds

    def postpone(self, result=None, seconds=None):
        """Push the eta by the retry delay (the state is not changed)."""
        self.eta = timedelta(seconds=self._get_retry_seconds(seconds))
        self.exc_name = self.exc_info = None
        self._keep_result(result)

    def _keep_result(self, result):
        if result is not None:
            self.result = result

    def set_pending(self, result=None, reset_retry=True):
        """Back in the queue (waiting for its parents if one is not done)."""
        blocked = any(parent.state != DONE for parent in self.depends_on)
        self.state = WAIT_DEPENDENCIES if blocked else PENDING
        self.date_enqueued = self.date_started = self.date_done = None
        self.date_cancelled = self.worker_pid = None
        if reset_retry:
            self.retry = 0
        self._keep_result(result)

    def set_enqueued(self):
        """Handed to a worker by the runner."""
        self.state = ENQUEUED
        self.date_enqueued = datetime.now()
        self.date_started = self.worker_pid = None

    def set_started(self):
        """Running in this process."""
        self.state = STARTED
        self.date_started = datetime.now()
        self.worker_pid = os.getpid()

    def set_done(self, result=None):
        """Done, with its result if given; the error of a former try goes."""
        self.state = DONE
        self.date_done = datetime.now()
        self.exc_name = self.exc_info = None
        self._keep_result(result)

    def set_cancelled(self, result=None):
        """Cancelled: it will never run."""
        self.state = CANCELLED
        self.date_cancelled = datetime.now()
        self._keep_result(result)

    def set_failed(self, **kw):
        """Failed; each keyword given a value (usually exc_info, exc_name and
        exc_message) is set as an attribute."""
        self.state = FAILED
        for name, value in kw.items():
            if value is not None:
                setattr(self, name, value)

    def related_action(self):
        """The action of the job's "Related" button, or None."""
        config = self.job_config
        if not config.related_action_enable:
            return None
        funcname = (
            config.related_action_func_name or self.job_model._default_related_action
        )
        if not isinstance(funcname, str):
            raise ValueError(
                "%s: the related action func_name must be the name of a "
                "queue.job method, got %r" % (self.job_function_name, funcname)
            )
        action = getattr(self.db_record(), funcname)
        return action(**(config.related_action_kwargs or {}))
