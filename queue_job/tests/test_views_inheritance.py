# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What other addons build on in our views and data: the anchors their
inheriting views name, the wizard forms made from one, and the channels and
functions that several addons declare."""
import json

from lxml import etree
from psycopg2 import IntegrityError

from odoo.tests import common, tagged
from odoo.tools import mute_logger


# once every module is loaded: while modules install, Odoo applies the
# extensions of installed modules only, not views created on the fly
@tagged("post_install", "-at_install")
class TestViewsInheritance(common.TransactionCase):
    def _arch(self, xmlid):
        view = self.env.ref(xmlid)
        result = self.env[view.model].fields_view_get(view.id, view.type)
        return etree.fromstring(result["arch"])

    def _extend(self, xmlid, arch):
        """An extension of view ``xmlid``, as another addon writes it."""
        parent = self.env.ref(xmlid)
        return self.env["ir.ui.view"].create(
            {
                "name": "another addon's extension",
                "model": parent.model,
                "inherit_id": parent.id,
                "arch": arch,
            }
        )

    def test_job_form_anchors(self):
        self._extend(
            "queue_job.view_queue_job_form",
            """<data>
                <div name="button_box" position="inside">
                    <button name="open_related_action" type="object" string="X1" />
                </div>
                <page name="results" position="before">
                    <page name="x_page_1" string="X2" />
                </page>
                <page name="dependencies" position="after">
                    <page name="x_page_2" string="X3" />
                </page>
                <group name="result" position="inside">
                    <field name="priority" />
                </group>
                <group name="exc_info" position="after">
                    <group name="x_group" string="X4" />
                </group>
                <xpath expr="//div[@id='exc_name']" position="after">
                    <field name="retry" />
                </xpath>
                <button name="requeue" position="attributes">
                    <attribute name="string">X5</attribute>
                </button>
                <field name="exc_info" position="before">
                    <field name="eta" />
                </field>
            </data>""",
        )
        arch = self._arch("queue_job.view_queue_job_form")
        for label in ("X1", "X2", "X3", "X4", "X5"):
            self.assertEqual(len(arch.xpath("//*[@string='%s']" % label)), 1, label)
        notebook = [page.get("name") for page in arch.xpath("//notebook/page")]
        self.assertEqual(notebook[:2], ["x_page_1", "results"])
        self.assertEqual(notebook[notebook.index("dependencies") + 1], "x_page_2")
        (result,) = arch.xpath("//group[@name='result']")
        self.assertEqual(result.xpath(".//field/@name"), ["result", "priority"])
        (exc_info,) = arch.xpath("//group[@name='exc_info']")
        self.assertEqual(exc_info.xpath("./field/@name"), ["retry", "eta", "exc_info"])

    def test_list_and_search_anchors(self):
        self._extend(
            "queue_job.view_queue_job_tree",
            '<field name="exc_message" position="after">'
            '<field name="priority" /></field>',
        )
        self._extend(
            "queue_job.view_queue_job_search",
            '<filter name="failed" position="after">'
            "<filter name='x_prio' string='Urgent' domain=\"[('priority', '=', 1)]\"/>"
            "</filter>",
        )
        columns = self._arch("queue_job.view_queue_job_tree").xpath(
            "//tree/field/@name"
        )
        self.assertEqual(columns[columns.index("exc_message") + 1], "priority")
        filters = self._arch("queue_job.view_queue_job_search").xpath("//filter/@name")
        self.assertEqual(filters[filters.index("failed") + 1], "x_prio")

    def test_wizard_forms(self):
        buttons = {
            "queue_job.action_requeue_job": "requeue",
            "queue_job.action_set_jobs_done": "set_done",
            "queue_job.action_set_jobs_cancelled": "set_cancelled",
        }
        texts = {
            "queue_job.action_requeue_job": "will be requeued",
            "queue_job.action_set_jobs_done": "will be set to done",
            "queue_job.action_set_jobs_cancelled": "will be cancelled",
        }
        for xmlid, button in buttons.items():
            with self.subTest(action=xmlid):
                action = self.env.ref(xmlid)
                form = self.env[action.res_model].fields_view_get(
                    action.view_id.id, "form"
                )
                arch = etree.fromstring(form["arch"])
                self.assertEqual(form["model"], action.res_model)
                self.assertEqual(
                    arch.xpath("//footer/button[@type='object']/@name"), [button]
                )
                self.assertEqual(len(arch.xpath("//field[@name='job_ids']")), 1)
                self.assertIn("job_ids", form["fields"])
                # one paragraph shown: the wizard's own (the others hide the
                # requeue form's text)
                shown = [
                    " ".join(p.itertext())
                    for p in arch.xpath("//p")
                    if not json.loads(p.get("modifiers", "{}")).get("invisible")
                ]
                self.assertEqual(len(shown), 1, shown)
                self.assertIn(texts[xmlid], " ".join(shown[0].split()))

    def test_wizard_form_extensions(self):
        # an addon extends one wizard's form, the others keep theirs
        self._extend(
            "queue_job.view_set_jobs_done",
            '<button name="set_done" position="after">'
            '<button name="requeue" type="object" string="Requeue instead" />'
            "</button>",
        )
        done = self._arch("queue_job.view_set_jobs_done")
        self.assertEqual(
            done.xpath("//footer/button[@type='object']/@name"),
            ["set_done", "requeue"],
        )
        cancelled = self._arch("queue_job.view_set_jobs_cancelled")
        self.assertEqual(
            cancelled.xpath("//footer/button[@type='object']/@name"),
            ["set_cancelled"],
        )


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
