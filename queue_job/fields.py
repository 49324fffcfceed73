# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The ``job_serialized`` field and the JSON codec of job arguments.

Recordsets, dates, datetimes and lxml elements survive a JSON round trip
as small tagged objects (``{"_type": ..., ...}``).
"""
import functools
import json
import weakref
from datetime import date, datetime

import dateutil.parser
from lxml import etree

from odoo import fields, models
from odoo.tools.func import lazy


class JobEncoder(json.JSONEncoder):
    """Encode the values a job may receive as arguments."""

    def default(self, o):
        if isinstance(o, models.BaseModel):
            prepare = getattr(o, "_job_prepare_context_before_enqueue", None)
            return {
                "_type": "odoo_recordset",
                "model": o._name,
                "ids": o.ids,
                "uid": o.env.uid,
                "su": o.env.su,
                "context": prepare() if prepare else {},
            }
        # datetime is a subclass of date: test it first
        if isinstance(o, datetime):
            return {"_type": "datetime_isoformat", "value": o.isoformat()}
        if isinstance(o, date):
            return {"_type": "date_isoformat", "value": o.isoformat()}
        if isinstance(o, etree._Element):
            return {"_type": "etree_element", "value": etree.tostring(o, encoding=str)}
        if isinstance(o, lazy):
            return o._value
        return super().default(o)


class JobDecoder(json.JSONDecoder):
    """Decode what :class:`JobEncoder` wrote; ``env`` rebuilds recordsets."""

    def __init__(self, *args, **kwargs):
        env = kwargs.pop("env")
        # through a weak proxy: a bound method would make a reference cycle
        # per decoded value, left to the garbage collector
        hook = functools.partial(type(self).object_hook, weakref.proxy(self))
        super().__init__(*args, object_hook=hook, **kwargs)
        assert env is not None
        self.env = env

    def object_hook(self, obj):
        type_ = obj.get("_type")
        if type_ is None:
            return obj
        if type_ == "odoo_recordset":
            return self._decode_recordset(obj)
        if type_ == "datetime_isoformat":
            return dateutil.parser.parse(obj["value"])
        if type_ == "date_isoformat":
            return dateutil.parser.parse(obj["value"]).date()
        if type_ == "etree_element":
            return etree.fromstring(obj["value"])
        return obj

    def _decode_recordset(self, obj):
        model_name = obj["model"]
        if model_name not in self.env.registry:
            raise ValueError(
                "Cannot decode a recordset of model %r: no such model in the "
                "database (is its module still installed?)" % model_name
            )
        env = self.env
        uid, su = obj.get("uid"), obj.get("su")
        if uid is not None or su is not None:
            env = env(
                user=env.uid if uid is None else uid,
                su=env.su if su is None else su,
            )
        model = env[model_name]
        if obj.get("context"):
            model = model.with_context(**obj["context"])
        return model.browse(obj["ids"])


_ENCODER = JobEncoder()

try:
    from json.encoder import c_make_encoder, encode_basestring_ascii
except ImportError:  # pragma: no cover - CPython always has it
    c_make_encoder = None

# JSONEncoder.encode() builds a C encoder at every call, which costs more
# than encoding the arguments of a job: build one, once. Without circular
# check (no shared state, so threads can share it); a circular value fails
# with RecursionError, and is then encoded again the checking way, which
# names the problem.
_C_ITERENCODE = (
    c_make_encoder(
        None,
        _ENCODER.default,
        encode_basestring_ascii,
        _ENCODER.indent,
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        _ENCODER.sort_keys,
        _ENCODER.skipkeys,
        _ENCODER.allow_nan,
    )
    if c_make_encoder is not None
    else None
)


def dumps(value):
    """``json.dumps(value, cls=JobEncoder)``, faster."""
    if _C_ITERENCODE is None or isinstance(value, str):
        return _ENCODER.encode(value)
    try:
        return "".join(_C_ITERENCODE(value, 0))
    except RecursionError:
        return _ENCODER.encode(value)


def loads(text, env):
    return json.loads(text, cls=JobDecoder, env=env)


class JobSerialized(fields.Field):
    """A value of ``base_type`` stored as JSON in a text column.

    ``base_type`` is one of ``dict``, ``list``, ``tuple`` or
    ``models.BaseModel``; a tuple is read back as a list.
    """

    type = "job_serialized"
    column_type = ("text", "text")
    prefetch = False

    _base_type = None

    _SUPPORTED = (dict, list, tuple, models.BaseModel)
    _EMPTY = {dict: "{}", list: "[]", tuple: "[]"}

    def __init__(self, string=fields.Default, base_type=fields.Default, **kwargs):
        super().__init__(string=string, _base_type=base_type, **kwargs)

    def _setup_attrs(self, model_class, name):
        result = super()._setup_attrs(model_class, name)
        if self._base_type not in self._SUPPORTED:
            raise ValueError("%s is not a supported base type" % (self._base_type,))
        return result

    def _accepts(self, value):
        if self._base_type in (list, tuple):
            return isinstance(value, (list, tuple))
        return isinstance(value, self._base_type)

    def convert_to_column(self, value, record, values=None, validate=True):
        return self.convert_to_cache(value, record, validate=validate)

    def convert_to_cache(self, value, record, validate=True):
        # cache format: the JSON text, or None
        if self._accepts(value):
            return dumps(value)
        if value is None or value is False or isinstance(value, str):
            return value or None
        raise ValueError(
            "%s expects a %s (or its JSON text), got %r"
            % (self, self._base_type.__name__, value)
        )

    def convert_to_record(self, value, record):
        if value:
            return loads(value, record.env)
        if self._base_type is models.BaseModel:
            return record.env["base"]
        return json.loads(self._EMPTY[self._base_type])

    def convert_to_write(self, value, record):
        return self.convert_to_cache(value, record, validate=False)

    def convert_to_read(self, value, record, use_name_get=True):
        # JSON-native structures for RPC and the web client
        return json.loads(dumps(value))

    def convert_to_export(self, value, record):
        return dumps(value) if value else ""
