# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""How the runner asks an Odoo worker to run jobs: signed HTTP requests.

Owns the signature of a request and the threads that send requests and read
their answers (the routes that receive them are controllers/main.py's and
controllers/wsgi.py's).

The runner and the workers share ``queue_job.dispatch_secret`` (stored in the
database). A request signed with it may start a *pending* job and go on with
the next jobs of the same channel while its budget lasts (a "slot"); an
unsigned request can only start an ``enqueued`` job, as in the reference.
"""
import base64
import hashlib
import hmac
import http.client
import logging
import queue
import threading
from urllib.parse import urlencode

_logger = logging.getLogger(__name__)

SLOT_PARAMS = ("db", "job_uuid", "channel", "budget", "sequential")


def sign(secret, params):
    """Signature of the slot parameters of a runjob request."""
    message = "\n".join(str(params.get(key, "")) for key in SLOT_PARAMS)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def check_signature(secret, params, token):
    return bool(secret and token) and hmac.compare_digest(sign(secret, params), token)


class Dispatcher:
    """A fixed pool of threads sending runjob requests.

    The runner does not wait for jobs: it only needs the request delivered.
    Each thread opens a connection per request (Odoo's prefork workers close
    it after one request), sends it and reads the status line within a short
    timeout, so that a wrong host, port or route is logged.
    """

    def __init__(
        self,
        scheme,
        host,
        port,
        user=None,
        password=None,
        threads=8,
        read_timeout=1.0,
        on_error=None,
        on_delivered=None,
    ):
        self.scheme = scheme
        self.host = host
        self.port = port
        self.read_timeout = read_timeout
        self.on_error = on_error
        self.on_delivered = on_delivered
        self._headers = {"Connection": "close"}
        if user:
            credentials = base64.b64encode(
                ("%s:%s" % (user, password or "")).encode()
            ).decode()
            self._headers["Authorization"] = "Basic " + credentials
        self._queue = queue.SimpleQueue()
        self._threads = [
            threading.Thread(
                target=self._work, name="queue_job.dispatch.%d" % i, daemon=True
            )
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def url(self, params):
        return "%s://%s:%s/queue_job/runjob?%s" % (
            self.scheme,
            self.host,
            self.port,
            urlencode(params),
        )

    def submit(self, params, context=None):
        """Send a runjob request with ``params``; ``context`` comes back to
        ``on_error`` when it cannot be delivered.

        Over plain HTTP the request is sent at once from the caller's thread
        (a loopback connect and send take microseconds), and a pool thread
        reads the answer; HTTPS requests are wholly left to the pool.
        """
        conn = None
        if self.scheme == "http":
            conn = self._connection()
            if not self._request(conn, params, context):
                return
        self._queue.put((params, context, conn))

    def close(self):
        for _thread in self._threads:
            self._queue.put(None)

    def _connection(self):
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.read_timeout
            )
        return http.client.HTTPConnection(
            self.host, self.port, timeout=self.read_timeout
        )

    def _work(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            params, context, conn = item
            if conn is None:
                conn = self._connection()
                if not self._request(conn, params, context):
                    continue
            self._answer(conn, params, context)

    def _request(self, conn, params, context):
        path = "/queue_job/runjob?" + urlencode(params)
        try:
            conn.request("GET", path, headers=self._headers)
            return True
        except OSError as exc:
            conn.close()
            _logger.warning(
                "could not reach Odoo at %s://%s:%s to run job %s on db %s: %s",
                self.scheme,
                self.host,
                self.port,
                params.get("job_uuid"),
                params.get("db"),
                exc,
            )
            if self.on_error:
                self.on_error(params, context, str(exc))
            return False

    def _answer(self, conn, params, context):
        delivered = True
        try:
            response = conn.getresponse()
            if response.status >= 400 and response.status != 500:
                # 500 is a job that failed: the worker recorded it
                _logger.warning(
                    "runjob for job %s on db %s answered HTTP %s",
                    params.get("job_uuid"),
                    params.get("db"),
                    response.status,
                )
                delivered = False
                if self.on_error:
                    self.on_error(params, context, "HTTP %s" % response.status)
            response.read()
        except OSError as exc:
            # no status line within the read timeout: the slot is running,
            # and the runner does not wait for jobs
            _logger.debug(
                "runjob for job %s on db %s: no answer yet (%s)",
                params.get("job_uuid"),
                params.get("db"),
                exc,
            )
        finally:
            conn.close()
        if delivered and self.on_delivered:
            self.on_delivered(params, context)
