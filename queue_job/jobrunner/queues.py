# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The scheduler's queues: in which order the jobs waiting in one channel
leave it.

Owns the ordering of jobs (:class:`ChannelJob`: eta first, then priority,
creation date and id), the two queues of a channel (due jobs, and jobs
waiting for their eta) and the strict order of a sequential channel. The
tree of channels that uses them is channels.py's. Pure Python.
"""
import heapq
import itertools

DEFAULT_PRIORITY = 10  # the priority of a job stored without one


class PriorityQueue:
    """A heap of items, smallest first, with removal.

    Adding an item that is already queued does nothing; removing one that is
    not queued does nothing; ``pop`` and ``top`` of an empty queue give None.
    Items are ordered by ``key(item)`` (the item itself by default), taken
    when the item is added, and among equal keys by order of addition. Items
    must be hashable; equality is the items' own.
    """

    _REMOVED = object()

    def __init__(self, key=None):
        self._key = key or (lambda item: item)
        self._heap = []
        self._entries = {}  # item -> its heap entry [key, count, item]
        self._counter = itertools.count()

    def __len__(self):
        return len(self._entries)

    def __contains__(self, item):
        return item in self._entries

    def __iter__(self):
        """The queued items, in no particular order."""
        return iter(list(self._entries))

    def add(self, item):
        if item in self._entries:
            return
        entry = [self._key(item), next(self._counter), item]
        self._entries[item] = entry
        heapq.heappush(self._heap, entry)

    def remove(self, item):
        entry = self._entries.pop(item, None)
        if entry is None:
            return
        # removal is lazy (the entry is skipped when it reaches the top); a
        # heap mostly made of removed entries is rebuilt
        entry[2] = self._REMOVED
        if len(self._heap) > 64 and len(self._heap) > 2 * len(self._entries):
            self._heap = [e for e in self._heap if e[2] is not self._REMOVED]
            heapq.heapify(self._heap)

    def top(self):
        """The smallest item, left in the queue; None when empty."""
        while self._heap and self._heap[0][2] is self._REMOVED:
            heapq.heappop(self._heap)
        return self._heap[0][2] if self._heap else None

    def pop(self):
        """Remove and return the smallest item; None when empty."""
        item = self.top()
        if item is not None:
            heapq.heappop(self._heap)
            del self._entries[item]
        return item


class SafeSet(set):
    """A set whose ``remove`` accepts items that are not in it."""

    def remove(self, item):
        self.discard(item)


class ChannelJob:
    """What the scheduler knows of one job.

    ``seq`` is the job's database id, ``eta`` and ``date_created`` are
    comparable values (the runner uses epoch seconds for eta). Jobs compare by
    :meth:`sorting_key`: jobs with an eta first, by eta, then by priority,
    creation date and seq. Equality is identity.

    Once its eta has passed and it has left its channel's eta queue, a job is
    *due*: it then ranks by priority, creation date and seq only, as a job
    without eta (``eta`` keeps the stored value, so that a notification with
    the same eta is not taken for a change).
    """

    def __init__(self, db_name, channel, uuid, seq, date_created, priority, eta):
        # which job, and where: its database and its Channel
        self.db_name, self.uuid, self.channel = db_name, uuid, channel
        # how it ranks (see sorting_key)
        self.eta, self.seq, self.date_created = eta, seq, date_created
        self.priority = DEFAULT_PRIORITY if priority is None else priority
        self.due = eta is None

    def __repr__(self):
        return "<ChannelJob %s>" % self.uuid

    def rank_key(self):
        """Order among due jobs (eta ignored)."""
        return (self.priority, self.date_created, self.seq)

    def sorting_key(self):
        if self.due:
            return (1, 0) + self.rank_key()
        return (0, self.eta) + self.rank_key()

    def __lt__(self, other):
        return self.sorting_key() < other.sorting_key()

    def __gt__(self, other):
        return self.sorting_key() > other.sorting_key()


class ChannelQueue:
    """The jobs waiting in one channel.

    Jobs whose eta has not passed wait apart, by eta; ``pop(now)`` first moves
    the ones that became due among the others, then gives the best due job.

    A sequential queue keeps one order, ignoring eta, and gives its first job
    only once that job is due: a job with a future eta that ranks first stops
    the queue until its eta (strictly: any such job, not only the one with the
    earliest eta, so the order always holds).
    """

    def __init__(self, sequential=False):
        self.sequential = sequential
        self._queue = PriorityQueue(key=ChannelJob.rank_key)
        self._eta_queue = PriorityQueue(key=lambda job: (job.eta,) + job.rank_key())

    def __len__(self):
        return len(self._queue) + len(self._eta_queue)

    def __contains__(self, job):
        return job in self._queue or job in self._eta_queue

    def __iter__(self):
        return itertools.chain(self._queue, self._eta_queue)

    def set_sequential(self, sequential):
        if sequential == self.sequential:
            return
        jobs = list(self)
        for job in jobs:
            self.remove(job)
        self.sequential = sequential
        for job in jobs:
            self.add(job)

    def add(self, job):
        if job.due or self.sequential:
            self._queue.add(job)
        else:
            self._eta_queue.add(job)

    def remove(self, job):
        self._queue.remove(job)
        self._eta_queue.remove(job)

    def pop(self, now):
        """The best job that may start at ``now`` (removed), or None."""
        if self.sequential:
            head = self._queue.top()
            if head is None or not (head.due or head.eta <= now):
                return None
            head.due = True
            return self._queue.pop()
        while True:
            job = self._eta_queue.top()
            if job is None or job.eta > now:
                break
            self._eta_queue.pop()
            job.due = True
            self._queue.add(job)
        return self._queue.pop()

    def has_due_job(self):
        """Whether ``pop`` gives a job whatever the time (one is due)."""
        if self.sequential:
            head = self._queue.top()
            return head is not None and head.due
        return len(self._queue) > 0

    def get_wakeup_time(self, wakeup_time=0):
        """The earlier of ``wakeup_time`` (0: none) and the eta at which this
        queue will have a job to give."""
        if self.sequential:
            head = self._queue.top()
            eta = None if head is None or head.due else head.eta
        else:
            head = self._eta_queue.top()
            eta = None if head is None else head.eta
        if eta is None:
            return wakeup_time
        return min(wakeup_time, eta) if wakeup_time else eta
