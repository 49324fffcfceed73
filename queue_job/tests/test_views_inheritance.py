# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What other addons build on in our data: the channels and functions that
several addons declare."""
from psycopg2 import IntegrityError

from odoo.tests import common
from odoo.tools import mute_logger


class TestDeclaredTwice(common.TransactionCase):
    """Modules install their data in install mode: a channel or a function
    another module declared already is updated, not duplicated."""

    def setUp(self):
        super().setUp()
        self.installing = self.env(context=dict(self.env.context, install_mode=True))
        self.partner_model = self.env.ref("base.model_res_partner")
        self.root = self.env.ref("queue_job.channel_root")

    def _noupdate_xmlid(self, record, name):
        self.env["ir.model.data"].create(
            {
                "module": "x_other_addon",
                "name": name,
                "model": record._name,
                "res_id": record.id,
                "noupdate": True,
            }
        )

    def test_function_declared_by_model_and_method(self):
        functions = self.installing["queue.job.function"]
        first = functions.create(
            {"model_id": self.partner_model.id, "method": "x_declared_twice"}
        )
        sub = self.env["queue.job.channel"].create(
            {"name": "x_twice", "parent_id": self.root.id}
        )
        again = functions.create(
            {
                "model_id": self.partner_model.id,
                "method": "x_declared_twice",
                "channel_id": sub.id,
            }
        )
        self.assertEqual(again, first)
        self.assertEqual(first.channel, "root.x_twice")
        self.assertEqual(
            functions.search_count([("name", "=", "<res.partner>.x_declared_twice")]),
            1,
        )

    def test_noupdate_declaration_is_kept(self):
        functions = self.installing["queue.job.function"]
        first = functions.create({"name": "<res.partner>.x_kept"})
        self._noupdate_xmlid(first, "function_kept")
        sub = self.env["queue.job.channel"].create(
            {"name": "x_kept", "parent_id": self.root.id}
        )
        again = functions.create({"name": "<res.partner>.x_kept", "channel_id": sub.id})
        self.assertEqual(again, first)
        self.assertEqual(first.channel, "root")

    def test_batch_keeps_the_order_of_its_values(self):
        # the data loader pairs the records returned with their xmlids
        channels = self.installing["queue.job.channel"]
        known = channels.create({"name": "x_known", "parent_id": self.root.id})
        created = channels.create(
            [
                {"name": "x_new_1", "parent_id": self.root.id},
                {"name": "x_known", "parent_id": self.root.id, "removal_interval": 3},
                {"name": "x_new_2", "parent_id": self.root.id},
            ]
        )
        self.assertEqual(
            created.mapped("complete_name"),
            ["root.x_new_1", "root.x_known", "root.x_new_2"],
        )
        self.assertEqual(created[1], known)
        self.assertEqual(known.removal_interval, 3)

    @mute_logger("odoo.sql_db")
    def test_outside_install_mode_twins_are_refused(self):
        channels = self.env["queue.job.channel"]
        channels.create({"name": "x_twin", "parent_id": self.root.id})
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            channels.create({"name": "x_twin", "parent_id": self.root.id})
            channels.flush()
