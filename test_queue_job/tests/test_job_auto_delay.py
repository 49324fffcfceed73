# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Methods patched with _patch_job_auto_delay: test.queue.job's
_register_hook patches delay_me, delay_me_options and, only when the
context asks for it, delay_me_context_key."""
from odoo.tests import common, tagged

from odoo.addons.queue_job.job import Job


# post_install: _register_hook patches the methods once the registry is
# loaded, after the at_install tests
@tagged("post_install", "-at_install")
class TestAutoDelayedMethods(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subject = cls.env["test.queue.job"]

    def jobs_of(self, method_name):
        return self.env["queue.job"].search_count(
            [("model_name", "=", "test.queue.job"), ("method_name", "=", method_name)]
        )

    def test_when_the_call_becomes_a_job(self):
        no_args = ((), {})
        cases = [
            # label, method, context, arguments, what runs at once (None: a job)
            ("every call", "delay_me", {}, ((1,), {"kwarg": 2}), None),
            (
                "context key given",
                "delay_me_context_key",
                {"auto_delay_delay_me_context_key": True},
                no_args,
                None,
            ),
            (
                "context key missing",
                "delay_me_context_key",
                {},
                no_args,
                "delayed by context key",
            ),
            (
                "forced synchronous",
                "delay_me",
                {"_job_force_sync": True},
                ((5,), {}),
                (5, None),
            ),
            (
                "no delay in tests",
                "delay_me",
                {"test_queue_job_no_delay": 1},
                ((6,), {"kwarg": 7}),
                (6, 7),
            ),
            (
                "inside a job already",
                "delay_me",
                {"job_uuid": "some-uuid"},
                ((8,), {}),
                (8, None),
            ),
        ]
        for label, method_name, context, (args, kwargs), direct in cases:
            with self.subTest(label):
                before = self.jobs_of(method_name)
                method = getattr(self.subject.with_context(**context), method_name)
                outcome = method(*args, **kwargs)
                if direct is None:
                    self.assertIsInstance(outcome, Job)
                    self.assertEqual(
                        (outcome.method_name, outcome.args, outcome.kwargs),
                        (method_name, args, kwargs),
                    )
                    self.assertEqual(outcome.db_record().state, "pending")
                    self.assertEqual(self.jobs_of(method_name), before + 1)
                else:
                    self.assertEqual(outcome, direct)
                    self.assertEqual(self.jobs_of(method_name), before)

    def test_the_job_calls_the_method_itself(self):
        job = self.subject.delay_me("one", kwarg="two")
        self.assertEqual((job.args, job.kwargs), (("one",), {"kwarg": "two"}))
        # run as a worker runs it: with job_uuid in the context
        self.assertEqual(job.perform(), ("one", "two"))
        self.assertEqual(self.jobs_of("delay_me"), 1)

    def test_options_come_from_the_job_options_method(self):
        job = self.subject.delay_me_options()
        self.assertIsInstance(job, Job)
        self.assertEqual(job.identity_key, "my_job_identity")
        # while it waits, the same key gives the waiting record back
        self.assertEqual(self.subject.delay_me_options(), job.db_record())
        self.assertEqual(self.jobs_of("delay_me_options"), 1)

    def test_patched_method_keeps_its_name_and_original(self):
        patched = type(self.subject).delay_me
        self.assertEqual(patched.__name__, "delay_me")
        # _register_hook may run more than once: each run patches the last patch
        original = patched.origin
        while hasattr(original, "origin"):
            original = original.origin
        self.assertEqual(original(self.subject, 1, kwarg=2), (1, 2))
