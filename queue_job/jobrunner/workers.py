# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Job workers: prefork processes that run jobs only.

Owns the job workers' socket, the processes accepting on it and their place
in Odoo's prefork server (the master binds the socket, spawns
``job_workers`` of them beside the HTTP and cron workers, respawns the dead
ones). The runner sends its signed runjob requests to that socket
(``RunnerSettings.dispatch_port``); what a request runs stays
controllers/wsgi.py's and execution's. HTTP workers then serve users only.

A job worker is an HTTP worker with another socket, another application
(the signed runjob route and the health check; anything else is 404) and
no watchdog: a job is not bound by ``limit_time_real``. It is recycled as
HTTP workers are, after ``limit_request`` requests or past
``limit_memory_soft``.

Graceful stop: on SIGINT (the master's stop, a reload) or SIGTERM (a service
manager stopping the whole group), a job worker accepts no new request and
its slot claims no new job; running jobs get ``shutdown_grace`` seconds, then
are interrupted (time_limit.StopWatch.interrupt_all) and go back to
``pending`` without counting a try (execution/outcomes.py). The master waits
for them at least that long.
"""
import errno
import fcntl
import logging
import resource
import select
import signal
import socket
import threading

from odoo.service import server, wsgi_server
from odoo.tools import config as odoo_config

from .. import settings
from ..time_limit import STOPPING

_logger = logging.getLogger(__name__)

HEALTH_ROUTE = "/queue_job/health"


def _plain(start_response, status):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", "0")])
    return [b""]


def job_application(environ, start_response):
    """The job workers' WSGI application: signed runjob requests and the
    health check; no session, no routing, no page."""
    from ..controllers import wsgi

    path = environ.get("PATH_INFO")
    if path == wsgi.ROUTE:
        answer = wsgi.serve_signed(environ, start_response)
        if answer is not None:
            return answer
        # unsigned requests are the HTTP workers' (reference behaviour)
        return _plain(start_response, "403 Forbidden")
    if path == HEALTH_ROUTE:
        return wsgi_server.application(environ, start_response)
    return _plain(start_response, "404 Not Found")


class JobWorker(server.WorkerHTTP):
    """A prefork process accepting the runner's requests on the job socket."""

    def __init__(self, multi):
        super().__init__(multi)
        # jobs run as long as their own time limit says, not limit_time_real
        self.watchdog_timeout = None
        self.grace = multi.job_workers_grace
        self._grace_timer = None

    def start(self):
        server.Worker.start(self)
        signal.signal(signal.SIGTERM, self.signal_handler)
        sock = self.multi.job_socket
        flags = fcntl.fcntl(sock, fcntl.F_GETFD) | fcntl.FD_CLOEXEC
        fcntl.fcntl(sock, fcntl.F_SETFD, flags)
        sock.setblocking(0)
        self.server = server.BaseWSGIServerNoBind(job_application)

    def sleep(self):
        try:
            select.select(
                [self.multi.job_socket, self.wakeup_fd_r], [], [], self.multi.beat
            )
            server.empty_pipe(self.wakeup_fd_r)
        except select.error as e:
            if e.args[0] not in [errno.EINTR]:
                raise

    def process_work(self):
        try:
            client, addr = self.multi.job_socket.accept()
        except socket.error as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED):
                raise
            return
        self.process_request(client, addr)

    def signal_handler(self, sig, frame):
        result = super().signal_handler(sig, frame)
        STOPPING.set()
        if self._grace_timer is None:
            _logger.info(
                "JobWorker (%s) stopping: running jobs have %s s", self.pid, self.grace
            )
            self._grace_timer = threading.Timer(self.grace, self._interrupt_jobs)
            self._grace_timer.daemon = True
            self._grace_timer.start()
        return result

    def _interrupt_jobs(self):
        from ..job import STOP_WATCH

        _logger.info("JobWorker (%s): grace period over, jobs requeued", self.pid)
        STOP_WATCH.interrupt_all()

    def check_limits(self):
        result = super().check_limits()
        # limit_time_cpu is per HTTP request: a job has its own time limit
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        return result

    def signal_time_expired_handler(self, n, stack):
        _logger.info("JobWorker (%s): CPU time limit ignored", self.pid)


def _job_workers():
    """How many job workers the prefork server runs (0: none, jobs go
    through the HTTP workers)."""
    if odoo_config["stop_after_init"] or not odoo_config["http_enable"]:
        return 0
    return settings.read().job_workers


_orig_start = server.PreforkServer.start
_orig_stop = server.PreforkServer.stop
_orig_process_spawn = server.PreforkServer.process_spawn
_orig_worker_pop = server.PreforkServer.worker_pop


def prefork_start(self):
    self.job_socket = None
    self.job_workers = {}
    self.job_workers_wanted = _job_workers()
    self.job_workers_grace = settings.read().shutdown_grace
    _orig_start(self)
    if not self.job_workers_wanted:
        return
    port = settings.read().job_workers_port
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setblocking(0)
    sock.bind((self.interface, port))
    sock.listen(8 * self.job_workers_wanted)
    self.job_socket = sock
    _logger.info(
        "queue_job: %d job workers on %s:%s",
        self.job_workers_wanted,
        self.interface or "0.0.0.0",
        port,
    )


def prefork_process_spawn(self):
    _orig_process_spawn(self)
    if getattr(self, "job_socket", None) is None:
        return
    while len(self.job_workers) < self.job_workers_wanted:
        self.worker_spawn(JobWorker, self.job_workers)


def prefork_worker_pop(self, pid):
    getattr(self, "job_workers", {}).pop(pid, None)
    return _orig_worker_pop(self, pid)


# the master waits this much longer than the grace period for its job workers
# to requeue their jobs and exit
STOP_MARGIN = 10


def prefork_stop(self, graceful=True):
    if getattr(self, "job_workers", None):
        self.timeout = max(self.timeout, self.job_workers_grace + STOP_MARGIN)
    result = _orig_stop(self, graceful)
    if getattr(self, "job_socket", None) is not None:
        self.job_socket.close()
        self.job_socket = None
    return result


server.PreforkServer.start = prefork_start
server.PreforkServer.stop = prefork_stop
server.PreforkServer.process_spawn = prefork_process_spawn
server.PreforkServer.worker_pop = prefork_worker_pop
