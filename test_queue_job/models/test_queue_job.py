# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""test.queue.job: the methods the tests run as jobs.

Several names (and the first docstring line of ``testing_method``) are what
tests written for the reference addon expect: keep them.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.delay import chain
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

# the job of button_that_uses_with_delay (and the head of the chain of
# button_that_uses_delayable_chain)
BUTTON_JOB = {
    "priority": 15,
    "eta": 15,
    "max_retries": 1,
    "channel": "root.test",
    "description": "Test",
    "identity_key": identity_exact,
}

# methods delayed on every call, or only with a context key set
AUTO_DELAYED = (
    ("delay_me", None),
    ("delay_me_options", None),
    ("delay_me_context_key", "auto_delay_delay_me_context_key"),
)


class JobSubject(models.Model):
    _name = "test.queue.job"
    _description = "Test model for queue.job"

    name = fields.Char()

    def _job_store_values(self, job):
        suffix = "_BUT_FAILED" if job.state == "failed" else ""
        return {"additional_info": "JUST_TESTING%s" % suffix}

    @api.model
    def _job_prepare_context_before_enqueue_keys(self):
        # the context keys kept with the job (none by default on 15.0)
        return ("tz", "lang")

    def _register_hook(self):
        patch = getattr(self, "_patch_job_auto_delay", None)
        if patch is not None:  # queue_job's base extension is loaded
            for method_name, context_key in AUTO_DELAYED:
                self._patch_method(
                    method_name, patch(method_name, context_key=context_key)
                )
        return super()._register_hook()

    # ------------------------------------------------------------------
    # job methods
    # ------------------------------------------------------------------

    def testing_method(self, *args, **kwargs):
        """Method used for tests

        Gives back what it was called with. ``return_context=True`` gives
        the context instead, ``raise_retry=True`` asks to be tried again.
        """
        if kwargs.get("return_context"):
            return self.env.context
        if kwargs.get("raise_retry"):
            raise RetryableJobError("Must be retried later")
        return args, kwargs

    def create_ir_logging(self, message, level="info"):
        """Leave a row in ir.logging: a trace that a job ran, and when."""
        values = dict(
            name="test_queue_job",
            type="server",
            level=level,
            message=message,
            dbname=self.env.cr.dbname,
            func="create_ir_logging",
            path="job",
            line="1",
        )
        return self.env["ir.logging"].create(values)

    def no_description(self):
        # no docstring: the job is described by its model and method
        return None

    def job_with_retry_pattern(self):
        """Has a job function with the retry pattern {1: 60, 2: 180, 3: 10, 5: 300}."""
        return None

    def job_with_retry_pattern__no_zero(self):
        """Has a job function with the retry pattern {3: 180}."""
        return None

    def job_with_random_retry(self):
        """Gets its job function (with random delays) from the test itself."""
        return None

    def job_retry_ignored(self):
        raise RetryableJobError("Not counted", ignore_retry=True)

    def job_raise_user_error(self):
        raise UserError(_("Not retried"))

    def job_with_own_store_values(self):
        """Has a store values hook of its own (below)."""
        return None

    def _job_store_values_for_job_with_own_store_values(self, job):
        # "state" is the job's own column: the job's value must win
        return {"state": "done", "additional_info": "OWN_VALUES"}

    def mapped(self, func):
        # redefined on the model so that a job may call it
        return super().mapped(func)

    def job_alter_mutable(self, mutable_arg, mutable_kwarg=None):
        """Changes the list and the dict it is given, and returns them."""
        mutable_kwarg["b"] = 2
        mutable_arg.append(2)
        return mutable_arg, mutable_kwarg

    # the methods patched by _register_hook, and the options of one

    def delay_me(self, arg, kwarg=None):
        return arg, kwarg

    def delay_me_options(self):
        return "delayed with options"

    def delay_me_options_job_options(self):
        return {"identity_key": "my_job_identity"}

    def delay_me_context_key(self):
        return "delayed by context key"

    # ------------------------------------------------------------------
    # what a button of an addon would do
    # ------------------------------------------------------------------

    def button_that_uses_with_delay(self):
        self.with_delay(**BUTTON_JOB).testing_method(1, foo=2)

    def button_that_uses_delayable_chain(self):
        first = self.delayable(**BUTTON_JOB).testing_method(1, foo=2)
        second = self.delayable().testing_method("x", foo="y")
        last = self.delayable().no_description()
        chain(first, second, last).delay()
