# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Graph primitives and graph flattening, without database."""
import unittest

from ..delay import Delayable, DelayableGraph, Graph, chain, group


class PureTestCase(unittest.TestCase):
    """A plain TestCase that Odoo's runner still selects (it needs the tags)."""

    test_tags = {"standard", "at_install"}
    test_module = "queue_job"
    test_sequence = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.test_class = cls.__name__


class FakeRecordset:
    """Enough of a recordset for building graphs (no method is recorded)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class TestGraph(PureTestCase):
    def test_add_vertex(self):
        graph = Graph()
        graph.add_vertex("a")
        graph.add_vertex("a")
        self.assertEqual(graph._graph, {"a": set()})
        self.assertEqual(graph.vertices(), {"a"})
        self.assertEqual(graph.edges(), [])

    def test_add_edge(self):
        graph = Graph()
        graph.add_edge("a", "b")
        graph.add_edge("a", "c")
        graph.add_edge("a", "b")
        self.assertEqual(graph._graph, {"a": {"b", "c"}, "b": set(), "c": set()})
        self.assertEqual(sorted(graph.edges()), [("a", "b"), ("a", "c")])
        self.assertEqual(graph.vertices(), {"a", "b", "c"})

    def test_init_copies(self):
        source = {"a": {"b"}}
        graph = Graph(source)
        graph.add_edge("a", "c")
        self.assertEqual(source, {"a": {"b"}})
        self.assertEqual(graph._graph, {"a": {"b", "c"}, "b": set(), "c": set()})

    def test_root_vertices(self):
        graph = Graph({"a": {"b"}, "c": {"b"}, "b": {"d"}, "e": set()})
        self.assertEqual(graph.root_vertices(), {"a", "c", "e"})

    def test_paths(self):
        graph = Graph({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": {"e"}})
        self.assertEqual(
            sorted(graph.paths("a")),
            [["a", "b", "d", "e"], ["a", "c", "d", "e"]],
        )
        self.assertEqual(list(graph.paths("e")), [["e"]])

    def test_paths_cycle(self):
        graph = Graph({"a": {"b", "c"}, "b": {"a"}, "c": {"d"}, "d": {"c"}})
        self.assertEqual(sorted(graph.paths("a")), [["a", "b"], ["a", "c", "d"]])

    def test_topological_sort(self):
        graph = Graph({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": {"e"}, "f": {"e"}})
        order = list(graph.topological_sort())
        self.assertEqual(sorted(order), ["a", "b", "c", "d", "e", "f"])
        for parent, child in graph.edges():
            self.assertLess(order.index(parent), order.index(child))

    def test_topological_sort_key(self):
        graph = Graph({"z": {"b", "a"}, "y": {"a"}, "c": set()})
        self.assertEqual(list(graph.topological_sort(key=str)), list("cyzab"))

    def test_topological_sort_cycle(self):
        graph = Graph({"a": {"b"}, "b": {"c"}, "c": {"b"}})
        with self.assertRaisesRegex(ValueError, "cycle.*'b', 'c'"):
            list(graph.topological_sort())

    def test_repr(self):
        graph = Graph({"a": {"b", "c"}, "b": {"d"}, "e": set()})
        self.assertEqual(repr(graph), "'a' → 'b' → 'd'\n'a' → 'c'\n'e'")


class TestDelayableGraph(PureTestCase):
    def node(self, name):
        node = Delayable(FakeRecordset(name))
        # never built: silence the "never delayed" warning when collected
        self.addCleanup(setattr, node, "_generated_job", False)
        return node

    def nodes(self, names):
        return [self.node(name) for name in names.split()]

    def flat_edges(self, top):
        flat = top._graph._flatten()
        return flat.vertices(), {
            (parent.recordset.name, child.recordset.name)
            for parent, child in flat.edges()
        }

    def test_set(self):
        node = self.node("r")
        self.assertIs(node.set(priority=3, channel="root.a"), node)
        node.set({"eta": 15, "identity_key": "k"}, max_retries=2)
        node.set({"description": "d"})
        self.assertEqual(
            (node.priority, node.channel, node.eta, node.identity_key),
            (3, "root.a", 15, "k"),
        )
        self.assertEqual((node.max_retries, node.description), (2, "d"))

    def test_set_unknown_property(self):
        node = self.node("r")
        with self.assertRaisesRegex(ValueError, "^No property foo$"):
            node.set(foo=1)
        with self.assertRaisesRegex(ValueError, "^No property bar$"):
            node.set({"bar": 1})
        with self.assertRaises(TypeError):
            node.set({"priority": 1}, {"eta": 2})

    def test_on_done_edges(self):
        a, b, c = self.nodes("a b c")
        self.assertIs(a.on_done(b, c), a)
        vertices, edges = self.flat_edges(a)
        self.assertEqual(vertices, {a, b, c})
        self.assertEqual(edges, {("a", "b"), ("a", "c")})

    def test_on_done_bad_argument(self):
        a = self.node("a")
        with self.assertRaisesRegex(TypeError, "on_done.*'oops'"):
            a.on_done("oops")
        with self.assertRaisesRegex(ValueError, "cannot depend on itself"):
            a.on_done(a)

    def test_only_downstream_is_reached(self):
        a, b, c = self.nodes("a b c")
        a.on_done(b)
        b.on_done(c)
        vertices, edges = self.flat_edges(b)
        self.assertEqual(vertices, {b, c})
        self.assertEqual(edges, {("b", "c")})

    def test_chain(self):
        a, b, c, d = self.nodes("a b c d")
        top = chain(a, b, c).on_done(d)
        vertices, edges = self.flat_edges(top)
        self.assertEqual(vertices, {a, b, c, d})
        self.assertEqual(edges, {("a", "b"), ("b", "c"), ("c", "d")})

    def test_group(self):
        a, b, c, d, e = self.nodes("a b c d e")
        top = group(a, b, c).on_done(d, e)
        vertices, edges = self.flat_edges(top)
        self.assertEqual(vertices, {a, b, c, d, e})
        self.assertEqual(
            edges,
            {(p, c) for p in "abc" for c in "de"},
        )

    def test_group_after_group(self):
        a, b, c, d = self.nodes("a b c d")
        top = group(a, b).on_done(group(c, d))
        _vertices, edges = self.flat_edges(top)
        self.assertEqual(edges, {("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")})

    def test_chain_of_groups_and_chains(self):
        a, b, c, d, e, f = self.nodes("a b c d e f")
        top = chain(group(a, b), chain(c, d), group(e, f))
        _vertices, edges = self.flat_edges(top)
        self.assertEqual(
            edges,
            {("a", "c"), ("b", "c"), ("c", "d"), ("d", "e"), ("d", "f")},
        )

    def test_nested_chain_as_head_connects_to_its_first_member(self):
        # reference quirk 12: the edge went x -> b instead of x -> a
        x, a, b, c = self.nodes("x a b c")
        x.on_done(chain(chain(a, b), c))
        _vertices, edges = self.flat_edges(x)
        self.assertEqual(edges, {("x", "a"), ("a", "b"), ("b", "c")})

    def test_nested_chain_as_tail_connects_from_its_last_member(self):
        a, b, c, y = self.nodes("a b c y")
        top = chain(a, chain(b, c)).on_done(y)
        _vertices, edges = self.flat_edges(top)
        self.assertEqual(edges, {("a", "b"), ("b", "c"), ("c", "y")})

    def test_member_on_done_inside_chain(self):
        a, b, c = self.nodes("a b c")
        a.on_done(c)
        top = chain(a, b)
        _vertices, edges = self.flat_edges(top)
        self.assertEqual(edges, {("a", "b"), ("a", "c")})

    def test_empty_chain_and_bad_members(self):
        with self.assertRaisesRegex(ValueError, "at least one"):
            chain()
        with self.assertRaisesRegex(TypeError, "chain member.*42"):
            chain(self.node("a"), 42)
        with self.assertRaisesRegex(TypeError, "group member.*None"):
            group(None)

    def test_empty_group_delays_nothing(self):
        with self.assertRaisesRegex(ValueError, "^Expecting jobs$"):
            group().delay()

    def test_ensure_same_graph_uuid(self):
        class FakeJob:
            def __init__(self, graph_uuid=None):
                self.graph_uuid = graph_uuid
                self.uuid = "u"

        ensure = DelayableGraph._ensure_same_graph_uuid
        with self.assertRaisesRegex(ValueError, "^Expecting jobs$"):
            ensure([])
        lone = FakeJob()
        ensure([lone])
        self.assertIsNone(lone.graph_uuid)
        with self.assertRaises(ValueError):
            ensure([FakeJob("g1")])
        jobs = [FakeJob(), FakeJob()]
        ensure(jobs)
        self.assertTrue(jobs[0].graph_uuid)
        self.assertEqual(jobs[0].graph_uuid, jobs[1].graph_uuid)
        jobs = [FakeJob(), FakeJob("g1"), FakeJob("g1")]
        ensure(jobs)
        self.assertEqual({job.graph_uuid for job in jobs}, {"g1"})
        with self.assertRaisesRegex(ValueError, "several graphs"):
            ensure([FakeJob("g1"), FakeJob("g2")])

    def test_repr(self):
        a, b, c = self.nodes("a b c")
        self.assertEqual(repr(a), "Delayable(a.<no method>((), {}))")
        self.assertEqual(
            repr(chain(a, b, c)),
            "DelayableChain(\n\t"
            "Delayable(a.<no method>((), {})) → Delayable(b.<no method>((), {}))"
            " → Delayable(c.<no method>((), {}))\n)",
        )
        text = repr(group(a, b))
        self.assertTrue(text.startswith("DelayableGroup(\n\t"))
        self.assertEqual(text.count("\n\t"), 2)  # one line per member
