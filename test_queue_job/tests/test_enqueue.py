# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Enqueueing costs one row in the caller's transaction (docs/DESIGN.md, 4)."""
import threading
import uuid

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job import job as job_module
from odoo.addons.queue_job.exception import JobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.models import queue_job_enqueue as enqueue_module

from .common import QueueJobCase

# buffered rows are written once this many wait (docs/DESIGN.md, 4)
BUFFER_LIMIT = 1000


class TestEnqueueBuffer(QueueJobCase):
    def _rows_in_db(self, jobs):
        """Count the rows of ``jobs`` with raw SQL (no flush)."""
        self.env.cr.execute(
            "SELECT count(*) FROM queue_job WHERE uuid = ANY(%s)",
            ([job_.uuid for job_ in jobs],),
        )
        return self.env.cr.fetchone()[0]

    def test_buffered_until_flush(self):
        jobs = [self.make_job(args=(i,)) for i in range(10)]
        for job_ in jobs:
            job_.store()
        # the uuid is final at once, the rows are not written yet
        self.assertEqual(self._rows_in_db(jobs), 0)
        self.env["queue.job"].flush()
        self.assertEqual(self._rows_in_db(jobs), 10)

    def test_written_at_precommit(self):
        jobs = [self.make_job() for _i in range(3)]
        for job_ in jobs:
            job_.store()
        self.assertEqual(self._rows_in_db(jobs), 0)
        # what commit() does before COMMIT
        self.env.cr.flush()
        self.assertEqual(self._rows_in_db(jobs), 3)

    def test_written_on_search(self):
        test_job = self.make_job()
        test_job.store()
        self.assertEqual(self.jobs.search_count([("uuid", "=", test_job.uuid)]), 1)
        groups = self.jobs.read_group(
            [("uuid", "=", test_job.uuid)], ["state"], ["state"]
        )
        self.assertEqual(groups[0]["state_count"], 1)

    def test_written_on_full_flush(self):
        test_job = self.make_job()
        test_job.store()
        self.env["res.partner"].flush()
        self.assertEqual(self._rows_in_db([test_job]), 1)

    def test_db_record_writes_first(self):
        test_job = self.make_job()
        test_job.store()
        record = test_job.db_record()
        self.assertEqual(len(record), 1)
        self.assertEqual(record.uuid, test_job.uuid)

    def test_batch_size(self):
        jobs = [self.make_job(args=(i,)) for i in range(BUFFER_LIMIT)]
        for job_ in jobs[:-1]:
            job_.store()
        self.assertEqual(self._rows_in_db(jobs), 0)
        jobs[-1].store()
        self.assertEqual(self._rows_in_db(jobs), BUFFER_LIMIT)

    def test_batch_bytes(self):
        # rows are also written once their arguments take ENQUEUE_BATCH_BYTES
        self.patch(enqueue_module, "ENQUEUE_BATCH_BYTES", 3000)
        jobs = [self.make_job(args=("x" * 1000,)) for _i in range(3)]
        jobs[0].store()
        jobs[1].store()
        self.assertEqual(self._rows_in_db(jobs), 0)
        jobs[2].store()  # 3 rows of 1006 characters of arguments
        self.assertEqual(self._rows_in_db(jobs), 3)

    def test_arguments_over_the_size_limit(self):
        self.patch(job_module, "MAX_ARGUMENTS_SIZE", 1000)
        kept = self.subject.with_delay().testing_method("small")
        with self.assertRaisesRegex(
            JobError,
            r"testing_method take 1206 characters of JSON, over the limit of 1000",
        ):
            self.subject.with_delay().testing_method("x" * 1200)
        # nothing else lost
        self.env["queue.job"].flush()
        self.assertEqual(self._rows_in_db([kept]), 1)
        self.assertEqual(self.jobs.search_count([]), 1)

    def test_rows_in_creation_order(self):
        jobs = [self.make_job(args=(i,)) for i in range(5)]
        for job_ in jobs:
            job_.store()
        records = self.jobs.search(
            [("uuid", "in", [job_.uuid for job_ in jobs])], order="id"
        )
        self.assertEqual(records.mapped("uuid"), [job_.uuid for job_ in jobs])

    def test_store_again_while_buffered(self):
        test_job = self.make_job()
        test_job.store()
        test_job.priority = 3
        test_job.set_done(result="quick")
        test_job.store()
        record = test_job.db_record()
        self.assertEqual(len(record), 1)
        self.assertEqual(record.priority, 3)
        self.assertEqual(record.state, "done")
        self.assertEqual(record.result, "quick")

    def test_store_again_after_flush(self):
        test_job = self.make_job()
        test_job.store()
        self.jobs.flush()
        test_job.priority = 4
        test_job.store()
        self.assertEqual(test_job.db_record().priority, 4)
        self.assertEqual(self.jobs.search_count([("uuid", "=", test_job.uuid)]), 1)

    def test_no_follower_no_message_no_compute(self):
        messages = self.env["mail.message"].search_count([])
        followers = self.env["mail.followers"].search_count([])
        test_job = self.make_job()
        test_job.store()
        self.env.cr.flush()
        self.assertEqual(self.env["mail.message"].search_count([]), messages)
        self.assertEqual(self.env["mail.followers"].search_count([]), followers)
        self.assertFalse(self.env.all.towrite.get("queue.job"))

    def test_savepoint_rolled_back(self):
        before = self.make_job()
        before.store()
        with self.assertRaises(ZeroDivisionError):
            with self.env.cr.savepoint():
                inside = self.make_job()
                inside.store()
                raise ZeroDivisionError
        self.assertTrue(before.db_record())
        self.assertFalse(inside.db_record())

    def test_raw_rollback_to_savepoint(self):
        # what the test framework does between two tests: a raw rollback,
        # then the registry caches are cleared
        cr = self.env.cr
        cr.execute("SAVEPOINT qj_buffer_test")
        gone = self.make_job()
        gone.store()
        cr.execute("ROLLBACK TO SAVEPOINT qj_buffer_test")
        self.registry.clear_caches()
        kept = self.make_job()
        kept.store()
        self.assertFalse(gone.db_record())
        self.assertTrue(kept.db_record())

    def test_raw_rollback_after_empty_buffer_check(self):
        # the test framework flushes (and so checks the empty buffer) before
        # its savepoint: rows stored after it must still be rolled back
        cr = self.env.cr
        self.make_job().store()
        self.env["queue.job"].flush()
        self.registry.clear_caches()
        self.env["queue.job"].flush()
        cr.execute("SAVEPOINT qj_buffer_test")
        gone = self.make_job()
        gone.store()
        cr.execute("ROLLBACK TO SAVEPOINT qj_buffer_test")
        self.registry.clear_caches()
        self.assertFalse(gone.db_record())

    def test_unserializable_nothing_written(self):
        good = self.make_job(args=(1,))
        good.store()
        bad = self.make_job(args=({"a": {1, 2}},))
        with self.assertRaisesRegex(TypeError, "argument 0"):
            bad.store()
        self.assertTrue(good.db_record())
        self.assertFalse(bad.db_record())

    def test_create_override_goes_through_orm(self):
        # another module overriding queue.job.create must see new jobs
        model_cls = type(self.jobs)
        original = model_cls.create
        created = []

        @api.model_create_multi
        def create(self, vals_list):
            records = original(self, vals_list)
            created.extend(records.mapped("uuid"))
            return records

        self.patch(model_cls, "create", create)
        model_cls._queue_job_enqueue_info = None
        self.addCleanup(setattr, model_cls, "_queue_job_enqueue_info", None)

        test_job = self.make_job()
        test_job.store()
        self.assertEqual(created, [test_job.uuid])
        self.assertEqual(test_job.db_record().additional_info, "JUST_TESTING")

        first = self.make_job(identity_key="orm-identity")
        self.assertIsNone(first.store())
        second = self.make_job(identity_key="orm-identity")
        with mute_logger("odoo.sql_db"):  # the INSERT fails, as expected
            self.assertEqual(second.store(), first.db_record())
        self.assertEqual(created, [test_job.uuid, first.uuid])


# post_install: at install, the loading thread holds the registry lock that
# a second thread needs to run a search
@tagged("post_install", "-at_install")
class TestIdentityKeyConcurrency(QueueJobCase):
    """Two real transactions enqueue the same identity key at once."""

    def setUp(self):
        super().setUp()
        self.key = "concurrent-%s" % uuid.uuid4().hex
        self.addCleanup(self._delete_committed_jobs)

    def _delete_committed_jobs(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM queue_job WHERE identity_key = %s", (self.key,))

    def _store_in_thread(self, env):
        outcome = {}

        def store():
            try:
                job_ = Job(env["test.queue.job"].testing_method, identity_key=self.key)
                with mute_logger("odoo.sql_db"):
                    outcome["existing"] = job_.store()
                outcome["job"] = job_
            except Exception as err:  # reported to the test
                outcome["error"] = err

        thread = threading.Thread(target=store)
        thread.start()
        return thread, outcome

    def test_concurrent_read_committed(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            cr2._cnx.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            first = Job(env1["test.queue.job"].testing_method, identity_key=self.key)
            self.assertIsNone(first.store())

            thread, outcome = self._store_in_thread(env2)
            thread.join(1)
            self.assertTrue(thread.is_alive(), "the second insert must wait")
            cr1.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            self.assertNotIn("error", outcome)
            self.assertEqual(outcome["existing"].uuid, first.uuid)
            self.assertFalse(outcome["job"].db_record())
            cr2.commit()
            cr2.execute(
                "SELECT count(*) FROM queue_job WHERE identity_key = %s", (self.key,)
            )
            self.assertEqual(cr2.fetchone()[0], 1)

    def test_concurrent_repeatable_read(self):
        # Odoo's isolation: the later transaction fails with a serialization
        # error (retried by Odoo), its retry finds the first job
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            # take the snapshot of the second transaction now
            cr2.execute("SELECT 1")
            first = Job(env1["test.queue.job"].testing_method, identity_key=self.key)
            self.assertIsNone(first.store())

            thread, outcome = self._store_in_thread(env2)
            thread.join(1)
            self.assertTrue(thread.is_alive(), "the second insert must wait")
            cr1.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            self.assertEqual(getattr(outcome.get("error"), "pgcode", None), "40001")
            cr2.rollback()

            retry = Job(env2["test.queue.job"].testing_method, identity_key=self.key)
            self.assertEqual(retry.store().uuid, first.uuid)
            cr2.commit()
            cr2.execute(
                "SELECT count(*) FROM queue_job WHERE identity_key = %s", (self.key,)
            )
            self.assertEqual(cr2.fetchone()[0], 1)


@tagged("post_install", "-at_install")
class TestEnqueueHttpCase(HttpCase):
    """In an HttpCase, requests reach the test's transaction through their
    own cursor objects: new jobs are written at once, not buffered."""

    def test_new_job_visible_to_requests(self):
        job_ = Job(self.env["test.queue.job"].testing_method)
        job_.store()
        with self.registry.cursor() as request_cr:
            request_cr.execute(
                "SELECT state FROM queue_job WHERE uuid = %s", (job_.uuid,)
            )
            self.assertEqual(request_cr.fetchall(), [("pending",)])
