# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Stopping a job that runs past its time limit.

Owns the timer armed around a job's method (``Job.perform``, so every path
that runs jobs has it: the runner's slots, the reference route, job
workers). When it fires it cancels the query the job's cursor is running
(a PostgreSQL cancel request, from the timer's thread) and raises
JobTimeoutError in the job's thread (``PyThreadState_SetAsyncExc``: Python
raises it at the job's next bytecode, so a job blocked in C, e.g. one long
``time.sleep``, stops when that call returns). Pure Python.
"""
import ctypes
import logging
import threading

from .exception import JobTimeoutError

_logger = logging.getLogger(__name__)


def _set_async_exc(thread_id, exc_type):
    return ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type else None
    )


class TimeLimit:
    """``with TimeLimit(seconds, connection, what):`` stops the block after
    ``seconds`` (0 or None: no limit). ``connection``: the psycopg2
    connection whose running query is cancelled (None: none)."""

    def __init__(self, seconds, connection=None, what="job"):
        self.seconds = seconds or 0
        self.connection = connection
        self.what = what
        self.fired = False
        self._over = False
        self._lock = threading.Lock()
        self._timer = None
        self._thread_id = None

    def message(self):
        return "%s stopped: it ran over its time limit of %s s" % (
            self.what,
            self.seconds,
        )

    def __enter__(self):
        if self.seconds > 0:
            self._thread_id = threading.get_ident()
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _fire(self):
        with self._lock:
            if self._over:
                return
            self.fired = True
            _logger.warning(self.message())
            if self.connection is not None:
                try:
                    self.connection.cancel()
                except Exception:  # a closed connection has nothing to cancel
                    _logger.debug("cancelling the query failed", exc_info=True)
            _set_async_exc(self._thread_id, JobTimeoutError)

    def __exit__(self, exc_type, exc, tb):
        if self._timer is None:
            return False
        self._timer.cancel()
        with self._lock:
            self._over = True
            if self.fired:
                # not raised yet (the block ended meanwhile): not later either
                _set_async_exc(self._thread_id, None)
        if self.fired:
            # whatever the block raised (the cancelled query's error, ours)
            raise JobTimeoutError(self.message()) from exc
        return False
