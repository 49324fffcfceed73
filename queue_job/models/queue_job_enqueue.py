# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Cheap enqueue (docs/DESIGN.md, section 4): new jobs written by multi-row
INSERTs of buffered rows, the ORM create only when another addon needs it."""
import functools
import json
import logging
import uuid

from psycopg2 import errors as pg_errors

from odoo import api, models

from ..exception import JobError
from ..fields import dumps
from ..job import WAITING_STATES

_logger = logging.getLogger(__name__)

# new jobs of a cursor wait here until one multi-row INSERT writes them
ENQUEUE_BUFFER_KEY = "queue_job.enqueue"
ENQUEUE_BATCH_SIZE = 1000
ENQUEUE_RECORDS_KEY = "queue_job.enqueue_records"
# transaction-local setting proving that a buffer was not rolled back
ENQUEUE_TOKEN_SETTING = "queue_job.enqueue_token"

# fields written by Job._store_values(create=True)
JOB_STORE_FIELDS = frozenset(
    (
        "state priority retry max_retries exc_name exc_message exc_info "
        "company_id result date_enqueued date_started date_done exec_time "
        "date_cancelled eta identity_key worker_pid graph_uuid dependencies "
        "user_id channel uuid name func_string date_created model_name "
        "method_name job_function_id channel_method_name records args kwargs"
    ).split()
)

# modules whose create() on queue.job is known to do nothing that a plain
# INSERT with mail_create_nolog/nosubscribe skips
PLAIN_CREATE_MODULES = (None, "base", "mail", "queue_job")

_NO_DEPENDENCIES = {"depends_on": [], "reverse_depends_on": []}
_NO_DEPENDENCIES_JSON = json.dumps(_NO_DEPENDENCIES)


def _serialized(value):
    if value == _NO_DEPENDENCIES:  # nearly every job
        return _NO_DEPENDENCIES_JSON
    return json.dumps(value) if isinstance(value, dict) else (value or None)


def _many2one(value):
    if isinstance(value, models.BaseModel):
        return value.id or None
    return value or None


# How the raw INSERT converts the values of the core fields, as Python
# expressions on "value" (other fields go through their convert_to_column,
# as in the ORM). Inlined in one generated function per column list: a
# function call per column would cost as much as the INSERT itself.
INLINE_CONVERSIONS = {
    "char": "(None if value is None or value is False else str(value))",
    "text": "(None if value is None or value is False else str(value))",
    "selection": "(None if value is None or value is False else str(value))",
    "integer": "int(value or 0)",
    "float": "float(value or 0.0)",
    "datetime": "(value or None)",
    # JSON text already (_enqueue_encode)
    "job_serialized": "(None if value is None or value is False else value)",
}


class EnqueueInfo:
    """What the raw INSERT of new jobs needs to know about ``queue.job``.

    The raw INSERT replaces the ORM create only when the create would do
    nothing more: no other module overrides it, and every column it would
    fill with a default or a compute is given.
    """

    def __init__(self, model):
        self.create_overridden = any(
            "create" in klass.__dict__
            and getattr(klass, "_module", None) not in PLAIN_CREATE_MODULES
            for klass in type(model).__mro__
        )
        self.columns = {}
        needs_default = set()
        for name, field in model._fields.items():
            if not field.store or not field.column_type or name == "id":
                continue
            self.columns[name] = field
            if name not in JOB_STORE_FIELDS and (
                field.default is not None or field.compute
            ):
                needs_default.add(name)
        self.needs_default = frozenset(needs_default)
        self._plans = {}  # columns -> (needs_orm, converters)

    def plan(self, model, columns):
        """(needs_orm, build) for rows of these columns; ``build`` turns the
        list of values into the tuple of column values."""
        plan = self._plans.get(columns)
        if plan is None:
            needs_orm = (
                self.create_overridden
                or bool(self.needs_default.difference(columns))
                or any(name not in self.columns for name in columns)
            )
            build = None if needs_orm else self._row_builder(model, columns)
            plan = self._plans[columns] = (needs_orm, build)
        return plan

    def _row_builder(self, model, columns):
        namespace = {"_many2one": _many2one, "_serialized": _serialized}
        parts = []
        empty = model.browse()
        for index, name in enumerate(columns):
            field = self.columns[name]
            value = "values[%d]" % index
            inline = INLINE_CONVERSIONS.get(field.type)
            if name in JOB_STORE_FIELDS and inline:
                parts.append(inline.replace("value", value))
            elif name in JOB_STORE_FIELDS and field.type in ("many2one", "serialized"):
                parts.append("_%s(%s)" % (field.type, value))
            else:
                namespace["convert_%d" % index] = functools.partial(
                    field.convert_to_column, record=empty
                )
                parts.append("convert_%d(%s)" % (index, value))
        source = "def build(values):\n    return (%s,)\n" % ", ".join(parts)
        exec(source, namespace)  # nosec: built from field types, not input
        return namespace["build"]


class EnqueueBuffer:
    """New job rows of one cursor, by uuid, in creation order."""

    __slots__ = ("rows", "token", "generation")

    def __init__(self, token, generation):
        self.rows = {}  # uuid -> (columns, values)
        self.token = token
        self.generation = generation


class QueueJob(models.Model):
    _inherit = "queue.job"

    def _enqueue_new(self, job_):
        """Write a new job; one row in the current transaction.

        Returns None, or the waiting ``queue.job`` that has the same identity
        key (single jobs only; then nothing is written).
        """
        vals = self._enqueue_encode(job_, job_._store_values(create=True))
        single_identity = bool(vals.get("identity_key")) and not vals.get("graph_uuid")
        columns = tuple(vals)
        needs_orm, build = self._enqueue_model_info().plan(self, columns)
        if needs_orm:
            existing = self._enqueue_with_orm(vals, single_identity)
        else:
            values = build(list(vals.values()))
            existing = None
            if single_identity:
                existing = self._enqueue_insert_unique(columns, values)
            elif self.env.registry.in_test_mode():
                # HttpCase: requests use this connection through their own
                # cursor objects, which do not see this cursor's buffer
                self._enqueue_flush_buffer()
                self._enqueue_insert_rows(columns, [values])
            else:
                self._enqueue_buffer_add(job_.uuid, columns, values)
        if not existing:
            job_._stored = True
        return existing or None

    def _enqueue_buffer_update(self, job_):
        """Replace the buffered row of ``job_``; False if it is not buffered."""
        buffer = self._enqueue_buffer(create=False)
        if buffer is None or job_.uuid not in buffer.rows:
            return False
        vals = self._enqueue_encode(job_, job_._store_values(create=True))
        buffer.rows[job_.uuid] = self._enqueue_row(vals)
        return True

    def _enqueue_encode(self, job_, vals):
        """Serialize records, args and kwargs now, naming what cannot be."""
        records = vals.get("records")
        if isinstance(records, models.BaseModel):
            # jobs delayed in a loop share their recordset: encode it once
            # per cursor (a recordset object never changes)
            last = self.env.cr.precommit.data.get(ENQUEUE_RECORDS_KEY)
            if last is not None and last[0] is records:
                vals["records"] = last[1]
            else:
                vals["records"] = dumps(records)
                self.env.cr.precommit.data[ENQUEUE_RECORDS_KEY] = (
                    records,
                    vals["records"],
                )
        for name in ("args", "kwargs"):
            value = vals.get(name)
            if value is None or isinstance(value, str):
                continue
            try:
                vals[name] = dumps(value)
            except (TypeError, ValueError) as err:
                raise TypeError(
                    "Cannot store job %s: %s cannot be serialized (%s)"
                    % (
                        job_.job_function_name,
                        self._unserializable_part(name, value),
                        err,
                    )
                ) from err
        return vals

    @staticmethod
    def _unserializable_part(name, value):
        if name == "args":
            for index, arg in enumerate(value):
                try:
                    dumps(arg)
                except (TypeError, ValueError):
                    return "argument %d (%r)" % (index, arg)
        elif name == "kwargs":
            for key, arg in value.items():
                try:
                    dumps(arg)
                except (TypeError, ValueError):
                    return "keyword argument %r (%r)" % (key, arg)
        return name

    @api.model
    def _setup_complete(self):
        super()._setup_complete()
        # the registry class outlives module installs: recompute the info
        type(self)._queue_job_enqueue_info = None

    def _enqueue_model_info(self):
        """How new rows are written, cached on the registry class until its
        next setup (see ``EnqueueInfo``)."""
        cls = type(self)
        info = cls.__dict__.get("_queue_job_enqueue_info")
        if info is None:
            info = cls._queue_job_enqueue_info = EnqueueInfo(self)
        return info

    def _enqueue_needs_orm(self, vals):
        return self._enqueue_model_info().plan(self, tuple(vals))[0]

    def _enqueue_row(self, vals):
        columns = tuple(vals)
        _needs_orm, build = self._enqueue_model_info().plan(self, columns)
        return columns, build(list(vals.values()))

    def _enqueue_with_orm(self, vals, single_identity):
        model = self.with_context(_job_edit_sentinel=self.EDIT_SENTINEL)
        if not single_identity:
            model.create(vals)
            return None
        try:
            with self.env.cr.savepoint():
                model.create(vals)
        except pg_errors.UniqueViolation:
            existing = self._identity_key_waiting(vals["identity_key"])
            if not existing:
                raise
            return existing
        return None

    def _identity_key_waiting(self, identity_key):
        return self.search(
            [
                ("identity_key", "=", identity_key),
                ("state", "in", list(WAITING_STATES)),
            ],
            limit=1,
        )

    def _enqueue_insert_unique(self, columns, values):
        """INSERT one single job with an identity key, unless a waiting one
        has the key: then return that one. Concurrent creators wait for each
        other on the unique index (in REPEATABLE READ the later one gets a
        serialization failure, and its request is retried)."""
        # keep ids in creation order
        self._enqueue_flush_buffer()
        cr = self.env.cr
        cr.execute(
            "INSERT INTO queue_job (%s) VALUES %%s "
            "ON CONFLICT (identity_key) WHERE identity_key IS NOT NULL "
            "AND graph_uuid IS NULL AND state IN %%s DO NOTHING RETURNING id"
            % ", ".join('"%s"' % name for name in columns),
            (values, WAITING_STATES),
        )
        if cr.fetchone():
            return None
        identity_key = values[columns.index("identity_key")]
        existing = self._identity_key_waiting(identity_key)
        if not existing:
            raise JobError(
                "Job with identity key %r conflicts with a job that is not "
                "visible to this transaction" % identity_key
            )
        return existing

    # replaced at every clear_caches() of the registry, which the test
    # framework does after rolling a test back (see _enqueue_buffer)
    _enqueue_generation_marker = None

    @classmethod
    def clear_caches(cls):
        cls._enqueue_generation_marker = object()
        return super().clear_caches()

    def _enqueue_generation(self):
        return type(self)._enqueue_generation_marker

    def _enqueue_token_alive(self, token):
        self.env.cr.execute(
            "SELECT current_setting(%s, true)", (ENQUEUE_TOKEN_SETTING,)
        )
        return self.env.cr.fetchone()[0] == token

    def _enqueue_new_token(self):
        token = uuid.uuid4().hex
        self.env.cr.execute(
            "SELECT set_config(%s, %s, true)", (ENQUEUE_TOKEN_SETTING, token)
        )
        return token

    def _enqueue_buffer(self, create=True):
        """The buffer of new rows of the current cursor.

        Rows of a transaction rolled back to a savepoint (as the test
        framework does) must not survive: the buffer holds a token set as a
        transaction-local setting, which a rollback undoes. It is checked
        when the registry caches were cleared since the last look (cheap
        test: the test framework clears them after each rollback).
        """
        cr = self.env.cr
        buffer = cr.precommit.data.get(ENQUEUE_BUFFER_KEY)
        if buffer is not None:
            generation = self._enqueue_generation()
            if buffer.generation is not generation:
                if buffer.rows and not self._enqueue_token_alive(buffer.token):
                    _logger.debug(
                        "dropping %d buffered jobs of a rolled back transaction",
                        len(buffer.rows),
                    )
                    buffer.rows.clear()
                buffer.generation = generation
            return buffer
        if not create:
            return None
        # the token is set with the first row (_enqueue_buffer_add)
        buffer = EnqueueBuffer(None, self._enqueue_generation())
        cr.precommit.data[ENQUEUE_BUFFER_KEY] = buffer
        cr.precommit.add(self.sudo()._enqueue_flush_buffer)
        return buffer

    def _enqueue_buffer_add(self, job_uuid, columns, values):
        buffer = self._enqueue_buffer()
        if not buffer.rows:
            # a token set now belongs to the (sub)transaction of the first
            # row: a rollback to a savepoint taken before it undoes it. One set
            # earlier (before the test framework's savepoint) would survive.
            buffer.token = self._enqueue_new_token()
        buffer.rows[job_uuid] = (columns, values)
        if len(buffer.rows) >= ENQUEUE_BATCH_SIZE:
            self._enqueue_flush_buffer()

    def _enqueue_flush_buffer(self):
        """Write the buffered rows with multi-row INSERTs."""
        buffer = self._enqueue_buffer(create=False)
        if buffer is None or not buffer.rows:
            return
        rows, buffer.rows = buffer.rows, {}
        by_columns = {}
        for columns, values in rows.values():
            by_columns.setdefault(columns, []).append(values)
        for columns, values_list in by_columns.items():
            self._enqueue_insert_rows(columns, values_list)

    def _enqueue_insert_rows(self, columns, values_list):
        head = "INSERT INTO queue_job (%s) VALUES " % ", ".join(
            '"%s"' % name for name in columns
        )
        row = "(%s)" % ", ".join(["%s"] * len(columns))
        for start in range(0, len(values_list), ENQUEUE_BATCH_SIZE):
            batch = values_list[start : start + ENQUEUE_BATCH_SIZE]
            # flat parameters: psycopg2 quotes them in C
            params = [value for values in batch for value in values]
            self.env.cr.execute(head + ", ".join([row] * len(batch)), params)

    def flush(self, fnames=None, records=None):
        self._enqueue_flush_buffer()
        return super().flush(fnames=fnames, records=records)

    def _flush_search(self, domain, fields=None, order=None, seen=None):
        self._enqueue_flush_buffer()
        return super()._flush_search(domain, fields=fields, order=order, seen=seen)


class Base(models.AbstractModel):
    _inherit = "base"

    def flush(self, fnames=None, records=None):
        # a full flush (the Odoo way to prepare raw SQL) writes the buffered
        # new jobs too
        if fnames is None and self._name != "queue.job" and "queue.job" in self.env:
            self.env["queue.job"]._enqueue_flush_buffer()
        return super().flush(fnames=fnames, records=records)
