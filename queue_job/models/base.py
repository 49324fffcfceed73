# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The job API of every model: with_delay(), delayable() and the hooks
that let a model shape its jobs."""
import functools
from typing import Optional

from odoo import api, models

from ..delay import JOB_PROPERTIES, Delayable

# Imported from ..job (the compatibility shim) on purpose: the reference's
# ``mock_with_delay`` patches ``odoo.addons.queue_job.models.base.DelayableRecordset``.
from ..job import DelayableRecordset, Eta, IdentityKey


def _as_keywords(*values):
    """The job properties given positionally, as keywords: DelayableRecordset
    gets them so (what ``mock_with_delay()`` shows in its ``call_args``)."""
    return dict(zip(JOB_PROPERTIES, values))


class Base(models.AbstractModel):
    """Job API available on every model."""

    _inherit = "base"

    def with_delay(
        self,
        priority: Optional[int] = None,
        eta: Eta = None,
        max_retries: Optional[int] = None,
        description: Optional[str] = None,
        channel: Optional[str] = None,
        identity_key: IdentityKey = None,
    ):
        """Return a proxy on which calling a method enqueues it as a job.

        ``records.with_delay(priority=5).method(1, k=2)`` stores a job that
        will call ``records.method(1, k=2)`` later and returns it:

        * a ``Job`` (``odoo.addons.queue_job.job``), already stored;
        * the existing ``queue.job`` record when ``identity_key`` matches a job
          still waiting to run (nothing new is stored);
        * a ``Job`` already performed and never stored when jobs run directly
          (env var ``TEST_QUEUE_JOB_NO_DELAY`` or context key
          ``test_queue_job_no_delay``).

        :param priority: lower runs first (default 10)
        :param eta: datetime, or seconds (int) / timedelta from now
        :param max_retries: number of tries before the job fails (default 5,
                            0 means infinite)
        :param description: the job's name (default: the method's docstring)
        :param channel: complete channel name (default: the job function's)
        :param identity_key: string, or callable(job) -> string (for example
                             ``identity_exact``), to skip duplicates
        """
        properties = _as_keywords(
            priority, eta, max_retries, description, channel, identity_key
        )
        return DelayableRecordset(self, **properties)

    def delayable(
        self,
        priority: Optional[int] = None,
        eta: Eta = None,
        max_retries: Optional[int] = None,
        description: Optional[str] = None,
        channel: Optional[str] = None,
        identity_key: IdentityKey = None,
    ):
        """Return a graph node (``Delayable``) recording a future method call.

        Nothing is enqueued until ``delay()`` is called on the node or on the
        chain/group that contains it::

            first = records.delayable().step_one()
            second = records.delayable(priority=5).step_two(42)
            first.on_done(second).delay()

        The parameters are the job properties of :meth:`with_delay`.
        """
        return Delayable(
            self, priority, eta, max_retries, description, channel, identity_key
        )

    def _patch_job_auto_delay(self, method_name, context_key=None):
        """Return a wrapper that turns calls of ``method_name`` into jobs.

        Install it from ``_register_hook``::

            def _register_hook(self):
                self._patch_method(
                    "button_done",
                    self._patch_job_auto_delay("button_done", context_key="auto_delay"),
                )
                return super()._register_hook()

        A call then returns the enqueued ``Job``, with the options returned by
        ``<method_name>_job_options(*args, **kwargs)`` when that method exists.
        The original method runs synchronously instead inside the job itself
        (``job_uuid`` in context), when ``context_key`` is given but not set in
        the context, or with ``_job_force_sync`` or ``test_queue_job_no_delay``
        in the context. Without ``context_key`` every call is delayed, which
        changes the method's return value for every caller: prefer a key.
        """
        origin = getattr(self, method_name)
        options_method_name = "%s_job_options" % method_name

        def auto_delay_wrapper(self, *args, **kwargs):
            context = self.env.context
            if (
                context.get("job_uuid")
                or (context_key and not context.get(context_key))
                or context.get("_job_force_sync")
                or context.get("test_queue_job_no_delay")
            ):
                # ``origin`` is set by ``_patch_method`` on the function it installs
                return auto_delay_wrapper.origin(self, *args, **kwargs)
            options_method = getattr(self, options_method_name, None)
            options = options_method(*args, **kwargs) if options_method else {}
            return getattr(self.with_delay(**options), method_name)(*args, **kwargs)

        return functools.update_wrapper(auto_delay_wrapper, origin)

    @api.model
    def _job_store_values(self, job):
        """Extra ``queue.job`` values to write at each store of ``job``.

        Override to fill custom fields of ``queue.job``; keys that the job
        itself writes are ignored.
        """
        return {}

    @api.model
    def _job_prepare_context_before_enqueue_keys(self):
        """Context keys kept when a recordset of this model is stored in a job.

        Empty on 15.0: a job runs without the context of the enqueuer.
        """
        return ()

    def _job_prepare_context_before_enqueue(self):
        """The part of the context stored with this recordset in a job."""
        keys = self._job_prepare_context_before_enqueue_keys()
        return {key: value for key, value in self.env.context.items() if key in keys}
