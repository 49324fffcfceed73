# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Settings of queue_job: their names, defaults, checks and precedence.

Owns how the environment, the ``[queue_job]`` section and Odoo's own
options make the settings. Pure Python (no Odoo import): the caller passes
the three sources in; queue_job/settings.py is the one caller that reads
them from Odoo.

For each setting, a non-empty environment variable ``ODOO_QUEUE_JOB_<KEY>``
wins, then a non-empty ``<key>`` of the ``[queue_job]`` section, then Odoo's
option, then the default.
"""
import dataclasses
import types
from typing import Mapping, Optional

from .channels import ROOT, ChannelManager

ENV_PREFIX = "ODOO_QUEUE_JOB_"
DEFAULT_CHANNELS = "root:1"

# the Odoo options the settings fall back to (odoo.tools.config keys)
ODOO_OPTION_KEYS = (
    "http_interface",
    "http_port",
    "db_host",
    "db_port",
    "db_user",
    "db_password",
)

# setting -> (Odoo option it falls back to, default)
_SETTINGS = {
    "channels": (None, DEFAULT_CHANNELS),
    "scheme": (None, "http"),
    "host": ("http_interface", "localhost"),
    "port": ("http_port", 8069),
    "http_auth_user": (None, None),
    "http_auth_password": (None, None),
    "jobrunner_db_host": ("db_host", None),
    "jobrunner_db_port": ("db_port", None),
    "jobrunner_db_user": ("db_user", None),
    "jobrunner_db_password": ("db_password", None),
    # days of per-minute history kept (jobrunner/history.py)
    "history_days": (None, 14),
    "job_workers": (None, 0),
    "job_workers_port": (None, None),
    "shutdown_grace": (None, 30),
}

# the job workers listen here by default: beside the HTTP port, away from
# the longpolling one (http_port + 3 by Odoo's defaults)
JOB_WORKERS_PORT_OFFSET = 2


@dataclasses.dataclass(frozen=True)
class RunnerSettings:
    """The runner's settings. ``extra`` holds the other ``[queue_job]`` keys
    and ``ODOO_QUEUE_JOB_*`` variables (lower-case key -> string), read-only."""

    channels: str = DEFAULT_CHANNELS
    scheme: str = "http"
    host: str = "localhost"
    port: int = 8069
    http_auth_user: Optional[str] = None
    http_auth_password: Optional[str] = None
    jobrunner_db_host: Optional[str] = None
    jobrunner_db_port: Optional[int] = None
    jobrunner_db_user: Optional[str] = None
    jobrunner_db_password: Optional[str] = None
    history_days: int = 14
    job_workers: int = 0
    job_workers_port: Optional[int] = None
    shutdown_grace: int = 30
    extra: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )

    @property
    def base_url(self):
        """``scheme://host:port`` of the Odoo HTTP server jobs are sent to."""
        return "%s://%s:%s" % (self.scheme, self.host, self.port)

    def dispatch_port(self, prefork):
        """The port the runner sends jobs to: the job workers' one when the
        server is prefork (``prefork``) and has job workers, else ``port``."""
        if prefork and self.job_workers:
            return self.job_workers_port
        return self.port


def _is_set(value):
    return value is not None and value is not False and value != ""


def _port(value, source):
    """``value`` as a TCP port number, or ValueError naming its source."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(
            "invalid port %r (from %s): expected a whole number from 1 to 65535"
            % (value, source)
        )
    return int(text)


def _days(value, source):
    """``value`` as a number of days (a whole number from 1), or ValueError
    naming its source."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(
            "invalid number of days %r (from %s): expected a whole number from 1"
            % (value, source)
        )
    return int(text)


def _whole(value, source, name):
    """``value`` as a whole number >= 0, or ValueError naming its source."""
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise ValueError(
            "invalid %s %r (from %s): expected a whole number (0 or more)"
            % (name, value, source)
        )
    return int(text)


def load_settings(environ, section=None, odoo_options=None):
    """The runner's settings (a RunnerSettings).

    ``environ``: the environment (``os.environ``); ``section``: the
    ``[queue_job]`` section of the configuration (a mapping, None if absent);
    ``odoo_options``: Odoo's options (a mapping with ODOO_OPTION_KEYS, e.g.
    ``odoo.tools.config``). Empty values (empty string, None, False) count as
    unset. An invalid port or scheme raises ValueError naming its source.
    """
    environ = environ or {}
    section = {str(k).strip().lower(): v for k, v in (section or {}).items()}
    odoo_options = odoo_options or {}
    values = {}
    for key, (option, default) in _SETTINGS.items():
        env_name = ENV_PREFIX + key.upper()
        if _is_set(environ.get(env_name)):
            values[key] = (environ[env_name], env_name)
        elif _is_set(section.get(key)):
            values[key] = (section[key], "[queue_job] %s" % key)
        elif option and _is_set(odoo_options.get(option)):
            values[key] = (odoo_options[option], "Odoo option %s" % option)
        else:
            values[key] = (default, "default")
    settings = {key: value for key, (value, _source) in values.items()}
    for key in ("port", "jobrunner_db_port"):
        value, source = values[key]
        if value is not None:
            settings[key] = _port(value, source)
    settings["history_days"] = _days(*values["history_days"])
    for key in ("job_workers", "shutdown_grace"):
        value, source = values[key]
        settings[key] = _whole(value, source, key)
    port, source = values["job_workers_port"]
    if port is None:
        http_port = odoo_options.get("http_port") or _SETTINGS["port"][1]
        port = int(http_port) + JOB_WORKERS_PORT_OFFSET
        source = "Odoo option http_port + %d" % JOB_WORKERS_PORT_OFFSET
    settings["job_workers_port"] = _port(port, source)
    scheme, source = values["scheme"]
    settings["scheme"] = scheme = str(scheme).strip().lower()
    if scheme not in ("http", "https"):
        raise ValueError(
            "invalid scheme %r (from %s): expected http or https" % (scheme, source)
        )
    extra = {key: str(value) for key, value in section.items() if key not in _SETTINGS}
    for name, value in environ.items():
        key = name[len(ENV_PREFIX) :].lower()
        if name.startswith(ENV_PREFIX) and key and key not in _SETTINGS and value:
            extra[key] = value
    settings["extra"] = types.MappingProxyType(extra)
    return RunnerSettings(**settings)


def root_capacity(channels_string):
    """The capacity the channels string gives the root channel (1 if it does
    not name it; the last entry wins). Invalid strings raise ValueError."""
    capacity = 1
    for config in ChannelManager.parse_simple_config(channels_string):
        if config["name"] == ROOT:
            capacity = config["capacity"]
    return capacity


def is_runner_enabled(channels_string):
    """False when the channels string gives the root channel capacity 0 (the
    way to turn the runner off on a node). Invalid strings raise
    ValueError."""
    return root_capacity(channels_string or DEFAULT_CHANNELS) != 0
