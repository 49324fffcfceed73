# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Switching from the OCA queue_job 15.0.2.x: jobs its runner left on their
way, handed to ours. Our columns exist by now (worker_key).

The servers of the previous code are stopped for the switch, so whatever
they had in hand is not running any more. Each step picks only rows that our
runner would move the same way, so it changes nothing on a database that is
ours already.
"""
import logging

# the script is loaded as a bare module: name its logger after the addon
_logger = logging.getLogger("odoo.addons.queue_job.migration")

# A liveness key no worker process holds (ours draw theirs from 1 up,
# execution.Liveness): the runner finds jobs marked with it dead, as any job
# whose worker died, and requeues them with one more try counted, or fails
# them (JobFoundDead) once their tries are exhausted.
NO_LIVE_WORKER = 0


def migrate(cr, version):
    if not version:
        return
    _requeue_enqueued(cr)
    _mark_started_as_orphans(cr)


def _requeue_enqueued(cr):
    """Jobs the previous runner had asked a worker to run, not started: back
    to pending as that runner did when its request failed (no try counted).
    Ours never leaves a job enqueued more than a few seconds."""
    cr.execute(
        "UPDATE queue_job SET state = 'pending', date_enqueued = NULL"
        " WHERE state = 'enqueued' RETURNING uuid"
    )
    for (uuid,) in cr.fetchall():
        _logger.info("job %s was enqueued by the previous queue_job: pending", uuid)


def _mark_started_as_orphans(cr):
    """Jobs started under the previous code (no worker key): their worker
    is gone, the runner requeues them as soon as it serves the database."""
    cr.execute(
        "UPDATE queue_job SET worker_key = %s"
        " WHERE state = 'started' AND worker_key IS NULL RETURNING uuid",
        (NO_LIVE_WORKER,),
    )
    for (uuid,) in cr.fetchall():
        _logger.warning(
            "job %s was started under the previous queue_job, whose worker is"
            " gone: the runner requeues it with one more try counted (or fails"
            " it if that was its last try)",
            uuid,
        )
