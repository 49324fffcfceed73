# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The log of job state changes: one debug line per change, ``key=value``,
for log pipelines:

    --log-handler=odoo.addons.queue_job.transitions:DEBUG

A change that states.TRANSITIONS does not allow is logged with
``unexpected=1``. Pure Python: the runner, the workers and the models log
through it.
"""
import logging

from . import states

_logger = logging.getLogger(__name__)


def logged():
    return _logger.isEnabledFor(logging.DEBUG)


def log(uuid, dbname, channel, old, new, **extra):
    if logged():
        if not states.allowed(old, new):
            extra["unexpected"] = 1
        _logger.debug(
            "job=%s db=%s channel=%s from=%s to=%s%s",
            uuid,
            dbname,
            channel,
            old,
            new,
            "".join(" %s=%s" % item for item in sorted(extra.items())),
        )
