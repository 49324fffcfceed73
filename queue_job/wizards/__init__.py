# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
# isort: skip_file
# the requeue wizard first: the two others inherit from it
from . import queue_requeue_job
from . import queue_jobs_to_cancelled
from . import queue_jobs_to_done
