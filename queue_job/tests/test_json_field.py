# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""How job arguments and records are kept as JSON (fields.py): the codec,
and the job_serialized field that uses it."""
import json
from datetime import date, datetime

from lxml import etree

from odoo import models
from odoo.tests import common
from odoo.tools.func import lazy

from ..fields import JobDecoder, JobEncoder, JobSerialized, dumps


def encoded(value):
    """What JobEncoder writes, read back as plain JSON."""
    return json.loads(json.dumps(value, cls=JobEncoder))


class TestJobCodec(common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = cls.env.ref("base.user_demo")
        cls.company_partner = cls.env.ref("base.main_partner")

    def decode(self, value, env=None):
        text = value if isinstance(value, str) else json.dumps(value)
        return json.loads(text, cls=JobDecoder, env=env or self.env)

    def test_recordset_keeps_model_ids_user_and_sudo(self):
        partners = (self.company_partner | self.demo.partner_id).with_user(self.demo)
        expected = {
            "_type": "odoo_recordset",
            "model": "res.partner",
            "ids": partners.ids,
            "uid": self.demo.id,
            "su": False,
            # res.partner keeps no context key (none by default on 15.0)
            "context": {},
        }
        as_json = encoded(partners.with_context(lang="en_US", tz="UTC"))
        self.assertEqual(as_json, expected)
        self.assertEqual(encoded(partners.sudo()), dict(expected, su=True))
        # anywhere in the arguments
        self.assertEqual(
            encoded(["a", 1, {"who": [partners]}]),
            ["a", 1, {"who": [expected]}],
        )
        decoded = self.decode(as_json)
        self.assertEqual(decoded, partners)
        self.assertEqual((decoded.env.uid, decoded.env.su), (self.demo.id, False))
        self.assertTrue(self.decode(dict(expected, su=True)).env.su)

    def test_recordset_without_user_takes_the_decoding_user(self):
        text = [
            "x",
            {"_type": "odoo_recordset", "model": "res.users", "ids": [self.demo.id]},
        ]
        decoded = self.decode(text, env=self.env(user=self.demo))
        self.assertEqual(decoded[0], "x")
        self.assertEqual(decoded[1], self.demo)
        self.assertEqual(decoded[1].env.uid, self.demo.id)

    def test_recordset_context_comes_back(self):
        value = encoded(self.company_partner)
        value["context"] = {"lang": "fr_FR", "tz": "Europe/Paris"}
        self.assertEqual(
            self.decode(value).env.context, {"lang": "fr_FR", "tz": "Europe/Paris"}
        )

    def test_recordset_of_a_model_gone(self):
        value = {"_type": "odoo_recordset", "model": "model.uninstalled", "ids": [3]}
        with self.assertRaisesRegex(ValueError, "model.uninstalled"):
            self.decode(value)

    def test_tagged_values_round_trip(self):
        element = etree.fromstring('<order ref="7"><line qty="2">pen</line></order>')
        cases = [
            (
                datetime(2023, 12, 31, 23, 59, 58, 7),
                {"_type": "datetime_isoformat", "value": "2023-12-31T23:59:58.000007"},
            ),
            (date(2024, 2, 29), {"_type": "date_isoformat", "value": "2024-02-29"}),
            (
                element,
                {
                    "_type": "etree_element",
                    "value": '<order ref="7"><line qty="2">pen</line></order>',
                },
            ),
        ]
        for value, tagged in cases:
            with self.subTest(type=type(value).__name__):
                self.assertEqual(encoded({"v": value}), {"v": tagged})
                back = self.decode({"v": tagged})["v"]
                self.assertIs(type(back), type(value))
                if isinstance(value, etree._Element):
                    self.assertEqual(etree.tostring(back), etree.tostring(value))
                else:
                    self.assertEqual(back, value)

    def test_plain_json_and_what_json_makes_of_python(self):
        cases = [
            ((1, (2, 3)), [1, [2, 3]]),
            ({4: "four"}, {"4": "four"}),
            ([lazy(lambda: "computed late")], ["computed late"]),
            ({"_type": "not ours", "v": 1}, {"_type": "not ours", "v": 1}),
            ("ünï", "ünï"),
        ]
        for value, back in cases:
            with self.subTest(value=value):
                self.assertEqual(self.decode(json.dumps(value, cls=JobEncoder)), back)
        with self.assertRaises(TypeError):
            json.dumps([{1, 2}], cls=JobEncoder)

    def test_dumps_writes_what_the_encoder_writes(self):
        # dumps() keeps one C encoder for every call
        values = [
            "text é",
            (1, 2.5, None, True, float("inf")),
            {"a": [1, {"b": "c"}], "when": datetime(2021, 5, 4, 3, 2, 1)},
            [self.company_partner, date(2021, 5, 4), etree.fromstring("<a>b</a>")],
            {1: "int key", "nested": {"deep": [[[]]]}},
            [lazy(lambda: "late")],
        ]
        for value in values:
            with self.subTest(value=value):
                self.assertEqual(dumps(value), json.dumps(value, cls=JobEncoder))
        looped = [1]
        looped.append(looped)
        with self.assertRaisesRegex(ValueError, "Circular reference detected"):
            dumps(looped)
        with self.assertRaises(TypeError):
            dumps([{1, 2}])
        # nothing left behind by the failures
        self.assertEqual(dumps([1, {"a": 2}]), '[1, {"a": 2}]')


class TestJobSerializedField(common.TransactionCase):
    def test_base_types(self):
        with self.assertRaisesRegex(ValueError, "is not a supported base type"):
            JobSerialized(base_type=set)._setup_attrs(
                type(self.env["queue.job"]), "made_up"
            )

    def test_empty_values_and_wrong_types(self):
        jobs = self.env["queue.job"]
        fields_ = jobs._fields
        self.assertEqual(fields_["kwargs"].convert_to_record(None, jobs), {})
        self.assertEqual(fields_["args"].convert_to_record(None, jobs), [])
        nobody = fields_["records"].convert_to_record(None, jobs)
        self.assertIsInstance(nobody, models.BaseModel)
        self.assertEqual((nobody._name, nobody.ids), ("base", []))
        with self.assertRaisesRegex(ValueError, "expects a dict"):
            fields_["kwargs"].convert_to_cache(["not", "a", "dict"], jobs)
