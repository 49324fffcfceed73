# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""queue.job.channel records: a tree under "root", named by their path."""
from psycopg2 import IntegrityError

from odoo import exceptions
from odoo.tests import common
from odoo.tools import mute_logger


class TestChannelTree(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channels = cls.env["queue.job.channel"]
        cls.root = cls.env.ref("queue_job.channel_root")

    def under(self, parent, name, **values):
        return self.channels.create(dict(values, name=name, parent_id=parent.id))

    def test_complete_name_is_the_path_from_root(self):
        draft = self.channels.new()
        self.assertFalse(draft.name)
        self.assertFalse(draft.complete_name)

        import_ = self.under(self.root, "import")
        csv = self.under(import_, "csv")
        self.assertEqual(
            (import_.complete_name, csv.complete_name),
            ("root.import", "root.import.csv"),
        )
        # a name used again deeper down is another channel
        again = self.under(csv, "import")
        self.assertEqual(again.complete_name, "root.import.csv.import")
        # renaming or moving a channel renames what is under it
        import_.name = "intake"
        self.assertEqual(again.complete_name, "root.intake.csv.import")
        csv.parent_id = self.root
        self.assertEqual(
            (csv.complete_name, again.complete_name), ("root.csv", "root.csv.import")
        )
        self.assertEqual(csv.name_get(), [(csv.id, "root.csv")])

    def test_removal_interval_defaults_to_thirty_days(self):
        self.assertEqual(self.under(self.root, "short").removal_interval, 30)
        self.assertEqual(
            self.under(self.root, "long", removal_interval=365).removal_interval, 365
        )

    @mute_logger("odoo.sql_db")
    def test_two_channels_cannot_share_a_path(self):
        self.under(self.root, "twin")
        self.channels.flush()
        with self.assertRaises(IntegrityError) as caught:
            self.under(self.root, "twin")
            self.channels.flush()
        self.assertIn("queue_job_channel_name_uniq", str(caught.exception))

    def test_only_root_has_no_parent(self):
        with self.assertRaisesRegex(
            exceptions.ValidationError, "^Parent channel required.$"
        ):
            self.channels.create({"name": "stray"})

    def test_root_stays_root(self):
        other = self.under(self.root, "other")
        changes = [
            ({"name": "trunk"}, "Cannot change the root channel"),
            ({"parent_id": other.id}, "Cannot change the root channel"),
        ]
        for values, message in changes:
            with self.subTest(**values):
                with self.assertRaisesRegex(exceptions.UserError, message):
                    self.root.write(values)
        with self.assertRaisesRegex(
            exceptions.UserError, "Cannot remove the root channel"
        ):
            self.root.unlink()
        self.assertEqual(
            (self.root.name, self.root.complete_name, self.root.parent_id),
            ("root", "root", self.channels),
        )

    def test_modules_declaring_the_same_channel_share_it(self):
        declared = self.under(self.root, "shared", removal_interval=10)
        installing = self.channels.with_context(install_mode=True)
        again = installing.create(
            {"name": "shared", "parent_id": self.root.id, "removal_interval": 7}
        )
        self.assertEqual(again, declared)
        self.assertEqual(declared.removal_interval, 7)
        self.assertEqual(
            self.channels.search_count([("complete_name", "=", "root.shared")]), 1
        )
