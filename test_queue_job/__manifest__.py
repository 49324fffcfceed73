# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
{
    "name": "Queue Job Tests",
    "summary": "Models, job functions and tests of queue_job (tests only)",
    "version": "15.0.3.0.0",
    "depends": ["queue_job"],
    "data": [
        "data/queue_job_test_job.xml",
        "data/compat_job_functions.xml",
        "security/ir.model.access.csv",
    ],
    "category": "Generic Modules",
    "license": "LGPL-3",
    "author": "Camptocamp,Odoo Community Association (OCA)",
    "website": "https://github.com/OCA/queue",
    "installable": True,
}
