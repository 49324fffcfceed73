# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""How a Job is read from and written to ``queue.job``.

``JobStorage`` is the part of :class:`~odoo.addons.queue_job.job.Job` that
knows the row: the columns a job is loaded from (by the ORM, or from the
row a worker's claim returns) and the values a ``store()`` writes. The
job's states and what they set are job.py's.
"""
import functools
import json
import logging
import sys

from . import fields as job_fields
from .exception import JobError, NoSuchJobError

_logger = logging.getLogger(__name__)

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

# what a loaded job takes as is from its row (falsy values become None)
_HISTORY_COLUMNS = (
    "date_enqueued",
    "date_started",
    "date_done",
    "date_cancelled",
    "graph_uuid",
    "result",
    "exc_info",
    # not loaded by the reference, so its next store() blanked them
    "exc_name",
    "exc_message",
    "company_id",
    "worker_pid",
)


@functools.lru_cache(maxsize=None)
def _store_values_hook(method_name):
    """The name of the method-specific ``_job_store_values_for_<method>``,
    interned so that the class attribute lookup hits Python's type cache."""
    return sys.intern("_job_store_values_for_%s" % method_name)


def _checked_arguments(args, kwargs):
    """(args as a tuple, kwargs as a dict); AssertionError for anything else."""
    if args is None:
        args = ()
    elif type(args) is list:
        args = tuple(args)
    if not isinstance(args, tuple):
        raise AssertionError("%r: args are not a tuple" % (args,))
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise AssertionError("%r: kwargs are not a dict" % (kwargs,))
    return args, kwargs


class JobStorage:
    """Reading and writing a Job's row (mixed into Job)."""

    @classmethod
    def load(cls, env, job_uuid):
        """The stored job ``job_uuid``; NoSuchJobError when there is none."""
        for record in cls.db_records_from_uuids(env, [job_uuid]):
            return cls._load_from_db_record(record)
        raise NoSuchJobError("Job %s does no longer exist in the storage." % job_uuid)

    @classmethod
    def load_many(cls, env, job_uuids):
        """The set of the stored jobs among ``job_uuids`` (others are skipped)."""
        records = cls.db_records_from_uuids(env, job_uuids)
        return set(map(cls._load_from_db_record, records))

    @classmethod
    def _load_from_db_record(cls, job_db_record):
        record = job_db_record
        # one query for the columns the ORM does not prefetch
        record._read(["records", "args", "kwargs", "dependencies"])
        row = {name: record[name] for name in LOADED_COLUMNS}
        row["company_id"] = record.company_id.id
        return cls._load_from_values(row)

    @classmethod
    def _load_from_row(cls, env, row):
        """A job from a mapping of its ``queue_job`` columns, as SQL returns
        them (LOADED_COLUMNS): no ORM read, for the worker's hot path."""

        def decoded(name, empty):
            return job_fields.loads(row[name], env) if row[name] else empty

        values = dict(row)
        values["records"] = decoded("records", env["base"])
        values["args"] = decoded("args", [])
        values["kwargs"] = decoded("kwargs", {})
        values["dependencies"] = json.loads(row["dependencies"] or "{}")
        return cls._load_from_values(values)

    @classmethod
    def _load_from_values(cls, stored):
        recordset = stored["records"]
        method = getattr(recordset, stored["method_name"], None)
        if not callable(method):
            raise JobError(
                "Job %s: model %s has no method %r"
                % (stored["uuid"], recordset._name, stored["method_name"])
            )
        # no __init__: a loaded job never writes its arguments again, so
        # they are not encoded
        job_ = cls.__new__(cls)
        args, kwargs = _checked_arguments(stored["args"], stored["kwargs"])
        job_._setup(method, args, kwargs, stored["uuid"])
        job_._set_properties(
            stored["priority"],
            stored["eta"],
            stored["max_retries"],
            stored["name"],
            stored["channel"],
        )
        job_._set_identity_key(stored["identity_key"] or None)
        job_.date_created = stored["date_created"] or job_.date_created
        job_.state = stored["state"]
        job_.retry = stored["retry"]
        for name in _HISTORY_COLUMNS:
            setattr(job_, name, stored[name] or None)
        links = stored["dependencies"] or {}
        job_._depends_on_uuids.update(links.get("depends_on") or ())
        job_._reverse_depends_on_uuids.update(links.get("reverse_depends_on") or ())
        job_._stored = True
        return job_

    @classmethod
    def db_records_from_uuids(cls, env, job_uuids):
        found = env["queue.job"].sudo().search([("uuid", "in", tuple(job_uuids))])
        return found.with_env(env).sudo()

    @classmethod
    def db_record_from_uuid(cls, env, job_uuid):
        _logger.debug("db_record_from_uuid is deprecated: db_records_from_uuids")
        return cls.db_records_from_uuids(env, [job_uuid])

    def db_record(self):
        """The ``queue.job`` record of this job (empty if not stored)."""
        return self.db_records_from_uuids(self.env, [self.uuid])

    def store(self):
        """Write the job (one row for a new job, an update otherwise).

        A new job costs one row in the current transaction, written in a
        batch with the other new jobs of the cursor (see ``queue.job``).
        Returns None, or the existing ``queue.job`` record when a single job
        with the same identity key waits already (then nothing is stored).
        """
        model = self._sudo_job_model()
        if not self._stored:
            if self._known_new:
                return model._enqueue_new(self)
        elif model._enqueue_buffer_update(self):
            return None
        record = self.db_record()
        if not record:
            return model._enqueue_new(self)
        sentinel = model.EDIT_SENTINEL
        record.with_context(_job_edit_sentinel=sentinel).write(self._store_values())
        self._stored = True
        return None

    def _store_values(self, create=False):
        """The column values of a store(); with ``create``, those of the new
        row (what a job never changes once stored) as well."""
        values = self._state_values()
        if create:
            values.update(self._creation_values())
        extras = self._model_store_values()
        for key, value in extras.items():
            # model extras never override the job's own values
            values.setdefault(key, value)
        return values

    def _creation_values(self):
        recordset = self.recordset
        args, kwargs = self._args_text, self._kwargs_text
        return {
            "uuid": self.uuid,
            "user_id": self.env.uid,
            "name": self.description,
            "channel": self.channel,
            "date_created": self.date_created,
            "model_name": recordset._name,
            "method_name": self.method_name,
            "channel_method_name": self.job_function_name,
            "job_function_id": self.job_config.job_function_id,
            "func_string": self.func_string,
            "records": recordset,
            # the copies made with the job, unless they could not be made
            "args": self.args if args is None else args,
            "kwargs": self.kwargs if kwargs is None else kwargs,
        }

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
        job_fields_ = self.env.registry["queue.job"]._fields
        for key in list(values):
            field = job_fields_.get(key)
            if field is None or not field.store:
                _logger.warning(
                    "%s: extra job value %r dropped, queue.job has no such "
                    "stored field",
                    self.job_function_name,
                    key,
                )
                del values[key]
        return values
