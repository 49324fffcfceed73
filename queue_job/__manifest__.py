# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
{
    "name": "Job Queue",
    "version": "15.0.3.0.0",
    "author": "Camptocamp,ACSONE SA/NV,Odoo Community Association (OCA)",
    "website": "https://github.com/OCA/queue",
    "license": "LGPL-3",
    "category": "Generic Modules",
    "depends": ["mail", "base_sparse_field"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/queue_data.xml",
        "data/queue_job_function_data.xml",
    ],
    "post_init_hook": "post_init_hook",
    "installable": True,
    "development_status": "Mature",
    "maintainers": ["guewen"],
}
