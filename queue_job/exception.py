# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Exceptions of queue_job. Pure Python: the job runner imports this module
without Odoo."""


class BaseQueueJobError(Exception):
    """Root of the queue_job exceptions."""


class ChannelNotFound(BaseQueueJobError):
    """A channel name that the runner's channel manager does not know."""
