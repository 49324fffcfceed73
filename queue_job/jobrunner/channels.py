# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The job runner's scheduler: a tree of channels that decides which jobs may
start now. Pure Python (no Odoo import) so that it is fast to test.

Owns the tree (:class:`Channel`: capacity, sequential, throttle, pause) and
the jobs it knows across databases (:class:`ChannelManager`). How jobs are
ordered inside one channel is queues.py's; the configuration string and the
runtime overrides as text are grammar.py's.

Channels form a tree under ``root``. Each channel has a capacity (how many of
its jobs may run at once; 0 or None means unlimited), may be ``sequential``
(one job at a time, in strict order, stopped by a failed job) and may be
throttled (at most one job started per ``throttle`` seconds).

A job enters the channel named by its ``channel`` string. On each
``get_jobs_to_run(now)`` every channel with room hands its best jobs to its
parent's queue and counts them as running; the parent does the same, and only
what ``root`` hands out is dispatched. So a job respects the capacity of every
channel on its path.

The configuration string (``[queue_job] channels``) reads for example
``root:4, root.mail:2, root.sync:1:sequential, export:1:throttle=10``.

Our runner does not hold every job in memory, only the running ones and a
bounded window of the best due pending jobs per channel; see
``ChannelManager.window_size``. Runtime settings of ``queue.job.channel``
records override the configuration string; see
``ChannelManager.set_overrides``.
"""
import logging

from ..exception import ChannelNotFound

# split_strip, PriorityQueue and SafeSet are not used here: the reference's
# names, importable from this module as before
from .grammar import (  # noqa: F401
    ROOT,
    check_overrides,
    full_name,
    parse_channels,
    split_strip,
)
from .queues import (  # noqa: F401
    DEFAULT_PRIORITY,
    ChannelJob,
    ChannelQueue,
    PriorityQueue,
    SafeSet,
)

_logger = logging.getLogger(__name__)

WINDOW_MAX = 50  # most pending jobs of one channel worth holding in memory

_NOT_DONE_STATES = ("pending", "enqueued", "started", "failed")
# states in which a job is forgotten (wait_dependencies: it cannot run yet)
_FORGET_STATES = ("done", "cancelled", "wait_dependencies")


class Channel:
    """A node of the channel tree.

    A job of this channel (or of a sub-channel, once it reached this channel)
    is in exactly one of: the queue, the running set, the failed set. A job
    handed to the parent stays in the running set here.

    ``capacity`` is the runtime override (``set_overrides``) when there is
    one, else the configured capacity; 0 or None means unlimited. A ``paused``
    channel hands out nothing (nor do its sub-channels, whose jobs go through
    it); its running jobs are not touched.
    """

    def __init__(self, name, parent, capacity=None, sequential=False, throttle=0):
        self.name = name
        self.parent = parent
        self.children = {}
        if parent is not None:
            parent.children[name] = self
        self.configured_capacity = capacity
        self.override_capacity = None
        self.paused = False
        self.throttle = throttle
        self._queue = ChannelQueue(sequential)
        self._running = SafeSet()
        self._failed = SafeSet()
        self._pause_until = 0  # throttle: nothing is handed out before it

    @property
    def fullname(self):
        if self.parent is None:
            return self.name
        return self.parent.fullname + "." + self.name

    @property
    def capacity(self):
        if self.override_capacity is not None:
            return self.override_capacity
        return self.configured_capacity

    @capacity.setter
    def capacity(self, value):
        self.configured_capacity = value

    @property
    def sequential(self):
        return self._queue.sequential

    @sequential.setter
    def sequential(self, value):
        self._queue.set_sequential(bool(value))

    def __str__(self):
        return "%s(C:%s,Q:%d,R:%d,F:%d)" % (
            self.fullname,
            self.capacity or "∞",
            len(self._queue),
            len(self._running),
            len(self._failed),
        )

    def configure(self, config):
        """Apply a parsed configuration entry (see ``parse_simple_config``)."""
        capacity = config.get("capacity")
        sequential = bool(config.get("sequential"))
        if sequential and capacity != 1:
            raise ValueError(
                "channel %s: a sequential channel must have a capacity of 1, not %s"
                % (self.fullname, capacity)
            )
        self.configured_capacity = capacity
        self.sequential = sequential
        self.throttle = config.get("throttle") or 0
        if not self.throttle:
            self._pause_until = 0

    def get_subchannel_by_name(self, name):
        return self.children.get(name)

    def has_capacity(self):
        """Whether one more job of this channel may run now (ignoring
        ``paused`` and throttling)."""
        if self.sequential and self._failed:
            return False
        if not self.capacity:
            return True
        return len(self._running) < self.capacity

    def remove(self, job):
        """Forget ``job`` in this channel and its ancestors."""
        self._queue.remove(job)
        self._running.remove(job)
        self._failed.remove(job)
        if self.parent is not None:
            self.parent.remove(job)

    set_done = remove

    def set_pending(self, job):
        """``job`` waits to run in this channel."""
        if job in self._queue:
            return
        self._running.remove(job)
        self._failed.remove(job)
        self._queue.add(job)
        if self.parent is not None:
            self.parent.remove(job)

    def set_running(self, job):
        """``job`` runs: it takes capacity here and in every ancestor."""
        # always walk up: a job reported running may still wait in an
        # ancestor's queue, from where it must not be handed out again
        self._queue.remove(job)
        self._failed.remove(job)
        self._running.add(job)
        if self.parent is not None:
            self.parent.set_running(job)

    def set_failed(self, job):
        """``job`` failed: it stays here (it blocks a sequential channel)."""
        self._queue.remove(job)
        self._running.remove(job)
        self._failed.add(job)
        if self.parent is not None:
            self.parent.remove(job)

    def _throttled(self, now):
        if self._pause_until and now < self._pause_until:
            return True
        self._pause_until = 0
        return False

    def get_jobs_to_run(self, now, limit=None):
        """Hand out (as a list) the jobs that may start at ``now``, at most
        ``limit``; each is counted running here. Sub-channels first hand their
        jobs over to this channel's queue."""
        if self.paused:
            return []
        for child in self.children.values():
            for job in child.get_jobs_to_run(now):
                self._queue.add(job)
        if self.throttle and self._throttled(now):
            return []
        jobs = []
        while self.has_capacity() and (limit is None or len(jobs) < limit):
            job = self._queue.pop(now)
            if job is None:
                break
            self._running.add(job)
            jobs.append(job)
            if self.throttle:
                self._pause_until = now + self.throttle
                break
        return jobs

    def get_wakeup_time(self, wakeup_time=0):
        """The earlier of ``wakeup_time`` (0: none) and the first time at which
        this channel will hand out a job that it cannot hand out now, unless
        a notification comes first: an eta reached here or in a sub-channel,
        or the end of a throttle pause while a job waits behind it.

        A full or paused channel asks for none, for itself or for its
        sub-channels (their jobs go through it): a notification comes when
        that changes. A throttled channel asks for nothing before its pause
        ends. See readme/COMPATIBILITY.rst for how this differs from the
        reference's examples.
        """
        if self.paused or not self.has_capacity():
            return wakeup_time
        ready = self._queue.get_wakeup_time(0)
        for child in self.children.values():
            ready = child.get_wakeup_time(ready)
        pause = self._pause_until if self.throttle else 0
        if pause:
            if self._queue.has_due_job():
                ready = pause
            elif ready:
                ready = max(ready, pause)
        if not ready:
            return wakeup_time
        return min(wakeup_time, ready) if wakeup_time else ready


class ChannelManager:
    """The channel tree and the jobs it knows, across databases.

    Typical use by the runner::

        manager = ChannelManager()
        manager.simple_configure("root:4,root.mail:2")
        manager.notify(db, channel, uuid, seq, date_created, priority, eta, state)
        for job in manager.get_jobs_to_run(now):
            ...  # dispatch job.db_name / job.uuid
        wakeup = manager.get_wakeup_time()  # 0: none
    """

    def __init__(self):
        self._jobs = {}  # db_name -> {uuid: ChannelJob}
        self._root_channel = Channel(ROOT, None, capacity=1)
        self._channels_by_name = {ROOT: self._root_channel}

    # configuration

    @classmethod
    def parse_simple_config(cls, config_string):
        """Parse a channels configuration string into a list of dicts with
        ``name`` (full name), ``capacity``, ``sequential``, ``throttle`` and
        any other key given; invalid strings raise ValueError (grammar.py)."""
        return parse_channels(config_string)

    def get_channel_from_config(self, config):
        """Create (with missing parents, unlimited) or reconfigure the channel
        of a parsed configuration entry."""
        if config.get("sequential") and config.get("capacity") != 1:
            raise ValueError(
                "channel %s: a sequential channel must have a capacity of 1, not %s"
                % (config["name"], config.get("capacity"))
            )
        channel = self.get_channel_by_name(config["name"], autocreate=True)
        channel.configure(config)
        _logger.info("Configured channel: %s", channel)
        return channel

    def simple_configure(self, config_string):
        """Configure channels from a configuration string (see
        ``parse_simple_config``); nothing is changed if it is invalid."""
        configs = self.parse_simple_config(config_string)
        seen = set()
        for config in configs:
            if config["name"] in seen:
                _logger.warning(
                    "channel %s is configured more than once; the last entry wins",
                    config["name"],
                )
            seen.add(config["name"])
        for config in configs:
            self.get_channel_from_config(config)

    def set_overrides(self, overrides):
        """Replace the runtime overrides of the configuration.

        ``overrides`` maps channel names to ``{"capacity": int or None,
        "paused": bool}`` (both optional). A capacity that is not None
        replaces the configured capacity of that channel (0: unlimited),
        except on a sequential channel, which keeps capacity 1. A paused
        channel, and so its sub-channels, hands out no job; running jobs go
        on. Channels are created as needed; channels left out of
        ``overrides`` get their configured values back. Invalid input raises
        ValueError and changes nothing.
        """
        checked = check_overrides(overrides)
        for channel in self._channels_by_name.values():
            channel.override_capacity = None
            channel.paused = False
        for fullname, (capacity, paused) in checked.items():
            channel = self.get_channel_by_name(fullname, autocreate=True)
            if capacity is not None and channel.sequential and capacity != 1:
                _logger.warning(
                    "capacity %s ignored for sequential channel %s",
                    capacity,
                    fullname,
                )
                capacity = None
            channel.override_capacity = capacity
            channel.paused = paused

    def get_channel_by_name(
        self, channel_name, autocreate=False, parent_fallback=False
    ):
        """The channel of that name (``root.`` may be left out; empty means
        root).

        Unknown names raise ChannelNotFound, unless ``autocreate`` or
        ``parent_fallback`` is set: then the channel is created, with its
        missing ancestors, under its nearest existing ancestor, with unlimited
        capacity (``root.sub.not.configured`` under a configured ``root.sub``
        is ``root.sub.not.configured``).
        """
        fullname = full_name(channel_name)
        channel = self._channels_by_name.get(fullname)
        if channel is not None:
            return channel
        if not autocreate and not parent_fallback:
            raise ChannelNotFound("Channel %s not found" % fullname)
        parts = fullname.split(".")
        known = len(parts) - 1
        while ".".join(parts[:known]) not in self._channels_by_name:
            known -= 1
        channel = self._channels_by_name[".".join(parts[:known])]
        for part in parts[known:]:
            channel = Channel(part, channel, capacity=None)
            self._channels_by_name[channel.fullname] = channel
            _logger.debug("Created channel %s", channel.fullname)
        return channel

    # jobs

    def notify(
        self, db_name, channel_name, uuid, seq, date_created, priority, eta, state
    ):
        """Record the state of a job (as stored in database ``db_name``).

        pending: queued; enqueued or started: running; failed: kept as failed
        (it blocks a sequential channel); done, cancelled, wait_dependencies,
        empty or None: forgotten. A job whose channel, seq, priority, eta or
        creation date changed is requeued as a new one. Jobs of unknown
        channels go to a channel created for them.
        """
        job = self._jobs.get(db_name, {}).get(uuid)
        if state not in _NOT_DONE_STATES:
            if state and state not in _FORGET_STATES:
                _logger.error(
                    "job %s of db %s has an unknown state %r", uuid, db_name, state
                )
            elif job is not None:
                self._forget(job)
            return
        channel = self.get_channel_by_name(channel_name, parent_fallback=True)
        priority = DEFAULT_PRIORITY if priority is None else priority
        if job is not None and (
            job.channel is not channel
            or job.seq != seq
            or job.priority != priority
            or job.eta != eta
            or job.date_created != date_created
        ):
            self._forget(job)
            job = None
        if job is None:
            job = ChannelJob(db_name, channel, uuid, seq, date_created, priority, eta)
            self._jobs.setdefault(db_name, {})[uuid] = job
        if state == "pending":
            channel.set_pending(job)
        elif state == "failed":
            channel.set_failed(job)
        else:
            channel.set_running(job)

    def _forget(self, job):
        job.channel.remove(job)
        jobs = self._jobs.get(job.db_name, {})
        if jobs.get(job.uuid) is job:
            del jobs[job.uuid]
            if not jobs:
                del self._jobs[job.db_name]

    def remove_job(self, uuid, db_name=None):
        """Forget job ``uuid`` (of database ``db_name``, else of any)."""
        for name in [db_name] if db_name is not None else list(self._jobs):
            job = self._jobs.get(name, {}).get(uuid)
            if job is not None:
                self._forget(job)

    def remove_db(self, db_name):
        """Forget every job of database ``db_name``."""
        for job in list(self._jobs.get(db_name, {}).values()):
            self._forget(job)

    def get_job(self, uuid, db_name):
        """The ChannelJob known for ``uuid`` in ``db_name``, or None."""
        return self._jobs.get(db_name, {}).get(uuid)

    # scheduling

    def get_jobs_to_run(self, now, limit=None):
        """The jobs to dispatch at ``now`` (at most ``limit``, across
        databases), best first. They are counted running from then on.
        When ``limit`` cut the list short, call again once there is room:
        ``get_wakeup_time`` does not account for jobs held back that way."""
        return self._root_channel.get_jobs_to_run(now, limit)

    def get_wakeup_time(self):
        """When ``get_jobs_to_run`` will next have something to give without
        a notification (an eta, a throttle pause ending); 0 for never."""
        return self._root_channel.get_wakeup_time(0)

    def running_count(self):
        """How many jobs count as running (across the tree and databases)."""
        return len(self._root_channel._running)

    def report(self):
        """Every channel's settings and counts, parents first (for metrics)."""
        rows = []
        stack = [self._root_channel]
        while stack:
            channel = stack.pop()
            rows.append(
                {
                    "channel": channel.fullname,
                    "capacity": channel.capacity or None,
                    "running": len(channel._running),
                    "queued": len(channel._queue),
                    "failed": len(channel._failed),
                    "paused": channel.paused,
                    "sequential": channel.sequential,
                    "throttle": channel.throttle,
                }
            )
            stack.extend(
                channel.children[name]
                for name in sorted(channel.children, reverse=True)
            )
        return rows

    def window_size(self, channel_name, free=True):
        """How many of the best due pending jobs of channel ``channel_name``
        (jobs whose channel string is that name) it is worth holding.

        With ``free`` (the default): what could start now. 0 when the
        channel or an ancestor is paused, full, or a sequential channel
        blocked by a failed job; at most 1 for a sequential or throttled
        channel or under a throttled ancestor; else the free capacity of the
        channel, bounded by the free capacity of each ancestor, and by
        WINDOW_MAX. An upper bound: jobs of other channels already waiting
        in an ancestor's queue are not subtracted, so that a better job of
        this channel can still compete with them there.

        Without ``free``: what the channel and its ancestors could run at
        once, whatever runs or failed now (the runner reads the running and
        failed jobs in the same query as the windows). Still 0 under a
        paused channel, 1 for sequential and throttled ones, at most
        WINDOW_MAX.

        Unknown names get their channel created, as ``notify`` does. For a
        sequential channel, the job to hold is the first one in order of
        priority, creation date and id *whatever its eta*: the channel
        waits for it when its eta is in the future.
        """
        channel = self.get_channel_by_name(channel_name, parent_fallback=True)
        size = WINDOW_MAX
        node = channel
        while node is not None:
            if node.paused or (free and not node.has_capacity()):
                return 0
            if node.capacity:
                room = node.capacity - len(node._running) if free else node.capacity
                size = min(size, room)
            if node.sequential or node.throttle:
                size = min(size, 1)
            node = node.parent
        return size
