# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Monitoring routes: Prometheus metrics and a health check.

Owns who may read them; what they read is metrics.py's.
``/queue_job/metrics`` needs the token configured as ``metrics_token`` in the
``[queue_job]`` section (server_environment's when it has one) or
ODOO_QUEUE_JOB_METRICS_TOKEN, given as a Bearer token or ``?token=``, or the
session of a Job Queue Manager.
``/queue_job/health`` answers 200 when every database has a runner that
dispatches, 503 otherwise (details with the token); what it read is kept
HEALTH_CACHE seconds per process and answered again from there, ahead of
Odoo's HTTP stack (``cached_health``, hooked by wsgi.py), so that a probe
calling it often costs no database work but one read per interval.
"""
import hmac
import logging
import threading
import time
from contextlib import closing

from werkzeug.urls import url_decode
from werkzeug.wrappers import Response

import odoo
from odoo import http

from .. import metrics, settings

_logger = logging.getLogger(__name__)

# seconds a health reading is answered again without reading the databases
HEALTH_CACHE = 2.0
_health_lock = threading.Lock()
_health_read = {}  # the db asked (or None) -> (monotonic time, problems)


def _token():
    return settings.read().extra.get("metrics_token")


def _token_given():
    request = http.request.httprequest
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.args.get("token")


def _databases():
    wanted = http.request.httprequest.args.get("db")
    names = http.db_list(force=True, httprequest=http.request.httprequest)
    if wanted:
        names = [name for name in names if name == wanted]
    return names


def _manager_session():
    session = http.request.session
    if not (session.uid and session.db):
        return False
    registry = odoo.registry(session.db)
    with closing(registry.cursor()) as cr:
        env = odoo.api.Environment(cr, session.uid, {})
        return env.user.has_group("queue_job.group_queue_job_manager")


def _authorized():
    token = _token()
    given = _token_given()
    if token and given and hmac.compare_digest(token, given):
        return True
    return _manager_session()


def _answer_health(problems, token_given):
    """(status, body) of a health check."""
    if not problems:
        return 200, "ok\n"
    body = "unhealthy\n"
    token = _token()
    if token and token_given and hmac.compare_digest(token, token_given):
        body += "".join("%s\n" % problem for problem in problems)
    return 503, body


def cached_health(environ, start_response):
    """The answer of a health check without token from this process's last
    reading if it is fresh, else None (the route reads again)."""
    if environ.get("HTTP_AUTHORIZATION") or "token=" in environ.get("QUERY_STRING", ""):
        return None
    wanted = url_decode(environ.get("QUERY_STRING", "")).get("db")
    with _health_lock:
        read = _health_read.get(wanted)
    if not read or time.monotonic() - read[0] >= HEALTH_CACHE:
        return None
    status, body = _answer_health(read[1], None)
    response = Response(body, status=status, mimetype="text/plain")
    return response(environ, start_response)


def _health_problems():
    """The problems of the databases asked, read at most once per
    HEALTH_CACHE seconds by this process."""
    wanted = http.request.httprequest.args.get("db")
    with _health_lock:
        read = _health_read.get(wanted)
        if read and time.monotonic() - read[0] < HEALTH_CACHE:
            return read[1]
    problems = []
    for name in _databases():
        with closing(odoo.sql_db.db_connect(name).cursor()) as cr:
            if metrics.installed(cr):
                problems += ["%s: %s" % (name, p) for p in metrics.health(cr)]
    with _health_lock:
        if len(_health_read) > 100:  # any ?db= may be asked
            _health_read.clear()
        _health_read[wanted] = (time.monotonic(), problems)
    return problems


class QueueJobMonitoring(http.Controller):
    @http.route("/queue_job/metrics", type="http", auth="none", save_session=False)
    def metrics(self, **_kw):
        if not _authorized():
            return http.Response("forbidden\n", status=403, mimetype="text/plain")
        samples = []
        for name in _databases():
            with closing(odoo.sql_db.db_connect(name).cursor()) as cr:
                if metrics.installed(cr):
                    samples += metrics.collect(cr, name)
        return http.Response(
            metrics.render(samples),
            mimetype="text/plain",
            headers=[("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
        )

    @http.route("/queue_job/health", type="http", auth="none", save_session=False)
    def health(self, **_kw):
        status, body = _answer_health(_health_problems(), _token_given())
        return http.Response(body, status=status, mimetype="text/plain")
