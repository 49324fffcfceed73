# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What the tests add to queue.job: a column for the models' extra store
values, and related actions that job functions of data/ point to."""
from odoo import fields, models


class QueueJob(models.Model):
    _inherit = "queue.job"

    # filled by test.queue.job's _job_store_values hooks
    additional_info = fields.Char()

    def testing_related_method(self, **kwargs):
        """Related action that hands back the job record and its kwargs."""
        return self, kwargs

    def testing_related__none(self, **kwargs):
        """Related action that finds nothing to open."""
        return None

    def testing_related__url(self, **kwargs):
        """Related action opening ``url`` with the job's first argument
        put in its ``{subject}``."""
        url = kwargs.get("url")
        if not url:
            raise ValueError("testing_related__url needs a 'url' keyword argument")
        return {
            "type": "ir.actions.act_url",
            "url": url.format(subject=self.args[0]),
            "target": "new",
        }
