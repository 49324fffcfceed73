# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from odoo import exceptions
from odoo.tests import common


class TestJobFunction(common.TransactionCase):
    def setUp(self):
        super().setUp()
        self.Function = self.env["queue.job.function"]
        self.root = self.env.ref("queue_job.channel_root")

    def _new_function(self, **vals):
        vals.setdefault("model_id", self.env.ref("base.model_res_users").id)
        vals.setdefault("method", "read")
        return self.Function.create(vals)

    def test_function_name_compute(self):
        function = self._new_function()
        self.assertEqual(function.name, "<res.users>.read")

    def test_function_name_inverse(self):
        function = self.Function.create({"name": "<res.users>.read"})
        self.assertEqual(function.model_id.model, "res.users")
        self.assertEqual(function.method, "read")

    def test_function_name_inverse_invalid_regex(self):
        with self.assertRaisesRegex(exceptions.UserError, "Invalid job function"):
            self.Function.create({"name": "<res.users.read"})

    def test_function_name_inverse_model_not_found(self):
        with self.assertRaisesRegex(exceptions.UserError, "Model this.model not found"):
            self.Function.create({"name": "<this.model>.read"})

    def test_function_job_config(self):
        channel = self.env["queue.job.channel"].create(
            {"name": "foo", "parent_id": self.root.id}
        )
        function = self._new_function(
            channel_id=channel.id,
            edit_retry_pattern="{1: 2, 3: 4}",
            edit_related_action='{"enable": True, "func_name": "related_action_foo",'
            ' "kwargs": {"b": 1}}',
        )
        self.assertEqual(
            self.Function.job_config("<res.users>.read"),
            self.Function.JobConfig(
                channel="root.foo",
                retry_pattern={1: 2, 3: 4},
                related_action_enable=True,
                related_action_func_name="related_action_foo",
                related_action_kwargs={"b": 1},
                job_function_id=function.id,
            ),
        )

    def test_job_config_default(self):
        self.assertEqual(
            self.Function.job_config("<res.users>.no_function_for_this"),
            self.Function.JobConfig(
                channel="root",
                retry_pattern={},
                related_action_enable=True,
                related_action_func_name=None,
                related_action_kwargs={},
                job_function_id=None,
            ),
        )

    def test_job_config_cache_cleared(self):
        self.assertEqual(self.Function.job_config("<res.users>.read").channel, "root")
        channel = self.env["queue.job.channel"].create(
            {"name": "bar", "parent_id": self.root.id}
        )
        function = self._new_function(channel_id=channel.id)
        self.assertEqual(
            self.Function.job_config("<res.users>.read").channel, "root.bar"
        )
        # renaming the channel reaches the cached config (the reference kept
        # the old name until the cache was cleared otherwise)
        channel.name = "baz"
        self.assertEqual(
            self.Function.job_config("<res.users>.read").channel, "root.baz"
        )
        function.unlink()
        self.assertEqual(self.Function.job_config("<res.users>.read").channel, "root")

    def test_new_job_sees_config_changes(self):
        # a Job reads its config through a memo kept in the registry cache:
        # whatever clears the ormcache drops it too
        from odoo.addons.queue_job.job import Job

        users = self.env["res.users"]
        self.assertEqual(Job(users.read).channel, "root")
        channel = self.env["queue.job.channel"].create(
            {"name": "memo", "parent_id": self.root.id}
        )
        function = self._new_function(channel_id=channel.id)
        self.assertEqual(Job(users.read).channel, "root.memo")
        self.assertEqual(Job(users.read).job_config.job_function_id, function.id)
        channel.name = "memo2"
        self.assertEqual(Job(users.read).channel, "root.memo2")
        function.edit_retry_pattern = "{1: 7}"
        self.assertEqual(Job(users.read).job_config.retry_pattern, {1: 7})
        self.env.registry.clear_caches()
        self.assertEqual(Job(users.read).channel, "root.memo2")
        function.unlink()
        self.assertEqual(Job(users.read).channel, "root")
        self.assertIsNone(Job(users.read).job_config.job_function_id)

    def test_edit_retry_pattern(self):
        function = self._new_function(edit_retry_pattern="{1: 10, 5: 20}")
        self.assertEqual(function.retry_pattern, {"1": 10, "5": 20})
        self.assertEqual(function.edit_retry_pattern, "{1: 10, 5: 20}")
        function.edit_retry_pattern = ""
        self.assertEqual(function.retry_pattern, {})

    def test_edit_retry_pattern_random_range(self):
        # quirk 7 of the reference: a randomised pattern crashed the
        # constraint with a TypeError
        function = self._new_function(edit_retry_pattern="{1: (1, 10), 4: [20, 30]}")
        function.invalidate_cache(["edit_retry_pattern"])
        self.assertEqual(function.edit_retry_pattern, "{1: (1, 10), 4: (20, 30)}")
        self.assertEqual(
            self.Function.job_config(function.name).retry_pattern,
            {1: (1, 10), 4: (20, 30)},
        )
        function.retry_pattern = {2: (5, 6)}
        function.invalidate_cache(["edit_retry_pattern"])
        self.assertEqual(function.edit_retry_pattern, "{2: (5, 6)}")

    def test_retry_pattern_invalid(self):
        function = self._new_function()
        bad_patterns = {
            "{1: (1, 2, 3)}": "2 integers",
            "{1: (10, 1)}": "low < high",
            "{1: (5, 5)}": "low < high",
            "{1: ('a', 5)}": "2 integers",
            "{1: (1.5, 5)}": "2 integers",
            "{'x': 10}": "try count 'x'",
            "{1: 'soon'}": "not a number of seconds",
            "{1: None}": "not a number of seconds",
        }
        for text, detail in bad_patterns.items():
            with self.subTest(pattern=text):
                # assertRaises (not ...Regex) rolls back the failed write
                with self.assertRaises(exceptions.UserError) as ctx:
                    function.edit_retry_pattern = text
                    function.flush()
                self.assertIn("Unexpected format of Retry Pattern", str(ctx.exception))
                self.assertIn(detail, str(ctx.exception))
        self.assertEqual(function.retry_pattern, {})

    def test_retry_pattern_not_literal(self):
        function = self._new_function()
        for text in ("{1: 10", "__import__('os')", "[1, 2]"):
            with self.subTest(pattern=text):
                with self.assertRaises(exceptions.UserError) as ctx:
                    function.edit_retry_pattern = text
                self.assertIn("Unexpected format of Retry Pattern", str(ctx.exception))

    def test_related_action_invalid(self):
        function = self._new_function()
        for text, detail in (
            ('{"enable": True, "what": 1}', "unknown key"),
            ('{"kwargs": [1]}', "kwargs must be a dict"),
            ('{"func_name": 12}', "func_name must be"),
            ('{"enable": ', "Related Action"),
        ):
            with self.subTest(related_action=text):
                with self.assertRaises(exceptions.UserError) as ctx:
                    function.edit_related_action = text
                    function.flush()
                self.assertIn("Unexpected format of Related Action", str(ctx.exception))
                self.assertIn(detail, str(ctx.exception))
        self.assertEqual(function.related_action, {})

    def test_install_mode_merges(self):
        function = self._new_function()
        again = self.Function.with_context(install_mode=True).create(
            {"name": "<res.users>.read", "edit_retry_pattern": "{1: 5}"}
        )
        self.assertEqual(again, function)
        self.assertEqual(function.retry_pattern, {"1": 5})
        self.assertEqual(self.Function.search_count([("name", "=", function.name)]), 1)
