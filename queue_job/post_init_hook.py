# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import logging
import secrets
import time

from odoo import SUPERUSER_ID, api

from . import schema

_logger = logging.getLogger(__name__)

DISPATCH_SECRET_PARAM = "queue_job.dispatch_secret"


def ensure_dispatch_secret(env):
    """Create the secret signing the runner's dispatch requests, once."""
    params = env["ir.config_parameter"].sudo()
    if not params.get_param(DISPATCH_SECRET_PARAM):
        params.set_param(DISPATCH_SECRET_PARAM, secrets.token_urlsafe(48))


def rotate_dispatch_secret(env):
    """Replace the dispatch secret; the one before stays accepted for a
    while and the runner goes on signing with it until every worker has
    read the new one (jobrunner/dispatch.py). No restart needed."""
    params = env["ir.config_parameter"].sudo()
    current = params.get_param(DISPATCH_SECRET_PARAM)
    params.set_param(DISPATCH_SECRET_PARAM + "_previous", current or False)
    params.set_param(DISPATCH_SECRET_PARAM + "_rotated_at", repr(time.time()))
    params.set_param(DISPATCH_SECRET_PARAM, secrets.token_urlsafe(48))
    _logger.info("queue_job: dispatch secret rotated")


def post_init_hook(cr, registry):
    _logger.info("Create queue_job_notify trigger")
    schema.apply(cr)
    ensure_dispatch_secret(api.Environment(cr, SUPERUSER_ID, {}))
