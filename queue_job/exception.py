# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Exceptions of queue_job. No Odoo import: the runner uses them too."""


class BaseQueueJobError(Exception):
    """Root of every queue_job exception."""


class JobError(BaseQueueJobError):
    """A job had an error; raised in a job, it fails the job."""


class NoSuchJobError(JobError):
    """The job does not exist in the storage."""


class FailedJobError(JobError):
    """A definitive failure: the job fails without any retry."""


class RetryableJobError(JobError):
    """The job goes back to pending and is retried later.

    ``seconds`` postpones the next try by that many seconds (an int, or a
    2-element range for a random delay); falsy means "use the retry pattern".
    With ``ignore_retry``, the try does not count toward ``max_retries``.
    """

    def __init__(self, msg, seconds=None, ignore_retry=False):
        super().__init__(msg)
        self.seconds = seconds
        self.ignore_retry = ignore_retry


class NothingToDoJob(JobError):
    """The job has nothing to do: it is set to done."""


class JobFoundDead(JobError):
    """The worker process running the job died too many times."""


class ChannelNotFound(BaseQueueJobError):
    """A channel could not be found."""


class JobTimeoutError(JobError):
    """A job ran past its time limit (``time_limit`` of its job function or
    channel): it was stopped and its work rolled back."""


class JobStoppedError(JobError):
    """A user stopped the running job (Stop, or Cancel on a started job): its
    work was rolled back; the job is already cancelled."""


class JobInterruptedError(JobError):
    """The process running the job stops (shutdown past its grace period):
    the job's work was rolled back and it goes back to the queue, its try
    not counted."""
