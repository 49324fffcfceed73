# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The Job: a method call on a recordset, stored in ``queue.job``.

A Job lives in memory; ``store()`` writes it and ``load()`` reads it back.
The state mutators (``set_*``, ``postpone``) change memory only.
"""
import functools
import hashlib
import inspect
import json
import logging
import os
import random
import sys
import weakref
from datetime import datetime, timedelta

import odoo

from . import fields as job_fields
from .exception import FailedJobError, JobError, NoSuchJobError, RetryableJobError

WAIT_DEPENDENCIES = "wait_dependencies"
PENDING = "pending"
ENQUEUED = "enqueued"
CANCELLED = "cancelled"
DONE = "done"
STARTED = "started"
FAILED = "failed"

STATES = [
    (WAIT_DEPENDENCIES, "Wait Dependencies"),
    (PENDING, "Pending"),
    (ENQUEUED, "Enqueued"),
    (STARTED, "Started"),
    (DONE, "Done"),
    (CANCELLED, "Cancelled"),
    (FAILED, "Failed"),
]

# states in which a job is waiting to run
WAITING_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED)

DEFAULT_PRIORITY = 10  # lower runs first
DEFAULT_MAX_RETRIES = 5
RETRY_INTERVAL = 10 * 60  # seconds

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


@functools.lru_cache(maxsize=None)
def _store_values_hook(method_name):
    """The name of the method-specific ``_job_store_values_for_<method>``,
    interned so that the class attribute lookup hits Python's type cache."""
    return sys.intern("_job_store_values_for_%s" % method_name)


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


# the queue_job columns a Job is loaded from
LOADED_COLUMNS = (
    "uuid",
    "name",
    "records",
    "method_name",
    "args",
    "kwargs",
    "priority",
    "eta",
    "channel",
    "identity_key",
    "max_retries",
    "date_created",
    "date_enqueued",
    "date_started",
    "date_done",
    "date_cancelled",
    "state",
    "graph_uuid",
    "result",
    "exc_info",
    "exc_name",
    "exc_message",
    "retry",
    "company_id",
    "worker_pid",
    "dependencies",
)


class Job:
    """A job: a method of a recordset to call later, with its state.

    ``func`` is a bound method of a recordset; ``args`` a tuple (or list) and
    ``kwargs`` a dict of JSON-serializable values (recordsets, dates,
    datetimes and lxml elements included, see ``fields.JobEncoder``).
    """

    # ------------------------------------------------------------------
    # loading
    # ------------------------------------------------------------------

    @classmethod
    def load(cls, env, job_uuid):
        """Read a job from the storage; NoSuchJobError if it does not exist."""
        stored = cls.db_records_from_uuids(env, [job_uuid])
        if not stored:
            raise NoSuchJobError(
                "Job %s does no longer exist in the storage." % job_uuid
            )
        return cls._load_from_db_record(stored)

    @classmethod
    def load_many(cls, env, job_uuids):
        """Read several jobs; unknown uuids are ignored. Returns a set."""
        return {
            cls._load_from_db_record(record)
            for record in cls.db_records_from_uuids(env, job_uuids)
        }

    @classmethod
    def _load_from_db_record(cls, job_db_record):
        stored = job_db_record
        # one query for the columns the ORM does not prefetch
        stored._read(["records", "args", "kwargs", "dependencies"])
        values = {name: stored[name] for name in LOADED_COLUMNS}
        values["company_id"] = stored.company_id.id
        return cls._load_from_values(values)

    @classmethod
    def _load_from_row(cls, env, row):
        """A job from a mapping of its ``queue_job`` columns, as SQL returns
        them (LOADED_COLUMNS): no ORM read, for the worker's hot path."""
        values = dict(row)
        values["records"] = (
            job_fields.loads(row["records"], env) if row["records"] else env["base"]
        )
        values["args"] = job_fields.loads(row["args"], env) if row["args"] else []
        values["kwargs"] = job_fields.loads(row["kwargs"], env) if row["kwargs"] else {}
        values["dependencies"] = json.loads(row["dependencies"] or "{}")
        return cls._load_from_values(values)

    @classmethod
    def _load_from_values(cls, stored):
        recordset = stored["records"]
        method = getattr(recordset, stored["method_name"], None)
        if method is None or not callable(method):
            raise JobError(
                "Job %s: model %s has no method %r"
                % (stored["uuid"], recordset._name, stored["method_name"])
            )
        job_ = cls(
            method,
            args=stored["args"],
            kwargs=stored["kwargs"],
            priority=stored["priority"],
            eta=stored["eta"] or None,
            job_uuid=stored["uuid"],
            description=stored["name"],
            channel=stored["channel"],
            identity_key=stored["identity_key"] or None,
            max_retries=stored["max_retries"],
        )
        job_.date_created = stored["date_created"] or job_.date_created
        job_.date_enqueued = stored["date_enqueued"] or None
        job_.date_started = stored["date_started"] or None
        job_.date_done = stored["date_done"] or None
        job_.date_cancelled = stored["date_cancelled"] or None
        job_.state = stored["state"]
        job_.graph_uuid = stored["graph_uuid"] or None
        job_.result = stored["result"] or None
        job_.exc_info = stored["exc_info"] or None
        # the reference forgot these two, so a later store() blanked them
        job_.exc_name = stored["exc_name"] or None
        job_.exc_message = stored["exc_message"] or None
        job_.retry = stored["retry"]
        job_.company_id = stored["company_id"] or None
        job_.worker_pid = stored["worker_pid"] or None
        dependencies = stored["dependencies"] or {}
        job_._depends_on_uuids.update(dependencies.get("depends_on") or ())
        job_._reverse_depends_on_uuids.update(
            dependencies.get("reverse_depends_on") or ()
        )
        job_._stored = True
        return job_

    @classmethod
    def db_records_from_uuids(cls, env, job_uuids):
        model = env["queue.job"].sudo()
        records = model.search([("uuid", "in", tuple(job_uuids))])
        return records.with_env(env).sudo()

    @classmethod
    def db_record_from_uuid(cls, env, job_uuid):
        _logger.debug("db_record_from_uuid is deprecated: db_records_from_uuids")
        return cls.db_records_from_uuids(env, [job_uuid])

    @classmethod
    def enqueue(
        cls,
        func,
        args=None,
        kwargs=None,
        priority=None,
        eta=None,
        max_retries=None,
        description=None,
        channel=None,
        identity_key=None,
    ):
        """Create and store a job (old API, prefer ``with_delay()``).

        Returns a Job; with an identity key matching a waiting job, the Job
        loaded from that existing record.
        """
        new_job = cls(
            func=func,
            args=args,
            kwargs=kwargs,
            priority=priority,
            eta=eta,
            max_retries=max_retries,
            description=description,
            channel=channel,
            identity_key=identity_key,
        )
        if new_job.identity_key:
            existing = new_job.job_record_with_same_identity_key()
            if existing:
                _logger.debug(
                    "job not enqueued: job %s waits with identity key %s",
                    existing.uuid,
                    new_job.identity_key,
                )
                return cls._load_from_db_record(existing)
        existing = new_job.store()
        if existing:
            return cls._load_from_db_record(existing)
        _logger.debug("stored job %s: %s", new_job.uuid, new_job.func_string)
        return new_job

    # ------------------------------------------------------------------
    # construction
    # ------------------------------------------------------------------

    def __init__(
        self,
        func,
        args=None,
        kwargs=None,
        priority=None,
        eta=None,
        job_uuid=None,
        max_retries=None,
        description=None,
        channel=None,
        identity_key=None,
    ):
        if args is None:
            args = ()
        elif isinstance(args, list):
            args = tuple(args)
        assert isinstance(args, tuple), "%s: args are not a tuple" % (args,)
        if kwargs is None:
            kwargs = {}
        assert isinstance(kwargs, dict), "%s: kwargs are not a dict" % (kwargs,)
        if not _is_model_method(func):
            raise TypeError("Job accepts only methods of Models")

        recordset = func.__self__
        env = recordset.env
        self.method_name = func.__name__
        self.recordset = recordset
        self.env = env
        self.job_model_name = "queue.job"
        self.job_config = _job_config(env, self.job_function_name)

        self.state = PENDING
        self.retry = 0
        self.max_retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        self._uuid = job_uuid
        # a uuid we generate ourselves cannot be in the storage yet
        self._stored = False
        self._known_new = job_uuid is None
        self.graph_uuid = None

        self.args = args
        self.kwargs = kwargs

        self._depends_on = set()
        self._reverse_depends_on = None  # a WeakSet, made on first link
        self._depends_on_uuids = set()
        self._reverse_depends_on_uuids = set()

        self.priority = DEFAULT_PRIORITY if priority is None else priority
        self.date_created = datetime.now()
        self._description = description
        if identity_key is None or isinstance(identity_key, str):
            # what the identity_key setter does, without the property call
            self._identity_key = identity_key
            self._identity_key_func = None
        else:
            self.identity_key = identity_key

        self.date_enqueued = None
        self.date_started = None
        self.date_done = None
        self.date_cancelled = None

        self.result = None
        self.exc_name = None
        self.exc_message = None
        self.exc_info = None

        context = env.context
        if "company_id" in context:
            self.company_id = context["company_id"]
        else:
            self.company_id = env.company.id

        self._eta = None
        if eta:
            self.eta = eta
        self._channel = channel
        self.worker_pid = None

    # ------------------------------------------------------------------
    # execution
    # ------------------------------------------------------------------

    def perform(self):
        """Run the method; count the try; return (and keep) its result.

        A RetryableJobError becomes a FailedJobError once the tries reach
        ``max_retries`` (0 means unlimited).
        """
        self.retry += 1
        try:
            self.result = self.func(*tuple(self.args), **self.kwargs)
        except RetryableJobError as err:
            if err.ignore_retry:
                self.retry -= 1
                raise
            if not self.max_retries:  # infinite retries
                raise
            if self.retry >= self.max_retries:
                raise FailedJobError(
                    "Max. retries (%d) reached: %s"
                    % (self.max_retries, err or type(err))
                ) from err
            raise
        return self.result

    def enqueue_waiting(self):
        """Move the dependents whose parents are all done to pending."""
        self.env["queue.job"].sudo()._enqueue_waiting_dependents(self.uuid)

    # ------------------------------------------------------------------
    # persistence
    # ------------------------------------------------------------------

    def store(self):
        """Write the job (one row for a new job, an update otherwise).

        A new job costs one row in the current transaction, written in a
        batch with the other new jobs of the cursor (see ``queue.job``).
        Returns None, or the existing ``queue.job`` record when a single job
        with the same identity key waits already (then nothing is stored).
        """
        job_model = self._sudo_job_model()
        if self._stored and job_model._enqueue_buffer_update(self):
            return None
        if not self._stored and self._known_new:
            return job_model._enqueue_new(self)
        record = self.db_record()
        if record:
            record.with_context(_job_edit_sentinel=job_model.EDIT_SENTINEL).write(
                self._store_values()
            )
            self._stored = True
            return None
        return job_model._enqueue_new(self)

    def _store_values(self, create=False):
        # plain attributes read directly: one call per job, for every job
        date_started = self.date_started
        date_done = self.date_done
        exec_time = self.exec_time if date_started and date_done else None
        result = self.result
        depends_on = self._depends_on_uuids
        reverse_depends_on = self._reverse_depends_on_uuids
        vals = {
            "state": self.state,
            "priority": self.priority,
            "retry": self.retry,
            "max_retries": self.max_retries,
            "exc_name": self.exc_name,
            "exc_message": self.exc_message,
            "exc_info": self.exc_info,
            "company_id": self.company_id,
            "result": str(result) if result else False,
            "date_enqueued": self.date_enqueued or False,
            "date_started": date_started or False,
            "date_done": date_done or False,
            "exec_time": exec_time or False,
            "date_cancelled": self.date_cancelled or False,
            "eta": self.eta or False,
            "identity_key": self.identity_key or False,
            "worker_pid": self.worker_pid,
            "graph_uuid": self.graph_uuid,
            # from the uuids: no loading, and a child Job object that was
            # garbage collected (reverse links are weak) still counts
            "dependencies": {
                "depends_on": sorted(depends_on) if depends_on else [],
                "reverse_depends_on": sorted(reverse_depends_on)
                if reverse_depends_on
                else [],
            },
        }
        if create:
            recordset = self.recordset
            vals["user_id"] = self.env.uid
            vals["channel"] = self.channel
            vals["uuid"] = self.uuid
            vals["name"] = self.description
            vals["func_string"] = self.func_string
            vals["date_created"] = self.date_created
            vals["model_name"] = recordset._name
            vals["method_name"] = self.method_name
            vals["job_function_id"] = self.job_config.job_function_id
            vals["channel_method_name"] = self.job_function_name
            vals["records"] = recordset
            vals["args"] = self.args
            vals["kwargs"] = self.kwargs
        extras = self._model_store_values()
        if extras:
            for key, value in extras.items():
                # model extras never override the job's own values
                vals.setdefault(key, value)
        return vals

    def _model_store_values(self):
        """Extra column values asked by the job's model.

        ``_job_store_values(job)`` first, then the method specific
        ``_job_store_values_for_<method>(job)`` which wins on shared keys.
        Keys that are not stored fields of ``queue.job`` are dropped.
        """
        values = {}
        for name in ("_job_store_values", _store_values_hook(self.method_name)):
            handler = getattr(self.recordset, name, None)
            if handler is not None:
                values.update(handler(self) or ())
        if not values:
            return values
        model_fields = self.env.registry["queue.job"]._fields
        unknown = [
            key
            for key in values
            if key not in model_fields or not model_fields[key].store
        ]
        for key in unknown:
            _logger.warning(
                "%s: extra job value %r dropped, queue.job has no such stored field",
                self.job_function_name,
                key,
            )
            del values[key]
        return values

    def db_record(self):
        """The ``queue.job`` record of this job (empty if not stored)."""
        return self.db_records_from_uuids(self.env, [self.uuid])

    # ------------------------------------------------------------------
    # properties
    # ------------------------------------------------------------------

    @property
    def job_model(self):
        return self.env["queue.job"]

    def _sudo_job_model(self):
        model = self.env["queue.job"]
        return model if self.env.su else model.sudo()

    @property
    def func(self):
        recordset = self.recordset.with_context(job_uuid=self.uuid)
        return getattr(recordset, self.method_name)

    @property
    def identity_key(self):
        if self._identity_key is None and self._identity_key_func is not None:
            self._identity_key = self._identity_key_func(self)
        return self._identity_key

    @identity_key.setter
    def identity_key(self, value):
        if isinstance(value, str) or value is None:
            self._identity_key = value
            self._identity_key_func = None
        else:
            # a callable, evaluated on first read
            self._identity_key = None
            self._identity_key_func = value

    def job_record_with_same_identity_key(self):
        """The waiting job (if any) that has this job's identity key."""
        return (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "=", self.identity_key),
                    ("state", "in", list(WAITING_STATES)),
                ],
                limit=1,
            )
        )

    @property
    def depends_on(self):
        if not self._depends_on and self._depends_on_uuids:
            self._depends_on = Job.load_many(self.env, self._depends_on_uuids)
        return self._depends_on

    @property
    def reverse_depends_on(self):
        if not self._reverse_depends_on and self._reverse_depends_on_uuids:
            # loaded here, nobody else holds them: a weak set would lose them
            return Job.load_many(self.env, self._reverse_depends_on_uuids)
        return self._reverse_depends_on or weakref.WeakSet()

    def add_depends(self, jobs):
        """This job runs after ``jobs`` (an iterable of Jobs) are done."""
        if self in jobs:
            raise ValueError("job cannot depend on itself")
        self._depends_on.update(jobs)
        self._depends_on_uuids.update(parent.uuid for parent in jobs)
        for parent in jobs:
            if parent._reverse_depends_on is None:
                parent._reverse_depends_on = weakref.WeakSet()
            parent._reverse_depends_on.add(self)
            parent._reverse_depends_on_uuids.add(self.uuid)
        if any(parent.state != DONE for parent in jobs):
            self.state = WAIT_DEPENDENCIES

    @property
    def description(self):
        if self._description:
            return self._description
        # from the class: no bound method to build
        method = getattr(type(self.recordset), self.method_name, None)
        line = _first_doc_line(getattr(method, "__doc__", None))
        if line:
            return line
        return "{}.{}".format(self.model_name, self.method_name)

    @description.setter
    def description(self, value):
        self._description = value

    @property
    def uuid(self):
        if self._uuid is None:
            self._uuid = _new_uuid()
        return self._uuid

    @property
    def model_name(self):
        return self.recordset._name

    @property
    def user_id(self):
        return self.recordset.env.uid

    @property
    def job_function_name(self):
        return "<{}>.{}".format(self.model_name, self.method_name)

    @property
    def func_string(self):
        parts = [repr(arg) for arg in self.args]
        parts += ["%s=%r" % item for item in self.kwargs.items()]
        return "%r.%s(%s)" % (self.recordset, self.method_name, ", ".join(parts))

    @property
    def eta(self):
        return self._eta

    @eta.setter
    def eta(self, value):
        if not value:
            self._eta = None
        elif isinstance(value, timedelta):
            self._eta = datetime.now() + value
        elif isinstance(value, int):
            self._eta = datetime.now() + timedelta(seconds=value)
        else:
            self._eta = value

    @property
    def channel(self):
        return self._channel or self.job_config.channel

    @channel.setter
    def channel(self, value):
        self._channel = value

    @property
    def exec_time(self):
        if self.date_done and self.date_started:
            return (self.date_done - self.date_started).total_seconds()
        return None

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
        if self.eta and not other.eta:
            return True
        if not self.eta and other.eta:
            return False
        return self.sorting_key() < other.sorting_key()

    def __repr__(self):
        return "<Job %s, priority:%d>" % (self.uuid, self.priority)

    # ------------------------------------------------------------------
    # retries and state changes (memory only: store() persists)
    # ------------------------------------------------------------------

    def _get_retry_seconds(self, seconds=None):
        """Delay before the next try: ``seconds``, else the retry pattern.

        The pattern maps a try count to a delay: the entry with the highest
        count not above ``retry`` applies. A delay given as a 2-element range
        is drawn at random, bounds included.
        """
        retry_pattern = self.job_config.retry_pattern
        if not seconds and retry_pattern:
            seconds = RETRY_INTERVAL
            for retry_count, postpone_seconds in sorted(retry_pattern.items()):
                if self.retry < retry_count:
                    break
                seconds = postpone_seconds
        elif not seconds:
            seconds = RETRY_INTERVAL
        if isinstance(seconds, (list, tuple)):
            seconds = random.randint(seconds[0], seconds[1])
        return seconds

    def postpone(self, result=None, seconds=None):
        """Push the eta by the retry delay (the state is not changed)."""
        self.eta = timedelta(seconds=self._get_retry_seconds(seconds))
        self.exc_name = None
        self.exc_info = None
        if result is not None:
            self.result = result

    def set_pending(self, result=None, reset_retry=True):
        if any(parent.state != DONE for parent in self.depends_on):
            self.state = WAIT_DEPENDENCIES
        else:
            self.state = PENDING
        self.date_enqueued = None
        self.date_started = None
        self.date_done = None
        self.date_cancelled = None
        self.worker_pid = None
        if reset_retry:
            self.retry = 0
        if result is not None:
            self.result = result

    def set_enqueued(self):
        self.state = ENQUEUED
        self.date_enqueued = datetime.now()
        self.date_started = None
        self.worker_pid = None

    def set_started(self):
        self.state = STARTED
        self.date_started = datetime.now()
        self.worker_pid = os.getpid()

    def set_done(self, result=None):
        self.state = DONE
        self.exc_name = None
        self.exc_info = None
        self.date_done = datetime.now()
        if result is not None:
            self.result = result

    def set_cancelled(self, result=None):
        self.state = CANCELLED
        self.date_cancelled = datetime.now()
        if result is not None:
            self.result = result

    def set_failed(self, **kw):
        self.state = FAILED
        for key, value in kw.items():
            if value is not None:
                setattr(self, key, value)

    def related_action(self):
        """The action opened by the job's "Related" button, or None."""
        config = self.job_config
        if not config.related_action_enable:
            return None
        funcname = config.related_action_func_name
        if not funcname:
            funcname = self.job_model._default_related_action
        if not isinstance(funcname, str):
            raise ValueError(
                "%s: the related action func_name must be the name of a "
                "queue.job method, got %r" % (self.job_function_name, funcname)
            )
        action = getattr(self.db_record(), funcname)
        return action(**(config.related_action_kwargs or {}))

    def _enqueue_job(self):
        """Store the job (old API)."""
        self.store()
        _logger.debug("stored job %s: %s", self.uuid, self.func_string)
        return self
