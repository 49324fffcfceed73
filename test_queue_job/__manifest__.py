# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
{
    "name": "Queue Job Tests",
    "summary": "Models and job functions used by the tests of queue_job",
    "version": "15.0.3.0.0",
    "category": "Generic Modules",
    "license": "LGPL-3",
    "author": "queue_job developers",
    "development_status": "Beta",
    "depends": ["queue_job"],
    "data": [
        "data/queue_job_test_job.xml",
        "data/compat_job_functions.xml",
        "security/ir.model.access.csv",
    ],
    "installable": True,
}
