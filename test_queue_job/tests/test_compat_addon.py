# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""An addon written against the reference's public API works unchanged.

The addon is ``models/res_partner.py`` plus ``data/compat_job_functions.xml``;
this test only uses the reference's public names too.
"""
from datetime import datetime, timedelta

from odoo.tests import common

from odoo.addons.queue_job.delay import chain, group  # noqa: F401 (public import)
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs


class TestCompatAddon(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Compat"})

    def test_with_delay(self):
        job = self.partner.compat_enqueue_stamp("!")
        self.assertIsInstance(job, Job)
        record = job.db_record()
        self.assertEqual(record.state, "pending")
        self.assertEqual(record.channel, "root.compat")
        self.assertEqual(record.name, "Stamp partners")
        self.assertEqual(record.priority, 30)
        self.assertEqual(record.records, self.partner)
        self.assertEqual(Job.load(self.env, job.uuid).perform(), "!")
        self.assertEqual(self.partner.ref, "!")

    def test_chain_and_group(self):
        self.partner.compat_enqueue_pipeline()
        records = self.env["queue.job"].search(
            [("method_name", "=", "compat_stamp")], order="id"
        )
        self.assertEqual(len(records), 4)
        self.assertEqual(len(set(records.mapped("graph_uuid"))), 1)
        by_word = {record.args[0]: record for record in records}
        self.assertEqual(by_word["1"].state, "pending")
        for word in "234":
            self.assertEqual(by_word[word].state, "wait_dependencies")

        def parents(word):
            return set(by_word[word].dependencies["depends_on"])

        self.assertEqual(parents("2"), {by_word["1"].uuid})
        self.assertEqual(parents("3"), {by_word["1"].uuid})
        self.assertEqual(parents("4"), {by_word["2"].uuid, by_word["3"].uuid})

    def test_trap_jobs(self):
        with trap_jobs() as trap:
            self.partner.compat_enqueue_stamp("?")
            trap.assert_jobs_count(1, only=self.partner.compat_stamp)
            trap.assert_enqueued_job(
                self.partner.compat_stamp,
                args=("?",),
                properties={"priority": 30, "description": "Stamp partners"},
            )
            trap.perform_enqueued_jobs()
        self.assertEqual(self.partner.ref, "?")
        self.assertFalse(
            self.env["queue.job"].search([("method_name", "=", "compat_stamp")])
        )

    def test_retry_pattern_and_related_action(self):
        job = self.partner.with_delay(max_retries=4).compat_not_ready()
        self.assertEqual(job.channel, "root.compat")
        with self.assertRaises(RetryableJobError):
            job.perform()
        before = datetime.now()
        job.postpone()
        # retry 1 of the pattern {1: 30, 3: 120}
        self.assertAlmostEqual(
            job.eta, before + timedelta(seconds=30), delta=timedelta(seconds=5)
        )
        action = job.db_record().open_related_action()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(action["res_id"], self.partner.id)

    def test_related_action_disabled(self):
        job = self.partner.with_delay().compat_stamp("x")
        self.assertIsNone(job.related_action())
