# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The metric counts of a slot's jobs (started, done, failed, postponed,
start latency, run time), for the monitoring routes (metrics.py) and the
history (jobrunner/history.py).

Owns how outcomes become rows of ``queue_job_counter``: counted when their
transaction commits, written in a transaction of the slot once per slot (or
every COUNTS_EVERY jobs), each process into rows of its own (shard = its
liveness key), so that no two transactions compete for a row. The runner
folds the rows of dead processes (jobrunner/housekeeping.py).
"""
from datetime import datetime

from .. import schema

# a slot writes its metric counts when it ends, or after this many jobs
COUNTS_EVERY = 100

_ADD = (
    "INSERT INTO queue_job_counter AS c (channel, name, shard, value) "
    "VALUES %s ON CONFLICT (channel, name, shard) "
    "DO UPDATE SET value = c.value + EXCLUDED.value"
)


def bucket_name(prefix, bounds, value):
    """The counter name of the histogram bucket ``value`` falls in."""
    bound = next((b for b in bounds if value <= b), "inf")
    return "%s_le_%s" % (prefix, bound)


def outcome_counts(claim, outcome, now=None):
    """Rows added to queue_job_counter for the run of ``claim`` that ended
    as ``outcome`` at ``now`` (UTC): (channel, name, shard, value). A run is
    counted as started when it ends, with its outcome."""
    runtime = max(
        ((now or datetime.utcnow()) - claim.date_started).total_seconds(), 0.0
    )
    shard = claim.key
    channel = claim.channel or "root"
    latency = bucket_name("latency", schema.LATENCY_BUCKETS, claim.latency)
    return [
        (channel, "started", shard, 1.0),
        (channel, outcome, shard, 1.0),
        (channel, latency, shard, 1.0),
        (channel, "latency_sum", shard, claim.latency),
        (channel, bucket_name("runtime", schema.RUNTIME_BUCKETS, runtime), shard, 1.0),
        (channel, "runtime_sum", shard, runtime),
    ]


class SlotCounters:
    """The counts of one slot: committed ones not written yet, and those of
    the outcome in the current transaction."""

    def __init__(self):
        self.committed = {}  # (channel, name, shard) -> value
        self.uncommitted = []  # outcome_counts() of the open transaction
        self.since_write = 0

    def count(self, claim, outcome):
        """The outcome of ``claim`` is written in the open transaction."""
        self.uncommitted = outcome_counts(claim, outcome)

    def forget_uncommitted(self):
        self.uncommitted = []

    def on_commit(self):
        """The open transaction committed: its counts join the slot's."""
        for channel, name, shard, value in self.uncommitted:
            key = (channel, name, shard)
            self.committed[key] = self.committed.get(key, 0.0) + value
        self.uncommitted = []
        self.since_write += 1

    def due(self):
        return self.since_write >= COUNTS_EVERY

    def write(self, cr):  # pylint: disable=method-required-super  # not a model
        """Add every count, the open transaction's included, to
        queue_job_counter in that transaction."""
        counts = dict(self.committed)
        for channel, name, shard, value in self.uncommitted:
            key = (channel, name, shard)
            counts[key] = counts.get(key, 0.0) + value
        self.committed = {}
        self.uncommitted = []
        self.since_write = 0
        if not counts:
            return
        cr.execute(
            _ADD % ", ".join(["(%s, %s, %s, %s::double precision)"] * len(counts)),
            tuple(v for key, value in counts.items() for v in key + (value,)),
        )
