# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The statements a slot prepares on its connection, and what it leaves there."""
from odoo.tests import common

from odoo.addons.queue_job.execution import Statements

COUNT = "SELECT count(*) FROM queue_job WHERE state = %s AND channel = %s"


class TestSlotStatements(common.TransactionCase):
    def _show(self, setting):
        self.env.cr.execute("SHOW %s" % setting)
        return self.env.cr.fetchone()[0]

    def _prepared(self):
        self.env.cr.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'qj_slot_%%'"
        )
        return self.env.cr.fetchone()[0]

    def test_prepared_once_generic_and_without_jit(self):
        cr = self.env.cr
        before = (self._show("jit"), self._show("plan_cache_mode"))
        self.env["test.queue.job.e2e"].with_delay(channel="root").noop()
        self.env["queue.job"].flush()
        pending = self.env["queue.job"].search_count(
            [("state", "=", "pending"), ("channel", "=", "root")]
        )
        self.assertGreater(pending, 0)
        statements = Statements(cr)
        statements.execute("", COUNT, ("pending", "root"))
        self.assertEqual(cr.fetchone()[0], pending)
        # a generic plan is costed for a whole backlog: JIT would compile it
        # again at every run, for the few rows it reads
        self.assertEqual(self._show("jit"), "off")
        self.assertEqual(self._show("plan_cache_mode"), "force_generic_plan")
        statements.execute("", COUNT, ("done", "root"))
        self.assertEqual(cr.fetchone()[0], 0)
        self.assertEqual(self._prepared(), 1)

        statements.close()
        self.assertEqual(self._prepared(), 0)
        self.assertEqual((self._show("jit"), self._show("plan_cache_mode")), before)
