# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The runner's clock: owns the meeting of its two time scales.

Every deadline of the runner (lease, housekeeping, timers, retries) is a
``time.monotonic()`` value, so that a wall clock set back or forward moves
none of them. The database and the channel manager speak wall-clock time
(etas, throttle pauses in epoch seconds, naive UTC datetimes in rows): an
instant of theirs becomes a deadline through :meth:`Now.deadline`, the only
place where the two scales meet. Pure Python.
"""
import time
from datetime import datetime, timedelta

_EPOCH = datetime(1970, 1, 1)


def epoch(value):
    """Epoch seconds of a naive UTC datetime (None stays None)."""
    if value is None:
        return None
    return (value - _EPOCH).total_seconds()


class Now:
    """One reading of both clocks, taken once per pass of the loop."""

    __slots__ = ("mono", "wall", "_utc")

    def __init__(self, mono, wall):
        self.mono = mono  # time.monotonic(): deadlines
        self.wall = wall  # time.time(): etas, throttles, rows
        self._utc = None

    @classmethod
    def read(cls):  # pylint: disable=method-required-super  # not a model
        return cls(time.monotonic(), time.time())

    @property
    def utc(self):
        """The wall time as a naive UTC datetime, as the job rows have it."""
        if self._utc is None:  # compared with every row of a pass
            self._utc = _EPOCH + timedelta(seconds=self.wall)
        return self._utc

    def deadline(self, wall_time):
        """The monotonic deadline of wall-clock instant ``wall_time`` (epoch
        seconds); None or 0 (no instant) gives None."""
        if not wall_time:
            return None
        return self.mono + (wall_time - self.wall)
