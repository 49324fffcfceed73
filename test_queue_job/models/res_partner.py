# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A third-party addon, written only against the reference's public API.

Nothing here knows this implementation: the same code runs on the reference
queue_job 15.0 (see tests/test_compat_addon.py).
"""
from odoo import models

from odoo.addons.queue_job.delay import chain, group
from odoo.addons.queue_job.exception import RetryableJobError


class ResPartner(models.Model):
    _inherit = "res.partner"

    def compat_enqueue_stamp(self, word):
        return self.with_delay(priority=30, description="Stamp partners").compat_stamp(
            word
        )

    def compat_stamp(self, word):
        for partner in self:
            partner.ref = "%s%s" % (partner.ref or "", word)
        return word

    def compat_enqueue_pipeline(self):
        pipeline = chain(
            self.delayable().compat_stamp("1"),
            group(
                self.delayable().compat_stamp("2"),
                self.delayable().compat_stamp("3"),
            ),
            self.delayable().compat_stamp("4"),
        )
        pipeline.delay()
        return pipeline

    def compat_not_ready(self):
        raise RetryableJobError("The remote service is not ready")
