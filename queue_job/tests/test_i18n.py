# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import io
import os

from odoo.tests import common, tagged
from odoo.tools.translate import trans_export

POT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n", "queue_job.pot")


def _entries(text):
    """The part of a .pot after its header: the header carries dates."""
    return text.split("\n\n", 1)[1]


@tagged("post_install", "-at_install")
class TestTranslationTemplate(common.TransactionCase):
    def test_committed_template_is_what_the_code_exports(self):
        buffer = io.BytesIO()
        trans_export(False, ["queue_job"], buffer, "po", self.env.cr)
        exported = _entries(buffer.getvalue().decode())
        with open(POT, encoding="utf-8") as fh:
            committed = _entries(fh.read())
        if exported != committed:
            missing = sorted(
                line
                for line in set(exported.splitlines()) - set(committed.splitlines())
                if line.startswith("msgid")
            )
            gone = sorted(
                line
                for line in set(committed.splitlines()) - set(exported.splitlines())
                if line.startswith("msgid")
            )
            self.fail(
                "queue_job/i18n/queue_job.pot is out of date: run tools/update_pot.sh"
                "\nnot in the file: %s\nno longer in the code: %s"
                % (missing[:10], gone[:10])
            )
