# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Graphs of jobs before they are jobs: the Graph helper, Delayable
properties, and the edges that chains and groups make (seen through
trap_jobs, which builds the jobs without storing them)."""
import unittest

from odoo.tests import common

from ..delay import Delayable, DelayableGraph, Graph, chain, group
from .common import trap_jobs


class PureTestCase(unittest.TestCase):
    """A plain TestCase that Odoo's runner still selects (it needs the tags)."""

    test_tags = {"standard", "at_install"}
    test_module = "queue_job"
    test_sequence = 0

    # pylint: disable-next=missing-return  # Python's hook returns nothing
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.test_class = cls.__name__


# a diamond with a tail, and a lone vertex:
#   a -> b -> d -> e
#   a -> c -> d      f -> e
DIAMOND = {"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": {"e"}, "f": {"e"}}


class TestGraph(PureTestCase):
    def test_vertices_and_edges(self):
        graph = Graph()
        graph.add_vertex("alone")
        graph.add_vertex("alone")
        graph.add_edge("up", "down")
        graph.add_edge("up", "side")
        graph.add_edge("up", "down")
        self.assertEqual(graph.vertices(), {"alone", "up", "down", "side"})
        self.assertEqual(sorted(graph.edges()), [("up", "down"), ("up", "side")])
        self.assertEqual(graph.root_vertices(), {"alone", "up"})

    def test_made_from_a_dict_it_does_not_share(self):
        source = {"x": {"y"}}
        graph = Graph(source)
        graph.add_edge("x", "z")
        self.assertEqual(source, {"x": {"y"}})
        self.assertEqual(sorted(graph.edges()), [("x", "y"), ("x", "z")])
        self.assertEqual(graph.vertices(), {"x", "y", "z"})

    def test_paths_are_maximal_and_without_cycles(self):
        graph = Graph(DIAMOND)
        self.assertEqual(
            sorted(graph.paths("a")), [["a", "b", "d", "e"], ["a", "c", "d", "e"]]
        )
        self.assertEqual(list(graph.paths("f")), [["f", "e"]])
        self.assertEqual(list(graph.paths("e")), [["e"]])
        looped = Graph({"p": {"q", "r"}, "q": {"p"}, "r": {"s"}, "s": {"r"}})
        self.assertEqual(sorted(looped.paths("p")), [["p", "q"], ["p", "r", "s"]])

    def test_topological_order(self):
        graph = Graph(DIAMOND)
        order = list(graph.topological_sort())
        self.assertEqual(sorted(order), sorted(graph.vertices()))
        for parent, child in graph.edges():
            self.assertLess(order.index(parent), order.index(child))
        # among the vertices ready together, the smallest key first
        graph = Graph({"z": {"b", "a"}, "y": {"a"}, "c": set()})
        self.assertEqual("".join(graph.topological_sort(key=str)), "cyzab")
        self.assertEqual(
            "".join(graph.topological_sort(key=lambda v: -ord(v))), "zycba"
        )

    def test_no_order_with_a_cycle(self):
        graph = Graph({"start": {"m"}, "m": {"n"}, "n": {"m"}})
        with self.assertRaisesRegex(ValueError, r"cycle.*'m', 'n'$"):
            list(graph.topological_sort())

    def test_repr_lists_the_paths_from_the_roots(self):
        self.assertEqual(
            repr(Graph({"a": {"b", "c"}, "b": {"d"}, "g": set()})),
            "'a' → 'b' → 'd'\n'a' → 'c'\n'g'",
        )


class Records:
    """Enough of a recordset for a Delayable that is never delayed."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class TestDelayableNode(PureTestCase):
    def node(self, name="r"):
        node = Delayable(Records(name))
        # never built: no "never delayed" warning when it goes
        self.addCleanup(setattr, node, "_generated_job", False)
        return node

    def test_set_properties(self):
        node = self.node()
        self.assertIs(node.set(priority=3, channel="root.a"), node)
        node.set({"eta": 15, "identity_key": "k"}, max_retries=2)
        node.set({"description": "d"})
        self.assertEqual(
            {
                name: getattr(node, name)
                for name in (
                    "priority",
                    "channel",
                    "eta",
                    "identity_key",
                    "max_retries",
                    "description",
                )
            },
            {
                "priority": 3,
                "channel": "root.a",
                "eta": 15,
                "identity_key": "k",
                "max_retries": 2,
                "description": "d",
            },
        )

    def test_unknown_properties(self):
        node = self.node()
        for arguments in (((), {"foo": 1}), (({"bar": 1},), {})):
            args, kwargs = arguments
            with self.subTest(arguments=arguments):
                name = (list(kwargs) or list(args[0]))[0]
                with self.assertRaisesRegex(ValueError, "^No property %s$" % name):
                    node.set(*args, **kwargs)
        with self.assertRaises(TypeError):
            node.set({"priority": 1}, {"eta": 2})

    def test_bad_links(self):
        node = self.node("a")
        with self.assertRaisesRegex(TypeError, "on_done.*'oops'"):
            node.on_done("oops")
        with self.assertRaisesRegex(ValueError, "cannot depend on itself"):
            node.on_done(node)
        with self.assertRaisesRegex(ValueError, "at least one"):
            chain()
        with self.assertRaisesRegex(TypeError, "chain member.*42"):
            chain(self.node("b"), 42)
        with self.assertRaisesRegex(TypeError, "group member.*None"):
            group(None)
        with self.assertRaisesRegex(ValueError, "^Expecting jobs$"):
            group().delay()

    def test_repr(self):
        a, b, c = self.node("a"), self.node("b"), self.node("c")
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


class TestSameGraphUuid(PureTestCase):
    class Job:
        def __init__(self, graph_uuid=None):
            self.graph_uuid = graph_uuid
            self.uuid = "uuid-of-a-job"

    def test_one_graph_uuid_for_the_jobs_of_a_graph(self):
        Job = self.Job
        ensure = DelayableGraph._ensure_same_graph_uuid
        with self.assertRaisesRegex(ValueError, "^Expecting jobs$"):
            ensure([])
        # a lone job stays out of any graph, and cannot join one alone
        lone = Job()
        ensure([lone])
        self.assertIsNone(lone.graph_uuid)
        with self.assertRaises(ValueError):
            ensure([Job("g1")])
        fresh = [Job(), Job(), Job()]
        ensure(fresh)
        self.assertEqual(len({job.graph_uuid for job in fresh}), 1)
        self.assertTrue(fresh[0].graph_uuid)
        # jobs joining an existing graph take its uuid
        joining = [Job(), Job("g1"), Job("g1")]
        ensure(joining)
        self.assertEqual({job.graph_uuid for job in joining}, {"g1"})
        with self.assertRaisesRegex(ValueError, "several graphs"):
            ensure([Job("g1"), Job("g2")])


class TestEdgesOfDelayables(common.TransactionCase):
    """Which job waits for which, once chains and groups are delayed."""

    def nodes(self, names):
        partners = self.env["res.partner"]
        return [partners.delayable().name_search(name) for name in names.split()]

    def edges(self, top):
        """(parent, child) names of the jobs ``top.delay()`` builds."""
        with trap_jobs() as trap:
            top.delay()
        return {
            (parent.args[0], job.args[0])
            for job in trap.enqueued_jobs
            for parent in job.depends_on
        }, {job.args[0] for job in trap.enqueued_jobs}

    def test_edges(self):
        cases = [
            # (label, build from the nodes a..f, expected edges)
            ("on_done", lambda a, b, c: a.on_done(b, c), {"ab", "ac"}),
            ("chain", lambda a, b, c, d: chain(a, b, c).on_done(d), {"ab", "bc", "cd"}),
            (
                "group then two",
                lambda a, b, c, d, e: group(a, b, c).on_done(d, e),
                {"ad", "ae", "bd", "be", "cd", "ce"},
            ),
            (
                "group after group",
                lambda a, b, c, d: group(a, b).on_done(group(c, d)),
                {"ac", "ad", "bc", "bd"},
            ),
            (
                "chain of a group, a chain, a group",
                lambda a, b, c, d, e, f: chain(group(a, b), chain(c, d), group(e, f)),
                {"ac", "bc", "cd", "de", "df"},
            ),
            # reference quirk 12: the edge went a -> c instead of a -> b
            (
                "chain heading a chain",
                lambda a, b, c, d: a.on_done(chain(chain(b, c), d)),
                {"ab", "bc", "cd"},
            ),
            (
                "chain ending a chain",
                lambda a, b, c, d: chain(a, chain(b, c)).on_done(d),
                {"ab", "bc", "cd"},
            ),
            (
                "member with a child of its own",
                lambda a, b, c: chain(a.on_done(c), b),
                {"ab", "ac"},
            ),
        ]
        for label, build, expected in cases:
            with self.subTest(label):
                names = "abcdef"[: build.__code__.co_argcount]
                top = build(*self.nodes(" ".join(names)))
                edges, vertices = self.edges(top)
                self.assertEqual(edges, {tuple(edge) for edge in expected})
                self.assertEqual(vertices, set(names))

    def test_only_what_follows_is_delayed(self):
        a, b, c = self.nodes("a b c")
        a.on_done(b)
        b.on_done(c)
        edges, vertices = self.edges(b)
        self.assertEqual((edges, vertices), ({("b", "c")}, {"b", "c"}))
        a._generated_job = False  # never delayed, on purpose
