# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The runner's in-memory view of the jobs of one database.

Owns what the runner believes about the jobs: the running ones, a bounded
window of the best due pending jobs per channel string, the failed jobs that
block sequential channels, and the jobs dispatched but not seen started yet
(in flight). It decides how many jobs each scheduling pass reads and turns
the rows of that pass into calls of the channel manager. Pure Python: the
rows come from :mod:`.database`, the tests give it rows of their own.

A row of a pass is ``(kind, uuid, channel, id, date_created, priority, eta,
state)`` with naive UTC datetimes; kind ``r``: running or in flight, ``w``:
in the window of its channel, ``f``: failed in a sequential channel, ``e``:
the earliest future eta (in the eta column, the rest empty).
"""
import logging

from .clock import epoch

_logger = logging.getLogger(__name__)

# seconds a dispatched job may stay pending before it is dispatched again:
# a second more than its ticket lives (jobrunner/tickets.py), so that the
# request sent before can no longer start it
INFLIGHT_TIMEOUT = 6


class JobView:
    """What the runner holds of one database's jobs, fed to ``manager``."""

    def __init__(self, dbname, manager):
        self.dbname = dbname
        self.manager = manager
        self.channels = set()  # channel strings that have pending jobs
        self.running = {}  # uuid -> channel string, as the manager has them
        self.queued = {}  # uuid -> channel string, windows fed to the manager
        self.failed = {}  # uuid -> channel string, blocking sequential channels
        self.inflight = {}  # uuid -> monotonic time of its dispatch
        self.next_eta = None  # epoch of the earliest future eta
        self.windows_full = False  # a window was full: more may be waiting
        self._sizes = {}  # the window sizes of the pass being read
        self.inflight_timeout = INFLIGHT_TIMEOUT

    def reset(self):
        """Forget every job (the lead of the database changed hands)."""
        for uuid in list(self.running) + list(self.queued) + list(self.failed):
            self.manager.remove_job(uuid, self.dbname)
        self.running.clear()
        self.queued.clear()
        self.failed.clear()
        self.inflight.clear()

    # what a pass reads ---------------------------------------------------

    def window_sizes(self):
        """How many pending jobs to read per channel string, and the set of
        sequential ones.

        The running jobs are read in the same query, so the free capacity
        is not known yet: a window is as large as the channel and its
        parents could run at once (``ChannelManager.window_size`` with
        ``free=False``), plus the channel's jobs in flight, which are still
        pending in the database. Paused channels read nothing.
        """
        sizes, sequential = {}, set()
        for name in self.channels:
            channel = self.manager.get_channel_by_name(
                name or "root", parent_fallback=True
            )
            if channel.sequential:
                sequential.add(name)
            size = self.manager.window_size(name, free=False)
            if size:
                sizes[name] = size + sum(
                    1 for uuid in self.inflight if self.running.get(uuid) == name
                )
        return sizes, sequential

    def pass_params(self, now):
        """The parameters of the pass query (see database.py) at ``now``."""
        sizes, sequential = self.window_sizes()
        self._sizes = sizes
        names = list(sizes)
        return (
            list(self.inflight),
            names,
            [sizes[name] for name in names],
            [name in sequential for name in names],
            list(sequential),
            now.utc,
        )

    def apply(self, rows, now):
        """Hand the rows of the pass read at ``now`` to the manager."""
        parts = {"r": [], "w": [], "f": []}
        self.next_eta = None
        for row in rows:
            if row[0] == "e":
                self.next_eta = epoch(row[6])
            else:
                parts[row[0]].append(row[1:])
        self._apply_running(parts["r"], now)
        self._apply_failed(parts["f"])
        self._apply_windows(parts["w"], now)
        # a full window may hide more jobs that can run
        counts = {}
        for row in parts["w"]:
            counts[row[1]] = counts.get(row[1], 0) + 1
        self.windows_full = any(
            counts.get(name, 0) >= size for name, size in self._sizes.items()
        )

    # in flight -----------------------------------------------------------

    def dispatched(self, job, now):
        """``job`` (a ChannelJob) is being dispatched; returns its channel
        string (None for a job the manager knew as running only)."""
        channel = self.queued.pop(job.uuid, None)
        self.running[job.uuid] = channel
        self.inflight[job.uuid] = now.mono
        return channel

    def undelivered(self, uuid, now):
        """The request for ``uuid`` was not delivered: dispatch it again
        about a second from ``now`` unless it starts meanwhile."""
        if uuid in self.inflight:
            self.inflight[uuid] = now.mono - self.inflight_timeout + 1

    def inflight_deadline(self):
        """When the oldest request in flight is due again (monotonic)."""
        if not self.inflight:
            return None
        return min(self.inflight.values()) + self.inflight_timeout

    # rows to manager -----------------------------------------------------

    def _notify(self, row, state=None):
        uuid, channel, seq, date_created, priority, eta, db_state = row
        self.manager.notify(
            self.dbname,
            channel or "root",
            uuid,
            seq,
            epoch(date_created),
            priority,
            epoch(eta),
            state or db_state,
        )

    def _apply_running(self, rows, now):
        """Running jobs and jobs dispatched but not started yet."""
        seen = set()
        for row in rows:
            uuid, channel, eta, state = row[0], row[1], row[5], row[6]
            if uuid in self.inflight:
                if state == "pending" and eta and eta > now.utc:
                    # it ran and was postponed (we only dispatch due jobs)
                    del self.inflight[uuid]
                    continue
                if state == "pending":
                    if now.mono - self.inflight[uuid] < self.inflight_timeout:
                        seen.add(uuid)  # its request is on its way
                        continue
                    _logger.debug("job %s dispatched but not started: again", uuid)
                    del self.inflight[uuid]
                    continue  # its window brings it back as pending
                del self.inflight[uuid]
                if state not in ("enqueued", "started"):
                    continue  # already finished
            seen.add(uuid)
            self.queued.pop(uuid, None)
            if self.running.get(uuid) is None:
                self._notify(row)
            self.running[uuid] = channel
        for uuid in list(self.running):
            if uuid not in seen:
                del self.running[uuid]
                self.manager.remove_job(uuid, self.dbname)
        for uuid in list(self.inflight):
            if uuid not in seen:
                del self.inflight[uuid]

    def _apply_windows(self, rows, now):
        fetched = {name: set() for name in self._sizes}
        for row in rows:
            uuid, channel = row[0], row[1]
            if uuid in self.inflight or uuid in self.running:
                continue
            fetched[channel].add(uuid)
            eta = row[5]
            if eta is not None and eta <= now.utc:
                # a due job competes on priority and date only, as in the
                # reference once its eta has passed
                row = row[:5] + (None,) + row[6:]
            self._notify(row)  # new, or its priority or eta may have changed
            self.queued[uuid] = channel
        for uuid, channel in list(self.queued.items()):
            if channel not in fetched or uuid not in fetched[channel]:
                del self.queued[uuid]
                self.manager.remove_job(uuid, self.dbname)

    def _apply_failed(self, rows):
        seen = set()
        for row in rows:
            seen.add(row[0])
            if row[0] not in self.failed:
                self._notify(row, "failed")
                self.failed[row[0]] = row[1]
        for uuid in list(self.failed):
            if uuid not in seen:
                del self.failed[uuid]
                self.manager.remove_job(uuid, self.dbname)
