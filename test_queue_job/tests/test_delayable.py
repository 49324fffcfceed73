# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Graphs of jobs built with delayable(), chain() and group(), stored for
real: which rows, in which graph, waiting for which parents."""
import gc

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.job import PENDING, WAIT_DEPENDENCIES

from .common import QueueJobCase

# shapes of graphs, built from nodes a, b, c...: (label, build, parents of
# each node, by name)
SHAPES = [
    ("a job alone", lambda a: a, {"a": ""}),
    ("on_done", lambda a, b: a.on_done(b), {"a": "", "b": "a"}),
    ("on_done, two", lambda a, b, c: a.on_done(b, c), {"a": "", "b": "a", "c": "a"}),
    ("group", lambda a, b, c: group(a, b, c), {"a": "", "b": "", "c": ""}),
    (
        "a job after a group",
        lambda a, b, c: group(a, b).on_done(c),
        {"a": "", "b": "", "c": "ab"},
    ),
    (
        "a group after a group",
        lambda a, b, c, d: group(a, b).on_done(group(c, d)),
        {"a": "", "b": "", "c": "ab", "d": "ab"},
    ),
    (
        "a chain of two groups",
        lambda a, b, c, d: chain(group(a, b), group(c, d)),
        {"a": "", "b": "", "c": "ab", "d": "ab"},
    ),
    (
        "groups in groups",
        lambda a, b, c, d: group(a, group(b, group(c))).on_done(d),
        {"a": "", "b": "", "c": "", "d": "abc"},
    ),
    (
        "a diamond",
        lambda a, b, c, d: [a.on_done(b, c), b.on_done(d), c.on_done(d)][0],
        {"a": "", "b": "a", "c": "a", "d": "bc"},
    ),
    ("a chain", lambda a, b, c: chain(a, b, c), {"a": "", "b": "a", "c": "b"}),
    (
        "a chain after a job",
        lambda a, b, c: a.on_done(chain(b, c)),
        {"a": "", "b": "a", "c": "b"},
    ),
    (
        "a chain after a chain",
        lambda a, b, c, d: chain(a, b).on_done(chain(c, d)),
        {"a": "", "b": "a", "c": "b", "d": "c"},
    ),
    (
        "a chain of chains",
        lambda a, b, c, d: chain(chain(a, b), chain(c, d)),
        {"a": "", "b": "a", "c": "b", "d": "c"},
    ),
    (
        "a group of chains",
        lambda a, b, c, d, e: group(chain(a, b), chain(c, d)).on_done(e),
        {"a": "", "b": "a", "c": "", "d": "c", "e": "bd"},
    ),
    # reference quirk 12: b waited for a, and a waited for nothing
    (
        "a chain heading a chain",
        lambda x, a, b, c: x.on_done(chain(chain(a, b), c)),
        {"x": "", "a": "x", "b": "a", "c": "b"},
    ),
]


class TestDelayable(QueueJobCase):
    def node(self, label, **properties):
        return self.subject.delayable(**properties).testing_method(label)

    def rows(self, nodes):
        """The queue.job row of each node, by its label."""
        return {label: node._generated_job.db_record() for label, node in nodes.items()}

    def parents(self, rows):
        """The labels of the parents of each row, from what is stored."""
        label_of = {row.uuid: label for label, row in rows.items()}
        return {
            label: "".join(
                sorted(label_of[uuid] for uuid in row.dependencies["depends_on"])
            )
            for label, row in rows.items()
        }

    def test_shapes(self):
        for label, build, parents in SHAPES:
            with self.subTest(label):
                names = build.__code__.co_varnames[: build.__code__.co_argcount]
                nodes = {name: self.node(name) for name in names}
                build(*nodes.values()).delay()
                rows = self.rows(nodes)
                self.assertEqual(self.parents(rows), parents)
                for name, row in rows.items():
                    self.assertEqual(len(row), 1)
                    self.assertEqual(row.args, [name])
                    self.assertEqual(
                        row.state, WAIT_DEPENDENCIES if parents[name] else PENDING
                    )
                    # and the children each row lists are those waiting for it
                    children = {child for child, of in parents.items() if name in of}
                    self.assertEqual(
                        set(row.dependencies["reverse_depends_on"]),
                        {rows[child].uuid for child in children},
                    )
                graph_uuids = {row.graph_uuid for row in rows.values()}
                if len(nodes) == 1:
                    self.assertEqual(graph_uuids, {False})
                else:
                    self.assertEqual(len(graph_uuids), 1)
                    self.assertTrue(graph_uuids.pop())

    def test_properties_and_calls(self):
        node = self.subject.delayable(priority=3, description="Three")
        self.assertEqual(
            repr(node.testing_method(1)),
            "Delayable(test.queue.job().testing_method((1,), {}))",
        )
        # a call returns the node, and the last call is the one delayed
        self.assertIs(node.testing_method(2, k="v"), node)
        node.set(channel="root.sub").set({"max_retries": 2})
        node.delay()
        row = node._generated_job.db_record()
        self.assertEqual(
            (row.args, row.kwargs, row.priority, row.name, row.channel),
            ([2], {"k": "v"}, 3, "Three", "root.sub"),
        )
        self.assertEqual(row.max_retries, 2)

    def test_what_cannot_be_delayed(self):
        node = self.subject.delayable()
        with self.assertRaisesRegex(
            AttributeError,
            r"only methods can be delayed \(name called on test.queue.job\(\)\)",
        ):
            node.name()
        with self.assertRaises(AttributeError):
            node.method_that_does_not_exist()
        with self.assertRaisesRegex(ValueError, "no method call to delay"):
            node.delay()
        node._generated_job = False  # no "never delayed" warning

    def test_warning_for_a_node_never_delayed(self):
        with self.assertLogs("odoo.addons.queue_job.delay", "WARNING") as logs:
            node = self.node("forgotten")
            # no reference cycle: it goes, and warns, as soon as it is dropped
            gc.disable()
            try:
                del node
            finally:
                gc.enable()
        self.assertEqual(
            logs.output,
            [
                "WARNING:odoo.addons.queue_job.delay:Delayable "
                "Delayable(test.queue.job().testing_method(('forgotten',), {})) "
                "was prepared but never delayed"
            ],
        )

    def test_node_delayed_again_with_a_child(self):
        first = self.node("first")
        first.delay()
        job = first._generated_job
        row = job.db_record()
        self.assertFalse(row.graph_uuid)
        child = self.node("child")
        first.on_done(child).delay()
        # the same job, its row updated into the graph
        self.assertIs(first._generated_job, job)
        self.assertEqual(self.jobs.search_count([("uuid", "=", job.uuid)]), 1)
        row.invalidate_cache()
        self.assertTrue(row.graph_uuid)
        self.assertEqual(child._generated_job.db_record().graph_uuid, row.graph_uuid)
        self.assertEqual(
            child._generated_job.db_record().dependencies["depends_on"], [job.uuid]
        )

    def test_graphs_that_cannot_be_delayed(self):
        a, b = self.node("a"), self.node("b")
        a.on_done(b).delay()
        # alone, b would lose its parent
        with self.assertRaisesRegex(ValueError, "part of graph"):
            b.delay()
        c, d = self.node("c"), self.node("d")
        c.on_done(d).delay()
        with self.assertRaisesRegex(ValueError, "several graphs"):
            group(b, d).on_done(self.node("e")).delay()
        # a cycle: nothing is built, nothing stored
        rows = self.jobs.search_count([])
        x, y = self.node("x"), self.node("y")
        x.on_done(y)
        y.on_done(x)
        with self.assertRaisesRegex(ValueError, "cycle"):
            x.delay()
        self.assertIsNone(x._generated_job)
        self.assertEqual(self.jobs.search_count([]), rows)
        x._generated_job = y._generated_job = False

    def test_identity_keys_in_a_graph(self):
        waiting = self.node("k1", identity_key="graph-key-1")
        waiting.delay()
        existing = waiting._generated_job.db_record()
        rows = self.jobs.search_count([])
        # every keyed node of the new graph waits already: nothing is stored
        keyed, plain = self.node("k1", identity_key="graph-key-1"), self.node("p")
        keyed.on_done(plain).delay()
        self.assertEqual(self.jobs.search_count([]), rows)
        self.assertEqual(keyed._generated_job, existing)
        # one keyed node without a match: the whole graph is stored
        again = self.node("k1", identity_key="graph-key-1")
        new_key = self.node("k2", identity_key="graph-key-2")
        again.on_done(new_key).delay()
        self.assertEqual(self.jobs.search_count([]), rows + 2)
        self.assertEqual(
            new_key._generated_job.db_record().dependencies["depends_on"],
            [again._generated_job.uuid],
        )

    def test_chain_of_an_addon_button(self):
        counted = self.jobs.search_count([])
        self.subject.button_that_uses_delayable_chain()
        self.assertEqual(self.jobs.search_count([]), counted + 3)
        head = self.jobs.search(
            [("func_string", "=", "test.queue.job().testing_method(1, foo=2)")]
        )
        self.assertEqual(
            (head.name, head.priority, head.max_retries, head.channel),
            ("Test", 15, 1, "root.test"),
        )
        rows = {
            row.func_string: row
            for row in self.jobs.search([("graph_uuid", "=", head.graph_uuid)])
        }
        second = rows["test.queue.job().testing_method('x', foo='y')"]
        last = rows["test.queue.job().no_description()"]
        self.assertEqual(len(rows), 3)
        self.assertEqual(second.dependencies["depends_on"], [head.uuid])
        self.assertEqual(last.dependencies["depends_on"], [second.uuid])
        self.assertEqual(last.name, "test.queue.job.no_description")
