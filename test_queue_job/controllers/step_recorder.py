# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A RunJobController extension recording every call of the steps that
addons override, for tests/e2e/test_controller_steps.py.

It exists only in a server started with ``QJ_TEST_CONTROLLER_STEPS=1``:
anywhere else the slots keep the fast path they take when no step is
overridden. Each call is written to ``queue_job_e2e_step`` at once, in a
transaction of its own, with whether a slot made it (``in_slot``).
"""
import os

import odoo

from odoo.addons.queue_job.controllers.main import RunJobController

ENABLED = os.environ.get("QJ_TEST_CONTROLLER_STEPS") == "1"


def _record(controller, job, step):
    with odoo.registry(job.env.cr.dbname).cursor() as cr:
        cr.execute(
            "INSERT INTO queue_job_e2e_step (uuid, step, in_slot, pid)"
            " VALUES (%s, %s, %s, %s)",
            (job.uuid, step, bool(controller.in_slot), os.getpid()),
        )


if ENABLED:

    class StepRecorder(RunJobController):
        def _try_perform_job(self, env, job):
            _record(self, job, "_try_perform_job")
            return super()._try_perform_job(env, job)

        def retry_postpone(self, job, message, seconds=None):
            _record(self, job, "retry_postpone")
            return super().retry_postpone(job, "recorded: " + message, seconds)

        def _get_failure_values(self, job, traceback_txt, orig_exception):
            _record(self, job, "_get_failure_values")
            values = super()._get_failure_values(job, traceback_txt, orig_exception)
            values["exc_message"] = "recorded: %s" % values["exc_message"]
            return values

        def _enqueue_dependent_jobs(self, env, job):
            _record(self, job, "_enqueue_dependent_jobs")
            return super()._enqueue_dependent_jobs(env, job)
