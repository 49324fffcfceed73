# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""test.related.action: one method per related action configuration (their
job functions are in data/queue_job_test_job.xml)."""
from odoo import models


class RelatedActionSubject(models.Model):
    _name = "test.related.action"
    _description = "Test model for related actions"

    def testing_related_action__no(self):
        """No job function: the default related action."""
        return None

    def testing_related_action__return_none(self):
        """Related action disabled ({"enable": False}): there is none."""
        return None

    def testing_related_action__kwargs(self):
        """testing_related_method, with kwargs {"b": 4}."""
        return None

    def testing_related_action__store(self):
        """testing_related__url, with the url of a wiki page."""
        return None
