# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import uuid

from odoo.addons.queue_job.job import PENDING, WAIT_DEPENDENCIES, Job

from .common import JobCommonCase


class TestJobDependencies(JobCommonCase):
    def _graph(self, jobs):
        graph_uuid = str(uuid.uuid4())
        for job_ in jobs:
            job_.graph_uuid = graph_uuid
        return graph_uuid

    def test_depends_on_itself(self):
        job_ = Job(self.method)
        with self.assertRaisesRegex(ValueError, "job cannot depend on itself"):
            job_.add_depends({job_})

    def test_depends_sets_state(self):
        root = Job(self.method)
        child = Job(self.method)
        child.add_depends({root})
        self.assertEqual(child.state, WAIT_DEPENDENCIES)
        done_parent = Job(self.method)
        done_parent.set_done()
        other = Job(self.method)
        other.add_depends({done_parent})
        self.assertEqual(other.state, PENDING)

    def test_depends_store(self):
        root = Job(self.method)
        lvl1_a = Job(self.method)
        lvl1_b = Job(self.method)
        lvl2 = Job(self.method)
        lvl1_a.add_depends({root})
        lvl1_b.add_depends({root})
        lvl2.add_depends({lvl1_a})
        graph_uuid = self._graph([root, lvl1_a, lvl1_b, lvl2])
        for job_ in (root, lvl1_a, lvl1_b, lvl2):
            job_.store()

        def deps(job_):
            stored = job_.db_record().dependencies
            return (
                set(stored["depends_on"]),
                set(stored["reverse_depends_on"]),
            )

        self.assertEqual(deps(root), (set(), {lvl1_a.uuid, lvl1_b.uuid}))
        self.assertEqual(deps(lvl1_a), ({root.uuid}, {lvl2.uuid}))
        self.assertEqual(deps(lvl1_b), ({root.uuid}, set()))
        self.assertEqual(deps(lvl2), ({lvl1_a.uuid}, set()))
        self.assertEqual(lvl2.db_record().graph_uuid, graph_uuid)
        self.assertEqual(lvl2.db_record().state, WAIT_DEPENDENCIES)

    def test_depends_store_after(self):
        root = Job(self.method)
        root.store()
        child = Job(self.method)
        child.add_depends({root})
        child.store()
        # the parent was stored before the link existed
        self.assertEqual(root.db_record().dependencies["reverse_depends_on"], [])
        root.store()
        self.assertEqual(
            root.db_record().dependencies["reverse_depends_on"], [child.uuid]
        )

    def test_depends_load(self):
        root = Job(self.method)
        child = Job(self.method)
        child.add_depends({root})
        self._graph([root, child])
        root.store()
        child.store()
        loaded_child = Job.load(self.env, child.uuid)
        self.assertEqual(loaded_child.depends_on, {root})
        loaded_root = Job.load(self.env, root.uuid)
        self.assertEqual(set(loaded_root.reverse_depends_on), {child})

    def test_enqueue_waiting(self):
        parent_a = Job(self.method)
        parent_b = Job(self.method)
        child = Job(self.method)
        child.add_depends({parent_a, parent_b})
        self._graph([parent_a, parent_b, child])
        for job_ in (parent_a, parent_b, child):
            job_.store()
        parent_a.set_done()
        parent_a.store()
        parent_a.enqueue_waiting()
        self.assertEqual(child.db_record().state, WAIT_DEPENDENCIES)
        parent_b.db_record().button_done()
        self.assertEqual(child.db_record().state, PENDING)

    def test_enqueue_waiting_other_graph_untouched(self):
        parent = Job(self.method)
        child = Job(self.method)
        child.add_depends({parent})
        self._graph([parent])
        self._graph([child])
        parent.store()
        child.store()
        parent.set_done()
        parent.store()
        parent.enqueue_waiting()
        self.assertEqual(child.db_record().state, WAIT_DEPENDENCIES)

    def test_set_pending_with_undone_parent(self):
        parent = Job(self.method)
        child = Job(self.method)
        child.add_depends({parent})
        child.set_pending()
        self.assertEqual(child.state, WAIT_DEPENDENCIES)
        parent.set_done()
        child.set_pending()
        self.assertEqual(child.state, PENDING)

    def test_dependency_graph(self):
        root = Job(self.method)
        child_a = Job(self.method)
        child_b = Job(self.method)
        child_a.add_depends({root})
        child_b.add_depends({root})
        self._graph([root, child_a, child_b])
        other_root = Job(self.method)
        other_child = Job(self.method)
        other_child.add_depends({other_root})
        self._graph([other_root, other_child])
        for job_ in (root, child_a, child_b, other_root, other_child):
            job_.store()
        root.set_done()
        root.store()
        records = {job_: job_.db_record() for job_ in (root, child_a, child_b)}

        graph = records[child_a].dependency_graph
        self.assertEqual(
            sorted(graph["edges"]),
            sorted(
                [
                    [records[root].id, records[child_a].id],
                    [records[root].id, records[child_b].id],
                ]
            ),
        )
        nodes = {node["id"]: node for node in graph["nodes"]}
        self.assertEqual(set(nodes), {record.id for record in records.values()})
        root_node = nodes[records[root].id]
        self.assertEqual(root_node["color"], "#C2FABC")
        self.assertEqual(root_node["border"], "#4AD63A")
        self.assertTrue(root_node["shadow"])
        self.assertEqual(
            root_node["title"],
            "<strong>Method used for tests</strong><br/>"
            "test.queue.job().testing_method()",
        )
        self.assertEqual(nodes[records[child_a].id]["color"], "#D2E5FF")
        self.assertEqual(records[root].graph_jobs_count, 3)

        other = other_child.db_record().dependency_graph
        self.assertEqual(
            other["edges"], [[other_root.db_record().id, other_child.db_record().id]]
        )

    def test_dependency_graph_single_job(self):
        job_ = Job(self.method)
        job_.store()
        record = job_.db_record()
        self.assertEqual(record.dependency_graph, {})
        self.assertEqual(record.graph_jobs_count, 0)

    def test_open_graph_jobs(self):
        root = Job(self.method)
        child = Job(self.method)
        child.add_depends({root})
        graph_uuid = self._graph([root, child])
        root.store()
        child.store()
        action = root.db_record().open_graph_jobs()
        self.assertEqual(action["name"], "Jobs for graph %s" % graph_uuid)
        self.assertEqual(action["context"], {})
        self.assertEqual(
            set(action["domain"][0][2]),
            set((root.db_record() | child.db_record()).ids),
        )
