# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Who sees the Job Queue: managers only, within their companies; anybody
may still enqueue."""
from odoo.exceptions import AccessError
from odoo.tests import common

from ..job import Job

QUEUE_MODELS = (
    "queue.job",
    "queue.job.channel",
    "queue.job.function",
    "queue.requeue.job",
    "queue.jobs.to.done",
    "queue.jobs.to.cancelled",
)


class TestQueueJobAccess(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.main_company = cls.env.ref("base.main_company")
        cls.other_company = cls.env["res.company"].create({"name": "Queue Other Co"})
        internal = cls.env.ref("base.group_user")
        manager_group = cls.env.ref("queue_job.group_queue_job_manager")
        users = cls.env["res.users"].with_context(no_reset_password=True)
        cls.user = users.create(
            {
                "name": "Queue Plain User",
                "login": "qj_ui_plain_user",
                "groups_id": [(6, 0, [internal.id])],
            }
        )
        cls.manager = users.create(
            {
                "name": "Queue Manager Main Co",
                "login": "qj_ui_manager",
                "company_id": cls.main_company.id,
                "company_ids": [(6, 0, [cls.main_company.id])],
                "groups_id": [(6, 0, [internal.id, manager_group.id])],
            }
        )
        cls.partner = cls.env["res.partner"].create({"name": "Queue Access Partner"})

    def _store_job(self, company=None, user=None):
        partner = self.partner
        if user:
            partner = partner.with_user(user)
        if company is not None:
            partner = partner.with_context(company_id=company.id if company else None)
        job_ = Job(partner.name_get, description="Access test job")
        job_.store()
        return job_.db_record()

    def test_plain_user_cannot_read_jobs(self):
        record = self._store_job()
        with self.assertRaises(AccessError):
            record.with_user(self.user).read(["name"])
        with self.assertRaises(AccessError):
            self.env["queue.job"].with_user(self.user).search([])

    def test_plain_user_has_no_access_to_queue_models(self):
        for model in QUEUE_MODELS:
            with self.subTest(model=model):
                records = self.env[model].with_user(self.user)
                for mode in ("read", "write", "create", "unlink"):
                    self.assertFalse(
                        records.check_access_rights(mode, raise_exception=False),
                        "%s may %s %s" % (self.user.login, mode, model),
                    )
                manager_records = self.env[model].with_user(self.manager)
                self.assertTrue(manager_records.check_access_rights("read"))

    def test_plain_user_cannot_read_the_overview(self):
        with self.assertRaises(AccessError):
            self.env["queue.job"].with_user(self.user).get_overview()
        with self.assertRaises(AccessError):
            self.env["queue.job"].with_user(self.user).web_search_read(
                [], ["name"], limit=80
            )

    def test_menu_for_managers_only(self):
        root = self.env.ref("queue_job.menu_queue_job_root")
        menu_xmlids = [
            "queue_job.menu_queue_job_root",
            "queue_job.menu_queue",
            "queue_job.menu_queue_job",
            "queue_job.menu_queue_job_channel",
            "queue_job.menu_queue_job_function",
            "queue_job.menu_queue_job_overview",
        ]
        menus = self.env["ir.ui.menu"]
        user_menus = menus.with_user(self.user).load_menus(debug=False)
        manager_menus = menus.with_user(self.manager).load_menus(debug=False)
        self.assertNotIn(root.id, user_menus["root"]["children"])
        self.assertIn(root.id, manager_menus["root"]["children"])
        for xmlid in menu_xmlids:
            menu_id = self.env.ref(xmlid).id
            self.assertNotIn(menu_id, user_menus, xmlid)
            self.assertIn(menu_id, manager_menus, xmlid)

    def test_plain_user_can_enqueue(self):
        partner = self.partner.with_user(self.user)
        job_ = partner.with_delay(description="Enqueued by a plain user").name_get()
        delayable = partner.delayable(description="Delayed by a plain user")
        delayable.name_get().delay()
        for uuid in (job_.uuid, delayable._generated_job.uuid):
            record = self.env["queue.job"].search([("uuid", "=", uuid)])
            self.assertEqual(record.user_id, self.user)
            self.assertEqual(record.state, "pending")
            # the job runs as the user who enqueued it
            loaded = Job.load(self.env, uuid)
            self.assertEqual(loaded.recordset.env.uid, self.user.id)
        # and still cannot read it back
        with self.assertRaises(AccessError):
            record.with_user(self.user).read(["name"])

    def test_multi_company_rule(self):
        main_job = self._store_job(company=self.main_company)
        other_job = self._store_job(company=self.other_company)
        shared_job = self._store_job(company=False)
        self.assertEqual(other_job.company_id, self.other_company)
        self.assertFalse(shared_job.company_id)
        jobs = main_job | other_job | shared_job
        visible = (
            self.env["queue.job"]
            .with_user(self.manager)
            .search([("id", "in", jobs.ids)])
        )
        self.assertEqual(visible, main_job | shared_job)
        with self.assertRaises(AccessError):
            other_job.with_user(self.manager).read(["name"])
        # the capped pager count applies the same rule
        counted = (
            self.env["queue.job"]
            .with_user(self.manager)
            .with_context(queue_job_count_limit=100)
            .web_search_read([("id", "in", jobs.ids)], ["name"], limit=1)
        )
        self.assertEqual(counted["length"], 2)
