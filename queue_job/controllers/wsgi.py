# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Serve the runner's signed runjob requests ahead of Odoo's HTTP stack.

Owns the WSGI hook and the connections kept for those requests; what a
request runs is execution's.

A request signed by the runner needs none of what Odoo does for a browser
(session file, database listing, routing, authentication): it carries its
database and is checked by its signature. Answering it here saves several
milliseconds per dispatch. Unsigned requests, or signed ones we cannot check,
go on to the ``/queue_job/runjob`` route as usual.
"""
import logging
import threading

import psycopg2
from werkzeug.urls import url_decode

import odoo
from odoo import sql_db
from odoo.service import wsgi_server

from .. import execution
from ..execution.liveness import close_quietly, quiet
from ..jobrunner.dispatch import check_signature
from .main import dispatch_secret

_logger = logging.getLogger(__name__)

ROUTE = "/queue_job/runjob"


class KeptConnections:
    """Connections to each database kept by this process for signed requests.

    Odoo's pool cleans a connection (DISCARD ALL, one round trip) when it
    lends it; the runner's requests wait for that. This pool cleans it when
    it is given back, which ``serve_signed`` does once the answer is sent,
    so that the next request finds it ready. Given the interface of Odoo's
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
        return cnx

    def give_back(self, connection, keep_in_pool=True):
        if keep_in_pool and not connection.closed:
            try:
                connection.reset()
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


def serve_signed(environ, start_response):
    """Run a signed slot; None when the request is not ours to serve."""
    params = url_decode(environ.get("QUERY_STRING", ""))
    db, token, job_uuid = params.get("db"), params.get("token"), params.get("job_uuid")
    if not (db and token and job_uuid):
        return None
    registry = odoo.registry(db)
    threading.current_thread().dbname = db
    cr = sql_db.Cursor(KEPT, db, sql_db.connection_info_for(db)[1])
    try:
        signed = dict(params.items())
        if not check_signature(dispatch_secret(cr, db), signed, token):
            if not check_signature(
                dispatch_secret(cr, db, refresh=True), signed, token
            ):
                cr.close()
                return None
        try:
            budget = max(float(params.get("budget") or 0), 0.0) / 1000.0
        except ValueError:
            budget = 0.0
        try:
            execution.run_request(
                cr,
                db,
                job_uuid,
                signed=True,
                channel=params.get("channel") or None,
                budget=budget,
                sequential=params.get("sequential") == "1",
                # the registry's signaling is checked with the claim
                registry=registry,
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
    if environ.get("PATH_INFO") == ROUTE and "token=" in environ.get(
        "QUERY_STRING", ""
    ):
        response = serve_signed(environ, start_response)
        if response is not None:
            return response
    return _application_unproxied(environ, start_response)


wsgi_server.application_unproxied = application_unproxied
