# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The statements a slot prepares on its connection, and what it leaves there;
what a connection kept for the runner's requests keeps between two of them."""
from datetime import datetime

from odoo import sql_db
from odoo.tests import common

from odoo.addons.queue_job.controllers.wsgi import KEPT
from odoo.addons.queue_job.execution import Statements
from odoo.addons.queue_job.execution.claims import claim_next, claim_uuid

COUNT = "SELECT count(*) FROM queue_job WHERE state = %s AND channel = %s"


class TestSlotStatements(common.TransactionCase):
    def _show(self, setting):
        self.env.cr.execute("SHOW %s" % setting)
        return self.env.cr.fetchone()[0]

    def _prepared(self):
        self.env.cr.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'qj_stmt_%%'"
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


class TestKeptConnection(common.TransactionCase):
    """A kept connection is given back as new, but for the first claim's
    prepared statement: the next request does not plan it again, nor
    inherits anything else of the one before (a job's settings, temporary
    tables, locks, listens, prepared statements, the slot's own)."""

    def _kept_cursor(self):
        db = self.env.cr.dbname
        return sql_db.Cursor(KEPT, db, sql_db.connection_info_for(db)[1])

    @staticmethod
    def _one(cr, sql, params=()):
        cr.execute(sql, params)
        return cr.fetchone()[0]

    def test_given_back_clean_but_for_its_prepared_statements(self):
        cr = self._kept_cursor()
        try:
            cnx = cr._cnx
            default_work_mem = self._one(cr, "SHOW work_mem")
            # a first claim (of no job), prepared, and a slot's statement
            claim = claim_uuid(cr, "no-such-job", ("pending",), key=1, due_only=True)
            self.assertIsNone(claim.claim)
            statements = Statements(cr)
            statements.execute("", COUNT, ("done", "no-channel"))
            self.assertEqual(cr.fetchone()[0], 0)
            statements.close()
            # and what a job could leave behind
            cr.execute("SET work_mem = '7MB'")
            cr.execute("CREATE TEMP TABLE qj_scratch (x int)")
            cr.execute("SELECT pg_advisory_lock(424242)")
            cr.execute("LISTEN qj_scratch_channel")
            cr.execute("PREPARE a_jobs_own AS SELECT 1")
            cr.commit()  # pylint: disable=invalid-commit  # what a job leaves stays
            backend = self._one(cr, "SELECT pg_backend_pid()")
        finally:
            cr.close()  # given back to KEPT

        cr = self._kept_cursor()
        try:
            self.assertIs(cr._cnx, cnx, "the same connection is lent again")
            self.assertEqual(self._one(cr, "SELECT pg_backend_pid()"), backend)
            cr.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
            names = [row[0] for row in cr.fetchall()]
            self.assertEqual(len(names), 1, names)
            self.assertTrue(all(name.startswith("qj_stmt_") for name in names))
            self.assertEqual(self._one(cr, "SHOW work_mem"), default_work_mem)
            self.assertEqual(self._one(cr, "SHOW plan_cache_mode"), "auto")
            self.assertIsNone(self._one(cr, "SELECT to_regclass('pg_temp.qj_scratch')"))
            self.assertEqual(
                self._one(
                    cr,
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND pid = pg_backend_pid()",
                ),
                0,
            )
            self.assertEqual(
                self._one(cr, "SELECT count(*) FROM pg_listening_channels()"), 0
            )
            # the claim runs again without being prepared again
            claim = claim_uuid(cr, "no-such-job", ("pending",), key=1, due_only=True)
            self.assertIsNone(claim.claim)
            statements = Statements(cr)
            statements.execute("", COUNT, ("done", "no-channel"))
            statements.close()
            cr.execute("SELECT name FROM pg_prepared_statements")
            self.assertEqual([row[0] for row in cr.fetchall()], names)
            cr.rollback()
        finally:
            cr.close()


class TestNextJobPlan(common.TransactionCase):
    def test_next_claim_reads_the_pending_index_whatever_the_statistics(self):
        """A slot's claim of its channel's next job is planned once, generic:
        with the statistics of a table that looked empty, the planner would
        sort every pending job at each claim (for the life of the plan)."""
        cr = self.env.cr
        cr.execute("DELETE FROM queue_job")
        cr.execute("ANALYZE queue_job")  # statistics of an empty table
        model = self.env["test.queue.job.e2e"]
        for _i in range(300):
            model.with_delay(channel="root").noop()
        self.env["queue.job"].flush()
        statements = Statements(cr)
        result = claim_next(cr, "root", False, key=1, statements=statements)
        self.assertIsNotNone(result.claim)
        (name,) = statements.names.values()
        now = datetime.utcnow()
        # pylint: disable-next=sql-injection  # the statement's own name
        cr.execute(
            "EXPLAIN EXECUTE %s (%%s, %%s, %%s, %%s, %%s)" % name,
            (1, "host", 1, "root", now),
        )
        plan = "\n".join(row[0] for row in cr.fetchall())
        self.assertIn("queue_job_pending_idx", plan)
        self.assertNotIn("Sort", plan)
        statements.close()
