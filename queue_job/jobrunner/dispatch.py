# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""How the runner asks an Odoo worker to run jobs: signed HTTP requests.

Owns the signature of a request and the threads that send requests and read
their answers (the routes that receive them are controllers/main.py's and
controllers/wsgi.py's).

The runner and the workers share ``queue_job.dispatch_secret`` (stored in the
database). A request signed with it may start a *pending* job and go on with
the next jobs of the same channel while its budget lasts (a "slot"); an
unsigned request can only start an ``enqueued`` job, as in the reference.

A signed request is a POST whose form carries every field below and
``token``, the HMAC-SHA256 of the others: nothing of it ends up in a URL or
an access log. ``nonce`` names its ticket (tickets.py: the request starts
nothing once the ticket is consumed, replaced or expired), ``exp`` is when it
expires (epoch seconds, checked before anything else) and ``kid`` names the
secret that signed it (``key_id``), so that a rotated secret and the one
before it can both be accepted for a while.
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

SIGNED_FIELDS = (
    "db",
    "job_uuid",
    "channel",
    "budget",
    "sequential",
    "nonce",
    "exp",
    "kid",
)
ROUTE = "/queue_job/runjob"


def key_id(secret):
    """The public name of a secret: the start of its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


# Rotation (queue.job's rotate_dispatch_secret): the new secret replaces
# ``queue_job.dispatch_secret``, the one before is kept in
# ``queue_job.dispatch_secret_previous`` with the time of the rotation.
SECRET_PARAMS = (
    "queue_job.dispatch_secret",
    "queue_job.dispatch_secret_previous",
    "queue_job.dispatch_secret_rotated_at",
)
# seconds: how often a worker reads the secrets again; after a rotation,
# when the runner signs with the new secret (every worker has read it by
# then); how long the secret before it is still accepted
SECRETS_REFRESH = 10
SIGN_NEW_AFTER = 2 * SECRETS_REFRESH + 5
PREVIOUS_ACCEPTED = 60


def rotation(values):
    """(current, previous, rotated_at epoch) from the values of
    SECRET_PARAMS (a dict; missing or bad ones count as none)."""
    try:
        rotated_at = float(values.get(SECRET_PARAMS[2]) or 0)
    except ValueError:
        rotated_at = 0.0
    return (
        values.get(SECRET_PARAMS[0]) or None,
        values.get(SECRET_PARAMS[1]) or None,
        rotated_at,
    )


def signing_secret(values, now):
    """The secret the runner signs with at ``now`` (epoch seconds)."""
    current, previous, rotated_at = rotation(values)
    if previous and now < rotated_at + SIGN_NEW_AFTER:
        return previous
    return current


def accepted_secrets(values, now):
    """{key id: secret} a worker accepts at ``now`` (epoch seconds)."""
    current, previous, rotated_at = rotation(values)
    accepted = {key_id(current): current} if current else {}
    if previous and now < rotated_at + PREVIOUS_ACCEPTED:
        accepted[key_id(previous)] = previous
    return accepted


def sign(secret, params):
    """Signature of the signed fields of a runjob request."""
    message = "\n".join(str(params.get(key, "")) for key in SIGNED_FIELDS)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def check_signature(secret, params, token):
    """Whether ``token`` signs ``params`` with ``secret``; False for any
    token that is not hexadecimal ASCII."""
    if not (secret and token and isinstance(token, str)):
        return False
    try:
        token = token.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(secret, params).encode(), token)


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
        """Where a request goes (its fields go in the body when signed)."""
        query = "" if "token" in params else "?" + urlencode(params)
        return "%s://%s:%s%s%s" % (self.scheme, self.host, self.port, ROUTE, query)

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
        try:
            if "token" in params:
                conn.request(
                    "POST",
                    ROUTE,
                    body=urlencode(params),
                    headers=dict(
                        self._headers,
                        **{"Content-Type": "application/x-www-form-urlencoded"},
                    ),
                )
            else:
                conn.request(
                    "GET", ROUTE + "?" + urlencode(params), headers=self._headers
                )
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
