# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""queue.job.function: a record per job method, named "<model>.method",
which gives that method's jobs a channel, a retry pattern and a related
action (its JobConfig)."""
from odoo import exceptions
from odoo.tests import common

from ..job import Job

NAME = "<res.partner>.toggle_active"


class JobFunctionCase(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.functions = cls.env["queue.job.function"]
        cls.root = cls.env.ref("queue_job.channel_root")
        cls.partner_model = cls.env.ref("base.model_res_partner")

    def function(self, **values):
        """A function for res.partner.toggle_active."""
        values.setdefault("model_id", self.partner_model.id)
        values.setdefault("method", "toggle_active")
        return self.functions.create(values)

    def channel(self, name):
        return self.env["queue.job.channel"].create(
            {"name": name, "parent_id": self.root.id}
        )


class TestFunctionName(JobFunctionCase):
    def test_name_and_model_method_make_each_other(self):
        from_parts = self.function()
        self.assertEqual(from_parts.name, NAME)
        from_parts.unlink()
        from_name = self.functions.create({"name": "<res.users>.name_get"})
        self.assertEqual(
            (from_name.model_id.model, from_name.method), ("res.users", "name_get")
        )
        self.assertEqual(
            self.functions.job_function_name("res.users", "name_get"),
            "<res.users>.name_get",
        )

    def test_names_that_do_not_parse_or_name_no_model(self):
        refused = [
            ("<res.partner.toggle_active", "Invalid job function"),
            ("res.partner.toggle_active", "Invalid job function"),
            ("<res.partner>.", "Invalid job function"),
            ("<no.such.model>.run", "Model no.such.model not found"),
        ]
        for name, message in refused:
            with self.subTest(name=name):
                with self.assertRaisesRegex(exceptions.UserError, message):
                    self.functions.create({"name": name})

    def test_modules_declaring_the_same_function_share_it(self):
        declared = self.function()
        installing = self.functions.with_context(install_mode=True)
        again = installing.create({"name": NAME, "edit_retry_pattern": "{2: 30}"})
        self.assertEqual(again, declared)
        self.assertEqual(declared.retry_pattern, {"2": 30})
        self.assertEqual(self.functions.search_count([("name", "=", NAME)]), 1)


class TestJobConfig(JobFunctionCase):
    def test_config_of_a_function(self):
        channel = self.channel("partners")
        function = self.function(
            channel_id=channel.id,
            edit_retry_pattern="{1: 30, 4: 300}",
            edit_related_action=(
                '{"enable": True, "func_name": "open_partner", "kwargs": {"x": 1}}'
            ),
        )
        config = self.functions.job_config(NAME)
        self.assertIsInstance(config, self.functions.JobConfig)
        self.assertEqual(
            config._asdict(),
            {
                "channel": "root.partners",
                "retry_pattern": {1: 30, 4: 300},
                "related_action_enable": True,
                "related_action_func_name": "open_partner",
                "related_action_kwargs": {"x": 1},
                "job_function_id": function.id,
            },
        )
        # what the related action leaves out takes its default
        function.edit_related_action = '{"func_name": "open_partner"}'
        config = self.functions.job_config(NAME)
        self.assertEqual(
            (config.related_action_enable, config.related_action_kwargs), (True, {})
        )

    def test_config_of_a_method_without_function(self):
        self.assertEqual(
            self.functions.job_config("<res.partner>.no_function_here")._asdict(),
            {
                "channel": "root",
                "retry_pattern": {},
                "related_action_enable": True,
                "related_action_func_name": None,
                "related_action_kwargs": {},
                "job_function_id": None,
            },
        )

    def test_config_and_new_jobs_follow_every_change(self):
        partners = self.env["res.partner"]

        def seen():
            config = self.functions.job_config(NAME)
            job = Job(partners.toggle_active)
            self.assertEqual(job.job_config, config)
            return job.channel, config.retry_pattern, config.job_function_id

        self.assertEqual(seen(), ("root", {}, None))
        channel = self.channel("first")
        function = self.function(channel_id=channel.id)
        self.assertEqual(seen(), ("root.first", {}, function.id))
        # renaming the channel reaches cached configs at once (the
        # reference kept the old name until its cache was cleared otherwise)
        channel.name = "renamed"
        self.assertEqual(seen(), ("root.renamed", {}, function.id))
        function.edit_retry_pattern = "{1: 7}"
        self.assertEqual(seen(), ("root.renamed", {1: 7}, function.id))
        function.channel_id = self.root
        self.env.registry.clear_caches()
        self.assertEqual(seen(), ("root", {1: 7}, function.id))
        function.unlink()
        self.assertEqual(seen(), ("root", {}, None))


class TestEditedAsText(JobFunctionCase):
    def test_retry_pattern_as_text(self):
        function = self.function(edit_retry_pattern="{1: 10, 5: 20}")
        self.assertEqual(function.retry_pattern, {"1": 10, "5": 20})
        self.assertEqual(function.edit_retry_pattern, "{1: 10, 5: 20}")
        function.edit_retry_pattern = ""
        self.assertEqual(function.retry_pattern, {})
        # random delays, as (low, high), from a tuple or a list
        # (the reference's constraint crashed on them with a TypeError)
        function.edit_retry_pattern = "{1: (1, 10), 4: [20, 30]}"
        function.invalidate_cache(["edit_retry_pattern"])
        self.assertEqual(function.edit_retry_pattern, "{1: (1, 10), 4: (20, 30)}")
        self.assertEqual(
            self.functions.job_config(NAME).retry_pattern, {1: (1, 10), 4: (20, 30)}
        )
        function.retry_pattern = {2: (5, 6)}
        function.invalidate_cache(["edit_retry_pattern"])
        self.assertEqual(function.edit_retry_pattern, "{2: (5, 6)}")

    def test_retry_patterns_refused(self):
        function = self.function()
        refused = {
            # not a Python literal dict
            "{1: 10": "Unexpected format of Retry Pattern",
            "__import__('os')": "Unexpected format of Retry Pattern",
            "[1, 2]": "Unexpected format of Retry Pattern",
            # a dict, with a bad entry named
            "{1: (1, 2, 3)}": "2 integers",
            "{1: (1.5, 5)}": "2 integers",
            "{1: ('a', 5)}": "2 integers",
            "{1: (10, 1)}": "low < high",
            "{1: (5, 5)}": "low < high",
            "{'x': 10}": "try count 'x'",
            "{1: 'soon'}": "not a number of seconds",
            "{1: None}": "not a number of seconds",
        }
        for text, detail in refused.items():
            with self.subTest(pattern=text):
                # assertRaises (not ...Regex) rolls the failed write back
                with self.assertRaises(exceptions.UserError) as caught:
                    function.edit_retry_pattern = text
                    function.flush()
                message = str(caught.exception)
                self.assertIn("Unexpected format of Retry Pattern", message)
                self.assertIn(detail, message)
        self.assertEqual(function.retry_pattern, {})

    def test_related_actions_refused(self):
        function = self.function()
        refused = {
            '{"enable": True, "what": 1}': "unknown key",
            '{"kwargs": [1]}': "kwargs must be a dict",
            '{"func_name": 12}': "func_name must be",
            '{"enable": ': "Related Action",
        }
        for text, detail in refused.items():
            with self.subTest(related_action=text):
                with self.assertRaises(exceptions.UserError) as caught:
                    function.edit_related_action = text
                    function.flush()
                message = str(caught.exception)
                self.assertIn("Unexpected format of Related Action", message)
                self.assertIn(detail, message)
        self.assertEqual(function.related_action, {})
