# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Serve the runner's signed runjob requests ahead of Odoo's HTTP stack.

Owns the WSGI hook, the checks of a signed request, the secrets this
process knows (secrets.py) and the connections kept for those requests;
what a request runs is execution's.

A request signed by the runner needs none of what Odoo does for a browser
(session file, database listing, routing, authentication): it carries its
database and is checked by its signature. Answering it here saves several
milliseconds per dispatch. Signed requests are POSTs (jobrunner/dispatch.py);
one that fails a check (expired, unknown key, bad or non-ASCII token, a GET
with a token) gets a plain 403 before anything touches a database. Unsigned
GETs go on to the ``/queue_job/runjob`` route as usual.
"""
import logging
import threading
import time
from urllib.parse import parse_qsl

import psycopg2

import odoo
from odoo import sql_db
from odoo.service import wsgi_server

from .. import execution
from ..execution import statements
from ..execution.liveness import close_quietly, quiet
from ..jobrunner.dispatch import ROUTE, SIGNED_FIELDS, check_signature
from .monitoring import cached_health
from .secrets import Secrets

_logger = logging.getLogger(__name__)

HEALTH_ROUTE = "/queue_job/health"
# a signed request's form is a few hundred bytes
MAX_BODY = 4096
# an expiry further away than this was not set by our runner
MAX_TTL = 300


class KeptConnections:
    """Connections to each database kept by this process for signed requests.

    Odoo's pool cleans a connection (DISCARD ALL, one round trip) when it
    lends it; the runner's requests wait for that. This pool cleans it when
    it is given back, which ``serve_signed`` does once the answer is sent,
    so that the next request finds it ready; and keeps the statements
    prepared on it (execution/statements.py). Given the interface of Odoo's
    pool (``borrow``, ``give_back``), for ``odoo.sql_db.Cursor``.
    """

    MAX_IDLE = 8  # per database (threaded server: one per concurrent slot)

    def __init__(self):
        self._lock = threading.Lock()
        self._idle = {}  # dbname -> [connection]

    def borrow(self, connection_info):
        name = connection_info.get("database") or connection_info.get("dbname")
        while True:
            with self._lock:
                idle = self._idle.get(name)
                cnx = idle.pop() if idle else None
            if cnx is None or quiet(cnx):
                break
            close_quietly(cnx)
        if cnx is None:
            cnx = psycopg2.connect(
                connection_factory=sql_db.PsycoConnection, **connection_info
            )
            cnx._original_dsn = connection_info
            cnx._qj_name = name
            statements.keep(cnx)
        return cnx

    def give_back(self, connection, keep_in_pool=True):
        if keep_in_pool and not connection.closed:
            try:
                statements.clean(connection)
            except psycopg2.Error:
                keep_in_pool = False
        if not keep_in_pool:
            close_quietly(connection)
            return
        with self._lock:
            idle = self._idle.setdefault(connection._qj_name, [])
            if len(idle) < self.MAX_IDLE:
                idle.append(connection)
                connection = None
        if connection is not None:
            close_quietly(connection)


KEPT = KeptConnections()
SECRETS = Secrets(KEPT)


class _Answer:
    """An empty response body that closes the cursor once it is sent."""

    def __init__(self, cr):
        self.cr = cr

    def __iter__(self):
        yield b""

    def close(self):
        try:
            self.cr.close()
        except psycopg2.Error:
            _logger.debug("closing the runjob cursor failed", exc_info=True)


def _forbidden(start_response):
    body = b"Forbidden\n"
    start_response(
        "403 Forbidden",
        [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _form(environ):
    """The fields of a signed request's form, or None if it is not one."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    fields = {}
    try:
        # the standard library's parser: a tenth of werkzeug's time, on the
        # path of every job's start
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except ValueError:  # UnicodeDecodeError included
        return None
    for key, value in pairs:
        fields.setdefault(key, value)  # the first of a repeated field
    form = {key: fields.get(key) for key in SIGNED_FIELDS + ("token",)}
    if not all(form.get(key) for key in ("db", "job_uuid", "nonce", "exp", "kid")):
        return None
    if not all((value or "").isascii() for value in form.values()):
        return None
    return form


def checked_form(environ):
    """The form of a signed request that passes every check made without a
    database: fields, expiry, key, signature. None otherwise."""
    form = _form(environ)
    if form is None:
        return None
    try:
        exp = int(form["exp"])
    except ValueError:
        return None
    if not time.time() <= exp <= time.time() + MAX_TTL:
        return None
    secret = SECRETS.secret(form["db"], form["kid"])
    if not check_signature(secret, form, form["token"]):
        return None
    return form


def serve_signed(environ, start_response):
    """Run the slot of a signed request, or refuse it."""
    form = checked_form(environ)
    if form is None:
        return _forbidden(start_response)
    db, job_uuid = form["db"], form["job_uuid"]
    registry = odoo.registry(db)
    threading.current_thread().dbname = db
    cr = sql_db.Cursor(KEPT, db, sql_db.connection_info_for(db)[1])
    try:
        try:
            budget = max(float(form.get("budget") or 0), 0.0) / 1000.0
        except ValueError:
            budget = 0.0
        try:
            execution.run_request(
                cr,
                db,
                job_uuid,
                signed=True,
                channel=form.get("channel") or None,
                budget=budget,
                sequential=form.get("sequential") == "1",
                # the registry's signaling is checked with the claim
                registry=registry,
                nonce=form["nonce"],
            )
        except Exception:
            registry.reset_changes()
            _logger.exception("runjob for job %s on db %s failed", job_uuid, db)
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return _Answer(cr)
    except BaseException:
        cr.close()
        raise
    # jobs may have changed what other workers cache (e.g. job functions)
    odoo.registry(db).signal_changes()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return _Answer(cr)


_application_unproxied = wsgi_server.application_unproxied


def application_unproxied(environ, start_response):
    if environ.get("PATH_INFO") == HEALTH_ROUTE:
        answer = cached_health(environ, start_response)
        if answer is not None:
            return answer
    if environ.get("PATH_INFO") == ROUTE:
        if environ.get("REQUEST_METHOD") == "POST":
            return serve_signed(environ, start_response)
        if "token=" in environ.get("QUERY_STRING", ""):
            # signed requests are POSTs: a token in a URL is refused
            return _forbidden(start_response)
    return _application_unproxied(environ, start_response)


wsgi_server.application_unproxied = application_unproxied
