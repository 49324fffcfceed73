# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Housekeeping of one database by its leading runner.

Owns what the runner repairs rather than schedules: ``started`` jobs whose
worker process died (back to ``pending`` with one more try, or ``failed``
with a failure notice once their tries are exhausted, and the cron that
posts the notices woken), ``enqueued`` jobs that no worker took, and the
metric counter rows of dead processes (folded into shard 0), and what the
jobs found dead add to the counters. A started job is dead when the database
backend running it is gone (states.DEAD); a worker process is alive while it
holds its advisory lock (execution/liveness.py), which says whose counter rows
are folded.
"""
import logging
from datetime import timedelta

from .. import schema, states, transitions

_logger = logging.getLogger(__name__)

# seconds
HOUSEKEEPING_INTERVAL = 2
ENQUEUED_TIMEOUT = 5
FOLD_INTERVAL = 60

# for the metrics and the history: what the jobs found dead add to the
# counters (a run that ended found dead, the job failed or to be tried again)
_COUNT_DEAD = """
, counted AS (
INSERT INTO queue_job_counter AS c (channel, name, shard, value)
SELECT coalesce(q.channel, 'root'), n.name, 0, count(*)
  FROM moved m
  -- the statement's snapshot: the channel, which the move does not change
  JOIN queue_job q ON q.id = m.id
 CROSS JOIN LATERAL (VALUES ('dead_jobs_found'), ('started'),
       (CASE WHEN m.state = 'failed' THEN 'failed' ELSE 'postponed' END)) AS n (name)
 GROUP BY 1, 2
    ON CONFLICT (channel, name, shard) DO UPDATE SET value = c.value + EXCLUDED.value
)"""
# dead started jobs (states.DEAD): back to pending with one more try, or
# failed once their tries are exhausted
_REQUEUE_DEAD = (
    "WITH "
    + states.requeue_dead()
    + _COUNT_DEAD
    + " SELECT uuid, state, retry FROM moved"
)
# the same, keeping the failed ones for their failure notice (the cron posting
# them is triggered once the statement is committed)
_REQUEUE_DEAD_NOTICED = (
    "WITH "
    + states.requeue_dead()
    + _COUNT_DEAD
    + """, noticed AS (
INSERT INTO queue_job_failure_notice (job_id)
SELECT id FROM moved WHERE state = 'failed' ON CONFLICT DO NOTHING
)
SELECT uuid, state, retry FROM moved"""
)
_TRIGGER_NOTICES = """
INSERT INTO ir_cron_trigger (cron_id, call_at)
SELECT res_id, now() AT TIME ZONE 'UTC' FROM ir_model_data
 WHERE module = 'queue_job' AND name = 'ir_cron_failure_notices'
"""

# the counter rows of processes that are gone, folded into shard 0: worker
# processes (shard = their liveness key) and the backends that enqueued jobs
# (shard = minus their pid; a row a backend is writing is left for later)
_FOLD_COUNTERS = (
    """
WITH gone AS (
    DELETE FROM queue_job_counter c
     WHERE (c.channel, c.name, c.shard) IN (
           SELECT k.channel, k.name, k.shard FROM queue_job_counter k
            WHERE k.shard > 0 AND NOT """
    + states.LOCK_HELD % "k.shard"
    + """
               OR k.shard < 0 AND NOT EXISTS (
                  SELECT 1 FROM pg_stat_activity a WHERE a.pid = -k.shard)
              FOR UPDATE SKIP LOCKED)
    RETURNING c.channel, c.name, c.value
)
INSERT INTO queue_job_counter AS c (channel, name, shard, value)
SELECT channel, name, 0, sum(value) FROM gone GROUP BY channel, name
ON CONFLICT (channel, name, shard) DO UPDATE SET value = c.value + EXCLUDED.value
"""
)

# enqueued (the reference's way of dispatching) but never started
_RESET_ENQUEUED = (
    "UPDATE queue_job SET state = 'pending', "
    + states.cleared(states.PENDING)
    + " WHERE state = 'enqueued' AND date_enqueued < %s RETURNING uuid"
)


class Housekeeping:
    """The housekeeping of database ``dbname``; ``wake_crons(dbname)`` wakes
    its cron workers (a trigger row alone waits for their next poll)."""

    def __init__(self, dbname, wake_crons):
        self.dbname = dbname
        self.wake_crons = wake_crons
        self.next_run = 0.0  # monotonic
        self.next_fold = 0.0  # monotonic
        self.notices = False  # the database keeps failure notices

    def due(self, now):
        return now.mono >= self.next_run

    def run(self, cr, now):
        """One round on autocommit cursor ``cr``; True when jobs moved."""
        self.next_run = now.mono + HOUSEKEEPING_INTERVAL
        moved = self._dead_jobs(cr)
        if now.mono >= self.next_fold:
            self.next_fold = now.mono + FOLD_INTERVAL
            cr.execute(_FOLD_COUNTERS, {"ns": schema.LOCK_NAMESPACE})
        return self._stale_enqueued(cr, now) or moved

    def _dead_jobs(self, cr):
        if not self.notices:  # until queue_job is updated to have them
            self.notices = schema.table_exists(cr, schema.NOTICE_TABLE)
        cr.execute(
            _REQUEUE_DEAD_NOTICED if self.notices else _REQUEUE_DEAD,
            {"ns": schema.LOCK_NAMESPACE},
        )
        rows = cr.fetchall()
        if self.notices and any(state == "failed" for _u, state, _r in rows):
            cr.execute(_TRIGGER_NOTICES)
            self.wake_crons(self.dbname)
        for uuid, state, retry in rows:
            transitions.log(uuid, self.dbname, None, "started", state, dead=1)
            if state == "failed":
                _logger.warning(
                    "job %s on db %s found dead %d times: failed",
                    uuid,
                    self.dbname,
                    retry,
                )
            else:
                _logger.warning(
                    "job %s on db %s found dead (its worker died): requeued, try %d",
                    uuid,
                    self.dbname,
                    retry,
                )
        return bool(rows)

    def _stale_enqueued(self, cr, now):
        cr.execute(_RESET_ENQUEUED, (now.utc - timedelta(seconds=ENQUEUED_TIMEOUT),))
        rows = cr.fetchall()
        for (uuid,) in rows:
            transitions.log(uuid, self.dbname, None, "enqueued", "pending")
            _logger.warning("state of job %s was reset from enqueued to pending", uuid)
        return bool(rows)
