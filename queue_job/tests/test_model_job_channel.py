# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from psycopg2 import IntegrityError

from odoo import exceptions
from odoo.tests import common
from odoo.tools import mute_logger


class TestJobChannel(common.TransactionCase):
    def setUp(self):
        super().setUp()
        self.Channel = self.env["queue.job.channel"]
        self.root_channel = self.env.ref("queue_job.channel_root")

    def test_channel_new(self):
        channel = self.Channel.new()
        self.assertFalse(channel.name)
        self.assertFalse(channel.complete_name)

    def test_channel_create(self):
        channel = self.Channel.create(
            {"name": "test", "parent_id": self.root_channel.id}
        )
        self.assertEqual(channel.name, "test")
        self.assertEqual(channel.complete_name, "root.test")
        channel2 = self.Channel.create({"name": "deep", "parent_id": channel.id})
        self.assertEqual(channel2.complete_name, "root.test.deep")
        channel.name = "renamed"
        self.assertEqual(channel2.complete_name, "root.renamed.deep")

    @mute_logger("odoo.sql_db")
    def test_channel_complete_name_uniq(self):
        self.Channel.create({"name": "test", "parent_id": self.root_channel.id})
        self.Channel.flush()
        with self.assertRaises(IntegrityError) as ctx:
            self.Channel.create({"name": "test", "parent_id": self.root_channel.id})
            self.Channel.flush()
        self.assertIn("queue_job_channel_name_uniq", str(ctx.exception))

    def test_channel_name_get(self):
        channel = self.Channel.create(
            {"name": "test", "parent_id": self.root_channel.id}
        )
        self.assertEqual(channel.name_get(), [(channel.id, "root.test")])

    def test_parent_required(self):
        with self.assertRaisesRegex(
            exceptions.ValidationError, "Parent channel required"
        ):
            self.Channel.create({"name": "orphan"})

    def test_root_protected(self):
        with self.assertRaisesRegex(exceptions.UserError, "Cannot remove the root"):
            self.root_channel.unlink()
        with self.assertRaisesRegex(exceptions.UserError, "Cannot change the root"):
            self.root_channel.name = "leaf"

    def test_default_removal_interval(self):
        channel = self.Channel.create(
            {"name": "test", "parent_id": self.root_channel.id}
        )
        self.assertEqual(channel.removal_interval, 30)

    def test_install_mode_merges(self):
        channel = self.Channel.create(
            {"name": "shared", "parent_id": self.root_channel.id}
        )
        again = self.Channel.with_context(install_mode=True).create(
            {"name": "shared", "parent_id": self.root_channel.id, "removal_interval": 7}
        )
        self.assertEqual(again, channel)
        self.assertEqual(channel.removal_interval, 7)
        self.assertEqual(
            self.Channel.search_count([("complete_name", "=", "root.shared")]), 1
        )
