# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The test helpers themselves (no database needed)."""
import logging
import unittest

from .. import graph
from . import common
from .common import JobCall, load_doctests
from .test_delay_graph import PureTestCase


class Records:
    """Stands for a recordset: equal when the ids are."""

    def __init__(self, *ids):
        self.ids = ids

    def __eq__(self, other):
        return isinstance(other, Records) and set(self.ids) == set(other.ids)

    def __repr__(self):
        return "records%r" % (self.ids,)

    def method(self, *args):
        return args

    def other(self, *args):
        return args


class TestHelpers(PureTestCase):
    def test_job_call_equality(self):
        def call(method, args=(1,), kwargs=None, properties=None):
            return JobCall(method, args, kwargs or {}, properties or {})

        self.assertEqual(call(Records(1, 2).method), call(Records(2, 1).method))
        self.assertNotEqual(call(Records(1).method), call(Records(2).method))
        self.assertNotEqual(call(Records(1).method), call(Records(1).other))
        self.assertNotEqual(call(Records(1).method), call(Records(1).method, args=(2,)))
        self.assertNotEqual(
            call(Records(1).method, kwargs={"a": 1}), call(Records(1).method)
        )
        self.assertNotEqual(
            call(Records(1).method, properties={"priority": 1}),
            call(Records(1).method, properties={"priority": 2}),
        )
        self.assertIn(call(Records(1).method), [call(Records(1).method)])

    def test_load_doctests(self):
        suite = load_doctests(graph)(unittest.TestLoader(), unittest.TestSuite(), None)
        tests = list(suite)
        self.assertTrue(tests)
        for test in tests:
            self.assertIsInstance(test, common.OdooDocTestCase)
            self.assertEqual(
                test.test_tags, {"standard", "at_install", "queue_job", "doctest"}
            )
            self.assertEqual(test.test_module, "queue_job")
        self.assertEqual(len({test.test_sequence for test in tests}), len(tests))
        self.assertIn(
            "odoo.addons.queue_job.graph.Graph", [t._dt_test.name for t in tests]
        )
        result = unittest.TestResult()
        # logging.INFO: Odoo names its level 25 "INFO" too
        with self.assertLogs(
            "odoo.addons.queue_job.tests.common", logging.INFO
        ) as logs:
            tests[0].run(result)
        self.assertTrue(result.wasSuccessful(), result.failures + result.errors)
        self.assertIn("Running tests for odoo.addons.queue_job.graph", logs.output[0])
