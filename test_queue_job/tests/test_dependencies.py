# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Jobs that wait for other jobs, built with Job.add_depends().

The scenario is a small pipeline: ``extract`` first, then ``clean`` and
``enrich`` side by side, then ``load`` once both are done.
"""
import uuid

from odoo.addons.queue_job.job import DONE, PENDING, WAIT_DEPENDENCIES, Job

from .common import QueueJobCase

PIPELINE = {
    "extract": (),
    "clean": ("extract",),
    "enrich": ("extract",),
    "load": ("clean", "enrich"),
}


class TestJobDependencies(QueueJobCase):
    def pipeline(self, store=True):
        """The jobs of PIPELINE by name, linked, in one graph, stored."""
        jobs = {
            name: self.make_job(args=(name,), description="Step %s" % name)
            for name in PIPELINE
        }
        graph_uuid = str(uuid.uuid4())
        for name, parents in PIPELINE.items():
            if parents:
                jobs[name].add_depends({jobs[parent] for parent in parents})
            jobs[name].graph_uuid = graph_uuid
        if store:
            for job in jobs.values():
                job.store()
        return jobs

    def states(self, jobs):
        return {name: job.db_record().state for name, job in jobs.items()}

    def finish(self, job):
        """What the worker does when a job succeeds."""
        job.perform()
        job.set_done()
        job.store()
        job.enqueue_waiting()

    def test_waiting_in_memory(self):
        parent = self.make_job()
        with self.assertRaisesRegex(ValueError, "^job cannot depend on itself$"):
            parent.add_depends({parent})
        child = self.make_job()
        child.add_depends({parent})
        self.assertEqual(child.state, WAIT_DEPENDENCIES)
        # back to pending while the parent is not done: still waiting
        child.set_pending()
        self.assertEqual(child.state, WAIT_DEPENDENCIES)
        parent.set_done()
        child.set_pending()
        self.assertEqual(child.state, PENDING)
        # a parent done already makes no wait
        late_child = self.make_job()
        late_child.add_depends({parent})
        self.assertEqual(late_child.state, PENDING)

    def test_links_are_stored_both_ways(self):
        jobs = self.pipeline()
        children = {name: set() for name in PIPELINE}
        for name, parents in PIPELINE.items():
            for parent in parents:
                children[parent].add(name)
        for name, job in jobs.items():
            with self.subTest(job=name):
                stored = job.db_record().dependencies
                self.assertEqual(
                    set(stored["depends_on"]),
                    {jobs[parent].uuid for parent in PIPELINE[name]},
                )
                self.assertEqual(
                    set(stored["reverse_depends_on"]),
                    {jobs[child].uuid for child in children[name]},
                )
        self.assertEqual(
            self.states(jobs),
            {
                "extract": PENDING,
                "clean": WAIT_DEPENDENCIES,
                "enrich": WAIT_DEPENDENCIES,
                "load": WAIT_DEPENDENCIES,
            },
        )

    def test_links_are_loaded_back(self):
        jobs = self.pipeline()
        loaded = {name: Job.load(self.env, job.uuid) for name, job in jobs.items()}
        self.assertEqual(loaded["load"].depends_on, {jobs["clean"], jobs["enrich"]})
        self.assertEqual(
            set(loaded["extract"].reverse_depends_on), {jobs["clean"], jobs["enrich"]}
        )
        self.assertFalse(loaded["extract"].depends_on)
        self.assertFalse(set(loaded["load"].reverse_depends_on))

    def test_parent_stored_before_the_link_is_stored_again(self):
        parent = self.make_job()
        parent.store()
        child = self.make_job()
        child.add_depends({parent})
        child.store()
        self.assertEqual(parent.db_record().dependencies["reverse_depends_on"], [])
        parent.store()
        self.assertEqual(
            parent.db_record().dependencies["reverse_depends_on"], [child.uuid]
        )

    def test_children_start_once_all_their_parents_are_done(self):
        jobs = self.pipeline()
        self.finish(jobs["extract"])
        self.assertEqual(
            self.states(jobs),
            {
                "extract": DONE,
                "clean": PENDING,
                "enrich": PENDING,
                "load": WAIT_DEPENDENCIES,
            },
        )
        self.finish(jobs["clean"])
        self.assertEqual(self.states(jobs)["load"], WAIT_DEPENDENCIES)
        # a job set done by hand releases its children too
        jobs["enrich"].db_record().button_done()
        self.assertEqual(self.states(jobs)["load"], PENDING)
        self.assertEqual(Job.load(self.env, jobs["load"].uuid).state, PENDING)

    def test_only_children_of_the_same_graph_are_released(self):
        parent = self.make_job()
        stranger = self.make_job()
        stranger.add_depends({parent})
        parent.graph_uuid = str(uuid.uuid4())
        stranger.graph_uuid = str(uuid.uuid4())
        parent.store()
        stranger.store()
        self.finish(parent)
        self.assertEqual(stranger.db_record().state, WAIT_DEPENDENCIES)

    def test_graph_shown_by_the_widget(self):
        jobs = self.pipeline(store=False)
        jobs["extract"].set_done()
        jobs["clean"].set_failed()
        jobs["enrich"].set_started()
        jobs["load"].description = "Load & <check>"
        for job in jobs.values():
            job.store()
        records = {name: job.db_record() for name, job in jobs.items()}
        colours = {
            "extract": ("#C2FABC", "#4AD63A"),
            "clean": ("#FB7E81", "#FA0A10"),
            "enrich": ("#FFFF00", "#FFA500"),
            "load": ("#D2E5FF", "#2B7CE9"),
        }
        titles = {
            name: "<strong>Step %s</strong><br/>"
            "test.queue.job().testing_method(&#39;%s&#39;)" % (name, name)
            for name in PIPELINE
        }
        titles["load"] = (
            "<strong>Load &amp; &lt;check&gt;</strong><br/>"
            "test.queue.job().testing_method(&#39;load&#39;)"
        )
        expected_nodes = {
            records[name].id: {
                "id": records[name].id,
                "title": titles[name],
                "color": colours[name][0],
                "border": colours[name][1],
                "shadow": True,
            }
            for name in PIPELINE
        }
        expected_edges = {
            (records[parent].id, records[name].id)
            for name, parents in PIPELINE.items()
            for parent in parents
        }
        # the same whole graph from any of its jobs
        for name, record in records.items():
            with self.subTest(seen_from=name):
                graph = record.dependency_graph
                self.assertEqual(
                    {node["id"]: node for node in graph["nodes"]}, expected_nodes
                )
                self.assertEqual(
                    {tuple(edge) for edge in graph["edges"]}, expected_edges
                )
                self.assertEqual(record.graph_jobs_count, 4)

    def test_lone_job_has_no_graph(self):
        record = self.subject.with_delay().testing_method().db_record()
        self.assertFalse(record.graph_uuid)
        self.assertEqual(record.dependency_graph, {})
        self.assertEqual(record.graph_jobs_count, 0)

    def test_open_the_jobs_of_a_graph(self):
        jobs = self.pipeline()
        other = self.pipeline()
        graph_uuid = jobs["load"].graph_uuid
        action = jobs["load"].db_record().open_graph_jobs()
        self.assertEqual(action["name"], "Jobs for graph %s" % graph_uuid)
        self.assertEqual(action["context"], {})
        self.assertEqual(action["res_model"], "queue.job")
        self.assertEqual(len(action["domain"]), 1)
        field, operator, ids = action["domain"][0]
        self.assertEqual((field, operator), ("id", "in"))
        self.assertEqual(
            set(ids), {job.db_record().id for job in jobs.values()}, "only this graph"
        )
        self.assertTrue(other["load"].db_record().id not in ids)
