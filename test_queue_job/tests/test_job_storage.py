# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A Job and its queue_job row: store, load, and what the row keeps."""
import json
from datetime import datetime, timedelta

from odoo.addons.queue_job.exception import NoSuchJobError
from odoo.addons.queue_job.job import (
    CANCELLED,
    DONE,
    ENQUEUED,
    FAILED,
    PENDING,
    STARTED,
    WAIT_DEPENDENCIES,
    Job,
)

from .common import QueueJobCase

ONE_SECOND = timedelta(seconds=1)


class TestStoreAndLoad(QueueJobCase):
    def test_a_loaded_job_is_the_stored_one(self):
        eta = datetime.now() + timedelta(hours=2)
        job = self.make_job(
            args=("Ærøskøbing", "‽", 3.5),
            kwargs={"städte": ["Zürich", "Köln"], "n": None},
            priority=7,
            max_retries=9,
            eta=eta,
            description="Beschreibung: ça dépend",
            channel="root.sub",
        )
        job.worker_pid = 31337
        self.assertIsNone(job.store())
        self.assertEqual(self.jobs.search_count([("uuid", "=", job.uuid)]), 1)

        loaded = Job.load(self.env, job.uuid)
        kept = (
            "uuid",
            "model_name",
            "method_name",
            "args",
            "kwargs",
            "priority",
            "max_retries",
            "description",
            "channel",
            "state",
            "retry",
            "result",
            "exc_info",
            "user_id",
            "company_id",
            "worker_pid",
            "recordset",
        )
        self.assertEqual(
            {name: getattr(loaded, name) for name in kept},
            {name: getattr(job, name) for name in kept},
        )
        self.assertIsInstance(loaded.args, tuple)
        self.assertIs(loaded.func.__func__, job.func.__func__)
        # the database keeps the time to the second at best
        self.assertAlmostEqual(loaded.date_created, job.date_created, delta=ONE_SECOND)
        self.assertAlmostEqual(loaded.eta, eta, delta=ONE_SECOND)

    def test_dates_written_by_a_later_store(self):
        job = self.make_job()
        job.store()
        loaded = Job.load(self.env, job.uuid)
        stamp = datetime(2019, 11, 12, 13, 14, 15)
        loaded.date_enqueued = stamp
        loaded.date_started = stamp + timedelta(seconds=1)
        loaded.date_done = stamp + timedelta(seconds=43)
        loaded.date_cancelled = stamp + timedelta(days=1)
        loaded.store()
        again = Job.load(self.env, job.uuid)
        self.assertEqual(
            (
                again.date_enqueued,
                again.date_started,
                again.date_done,
                again.date_cancelled,
            ),
            (
                stamp,
                stamp + timedelta(seconds=1),
                stamp + timedelta(seconds=43),
                stamp + timedelta(days=1),
            ),
        )
        self.assertEqual(again.exec_time, 42.0)
        self.assertEqual(again.db_record().exec_time, 42.0)

    def test_model_adds_its_own_values_to_the_row(self):
        # test.queue.job's _job_store_values writes additional_info
        job = self.make_job()
        job.store()
        record = job.db_record()
        self.assertEqual(record.additional_info, "JUST_TESTING")
        job.set_failed(exc_info="trace", exc_name="Failure")
        job.store()
        record.invalidate_cache()
        self.assertEqual(record.additional_info, "JUST_TESTING_BUT_FAILED")

        # a method specific hook wins over _job_store_values, but no hook
        # overrides the job's own columns (it asks for state "done")
        record = self.stored_record(self.subject.job_with_own_store_values)
        self.assertEqual(record.additional_info, "OWN_VALUES")
        self.assertEqual(record.state, PENDING)

    def test_exception_columns_survive_a_load_and_store(self):
        job = self.make_job()
        job.set_failed(
            exc_info="Traceback (...)",
            exc_name="builtins.KeyError",
            exc_message="'missing'",
        )
        job.store()
        loaded = Job.load(self.env, job.uuid)
        self.assertEqual(
            (loaded.exc_name, loaded.exc_message),
            ("builtins.KeyError", "'missing'"),
        )
        loaded.priority = 2
        loaded.store()
        record = loaded.db_record()
        record.invalidate_cache()
        self.assertEqual(
            (record.exc_name, record.exc_message, record.priority),
            ("builtins.KeyError", "'missing'", 2),
        )

    def test_jobs_that_are_not_there(self):
        kept = [self.make_job(args=(n,)) for n in range(3)]
        for job in kept:
            job.store()
        gone = self.make_job()
        gone.store()
        gone.db_record().unlink()
        with self.assertRaisesRegex(
            NoSuchJobError,
            "^Job %s does no longer exist in the storage.$" % gone.uuid,
        ):
            Job.load(self.env, gone.uuid)
        uuids = [job.uuid for job in kept] + [gone.uuid, "no-such-uuid"]
        self.assertEqual(Job.load_many(self.env, uuids), set(kept))
        self.assertFalse(gone.db_record())

    def test_rows_that_no_longer_match_the_code(self):
        job = self.make_job()
        job.store()
        record = job.db_record()
        record.with_context(
            _job_edit_sentinel=self.jobs.EDIT_SENTINEL
        ).method_name = "method_removed_since"
        with self.assertRaisesRegex(Exception, "method_removed_since"):
            Job.load(self.env, job.uuid)

        other = self.make_job()
        other.store()
        self.env["base"].flush()
        self.env.cr.execute(
            "UPDATE queue_job SET records = replace(records, %s, %s) WHERE uuid = %s",
            ("test.queue.job", "model.removed.since", other.uuid),
        )
        self.jobs.invalidate_cache()
        with self.assertRaisesRegex(ValueError, "model.removed.since"):
            Job.load(self.env, other.uuid)

    def test_arguments_json_cannot_hold_write_nothing(self):
        rows = self.jobs.search_count([])
        looped = ["self"]
        looped.append(looped)
        refused = [
            ({"args": ("fine", {3, 4})}, r"argument 1 \(\{3, 4\}\)"),
            ({"kwargs": {"kind": object}}, "keyword argument 'kind'"),
            (
                {"args": (0, looped)},
                r"argument 1 \(\['self', \[\.\.\.\]\]\).*Circular reference",
            ),
        ]
        for options, message in refused:
            with self.subTest(message=message):
                job = self.make_job(**options)
                with self.assertRaisesRegex(TypeError, message):
                    job.store()
                self.assertFalse(job.db_record())
        with self.assertRaisesRegex(TypeError, "keyword argument 'when'"):
            self.subject.with_delay().testing_method(when={1})
        self.assertEqual(self.jobs.search_count([]), rows)

    def test_record_ids_of_the_row(self):
        records = self.subject.create([{"name": "a"}, {"name": "b"}, {"name": "c"}])
        record = self.stored_record(records.testing_method)
        self.assertEqual(record.record_ids, records.ids)
        self.assertEqual(record.records, records)

    def test_only_allowed_context_keys_are_stored(self):
        # test.queue.job allows tz and lang
        records = self.subject.create({"name": "ctx"}).with_context(
            tz="Pacific/Auckland", lang="en_US", secret="do not keep", active_test=0
        )
        delayed = records.with_delay().testing_method()
        row = delayed.db_record()
        self.env["base"].flush()
        self.env.cr.execute("SELECT records FROM queue_job WHERE id = %s", row.ids)
        stored = json.loads(self.env.cr.fetchone()[0])
        allowed = {"tz": "Pacific/Auckland", "lang": "en_US"}
        self.assertEqual(stored["context"], allowed)
        # read back in an environment of its own, as a worker does
        self.assertEqual(self.jobs.browse(row.id).records.env.context, allowed)


class TestIdentityKeyOnStore(QueueJobCase):
    def test_waiting_job_with_the_key_takes_its_place(self):
        first = self.make_job(identity_key="nightly-sync", description="first")
        first.store()
        second = self.make_job(identity_key="nightly-sync", description="second")
        self.assertEqual(second.job_record_with_same_identity_key(), first.db_record())
        self.assertEqual(second.store(), first.db_record())
        self.assertFalse(second.db_record())
        rows = self.jobs.search([("identity_key", "=", "nightly-sync")])
        self.assertEqual((len(rows), rows.name), (1, "first"))

    def test_only_waiting_states_hold_the_key(self):
        holds = {
            WAIT_DEPENDENCIES: True,
            PENDING: True,
            ENQUEUED: True,
            STARTED: False,
            DONE: False,
            FAILED: False,
            CANCELLED: False,
        }
        for state, held in holds.items():
            with self.subTest(state=state):
                key = "key-while-%s" % state
                first = self.make_job(identity_key=key)
                first.state = state
                first.store()
                second = self.make_job(identity_key=key)
                self.assertEqual(
                    second.job_record_with_same_identity_key(),
                    first.db_record() if held else self.jobs,
                )
                existing = second.store()
                if held:
                    self.assertEqual(existing, first.db_record())
                    self.assertFalse(second.db_record())
                else:
                    self.assertIsNone(existing)
                    self.assertEqual(second.db_record().state, PENDING)


class TestJobCompany(QueueJobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main_company = cls.env.ref("base.main_company")
        cls.company = cls.env["res.company"].create({"name": "Queue Co"})
        users = cls.env["res.users"].with_context(no_reset_password=True)
        manager_groups = [
            cls.env.ref("base.group_user").id,
            cls.env.ref("queue_job.group_queue_job_manager").id,
        ]
        cls.company_manager = users.create(
            {
                "name": "Queue Co manager",
                "login": "queue_co_manager",
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "groups_id": [(6, 0, manager_groups)],
            }
        )
        cls.main_manager = users.create(
            {
                "name": "Main manager",
                "login": "queue_main_manager",
                "groups_id": [(6, 0, manager_groups)],
            }
        )

    def job_record(self, model):
        record = self.stored_record(model.testing_method)
        self.assertEqual(len(record), 1)
        return record

    def test_company_of_a_new_job(self):
        subject = self.subject
        cases = [
            ("current user", subject, self.main_company),
            (
                "user of another company",
                subject.with_user(self.company_manager),
                self.company,
            ),
            (
                "company_id in context",
                subject.with_context(company_id=self.company.id),
                self.company,
            ),
            (
                "company_id None in context",
                subject.with_context(company_id=None),
                self.env["res.company"],
            ),
        ]
        for label, model, company in cases:
            with self.subTest(label):
                self.assertEqual(self.job_record(model).company_id, company)

    def test_managers_of_the_job_company_follow_its_failure(self):
        demo = self.env.ref("base.user_demo")
        for company in (self.company, None):
            with self.subTest(company=company and company.name):
                model = self.subject.with_user(demo).with_context(
                    company_id=company.id if company else None
                )
                record = self.job_record(model)
                record.write({"state": FAILED})
                followers = record.message_follower_ids.partner_id
                # the job's own user is told too
                self.assertIn(demo.partner_id, followers)
                self.assertIn(self.company_manager.partner_id, followers)
                if company:
                    self.assertNotIn(self.main_manager.partner_id, followers)
                else:
                    self.assertIn(self.main_manager.partner_id, followers)

    def test_managers_see_the_jobs_of_their_companies(self):
        records = {
            label: self.job_record(self.subject.with_context(company_id=company_id))
            for label, company_id in (
                ("main", self.main_company.id),
                ("queue co", self.company.id),
                ("none", None),
            )
        }
        seen = self.jobs.with_user(self.company_manager).search(
            [("id", "in", [record.id for record in records.values()])]
        )
        self.assertEqual(seen, records["queue co"] | records["none"])
