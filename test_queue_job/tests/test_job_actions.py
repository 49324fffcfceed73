# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What users and code do to queue.job records: buttons, requeue, user
change, and who hears of a failure."""
from odoo.addons.queue_job.job import (
    CANCELLED,
    DONE,
    FAILED,
    PENDING,
    WAIT_DEPENDENCIES,
    Job,
)

from .common import QueueJobCase


class TestJobActions(QueueJobCase):
    def test_change_job_state(self):
        record = self.stored_record()
        record.retry = 3
        outcomes = [
            (DONE, "finished by hand", {"state": DONE, "retry": 3}),
            (PENDING, "once more", {"state": PENDING, "retry": 0}),
            (CANCELLED, "dropped", {"state": CANCELLED}),
        ]
        for state, result, expected in outcomes:
            with self.subTest(state=state):
                record._change_job_state(state, result=result)
                expected = dict(expected, result=result)
                self.assertEqual(
                    {key: record[key] for key in expected},
                    expected,
                )
        for state in ("started", "enqueued", "failed"):
            with self.subTest(state=state):
                with self.assertRaisesRegex(
                    ValueError, "^State not supported: %s$" % state
                ):
                    record._change_job_state(state)

    def test_done_and_cancel_buttons_sign_the_result(self):
        name = self.env.user.name
        to_finish = self.stored_record()
        self.assertIs(to_finish.button_done(), True)
        self.assertEqual(
            (to_finish.state, to_finish.result),
            (DONE, "Manually set to done by %s" % name),
        )
        self.assertTrue(to_finish.date_done)
        to_drop = self.stored_record()
        self.assertIs(to_drop.button_cancelled(), True)
        self.assertEqual(
            (to_drop.state, to_drop.result), (CANCELLED, "Cancelled by %s" % name)
        )
        self.assertTrue(to_drop.date_cancelled)

    def test_requeue_puts_back_failed_jobs_with_tries_reset(self):
        failed = self.stored_record()
        failed.write({"state": FAILED, "retry": 4})
        self.assertEqual(failed.requeue(), failed)
        self.assertEqual((failed.state, failed.retry), (PENDING, 0))

    def test_requeue_leaves_jobs_waiting_for_parents(self):
        parent = self.make_job()
        child = self.make_job()
        child.add_depends({parent})
        parent.graph_uuid = child.graph_uuid = "graph-of-two"
        parent.store()
        child.store()
        parent_record, child_record = parent.db_record(), child.db_record()
        parent_record.write({"state": FAILED})
        self.assertEqual(child_record.state, WAIT_DEPENDENCIES)
        requeued = (parent_record | child_record).requeue()
        self.assertEqual(requeued, parent_record)
        self.assertEqual(
            (parent_record.state, child_record.state), (PENDING, WAIT_DEPENDENCIES)
        )

    def test_new_user_runs_the_job(self):
        demo = self.env.ref("base.user_demo")
        record = self.stored_record()
        self.assertEqual(record.records.env.uid, self.env.uid)
        record.user_id = demo
        self.assertEqual(record.records.env.uid, demo.id)
        loaded = Job.load(self.env, record.uuid)
        self.assertEqual(loaded.recordset.env.uid, demo.id)

    def test_failed_jobs_need_action(self):
        self.assertEqual(self.jobs._needaction_domain_get(), [("state", "=", "failed")])

    def test_enqueue_of_the_old_api(self):
        first = Job.enqueue(
            self.subject.testing_method, args=(1,), priority=4, identity_key="old"
        )
        self.assertIsInstance(first, Job)
        self.assertEqual(first.db_record().priority, 4)
        # the waiting job with the key comes back, loaded from its row
        again = Job.enqueue(self.subject.testing_method, args=(2,), identity_key="old")
        self.assertIsInstance(again, Job)
        self.assertEqual((again.uuid, again.args), (first.uuid, (1,)))
        job = self.make_job()
        self.assertIs(job._enqueue_job(), job)
        self.assertTrue(job.db_record())


class TestFailureNotification(QueueJobCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.managers = cls.env.ref("queue_job.group_queue_job_manager")

    def new_manager(self, login, active=True):
        return (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": login.title(),
                    "login": login,
                    "active": active,
                    "groups_id": [(6, 0, self.managers.ids)],
                }
            )
        )

    def test_nothing_is_posted_or_followed_at_enqueue(self):
        counts = ("mail.message", "mail.followers")
        before = [self.env[model].search_count([]) for model in counts]
        for number in range(4):
            self.subject.with_delay().testing_method(number)
        self.jobs.flush()
        after = [self.env[model].search_count([]) for model in counts]
        self.assertEqual(after, before)

    def test_failure_posts_one_message(self):
        record = self.stored_record()
        self.assertFalse(record.message_ids)
        record.write({"state": FAILED})
        message = record.message_ids
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.env.ref("queue_job.mt_job_failed"))
        self.assertIn(record.uuid, message.body)

    def test_no_message_when_the_hook_has_no_text(self):
        record = self.stored_record()
        self.patch(type(record), "_message_failed_job", lambda self: "")
        record.write({"state": FAILED})
        self.assertFalse(record.message_ids)

    def test_active_managers_and_the_job_user_follow(self):
        active = self.new_manager("queue_active")
        inactive = self.new_manager("queue_inactive", active=False)
        # its partner stays active: only the user's activity counts
        inactive.partner_id.active = True
        author = self.new_manager("queue_author")
        record = self.stored_record(self.subject.with_user(author).testing_method)
        author.active = False
        record.write({"state": FAILED})
        followers = record.message_follower_ids.partner_id
        self.assertIn(active.partner_id, followers)
        for gone in (inactive, author):
            self.assertNotIn(gone.partner_id, followers)
        active_managers = self.managers.users.filtered("active")
        self.assertEqual(
            active_managers.partner_id - followers, self.env["res.partner"]
        )
