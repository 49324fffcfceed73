# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Start the job runner with the Odoo server.

Importing this package (which happens when queue_job is a server-wide module,
``--load=web,queue_job``) hooks the runner into Odoo's servers: a thread in the
threaded server, a dedicated worker process in the prefork server. Nothing is
started with ``--stop-after-init`` or when the channels give root no capacity
(``root:0``).
"""
import logging
import resource
import signal
import threading
import time

from odoo.service import server
from odoo.tools import config as odoo_config

from .. import settings
from .config import is_runner_enabled
from .runner import QueueJobRunner

_logger = logging.getLogger(__name__)

# let the HTTP workers come up first; the runner retries anyway
START_DELAY = 0.5


def _is_runner_enabled():
    if odoo_config["stop_after_init"]:
        return False
    return is_runner_enabled(settings.read().channels)


def _serve(runner):
    """The runner's life in its thread or process, once Odoo is up."""
    time.sleep(START_DELAY)
    runner.run()


class QueueJobRunnerThread(threading.Thread):
    """The threaded server's runner: a daemon thread; ``stop()`` ends it."""

    def __init__(self):
        self.runner = QueueJobRunner.from_environ_or_config()
        super().__init__(
            target=_serve, args=(self.runner,), name="queue_job.jobrunner", daemon=True
        )

    def stop(self):
        self.runner.stop()


class WorkerJobRunner(server.Worker):
    """The prefork server's process that runs the job runner: it answers no
    request, so it has no watchdog, and it never sleeps between requests."""

    def __init__(self, multi):
        super().__init__(multi)
        self.watchdog_timeout = None
        self.runner = QueueJobRunner.from_environ_or_config()
        self._recreate = False

    def sleep(self):
        pass

    def start(self):
        result = super().start()
        # a service manager stops every process of the service with SIGTERM:
        # stop as on SIGINT, letting the lead go for another runner at once
        signal.signal(signal.SIGTERM, self.signal_handler)
        return result

    def check_limits(self):
        result = super().check_limits()
        # the runner is one long unit of work: no CPU time limit for it
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        return result

    def signal_handler(self, sig, frame):
        _logger.debug("WorkerJobRunner (%s) received signal %s", self.pid, sig)
        result = super().signal_handler(sig, frame)
        self.runner.stop()
        return result

    def process_work(self):
        if self._recreate:
            self.runner = QueueJobRunner.from_environ_or_config()
            self._recreate = False
        _logger.debug("WorkerJobRunner (%s) starting up", self.pid)
        _serve(self.runner)

    def signal_time_expired_handler(self, n, stack):
        _logger.info(
            "WorkerJobRunner (%d) CPU time limit (%s) reached: restarting the runner",
            self.pid,
            odoo_config["limit_time_cpu"],
        )
        self._recreate = True
        self.runner.stop()


_orig_prefork_init = server.PreforkServer.__init__
_orig_process_spawn = server.PreforkServer.process_spawn
_orig_worker_pop = server.PreforkServer.worker_pop
_orig_threaded_start = server.ThreadedServer.start
_orig_threaded_stop = server.ThreadedServer.stop


def prefork__init__(self, app):
    _orig_prefork_init(self, app)
    self.jobrunner = {}


def prefork_process_spawn(self):
    _orig_process_spawn(self)
    if not self.jobrunner and _is_runner_enabled():
        self.worker_spawn(WorkerJobRunner, self.jobrunner)


def prefork_worker_pop(self, pid):
    self.jobrunner.pop(pid, None)
    return _orig_worker_pop(self, pid)


def threaded_start(self, *args, **kwargs):
    result = _orig_threaded_start(self, *args, **kwargs)
    if _is_runner_enabled():
        self.jobrunner = QueueJobRunnerThread()
        self.jobrunner.start()
    return result


def threaded_stop(self):
    runner = getattr(self, "jobrunner", None)
    if runner is not None:
        runner.stop()
    result = _orig_threaded_stop(self)
    if runner is not None:
        runner.join(10)
        self.jobrunner = None
    return result


server.PreforkServer.__init__ = prefork__init__
server.PreforkServer.process_spawn = prefork_process_spawn
server.PreforkServer.worker_pop = prefork_worker_pop
server.ThreadedServer.start = threaded_start
server.ThreadedServer.stop = threaded_stop

# the job workers patch the prefork server too (after the runner's patch)
from . import workers  # noqa: E402,F401  isort:skip
