# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Database objects of queue_job that the ORM does not create.

Applied at install (post_init_hook) and at every update (``queue.job.init``),
so a database coming from another queue_job implementation gets them too.
Pure Python: the runner imports the constants without Odoo.
"""

# NOTIFY channels the runner listens to
NOTIFY_JOBS = "queue_job"
NOTIFY_CONFIG = "queue_job_config"

# pg_advisory_xact_lock(LOCK_NAMESPACE, worker_key) is held by every worker
# process while it lives (docs/DESIGN.md, section 5). "qjob" in ASCII.
LOCK_NAMESPACE = 0x716A6F62

# states in which a job waits to run (identity keys are unique among them)
WAITING_STATES = ("wait_dependencies", "pending", "enqueued")

LEASE_TABLE = "queue_job_runner_lease"
NOTICE_TABLE = "queue_job_failure_notice"

_WAITING_SQL = "('wait_dependencies', 'pending', 'enqueued')"
# the states the Jobs action shows by default (every state but done, cancelled)
_UNFINISHED_SQL = "('wait_dependencies', 'pending', 'enqueued', 'started', 'failed')"

INDEXES = [
    # under the name the ORM gives the index of ``uuid`` (index=True), so
    # that the ORM sees it and does not add a second one
    (
        "queue_job_uuid_index",
        "CREATE UNIQUE INDEX IF NOT EXISTS queue_job_uuid_index ON queue_job (uuid)",
    ),
    (
        "queue_job_pending_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_pending_idx "
        "ON queue_job (channel, priority, date_created, id) WHERE state = 'pending'",
    ),
    (
        "queue_job_pending_eta_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_pending_eta_idx "
        "ON queue_job (eta) WHERE state = 'pending' AND eta IS NOT NULL",
    ),
    (
        "queue_job_running_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_running_idx "
        "ON queue_job (channel) WHERE state IN ('enqueued', 'started')",
    ),
    (
        "queue_job_identity_key_state_partial_index",
        "CREATE INDEX IF NOT EXISTS queue_job_identity_key_state_partial_index "
        "ON queue_job (identity_key) WHERE identity_key IS NOT NULL "
        "AND state IN %s" % _WAITING_SQL,
    ),
    (
        "queue_job_identity_key_uniq",
        "CREATE UNIQUE INDEX IF NOT EXISTS queue_job_identity_key_uniq "
        "ON queue_job (identity_key) WHERE identity_key IS NOT NULL "
        "AND graph_uuid IS NULL AND state IN %s" % _WAITING_SQL,
    ),
    # the Jobs list opens on the not-finished jobs, newest first (the model's
    # _order): this index gives that page and its count without reading the
    # done and cancelled rows, which are most of the table
    (
        "queue_job_ui_unfinished_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_ui_unfinished_idx "
        "ON queue_job (date_created DESC, date_done DESC) "
        "WHERE state IN %s" % _UNFINISHED_SQL,
    ),
    # any other list of jobs in that order (the "Done" filter, no filter)
    # reads its page from here instead of sorting the whole table
    (
        "queue_job_date_created_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_date_created_idx "
        "ON queue_job (date_created DESC, date_done DESC)",
    ),
    # Overview dashboard: failed jobs by channel, jobs done in the last hour
    (
        "queue_job_failed_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_failed_idx "
        "ON queue_job (channel) WHERE state = 'failed'",
    ),
    (
        "queue_job_done_idx",
        "CREATE INDEX IF NOT EXISTS queue_job_done_idx "
        "ON queue_job (date_done, channel) WHERE state = 'done'",
    ),
]

TRIGGERS = """
DROP TRIGGER IF EXISTS queue_job_notify ON queue_job;
DROP TRIGGER IF EXISTS queue_job_notify_update ON queue_job;
DROP TRIGGER IF EXISTS queue_job_identity_supersede ON queue_job;

-- one notification per channel that got new pending jobs, whatever the
-- number of rows inserted by the statement
CREATE OR REPLACE FUNCTION queue_job_notify() RETURNS trigger AS $body$
BEGIN
    PERFORM pg_notify('queue_job', coalesce(channel, ''))
       FROM (SELECT DISTINCT channel FROM queue_job_new_rows
              WHERE state = 'pending') AS c;
    -- the jobs created, per channel, for the metrics and the history: one
    -- row per statement, in rows of this backend's own (shard = minus its
    -- pid), so that enqueuing transactions never wait for each other
    INSERT INTO queue_job_counter AS k (channel, name, shard, value)
    SELECT coalesce(channel, 'root'), 'enqueued', -pg_backend_pid(), count(*)
      FROM queue_job_new_rows GROUP BY 1
        ON CONFLICT (channel, name, shard) DO UPDATE SET value = k.value + EXCLUDED.value;
    RETURN NULL;
END;
$body$ LANGUAGE plpgsql;

CREATE TRIGGER queue_job_notify
    AFTER INSERT ON queue_job
    REFERENCING NEW TABLE AS queue_job_new_rows
    FOR EACH STATEMENT EXECUTE PROCEDURE queue_job_notify();

CREATE OR REPLACE FUNCTION queue_job_notify_update() RETURNS trigger AS $body$
BEGIN
    PERFORM pg_notify('queue_job', coalesce(NEW.channel, ''));
    RETURN NULL;
END;
$body$ LANGUAGE plpgsql;

-- the worker's own transitions (to started, to done/failed) do not match
CREATE TRIGGER queue_job_notify_update
    AFTER UPDATE ON queue_job
    FOR EACH ROW
    WHEN (
        (NEW.state = 'pending' AND (
            OLD.state <> 'pending'
            OR NEW.eta IS DISTINCT FROM OLD.eta
            OR NEW.priority IS DISTINCT FROM OLD.priority
            OR NEW.channel IS DISTINCT FROM OLD.channel))
        OR (OLD.state = 'failed' AND NEW.state <> 'failed')
        OR (OLD.state = 'enqueued' AND NEW.state NOT IN ('enqueued', 'started'))
    )
    EXECUTE PROCEDURE queue_job_notify_update();

-- a job coming back to a waiting state while another single job with the
-- same identity key already waits is cancelled: the waiting one does the work
CREATE OR REPLACE FUNCTION queue_job_identity_supersede() RETURNS trigger AS $body$
DECLARE
    other varchar;
BEGIN
    SELECT uuid INTO other FROM queue_job
     WHERE identity_key = NEW.identity_key
       AND graph_uuid IS NULL
       AND state IN ('wait_dependencies', 'pending', 'enqueued')
       AND id <> NEW.id
     LIMIT 1;
    IF other IS NOT NULL THEN
        NEW.state := 'cancelled';
        NEW.date_cancelled := now() AT TIME ZONE 'UTC';
        NEW.result := 'Superseded by job ' || other || ' with the same identity key';
    END IF;
    RETURN NEW;
END;
$body$ LANGUAGE plpgsql;

CREATE TRIGGER queue_job_identity_supersede
    BEFORE UPDATE ON queue_job
    FOR EACH ROW
    WHEN (
        NEW.identity_key IS NOT NULL
        AND NEW.graph_uuid IS NULL
        AND NEW.state IN ('wait_dependencies', 'pending', 'enqueued')
        AND OLD.state NOT IN ('wait_dependencies', 'pending', 'enqueued')
    )
    EXECUTE PROCEDURE queue_job_identity_supersede();
"""

CHANNEL_TRIGGER = """
DROP TRIGGER IF EXISTS queue_job_channel_notify ON queue_job_channel;
CREATE OR REPLACE FUNCTION queue_job_channel_notify() RETURNS trigger AS $body$
BEGIN
    PERFORM pg_notify('queue_job_config', '');
    RETURN NULL;
END;
$body$ LANGUAGE plpgsql;
CREATE TRIGGER queue_job_channel_notify
    AFTER INSERT OR UPDATE OR DELETE ON queue_job_channel
    FOR EACH STATEMENT EXECUTE PROCEDURE queue_job_channel_notify();
"""

LEASE = """
CREATE TABLE IF NOT EXISTS queue_job_runner_lease (
    name varchar PRIMARY KEY,
    holder varchar NOT NULL,
    expires_at timestamp NOT NULL,
    renewed_at timestamp NOT NULL
);
-- what the leading runner reports, for metrics and health checks
ALTER TABLE queue_job_runner_lease
    ADD COLUMN IF NOT EXISTS report text,
    ADD COLUMN IF NOT EXISTS dispatched_at timestamp,
    ADD COLUMN IF NOT EXISTS error text,
    ADD COLUMN IF NOT EXISTS error_at timestamp,
    -- since when the holder leads (the Overview's runners)
    ADD COLUMN IF NOT EXISTS since timestamp;
"""

# Jobs the runner set failed (found dead too often) whose failure notice is
# still to be posted: the runner has no ORM, the cron "Job Queue: failure
# notices" posts them.
NOTICES = """
CREATE TABLE IF NOT EXISTS queue_job_failure_notice (
    job_id integer PRIMARY KEY REFERENCES queue_job (id) ON DELETE CASCADE
);
"""

# Counters of job outcomes, for the metrics endpoint. Each worker process
# adds to rows of its own (shard = its worker key), in a transaction of its
# slot: no row that every job of a busy channel updates. The runner folds the
# rows of dead processes into shard 0 (jobrunner/housekeeping.py).
COUNTERS = """
CREATE TABLE IF NOT EXISTS queue_job_counter (
    channel varchar NOT NULL,
    name varchar NOT NULL,
    shard integer NOT NULL,
    value double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, name, shard)
);
"""

# --- tickets and seats (jobrunner/tickets.py, execution/tickets.py) ---
# One row per signed dispatch, written by the runner before its request is
# sent: the worker starts a job only by consuming it (consumed_at, and the
# backend that did, the slot's connection); a consumed ticket is the slot's
# seat until the slot ends. Times are the database's clock.
TICKET_TABLE = "queue_job_ticket"
TICKETS = """
CREATE TABLE IF NOT EXISTS queue_job_ticket (
    nonce uuid PRIMARY KEY,
    job_uuid varchar NOT NULL,
    channel varchar NOT NULL DEFAULT '',
    created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    expires_at timestamp NOT NULL,
    consumed_at timestamp,
    backend integer,
    backend_start timestamptz,
    worker_pid integer,
    worker_hostname varchar
);
CREATE INDEX IF NOT EXISTS queue_job_ticket_job_idx ON queue_job_ticket (job_uuid);
"""

# upper bounds (seconds) of the enqueue-to-start latency histogram
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
# upper bounds (seconds) of the run time histogram
RUNTIME_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600)

# Per minute and channel, what the counters above added (jobs enqueued,
# started, done, failed, retried, found dead; latency and run time histograms,
# one array element per bucket and a last one for the rest), and two samples
# of the backlog: pending jobs and the age of the oldest due one. Written by
# the leading runner (jobrunner/history.py), read by the Overview.
# ``queue_job_history_mark`` holds the counter totals already rolled up, so
# that each count goes into the history once, whoever rolls it up.
HISTORY_TABLE = "queue_job_history"
HISTORY = """
CREATE TABLE IF NOT EXISTS queue_job_history (
    channel varchar NOT NULL,
    minute timestamp NOT NULL,
    enqueued bigint NOT NULL DEFAULT 0,
    started bigint NOT NULL DEFAULT 0,
    done bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    retried bigint NOT NULL DEFAULT 0,
    dead bigint NOT NULL DEFAULT 0,
    latency_sum double precision NOT NULL DEFAULT 0,
    latency_buckets double precision[] NOT NULL DEFAULT '{}',
    runtime_sum double precision NOT NULL DEFAULT 0,
    runtime_buckets double precision[] NOT NULL DEFAULT '{}',
    pending bigint,
    oldest_pending_age double precision,
    PRIMARY KEY (channel, minute)
);
CREATE INDEX IF NOT EXISTS queue_job_history_minute_idx ON queue_job_history (minute);
CREATE TABLE IF NOT EXISTS queue_job_history_mark (
    channel varchar NOT NULL,
    name varchar NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (channel, name)
);
"""
# pg_advisory_xact_lock(LOCK_NAMESPACE, HISTORY_LOCK): one roll-up at a time
# (worker keys are positive)
HISTORY_LOCK = 0

# what the runner checks before serving a database
TRIGGER_NAMES = ("queue_job_notify", "queue_job_notify_update")


def table_exists(cr, name):
    cr.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r'", (name,))
    return bool(cr.fetchone())


def _unique_uuid_index(cr):
    """Replace the ORM's plain index on uuid (or an older unique one)."""
    cr.execute(
        "SELECT i.indisunique FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relname = 'queue_job_uuid_index'"
    )
    row = cr.fetchone()
    if row and not row[0]:
        cr.execute("DROP INDEX queue_job_uuid_index")
    cr.execute("DROP INDEX IF EXISTS queue_job_uuid_uniq")


def apply(cr):
    """Create or refresh every object above; idempotent."""
    _unique_uuid_index(cr)
    for _name, ddl in INDEXES:
        cr.execute(ddl)
    cr.execute(TRIGGERS)
    if table_exists(cr, "queue_job_channel"):
        cr.execute(CHANNEL_TRIGGER)
    cr.execute(LEASE)
    cr.execute(COUNTERS)
    cr.execute(HISTORY)
    cr.execute(NOTICES)
    cr.execute(TICKETS)
