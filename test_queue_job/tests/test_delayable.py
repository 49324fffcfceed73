# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Graphs of jobs built with delayable(), chain() and group(), stored for real."""
import gc

from odoo.tests import common

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.job import PENDING, WAIT_DEPENDENCIES


class TestDelayable(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.env["test.queue.job"]

    def node(self, *args, **properties):
        return self.model.delayable(**properties).testing_method(*args)

    def nodes(self, count):
        return [self.node(index) for index in range(1, count + 1)]

    def record(self, node):
        job = node._generated_job
        return self.env["queue.job"].search([("uuid", "=", job.uuid)])

    def assertDepends(self, node, parents):
        """Job of ``node`` waits exactly for the jobs of ``parents`` (in memory
        and in the database)."""
        job = node._generated_job
        expected = {parent._generated_job for parent in parents}
        self.assertEqual(set(job.depends_on), expected)
        stored = self.record(node).dependencies
        self.assertEqual(
            set(stored["depends_on"]), {parent.uuid for parent in expected}
        )
        self.assertEqual(
            self.record(node).state, WAIT_DEPENDENCIES if parents else PENDING
        )

    def assertSameGraph(self, nodes):
        graph_uuids = {self.record(node).graph_uuid for node in nodes}
        self.assertEqual(len(graph_uuids), 1)
        self.assertTrue(graph_uuids.pop())

    def test_single(self):
        node = self.node(1, priority=3, channel="root", description="One")
        self.assertEqual(
            repr(node), "Delayable(test.queue.job().testing_method((1,), {}))"
        )
        node.delay()
        record = self.record(node)
        self.assertEqual(len(record), 1)
        self.assertEqual(record.state, PENDING)
        self.assertFalse(record.graph_uuid)
        self.assertEqual((record.priority, record.name), (3, "One"))
        self.assertEqual(record.args, [1])

    def test_builder_style(self):
        node = self.model.delayable()
        self.assertIs(node.testing_method(1, foo=2), node)
        node.testing_method(3)  # the last recorded call wins
        node.set(priority=7).set({"max_retries": 2})
        node.delay()
        record = self.record(node)
        self.assertEqual((record.args, record.kwargs), ([3], {}))
        self.assertEqual((record.priority, record.max_retries), (7, 2))

    def test_fields_cannot_be_delayed(self):
        node = self.model.delayable()
        with self.assertRaisesRegex(
            AttributeError,
            r"only methods can be delayed \(name called on test.queue.job\(\)\)",
        ):
            node.name()
        with self.assertRaises(AttributeError):
            node.no_such_method()
        node._generated_job = False  # silence the "never delayed" warning

    def test_delay_without_call(self):
        node = self.model.delayable()
        with self.assertRaisesRegex(ValueError, "no method call to delay"):
            node.delay()
        node._generated_job = False

    def test_on_done(self):
        a, b = self.nodes(2)
        a.on_done(b).delay()
        self.assertSameGraph([a, b])
        self.assertDepends(a, [])
        self.assertDepends(b, [a])
        reverse = self.record(a).dependencies["reverse_depends_on"]
        self.assertEqual(reverse, [b._generated_job.uuid])

    def test_on_done_multi(self):
        a, b, c = self.nodes(3)
        a.on_done(b, c).delay()
        self.assertSameGraph([a, b, c])
        self.assertDepends(b, [a])
        self.assertDepends(c, [a])

    def test_group(self):
        a, b, c = self.nodes(3)
        group(a, b, c).delay()
        self.assertSameGraph([a, b, c])
        for node in (a, b, c):
            self.assertDepends(node, [])

    def test_job_after_group(self):
        a, b, c = self.nodes(3)
        group(a, b).on_done(c).delay()
        self.assertDepends(c, [a, b])
        self.assertDepends(a, [])

    def test_group_after_group(self):
        a, b, c, d = self.nodes(4)
        group(a, b).on_done(group(c, d)).delay()
        self.assertSameGraph([a, b, c, d])
        self.assertDepends(c, [a, b])
        self.assertDepends(d, [a, b])

    def test_group_after_group_in_chain(self):
        a, b, c, d = self.nodes(4)
        chain(group(a, b), group(c, d)).delay()
        self.assertDepends(c, [a, b])
        self.assertDepends(d, [a, b])

    def test_nested_groups(self):
        a, b, c, d = self.nodes(4)
        group(a, group(b, group(c))).on_done(d).delay()
        self.assertSameGraph([a, b, c, d])
        self.assertDepends(d, [a, b, c])
        for node in (a, b, c):
            self.assertDepends(node, [])

    def test_diamond(self):
        a, b, c, d = self.nodes(4)
        a.on_done(b, c)
        b.on_done(d)
        c.on_done(d)
        a.delay()
        self.assertSameGraph([a, b, c, d])
        self.assertDepends(b, [a])
        self.assertDepends(c, [a])
        self.assertDepends(d, [b, c])

    def test_chain(self):
        a, b, c = self.nodes(3)
        chain(a, b, c).delay()
        self.assertSameGraph([a, b, c])
        self.assertDepends(a, [])
        self.assertDepends(b, [a])
        self.assertDepends(c, [b])

    def test_chain_after_job(self):
        a, b, c = self.nodes(3)
        a.on_done(chain(b, c)).delay()
        self.assertDepends(b, [a])
        self.assertDepends(c, [b])

    def test_chain_after_chain(self):
        a, b, c, d = self.nodes(4)
        chain(a, b).on_done(chain(c, d)).delay()
        self.assertSameGraph([a, b, c, d])
        self.assertDepends(c, [b])
        self.assertDepends(d, [c])

    def test_group_of_chains(self):
        a, b, c, d, e = self.nodes(5)
        group(chain(a, b), chain(c, d)).on_done(e).delay()
        self.assertSameGraph([a, b, c, d, e])
        self.assertDepends(a, [])
        self.assertDepends(c, [])
        self.assertDepends(b, [a])
        self.assertDepends(d, [c])
        self.assertDepends(e, [b, d])

    def test_nested_chain_first_member(self):
        # reference quirk 12 (x waited for b): x -> a -> b -> c
        x, a, b, c = self.nodes(4)
        x.on_done(chain(chain(a, b), c)).delay()
        self.assertDepends(a, [x])
        self.assertDepends(b, [a])
        self.assertDepends(c, [b])

    def test_chain_of_chains(self):
        a, b, c, d = self.nodes(4)
        chain(chain(a, b), chain(c, d)).delay()
        self.assertDepends(a, [])
        self.assertDepends(b, [a])
        self.assertDepends(c, [b])
        self.assertDepends(d, [c])

    def test_prepared_but_never_delayed(self):
        with self.assertLogs("odoo.addons.queue_job.delay", level="WARNING") as logs:
            node = self.node(1)
            # no reference cycle: the warning comes as soon as it is dropped
            gc.disable()
            try:
                del node
            finally:
                gc.enable()
        self.assertEqual(
            logs.output,
            [
                "WARNING:odoo.addons.queue_job.delay:Delayable "
                "Delayable(test.queue.job().testing_method((1,), {})) "
                "was prepared but never delayed"
            ],
        )

    def test_delay_again_after_adding_a_child(self):
        a, b = self.nodes(2)
        a.delay()
        job_a = a._generated_job
        record_a = self.record(a)
        self.assertFalse(record_a.graph_uuid)
        a.on_done(b)
        a.delay()
        self.assertIs(a._generated_job, job_a)  # built once
        self.assertEqual(self.record(a), record_a)  # updated, not duplicated
        self.assertEqual(
            self.env["queue.job"].search_count([("uuid", "=", job_a.uuid)]), 1
        )
        self.assertSameGraph([a, b])
        self.assertDepends(b, [a])

    def test_delay_graph_member_alone(self):
        a, b = self.nodes(2)
        a.on_done(b).delay()
        # b was delayed in a graph: alone it would lose its parent
        with self.assertRaisesRegex(ValueError, "part of graph"):
            b.delay()

    def test_several_graphs(self):
        a, b, c, d = self.nodes(4)
        a.on_done(b).delay()
        c.on_done(d).delay()
        e = self.node(5)
        with self.assertRaisesRegex(ValueError, "several graphs"):
            group(b, d).on_done(e).delay()

    def test_cycle(self):
        a, b = self.nodes(2)
        a.on_done(b)
        b.on_done(a)
        with self.assertRaisesRegex(ValueError, "cycle"):
            a.delay()
        self.assertIsNone(a._generated_job)
        a._generated_job = b._generated_job = False

    def test_identity_key_in_graph(self):
        first = self.node(1, identity_key="graph-key-1")
        first.delay()
        existing = self.record(first)
        # every keyed node of the new graph already waits: nothing is stored
        a = self.node(1, identity_key="graph-key-1")
        b = self.node(2)
        count = self.env["queue.job"].search_count([])
        a.on_done(b).delay()
        self.assertEqual(self.env["queue.job"].search_count([]), count)
        self.assertEqual(a._generated_job, existing)
        # one keyed node without match: the whole graph is stored
        c = self.node(1, identity_key="graph-key-1")
        d = self.node(2, identity_key="graph-key-2")
        c.on_done(d).delay()
        self.assertEqual(self.env["queue.job"].search_count([]), count + 2)
        self.assertDepends(d, [c])
