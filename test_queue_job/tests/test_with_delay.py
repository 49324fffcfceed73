# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""with_delay(), its proxy and the job hooks that every model gets."""
import logging
from datetime import datetime, timedelta

from odoo.tests import common

from odoo.addons.queue_job import delay, job as job_module
from odoo.addons.queue_job.job import Job, identity_exact


class TestWithDelay(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.model = cls.env["test.queue.job"]
        cls.records = cls.model.create([{"name": "a"}, {"name": "b"}])

    def proxy(self, records, **properties):
        proxy = records.with_delay(**properties)
        # never used to delay: no "prepared but never delayed" warning
        self.addCleanup(setattr, proxy.delayable, "_generated_job", False)
        return proxy

    def test_returns_stored_job(self):
        job = self.records.with_delay(priority=3).testing_method(1, foo=2)
        self.assertIsInstance(job, Job)
        record = job.db_record()
        self.assertEqual(record.state, "pending")
        self.assertEqual((record.priority, record.args), (3, [1]))
        self.assertEqual(record.records, self.records)
        self.assertEqual(job.perform(), ((1,), {"foo": 2}))

    def test_every_property_reaches_the_row(self):
        record = self.records[0]
        before = datetime.now()
        record.button_that_uses_with_delay()
        row = self.env["queue.job"].search(
            [
                (
                    "func_string",
                    "=",
                    "test.queue.job(%d,).testing_method(1, foo=2)" % record.id,
                )
            ]
        )
        self.assertEqual(len(row), 1)
        self.assertEqual(
            (row.channel, row.name, row.priority, row.max_retries),
            ("root.test", "Test", 15, 1),
        )
        self.assertEqual((row.records, row.args, row.kwargs), (record, [1], {"foo": 2}))
        self.assertTrue(before + timedelta(seconds=15) <= row.eta)
        self.assertLess(row.eta, datetime.now() + timedelta(seconds=16))
        self.assertEqual(row.identity_key, identity_exact(Job.load(self.env, row.uuid)))

    def test_identity_duplicate_returns_record(self):
        first = self.model.with_delay(identity_key=identity_exact).testing_method(1)
        again = self.model.with_delay(identity_key=identity_exact).testing_method(1)
        self.assertEqual(again, first.db_record())
        self.assertEqual(again._name, "queue.job")
        self.assertEqual(again.uuid, first.uuid)
        other = self.model.with_delay(identity_key=identity_exact).testing_method(2)
        self.assertIsInstance(other, Job)
        self.assertNotEqual(other.uuid, first.uuid)

    def test_direct_mode_returns_performed_job(self):
        model = self.model.with_context(test_queue_job_no_delay=True)
        with self.assertLogs("odoo.addons.queue_job.delay", level="WARNING"):
            job = model.with_delay().testing_method(5)
        self.assertIsInstance(job, Job)
        self.assertEqual((job.retry, job.result), (1, ((5,), {})))
        self.assertFalse(job.db_record())

    def test_unknown_property(self):
        with self.assertRaises(TypeError):
            self.model.with_delay(prio=1)
        with self.assertRaises(TypeError):
            self.model.delayable(retries=1)

    def test_proxy(self):
        proxy = self.proxy(self.records, channel="root")
        self.assertIsInstance(proxy, delay.DelayableRecordset)
        self.assertEqual(proxy.__slots__, ("delayable",))
        self.assertEqual(proxy.recordset, self.records)
        self.assertEqual(proxy.delayable.channel, "root")
        expected = "DelayableRecordset(test.queue.job%r)" % (tuple(self.records.ids),)
        self.assertEqual(str(proxy), expected)
        self.assertEqual(repr(proxy), expected)
        self.assertEqual(
            str(self.proxy(self.model)), "DelayableRecordset(test.queue.job())"
        )

    def test_proxy_field_or_missing_method(self):
        proxy = self.proxy(self.records)
        method = proxy.name  # any attribute gives a callable...
        with self.assertRaisesRegex(AttributeError, "only methods can be delayed"):
            method()  # ...that refuses fields when called
        with self.assertRaises(AttributeError):
            proxy.no_such_method()

    def test_proxy_used_twice(self):
        # the reference re-stored the first job; here each call is a job
        proxy = self.model.with_delay(priority=4)
        first = proxy.testing_method(1)
        second = proxy.testing_method(2)
        self.assertNotEqual(first.uuid, second.uuid)
        self.assertEqual(first.db_record().args, [1])
        self.assertEqual(second.db_record().args, [2])
        self.assertEqual(second.priority, 4)

    def test_job_module_shim(self):
        with self.assertLogs("odoo.addons.queue_job.job", level=logging.DEBUG):
            proxy = job_module.DelayableRecordset(self.records, priority=2)
        self.addCleanup(setattr, proxy.delayable, "_generated_job", False)
        self.assertIsInstance(proxy, delay.DelayableRecordset)
        self.assertEqual(proxy.delayable.priority, 2)

    def test_delayable(self):
        node = self.records.delayable(priority=2, eta=60)
        self.assertIsInstance(node, delay.Delayable)
        self.assertEqual(
            (node.recordset, node.priority, node.eta), (self.records, 2, 60)
        )
        node.testing_method(1).delay()
        self.assertTrue(node._generated_job.db_record())

    def test_hooks_defaults(self):
        partner = self.env["res.partner"].with_context(lang="en_US", tz="UTC", foo=1)
        job = Job(partner.exists)
        self.assertEqual(partner._job_store_values(job), {})
        self.assertEqual(partner._job_prepare_context_before_enqueue_keys(), ())
        self.assertEqual(partner._job_prepare_context_before_enqueue(), {})
        # test.queue.job keeps tz and lang
        records = self.records.with_context(lang="en_US", tz="UTC", foo=1)
        self.assertEqual(
            records._job_prepare_context_before_enqueue(),
            {"lang": "en_US", "tz": "UTC"},
        )
