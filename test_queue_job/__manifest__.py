# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
{
    "name": "Queue Job Tests",
    "version": "15.0.3.0.0",
    "author": "Camptocamp,Odoo Community Association (OCA)",
    "license": "LGPL-3",
    "category": "Generic Modules",
    "depends": ["queue_job"],
    "website": "https://github.com/OCA/queue",
    "data": [
        "data/queue_job_test_job.xml",
        "data/compat_job_functions.xml",
        "security/ir.model.access.csv",
    ],
    "installable": True,
}
