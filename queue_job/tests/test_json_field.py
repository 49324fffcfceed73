# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import json
from datetime import date, datetime

from lxml import etree

from odoo import models
from odoo.tests import common
from odoo.tools.func import lazy

from odoo.addons.queue_job.fields import JobDecoder, JobEncoder, JobSerialized, dumps


class TestJson(common.TransactionCase):
    def setUp(self):
        super().setUp()
        self.demo = self.env.ref("base.user_demo")
        self.partner = self.env.ref("base.main_partner")

    def _encode(self, value):
        return json.dumps(value, cls=JobEncoder)

    def _decode(self, text, env=None):
        return json.loads(text, cls=JobDecoder, env=env or self.env)

    def test_encoder_recordset(self):
        partner = self.partner.with_user(self.demo)
        encoded = json.loads(self._encode(partner))
        self.assertEqual(
            encoded,
            {
                "_type": "odoo_recordset",
                "model": "res.partner",
                "ids": [self.partner.id],
                "uid": self.demo.id,
                "su": False,
                # no context key is kept by default on 15.0
                "context": {},
            },
        )

    def test_encoder_recordset_sudo(self):
        encoded = json.loads(self._encode(self.partner.with_user(self.demo).sudo()))
        self.assertTrue(encoded["su"])
        self.assertEqual(encoded["uid"], self.demo.id)

    def test_encoder_recordset_list(self):
        value = ["a", 1, self.partner.with_user(self.demo)]
        encoded = json.loads(self._encode(value))
        self.assertEqual(encoded[:2], ["a", 1])
        self.assertEqual(encoded[2]["_type"], "odoo_recordset")
        self.assertEqual(encoded[2]["ids"], [self.partner.id])

    def test_decoder_recordset(self):
        text = json.dumps(
            {
                "_type": "odoo_recordset",
                "model": "res.partner",
                "ids": [self.partner.id],
                "uid": self.demo.id,
                "su": False,
            }
        )
        decoded = self._decode(text)
        self.assertEqual(decoded, self.partner)
        self.assertEqual(decoded.env.uid, self.demo.id)
        self.assertFalse(decoded.env.su)

    def test_decoder_recordset_list_without_user(self):
        text = json.dumps(
            ["a", {"_type": "odoo_recordset", "model": "res.partner", "ids": [1]}]
        )
        decoded = self._decode(text, env=self.env(user=self.demo))
        self.assertEqual(decoded[0], "a")
        self.assertEqual(decoded[1].env.uid, self.demo.id)

    def test_decoder_recordset_context(self):
        text = self._encode(self.partner)
        data = json.loads(text)
        data["context"] = {"lang": "fr_FR"}
        decoded = self._decode(json.dumps(data))
        self.assertEqual(decoded.env.context, {"lang": "fr_FR"})

    def test_decoder_unknown_model(self):
        text = json.dumps(
            {"_type": "odoo_recordset", "model": "no.such.model", "ids": [1]}
        )
        with self.assertRaisesRegex(ValueError, "no.such.model"):
            self._decode(text)

    def test_datetime_round_trip(self):
        value = ["a", datetime(2024, 3, 4, 5, 6, 7, 8)]
        text = self._encode(value)
        self.assertEqual(
            json.loads(text)[1],
            {"_type": "datetime_isoformat", "value": "2024-03-04T05:06:07.000008"},
        )
        self.assertEqual(self._decode(text), value)

    def test_date_round_trip(self):
        value = {"d": date(2024, 3, 4)}
        text = self._encode(value)
        self.assertEqual(
            json.loads(text)["d"], {"_type": "date_isoformat", "value": "2024-03-04"}
        )
        decoded = self._decode(text)["d"]
        self.assertEqual(decoded, date(2024, 3, 4))
        self.assertNotIsInstance(decoded, datetime)

    def test_etree_round_trip(self):
        element = etree.fromstring('<root a="1"><child>text</child></root>')
        text = self._encode([element])
        self.assertEqual(json.loads(text)[0]["_type"], "etree_element")
        decoded = self._decode(text)[0]
        self.assertEqual(etree.tostring(decoded), etree.tostring(element))

    def test_lazy(self):
        text = self._encode([lazy(lambda: 42)])
        self.assertEqual(json.loads(text), [42])

    def test_unknown_type_kept_as_dict(self):
        text = json.dumps({"_type": "something_else", "value": 1})
        self.assertEqual(self._decode(text), {"_type": "something_else", "value": 1})

    def test_unserializable(self):
        with self.assertRaises(TypeError):
            self._encode([{1, 2}])

    def test_dumps_same_text_as_json_dumps(self):
        # dumps() reuses one C encoder: same text as the encoder class
        values = [
            "text é",
            (1, 2.5, None, True, float("inf")),
            {"a": [1, {"b": "c"}], "when": datetime(2021, 5, 4, 3, 2, 1)},
            [self.partner, date(2021, 5, 4), etree.fromstring("<a>b</a>")],
            {1: "int key", "nested": {"deep": [[[]]]}},
            [lazy(lambda: "late")],
        ]
        for value in values:
            self.assertEqual(dumps(value), self._encode(value))

    def test_dumps_circular(self):
        value = [1]
        value.append(value)
        with self.assertRaisesRegex(ValueError, "Circular reference detected"):
            dumps(value)
        with self.assertRaises(TypeError):
            dumps([{1, 2}])
        # nothing left behind: the shared encoder still works
        self.assertEqual(dumps([1, {"a": 2}]), '[1, {"a": 2}]')

    def test_field_unsupported_base_type(self):
        field = JobSerialized(base_type=set)
        with self.assertRaisesRegex(ValueError, "is not a supported base type"):
            field._setup_attrs(type(self.env["queue.job"]), "dummy")

    def test_field_empty_values(self):
        job_model = self.env["queue.job"]
        fields_ = job_model._fields
        self.assertEqual(fields_["kwargs"].convert_to_record(None, job_model), {})
        self.assertEqual(fields_["args"].convert_to_record(None, job_model), [])
        empty = fields_["records"].convert_to_record(None, job_model)
        self.assertIsInstance(empty, models.BaseModel)
        self.assertEqual(empty._name, "base")
        self.assertFalse(empty)
        with self.assertRaisesRegex(ValueError, "expects a dict"):
            fields_["kwargs"].convert_to_cache(42, job_model)
