# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The per-minute history of a database's jobs, rolled up by its leader.

Owns ``queue_job_history`` and ``queue_job_history_mark`` (schema.py): every
ROLLUP_INTERVAL seconds, what the metric counters (``queue_job_counter``)
gained since the last roll-up goes into the row of (channel, current
minute); every SAMPLE_INTERVAL seconds the backlog is sampled (pending jobs,
age of the oldest due one); rows older than ``history_days`` are dropped.

The counters are totals that only grow (the fold of dead processes' rows
keeps their sum), so a roll-up adds ``total - mark`` and moves the mark to
the total, in one transaction under an advisory lock: whichever runner rolls
up, after a restart or a change of leader, each count lands once.
"""
import json
import logging

from .. import metrics, schema

_logger = logging.getLogger(__name__)

# seconds
ROLLUP_INTERVAL = 10
SAMPLE_INTERVAL = 60
PRUNE_INTERVAL = 3600

DEFAULT_DAYS = 14

# counter name -> history column (the histograms are handled apart)
_COLUMNS = {
    "enqueued": "enqueued",
    "started": "started",
    "done": "done",
    "failed": "failed",
    "postponed": "retried",
    "dead_jobs_found": "dead",
    "latency_sum": "latency_sum",
    "runtime_sum": "runtime_sum",
}
_COUNTS = ("enqueued", "started", "done", "failed", "retried", "dead")
_HISTOGRAMS = {
    "latency": schema.LATENCY_BUCKETS,
    "runtime": schema.RUNTIME_BUCKETS,
}

_TOTALS = "SELECT channel, name, sum(value) FROM queue_job_counter GROUP BY 1, 2"
_MARKS = "SELECT channel, name, value FROM queue_job_history_mark"
_SET_MARKS = """
INSERT INTO queue_job_history_mark AS m (channel, name, value)
SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::double precision[])
    ON CONFLICT (channel, name) DO UPDATE SET value = EXCLUDED.value
"""


def _add_arrays(column):
    """Element-wise sum of the stored array and the new one."""
    return (
        "{c} = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)"
        " FROM unnest(h.{c}, EXCLUDED.{c}) AS t (a, b))".format(c=column)
    )


_ADD = """
INSERT INTO queue_job_history AS h
       (channel, minute, enqueued, started, done, failed, retried, dead,
        latency_sum, runtime_sum, latency_buckets, runtime_buckets)
SELECT channel, date_trunc('minute', now() AT TIME ZONE 'UTC'),
       enqueued, started, done, failed, retried, dead, latency_sum, runtime_sum,
       -- a json array [1,2] as the array literal {{1,2}}
       translate(latency_buckets::text, '[]', '{{}}')::double precision[],
       translate(runtime_buckets::text, '[]', '{{}}')::double precision[]
  FROM json_to_recordset(%s) AS r (
       channel varchar, enqueued bigint, started bigint, done bigint,
       failed bigint, retried bigint, dead bigint, latency_sum double precision,
       runtime_sum double precision, latency_buckets json, runtime_buckets json)
    ON CONFLICT (channel, minute) DO UPDATE
   SET enqueued = h.enqueued + EXCLUDED.enqueued,
       started = h.started + EXCLUDED.started,
       done = h.done + EXCLUDED.done,
       failed = h.failed + EXCLUDED.failed,
       retried = h.retried + EXCLUDED.retried,
       dead = h.dead + EXCLUDED.dead,
       latency_sum = h.latency_sum + EXCLUDED.latency_sum,
       runtime_sum = h.runtime_sum + EXCLUDED.runtime_sum,
       {latency},
       {runtime}
""".format(
    latency=_add_arrays("latency_buckets"), runtime=_add_arrays("runtime_buckets")
)

_PENDING = (
    "SELECT coalesce(channel, 'root'), count(*) FROM queue_job"
    " WHERE state = 'pending' GROUP BY 1"
)
_SAMPLE = """
INSERT INTO queue_job_history AS h (channel, minute, pending, oldest_pending_age)
SELECT channel, date_trunc('minute', now() AT TIME ZONE 'UTC'), pending, age
  FROM unnest(%s::varchar[], %s::bigint[], %s::double precision[])
       AS s (channel, pending, age)
    ON CONFLICT (channel, minute) DO UPDATE
   SET pending = EXCLUDED.pending, oldest_pending_age = EXCLUDED.oldest_pending_age
"""
_PRUNE = (
    "DELETE FROM queue_job_history"
    " WHERE minute < (now() AT TIME ZONE 'UTC') - %s * interval '1 day'"
)


def deltas(totals, marks):
    """What each (channel, counter) gained since it was marked. A total
    below its mark (counters deleted by hand) starts again from zero."""
    gained = {}
    for key, total in totals.items():
        mark = marks.get(key, 0.0)
        delta = total - mark if total >= mark else total
        if delta:
            gained[key] = delta
    return gained


def history_rows(gained):
    """The history rows (dicts, one per channel) adding ``gained``."""
    rows = {}
    for (channel, name), value in gained.items():
        row = rows.get(channel)
        if row is None:
            row = rows[channel] = dict.fromkeys(_COLUMNS.values(), 0)
            row["channel"] = channel
            for prefix, bounds in _HISTOGRAMS.items():
                row["%s_buckets" % prefix] = [0.0] * (len(bounds) + 1)
        if name in _COLUMNS:
            row[_COLUMNS[name]] += value
            continue
        for prefix, bounds in _HISTOGRAMS.items():
            head = prefix + "_le_"
            if name.startswith(head):
                labels = [str(b) for b in bounds] + ["inf"]
                bound = name[len(head) :]
                if bound in labels:
                    row["%s_buckets" % prefix][labels.index(bound)] += value
    for row in rows.values():
        for column in _COUNTS:
            row[column] = int(round(row[column]))
    return list(rows.values())


class History:
    """The roll-up of database ``dbname``, keeping ``days`` days."""

    def __init__(self, dbname, days=DEFAULT_DAYS):
        self.dbname = dbname
        self.days = days
        self.next_run = 0.0  # monotonic
        self.next_sample = 0.0
        self.next_prune = 0.0
        self.supported = None  # the database has the history tables

    def due(self, now):
        return now.mono >= self.next_run

    def run(self, cr, now):
        """One roll-up on autocommit cursor ``cr``."""
        self.next_run = now.mono + ROLLUP_INTERVAL
        if not self.supported:
            # until queue_job is updated to have them
            self.supported = schema.table_exists(cr, schema.HISTORY_TABLE)
            if not self.supported:
                return
        sample = now.mono >= self.next_sample
        if sample:
            self.next_sample = now.mono + SAMPLE_INTERVAL
        cr.execute("BEGIN")
        try:
            self.roll_up(cr, sample=sample)
            if now.mono >= self.next_prune:
                self.next_prune = now.mono + PRUNE_INTERVAL
                cr.execute(_PRUNE, (self.days,))
            cr.execute("COMMIT")
        except BaseException:
            cr.execute("ROLLBACK")
            raise

    def roll_up(self, cr, sample=True):
        """Add what the counters gained to the current minute, in the open
        transaction of ``cr``; False when another roll-up holds the lock."""
        cr.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)",
            (schema.LOCK_NAMESPACE, schema.HISTORY_LOCK),
        )
        if not cr.fetchone()[0]:
            return False
        # read after the lock: the marks of the last roll-up are committed
        cr.execute(_TOTALS)
        totals = {(c, n): v for c, n, v in cr.fetchall()}
        cr.execute(_MARKS)
        marks = {(c, n): v for c, n, v in cr.fetchall()}
        gained = deltas(totals, marks)
        if gained:
            cr.execute(_ADD, (json.dumps(history_rows(gained)),))
        keys = sorted(k for k, total in totals.items() if total != marks.get(k))
        if keys:
            cr.execute(
                _SET_MARKS,
                (
                    [c for c, _n in keys],
                    [n for _c, n in keys],
                    [totals[k] for k in keys],
                ),
            )
        if sample:
            self._sample(cr, {c for c, _n in totals})
        return True

    def _sample(self, cr, known):
        cr.execute(_PENDING)
        pending = dict(cr.fetchall())
        ages = metrics.oldest_pending_ages(cr)
        channels = sorted(known | set(pending) | set(ages) | {"root"})
        cr.execute(
            _SAMPLE,
            (
                channels,
                [pending.get(c, 0) for c in channels],
                [ages.get(c) for c in channels],
            ),
        )
