# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""test.queue.channel: jobs whose channel comes from their job function."""
from odoo import models


class ChannelSubject(models.Model):
    _name = "test.queue.channel"
    _description = "Test model for queue.job.channel"

    def job_a(self):
        """Its job function (data/) is in the root channel."""
        return None

    def job_b(self):
        """Has no job function: root by default."""
        return None

    def job_sub_channel(self):
        """Its job function (data/) is in root.sub.subsub."""
        return None
