# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Stopping a running job: past its time limit, or when a user stopped it.

Owns the timer armed around a job's method (``Job.perform``, so every path
that runs jobs has it: the runner's slots, the reference route, job
workers). When it fires it cancels the query the job's cursor is running
(a PostgreSQL cancel request, from the timer's thread) and raises
JobTimeoutError in the job's thread (``PyThreadState_SetAsyncExc``: Python
raises it at the job's next bytecode, so a job blocked in C, e.g. one long
``time.sleep``, stops when that call returns). Pure Python.

A user's Stop sets the job ``cancelled`` in the database; the process's
StopWatch thread asks, every second, which of its jobs running for a second
or more were so stopped (its ``stopped`` function, given by the caller) and
stops them the same way, with JobStoppedError. Other jobs of the process go
on.
"""
import ctypes
import logging
import threading
import time

from .exception import JobInterruptedError, JobStoppedError, JobTimeoutError

_logger = logging.getLogger(__name__)

# set when the process stops: slots claim no new job
STOPPING = threading.Event()


def _set_async_exc(thread_id, exc_type):
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type else None
    )


class TimeLimit:
    """``with TimeLimit(seconds, connection, what):`` stops the block after
    ``seconds`` (0 or None: no limit). ``connection``: the psycopg2
    connection whose running query is cancelled (None: none)."""

    def __init__(
        self, seconds, connection=None, what="job", watch=None, dbname=None, uuid=None
    ):
        self.seconds = seconds or 0
        self.connection = connection
        self.what = what
        # the StopWatch that may stop the block for a user, and the job's key
        self.watch = watch
        self.dbname, self.uuid = dbname, uuid
        self.since = time.monotonic()
        self.fired = None  # the exception class the block was stopped with
        self._over = False
        self._lock = threading.Lock()
        self._timer = None
        self._thread_id = None

    def message(self):
        if self.fired is JobStoppedError:
            return "%s stopped by a user" % self.what
        if self.fired is JobInterruptedError:
            return "%s interrupted: its worker stops" % self.what
        return "%s stopped: it ran over its time limit of %s s" % (
            self.what,
            self.seconds,
        )

    def __enter__(self):
        self._thread_id = threading.get_ident()
        if self.watch is not None:
            self.watch.add(self)
        if self.seconds > 0:
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _fire(self, exc_type=JobTimeoutError):
        with self._lock:
            if self._over:
                return
            self.fired = exc_type
            _logger.warning(self.message())
            if self.connection is not None:
                try:
                    self.connection.cancel()
                except Exception:  # a closed connection has nothing to cancel
                    _logger.debug("cancelling the query failed", exc_info=True)
            _set_async_exc(self._thread_id, exc_type)

    def __exit__(self, exc_type, exc, tb):
        if self.watch is not None:
            self.watch.remove(self)
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._over = True
            if self.fired:
                # not raised yet (the block ended meanwhile): not later either
                _set_async_exc(self._thread_id, None)
        if self.fired:
            # whatever the block raised (the cancelled query's error, ours)
            raise self.fired(self.message()) from exc
        return False


class StopWatch:
    """One thread per process finding the running blocks (TimeLimit) whose
    job a user stopped: ``stopped(dbname, uuids)`` returns those uuids."""

    def __init__(self, stopped, poll=1.0):
        self.stopped = stopped
        self.poll = poll
        self._lock = threading.Lock()
        self._running = {}
        self._thread = None

    def interrupt_all(self):
        """Stop every running block with JobInterruptedError (the process
        stops: its jobs go back to the queue)."""
        with self._lock:
            limits = list(self._running.values())
        for limit in limits:
            limit._fire(JobInterruptedError)

    def add(self, limit):
        with self._lock:
            self._running[id(limit)] = limit
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="queue_job.stop_watch", daemon=True
                )
                self._thread.start()

    def remove(self, limit):
        with self._lock:
            self._running.pop(id(limit), None)

    def _loop(self):
        while True:
            time.sleep(self.poll)
            try:
                self.check()
            except Exception:
                _logger.exception("checking for stopped jobs failed")

    def check(self):
        """Stop the blocks, running for ``poll`` seconds or more, whose job
        was stopped."""
        now = time.monotonic()
        with self._lock:
            limits = [
                limit
                for limit in self._running.values()
                if limit.dbname and limit.uuid and now - limit.since >= self.poll
            ]
        by_db = {}
        for limit in limits:
            by_db.setdefault(limit.dbname, []).append(limit)
        for dbname, group in by_db.items():
            stopped = self.stopped(dbname, [limit.uuid for limit in group])
            for limit in group:
                if limit.uuid in stopped:
                    limit._fire(JobStoppedError)
