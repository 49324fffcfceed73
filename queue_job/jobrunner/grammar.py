# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The channels' settings as text and as data: the configuration string and
the runtime overrides of queue.job.channel records.

Owns the grammar of ``[queue_job] channels`` (entries separated by commas or
newlines, ``name[:capacity[:key[=value]]...]``, the ``root.`` prefix
optional, a missing capacity meaning 1), channel full names, and the
checks of runtime overrides. Every error is a ValueError naming the entry
and what is wrong with it. Pure Python; ChannelManager (channels.py) applies
the result.
"""
import re

ROOT = "root"

_FLAG_VALUES = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def split_strip(text, sep, maxsplit=-1):
    """``text.split(sep, maxsplit)`` with every part stripped of whitespace."""
    return [part.strip() for part in text.split(sep, maxsplit)]


def full_name(name):
    """The full name of a channel: ``""`` and ``"root"`` are the root channel,
    and names that do not start with ``root.`` are under root."""
    name = (name or "").strip()
    if not name or name == ROOT:
        return ROOT
    if name.startswith(ROOT + "."):
        return name
    return ROOT + "." + name


def whole_number(text):
    """``int(text)`` for a plain decimal number (no sign, no underscores),
    else None."""
    if isinstance(text, str) and re.fullmatch(r"[0-9]+", text):
        return int(text)
    return None


def parse_channels(config_string):
    """Parse a channels configuration string into a list of dicts with
    ``name`` (full name), ``capacity`` (int), ``sequential`` (bool),
    ``throttle`` (int seconds) and any other key given (bare keys are
    True, ``key=value`` gives the string value; unknown keys are unused).

    Entries are separated by commas or newlines; whitespace around every
    part is ignored and empty entries are skipped.
    """
    configs = []
    for entry in re.split(r"[,\n]", config_string or ""):
        entry = entry.strip()
        if entry:
            configs.append(parse_entry(entry))
    return configs


def parse_entry(entry):
    """One entry of the configuration string, as a dict (see parse_channels)."""
    parts = split_strip(entry, ":")
    fullname = _entry_name(entry, parts[0])
    capacity = _entry_capacity(entry, parts[1]) if len(parts) > 1 else 1
    options = _entry_options(entry, parts[2:])
    sequential = _entry_sequential(entry, options.get("sequential", False))
    if sequential and capacity != 1:
        raise _invalid(
            entry,
            "invalid capacity %r for a sequential channel" % parts[1],
            "a sequential channel must have a capacity of 1",
        )
    throttle = _entry_throttle(entry, options.get("throttle", 0))
    config = dict(options)
    config.update(
        name=fullname, capacity=capacity, sequential=sequential, throttle=throttle
    )
    return config


# the parts of one entry; each raises the ValueError of parse_entry


def _invalid(entry, what, detail=None):
    message = "%s in channel entry %r" % (what, entry)
    return ValueError(message + (": " + detail if detail else ""))


def _entry_name(entry, name):
    if not name:
        raise _invalid(entry, "missing channel name")
    fullname = full_name(name)
    if "" in split_strip(fullname, "."):
        raise _invalid(
            entry, "invalid channel name %r" % name, "empty part between dots"
        )
    return fullname


def _entry_capacity(entry, text):
    capacity = whole_number(text)
    if capacity is None:
        raise _invalid(
            entry, "invalid capacity %r" % text, "expected a whole number >= 0"
        )
    return capacity


def _entry_options(entry, items):
    """``key`` or ``key=value`` items as a dict (bare keys are True)."""
    options = {}
    for item in items:
        if not item:
            continue
        key, has_value, value = (p.strip() for p in item.partition("="))
        if "=" in value:
            raise _invalid(
                entry, "incorrect config item %r" % item, "more than one '='"
            )
        if not key:
            raise _invalid(
                entry, "incorrect config item %r" % item, "no key before '='"
            )
        if key in options:
            raise _invalid(entry, "duplicate key %r" % key)
        options[key] = value if has_value else True
    return options


def _entry_sequential(entry, sequential):
    if sequential is True or sequential is False:
        return sequential
    flag = _FLAG_VALUES.get(sequential.lower())
    if flag is None:
        raise _invalid(
            entry,
            "invalid sequential value %r" % sequential,
            "expected no value, 1/0, true/false, yes/no or on/off",
        )
    return flag


def _entry_throttle(entry, throttle):
    if throttle is True:
        raise _invalid(entry, "throttle without a value", "expected throttle=<seconds>")
    if throttle == 0:
        return 0
    seconds = whole_number(throttle)
    if seconds is None:
        raise _invalid(
            entry,
            "invalid throttle %r" % throttle,
            "expected a whole number of seconds",
        )
    return seconds


def check_overrides(overrides):
    """``overrides`` (see ChannelManager.set_overrides) checked, as a dict
    full name -> (capacity or None, paused)."""
    checked = {}
    for name, values in (overrides or {}).items():
        if not isinstance(name, str):
            raise ValueError("override: invalid channel name %r" % (name,))
        fullname = full_name(name)
        if not isinstance(values, dict):
            raise ValueError(
                "override of channel %s: expected a dict, got %r" % (fullname, values)
            )
        unknown = set(values) - {"capacity", "paused"}
        if unknown:
            raise ValueError(
                "override of channel %s: unknown keys %s"
                % (fullname, ", ".join(sorted(map(str, unknown))))
            )
        capacity = values.get("capacity")
        if capacity is not None and (
            isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0
        ):
            raise ValueError(
                "override of channel %s: invalid capacity %r "
                "(expected a whole number >= 0 or None)" % (fullname, capacity)
            )
        paused = values.get("paused", False)
        if not isinstance(paused, bool):
            raise ValueError(
                "override of channel %s: invalid paused %r (expected a bool)"
                % (fullname, paused)
            )
        checked[fullname] = (capacity, paused)
    return checked
