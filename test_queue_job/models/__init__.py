# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from . import (
    e2e,
    queue_job,
    res_partner,
    test_queue_channel,
    test_queue_job,
    test_related_action,
)
