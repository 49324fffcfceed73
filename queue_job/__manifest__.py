# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
{
    "name": "Job Queue",
    "summary": "Run methods later, in the background: record.with_delay().method()",
    "version": "15.0.3.1.0",
    "category": "Generic Modules",
    "license": "LGPL-3",
    "author": "queue_job developers",
    # a reimplementation, drop-in for the OCA addon of the same name
    "development_status": "Beta",
    "depends": ["mail", "base_sparse_field"],
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/queue_data.xml",
        "data/queue_job_function_data.xml",
        "views/queue_job_views.xml",
        "views/queue_job_channel_views.xml",
        "views/queue_job_function_views.xml",
        # the two other wizard forms extend the requeue one
        "wizards/queue_requeue_job_views.xml",
        "wizards/queue_jobs_to_done_views.xml",
        "wizards/queue_jobs_to_cancelled_views.xml",
        # last: the menus open the actions above
        "views/queue_job_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "queue_job/static/src/scss/queue_job_fields.scss",
            "queue_job/static/src/scss/queue_job_views.scss",
            "queue_job/static/src/js/queue_job_fields.js",
            "queue_job/static/src/js/queue_job_list.js",
            "queue_job/static/src/js/queue_job_overview.js",
        ],
        "web.assets_qweb": [
            "queue_job/static/src/xml/queue_job_overview.xml",
        ],
        "web.assets_tests": [
            "queue_job/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
}
