# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from . import (
    base,
    ir_model_fields,
    queue_job,
    queue_job_actions,
    queue_job_channel,
    queue_job_enqueue,
    queue_job_function,
    queue_job_housekeeping,
    queue_job_dashboard,
    queue_job_ui,
)
