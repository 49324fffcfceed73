# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The job state machine, in one place (docs/DESIGN.md, section 5).

Owns the states, the transitions a job may take (:data:`TRANSITIONS`), the
rule saying a job's tries are exhausted, the columns each state sets and
clears, and the SQL fragments that every writer of a state uses: the claim
(``started``), the test of a dead ``started`` job, the requeue or failure of
a dead job. The ORM (job.py, models), the workers (execution/), the runner's
housekeeping and the garbage-collector cron all take them from here.

Pure Python: the runner imports it without Odoo.
"""

# (value, label) of every state, in the order of the selection field
STATES = [
    ("wait_dependencies", "Wait Dependencies"),
    ("pending", "Pending"),
    ("enqueued", "Enqueued"),
    ("started", "Started"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
]
WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED, DONE, CANCELLED, FAILED = (
    value for value, _label in STATES
)
# a job in one of these states has yet to run
WAITING_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED)

# Who moves a job from one state to another. ``None``: a new job. A user
# (the job's buttons and wizards) may also set any job done, cancelled or
# back to pending (USER_TARGETS).
TRANSITIONS = {
    (None, PENDING): "enqueue",
    (None, WAIT_DEPENDENCIES): "enqueue, a parent not done",
    (WAIT_DEPENDENCIES, PENDING): "its parents done",
    (PENDING, ENQUEUED): "runner, unsigned dispatch",
    (PENDING, STARTED): "worker, signed claim",
    (ENQUEUED, STARTED): "worker, unsigned claim",
    (ENQUEUED, PENDING): "runner, no worker took it",
    (STARTED, DONE): "worker, run done",
    (STARTED, PENDING): "worker, postponed or given back; found dead",
    (STARTED, WAIT_DEPENDENCIES): "worker, postponed while a parent is not done",
    (STARTED, FAILED): "worker, run failed; found dead, tries exhausted",
}
USER_TARGETS = (DONE, CANCELLED, PENDING)


def allowed(old, new):
    """Whether a job may go from state ``old`` to ``new``."""
    return old == new or (old, new) in TRANSITIONS or new in USER_TARGETS


# The columns that say who runs a job; a job that is not started has none.
WORKER_COLUMNS = ("worker_pid", "worker_hostname", "worker_key", "worker_backend")

# What entering each state clears (beyond what it sets, below).
CLEARS = {
    WAIT_DEPENDENCIES: ("date_enqueued", "date_started", "date_done") + WORKER_COLUMNS,
    PENDING: ("date_enqueued", "date_started", "date_done") + WORKER_COLUMNS,
    ENQUEUED: ("date_started",) + WORKER_COLUMNS,
    STARTED: ("date_done",),
    DONE: ("exc_name", "exc_message", "exc_info"),
    CANCELLED: (),
    FAILED: (),
}
# What entering each state sets.
SETS = {
    WAIT_DEPENDENCIES: (),
    PENDING: (),
    ENQUEUED: ("date_enqueued",),
    STARTED: ("date_started",) + WORKER_COLUMNS,
    DONE: ("date_done", "exec_time", "result"),
    CANCELLED: ("date_cancelled", "result"),
    FAILED: ("exc_info", "exc_name", "exc_message"),
}


def cleared(state, exclude=()):
    """SQL assignments clearing what entering ``state`` clears."""
    return ", ".join(
        "%s = NULL" % column for column in CLEARS[state] if column not in exclude
    )


def retries_exhausted(retry, max_retries):
    """Whether a job that has used ``retry`` tries may not run again
    (``max_retries`` 0: no limit)."""
    return bool(max_retries) and retry >= max_retries


def retries_exhausted_sql(retry, max_retries):
    """:func:`retries_exhausted` in SQL, of two SQL expressions."""
    return "(%s > 0 AND %s >= %s)" % (max_retries, retry, max_retries)


# -- started: the claim ---------------------------------------------------
#
# A claim records the backend of the connection that claims the job and runs
# its transaction (pg_backend_pid()), and when, by the database's clock: the
# claim statement's start (a slot claims in the transaction of the job before,
# whose start, now(), is as old as that job). Parameters: worker_pid,
# worker_hostname, worker_key.
CLAIM_SET = (
    "state = 'started', date_started = statement_timestamp() AT TIME ZONE 'UTC', "
    "date_done = NULL, worker_pid = %s, worker_hostname = %s, worker_key = %s, "
    "worker_backend = pg_backend_pid()"
)

# -- dead: a started job whose own backend is gone -------------------------
#
# The backend that claimed the job is no longer in pg_stat_activity, or its
# pid now belongs to a backend that started after the claim (a pid reused,
# PostgreSQL restarted). Jobs claimed without a backend (older code,
# migrated databases) keep the former rule: the worker process's advisory
# lock (LOCK_NAMESPACE, worker_key) is not held. The fragment is a WHERE
# condition on queue_job aliased ``j``; it takes the named parameter
# ``%(ns)s`` (schema.LOCK_NAMESPACE).
LOCK_HELD = """EXISTS (
    SELECT 1 FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted
       AND l.database = (SELECT oid FROM pg_database
                          WHERE datname = current_database())
       AND l.classid = %%(ns)s AND l.objid = %s AND l.objsubid = 2)"""

DEAD = (
    """j.state = 'started' AND CASE
    WHEN j.worker_backend IS NOT NULL THEN NOT EXISTS (
        SELECT 1 FROM pg_stat_activity a
         WHERE a.pid = j.worker_backend
           AND a.backend_start <= j.date_started AT TIME ZONE 'UTC')
    WHEN j.worker_key IS NOT NULL THEN NOT """
    + LOCK_HELD % "j.worker_key"
    + """
    ELSE false END"""
)

# Dead jobs back to pending with one more try counted, or failed
# (JobFoundDead) once their tries are exhausted. ``{where}``: more
# conditions on ``j``. Returns the moved rows: id, uuid, state, retry.
_REQUEUE_DEAD = """
dead AS (
    SELECT j.id, {exhausted} AS exhausted
      FROM queue_job j
     WHERE {dead}{where}
       FOR UPDATE SKIP LOCKED
), moved AS (
UPDATE queue_job j
   SET retry = j.retry + 1,
       state = CASE WHEN d.exhausted THEN 'failed' ELSE 'pending' END,
       exc_name = CASE WHEN d.exhausted
           THEN 'odoo.addons.queue_job.exception.JobFoundDead' END,
       exc_message = CASE WHEN d.exhausted
           THEN 'Job found dead after ' || (j.retry + 1) || ' tries: the worker'
                || ' process running it died (killed, out of memory or lost)' END,
       exc_info = CASE WHEN d.exhausted
           THEN 'The worker process running this job (pid '
                || coalesce(j.worker_pid::text, '?') || ' on '
                || coalesce(j.worker_hostname, '?') || ') died while running it, '
                || (j.retry + 1) || ' times.' END,
       date_enqueued = NULL, date_started = NULL,
       worker_key = NULL, worker_backend = NULL
  FROM dead d
 WHERE j.id = d.id
RETURNING j.id, j.uuid, j.state, j.retry
)"""


def requeue_dead(where=""):
    """The CTEs ``dead`` and ``moved`` (without WITH) moving the dead jobs
    that also match ``where`` (conditions on ``j``, starting with AND).

    worker_pid and worker_hostname stay on a failed job: its failure text
    names them, and they say where it died."""
    return _REQUEUE_DEAD.format(
        exhausted=retries_exhausted_sql("j.retry + 1", "j.max_retries"),
        dead=DEAD,
        where=where,
    )


# -- a job given back by its worker, its outcome impossible to write -------
GIVE_BACK = (
    "retry = retry + 1, state = CASE WHEN %s THEN 'failed' ELSE 'pending' END, "
    "eta = %%s, exc_name = NULL, exc_message = %%s, exc_info = NULL, %s"
    % (retries_exhausted_sql("retry + 1", "max_retries"), cleared(PENDING))
)
