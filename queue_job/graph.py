# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A plain directed graph (vertices, edges, paths, topological order): the
shape of a graph of jobs, without knowing what a job is. delay.py builds
graphs of delayables on it; ``odoo.addons.queue_job.delay.Graph`` is this
class."""
import heapq
import itertools
from collections import deque


class Graph:
    """A directed graph: a dict mapping each vertex to the set of its children.

    >>> graph = Graph()
    >>> graph.add_edge("a", "b")
    >>> graph.add_edge("b", "c")
    >>> graph.add_edge("a", "d")
    >>> sorted(graph.vertices())
    ['a', 'b', 'c', 'd']
    >>> sorted(graph.root_vertices())
    ['a']
    >>> sorted(graph.paths("a"))
    [['a', 'b', 'c'], ['a', 'd']]
    >>> order = list(graph.topological_sort())
    >>> order.index("a") < order.index("b") < order.index("c")
    True
    """

    __slots__ = ("_graph",)

    def __init__(self, graph=None):
        # copy the sets: a graph never shares its adjacency with the caller
        self._graph = {}
        for vertex, children in (graph or {}).items():
            self.add_vertex(vertex)
            for child in children:
                self.add_edge(vertex, child)

    def add_vertex(self, vertex):
        self._graph.setdefault(vertex, set())

    def add_edge(self, parent, child):
        self.add_vertex(child)
        self._graph.setdefault(parent, set()).add(child)

    def vertices(self):
        return set(self._graph)

    def edges(self):
        return [
            (parent, child)
            for parent, children in self._graph.items()
            for child in children
        ]

    def root_vertices(self):
        children = set().union(*self._graph.values())
        return {vertex for vertex in self._graph if vertex not in children}

    def paths(self, vertex):
        """Yield every maximal path without cycle that starts at ``vertex``."""
        stack = [[vertex]]
        while stack:
            path = stack.pop()
            following = [
                child for child in self._graph.get(path[-1], ()) if child not in path
            ]
            if not following:
                yield path
            for child in following:
                stack.append(path + [child])

    def topological_sort(self, key=None):
        """Yield the vertices, parents before children (Kahn's algorithm).

        Among the vertices ready at the same time, ``key`` (optional) picks the
        smallest first. Raises ``ValueError`` once the order is known to be
        impossible, i.e. when the graph has a cycle.
        """
        in_degree = dict.fromkeys(self._graph, 0)
        for _parent, child in self.edges():
            in_degree[child] += 1
        counter = itertools.count()
        if key is None:
            ready = deque(v for v, degree in in_degree.items() if not degree)
            pop, push = ready.popleft, ready.append
        else:
            ready = [
                (key(v), next(counter), v)
                for v, degree in in_degree.items()
                if not degree
            ]
            heapq.heapify(ready)

            def pop():
                return heapq.heappop(ready)[-1]

            def push(vertex):
                heapq.heappush(ready, (key(vertex), next(counter), vertex))

        emitted = 0
        while ready:
            vertex = pop()
            emitted += 1
            yield vertex
            for child in self._graph[vertex]:
                in_degree[child] -= 1
                if not in_degree[child]:
                    push(child)
        if emitted < len(self._graph):
            stuck = [v for v, degree in in_degree.items() if degree]
            raise ValueError(
                "The graph has a cycle, these vertices can never run: %s"
                % ", ".join(sorted(repr(v) for v in stuck))
            )

    def _path_lines(self):
        roots = self.root_vertices() or self.vertices()
        return sorted(
            " → ".join(repr(vertex) for vertex in path)
            for root in roots
            for path in self.paths(root)
        )

    def __repr__(self):
        return "\n".join(self._path_lines())
