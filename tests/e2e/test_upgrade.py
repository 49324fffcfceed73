"""Switching a database from the reference queue_job (OCA, 15.0.2.x) to ours
with ``odoo-bin -u queue_job`` (issue 13, item 3).

No code or data of the reference is used. Each test takes a database made by
our addon and reshapes it with the SQL below into what the reference leaves
behind, from its documented behaviour: its module version, its schema objects
and records (ours only are removed, its NOTIFY trigger is put back), jobs as
its runner leaves them. Then the database is updated with our code, checked,
and served by a real server and its runner.
"""
import json
import os
import re
import subprocess
import uuid
from datetime import datetime, timedelta

import qjdev

REFERENCE_VERSION = "15.0.2.3.10"
OUR_VERSION = "15.0.3.1.0"

# what the reference's models make the ORM create (test_queue_job adds
# additional_info to queue_job); any other column is ours
REFERENCE_COLUMNS = {
    "queue_job": (
        "id message_main_attachment_id uuid graph_uuid user_id company_id name "
        "model_name method_name records dependencies args kwargs func_string state "
        "priority exc_name exc_message exc_info result date_created date_started "
        "date_enqueued date_done exec_time date_cancelled eta retry max_retries "
        "channel_method_name job_function_id channel identity_key worker_pid "
        "additional_info"
    ).split(),
    "queue_job_channel": (
        "id name complete_name parent_id removal_interval "
        "create_uid create_date write_uid write_date"
    ).split(),
    "queue_job_function": (
        "id name model_id method channel_id channel retry_pattern related_action"
    ).split(),
}
# the indexes of the reference: the ORM's (index=True, mail.thread's) and the
# identity index its queue.job.init() creates, queue_job_uuid_index not unique
REFERENCE_INDEXES = (
    "queue_job_pkey",
    "queue_job_uuid_index",
    "queue_job_graph_uuid_index",
    "queue_job_company_id_index",
    "queue_job_state_index",
    "queue_job_channel_index",
    "queue_job_message_main_attachment_id_index",
    "queue_job_identity_key_state_partial_index",
)
# the tables of the reference's models and wizards (and test_queue_job's)
REFERENCE_TABLES = (
    "queue_job",
    "queue_job_channel",
    "queue_job_function",
    "queue_job_queue_jobs_to_cancelled_rel",
    "queue_job_queue_jobs_to_done_rel",
    "queue_job_queue_requeue_job_rel",
    "queue_jobs_to_cancelled",
    "queue_jobs_to_done",
    "queue_requeue_job",
    "queue_job_e2e_attempt",
    "queue_job_e2e_commit",
    "queue_job_e2e_trace",
)
# records of ours the reference's data files do not have: (model, xml id)
OUR_RECORDS = (
    ("ir.ui.menu", "menu_queue_job_overview"),
    ("ir.actions.client", "action_queue_job_overview"),
    ("ir.cron", "ir_cron_failure_notices"),
    ("ir.actions.server", "ir_cron_failure_notices_ir_actions_server"),
)
RECORD_TABLES = {
    "ir.ui.menu": "ir_ui_menu",
    "ir.actions.client": "ir_act_client",
    "ir.cron": "ir_cron",
    "ir.actions.server": "ir_act_server",
}

# the reference's trigger: every inserted or updated job, and every deleted
# job not done, notified by uuid, one notification per row
REFERENCE_TRIGGER = """
CREATE FUNCTION queue_job_notify() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('queue_job', NEW.uuid);
    ELSIF OLD.state <> 'done' THEN
        PERFORM pg_notify('queue_job', OLD.uuid);
    END IF;
    RETURN NULL;
END $f$;
CREATE TRIGGER queue_job_notify AFTER INSERT OR UPDATE OR DELETE ON queue_job
    FOR EACH ROW EXECUTE PROCEDURE queue_job_notify();
"""
# before 15.0.2.3.6 its identity index did not cover wait_dependencies
OLD_IDENTITY_INDEX = (
    "CREATE INDEX queue_job_identity_key_state_partial_index ON queue_job "
    "(identity_key) WHERE state IN ('pending', 'enqueued') "
    "AND identity_key IS NOT NULL"
)


def reshape_as_reference(db, version=REFERENCE_VERSION, old_identity_index=False):
    """Turn a database of ours into what the reference ``version`` leaves."""
    q = db.query
    for table in ("queue_job", "queue_job_channel"):
        for (trigger,) in q(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal",
            (table,),
        ):
            q('DROP TRIGGER "%s" ON %s' % (trigger, table))
    for (function,) in q(
        "SELECT proname FROM pg_proc WHERE proname LIKE 'queue\\_job%%'"
    ):
        q('DROP FUNCTION "%s"()' % function)
    q(REFERENCE_TRIGGER)
    for (table,) in q(
        "SELECT relname FROM pg_class WHERE relkind = 'r' "
        "AND relname LIKE 'queue\\_job%%' AND relname <> ALL(%s)",
        (list(REFERENCE_TABLES),),
    ):
        q('DROP TABLE "%s"' % table)
    for (index,) in q(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'queue_job' "
        "AND indexname <> ALL(%s)",
        (list(REFERENCE_INDEXES),),
    ):
        q('DROP INDEX "%s"' % index)
    q("DROP INDEX queue_job_uuid_index")
    q("CREATE INDEX queue_job_uuid_index ON queue_job (uuid)")
    if old_identity_index:
        q("DROP INDEX queue_job_identity_key_state_partial_index")
        q(OLD_IDENTITY_INDEX)
    for (name,) in q(
        "SELECT conname FROM pg_constraint WHERE contype = 'c' "
        "AND conrelid = 'queue_job_channel'::regclass"
    ):
        q('ALTER TABLE queue_job_channel DROP CONSTRAINT "%s"' % name)
        q("DELETE FROM ir_model_constraint WHERE name = %s", (name,))
    for table, keep in REFERENCE_COLUMNS.items():
        model = table.replace("_", ".")
        for (column,) in q(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name <> ALL(%s)",
            (table, keep),
        ):
            q('ALTER TABLE %s DROP COLUMN "%s"' % (table, column))
            q(
                "DELETE FROM ir_model_data WHERE model = 'ir.model.fields' "
                "AND res_id IN (SELECT id FROM ir_model_fields "
                "WHERE model = %s AND name = %s)",
                (model, column),
            )
            q(
                "DELETE FROM ir_model_fields WHERE model = %s AND name = %s",
                (model, column),
            )
    for model, xmlid in OUR_RECORDS:
        q(
            "DELETE FROM %s WHERE id = (SELECT res_id FROM ir_model_data "
            "WHERE module = 'queue_job' AND name = %%s)" % RECORD_TABLES[model],
            (xmlid,),
        )
        q(
            "DELETE FROM ir_model_data WHERE module = 'queue_job' AND name = %s",
            (xmlid,),
        )
    q("DELETE FROM ir_config_parameter WHERE key LIKE 'queue\\_job.%%'")
    q(
        "UPDATE ir_module_module SET latest_version = %s WHERE name = 'queue_job'",
        (version,),
    )


def schema_is_reference(db):
    """The reshaped database has none of our objects (checks the reshape)."""
    assert db.scalar("SELECT to_regclass('queue_job_runner_lease')") is None
    assert not db.query(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'queue_job' AND column_name = 'worker_key'"
    )
    assert db.query(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'queue_job'::regclass "
        "AND NOT tgisinternal"
    ) == [("queue_job_notify",)]
    assert not db.scalar(
        "SELECT indisunique FROM pg_index WHERE indexrelid = "
        "'queue_job_uuid_index'::regclass"
    )


class ReferenceJobs:
    """Job rows written as the reference writes them, for traced jobs
    (``test.queue.job.e2e.trace(tag)``), by tag."""

    def __init__(self, db, function_id=None):
        self.db = db
        self.uid = db.scalar("SELECT id FROM res_users WHERE login = 'admin'")
        self.function_id = function_id
        self.uuids = {}
        self.now = datetime.utcnow()

    def ago(self, minutes):
        return self.now - timedelta(minutes=minutes)

    def add(self, tag, state, age=60, graph=None, depends_on=(), children=(), **row):
        job_uuid = self.uuids.setdefault(tag, str(uuid.uuid4()))
        records = {
            "_type": "odoo_recordset",
            "model": "test.queue.job.e2e",
            "ids": [],
            "uid": self.uid,
            "su": False,
            "context": {},
        }
        values = {
            "uuid": job_uuid,
            "graph_uuid": graph,
            "user_id": self.uid,
            "company_id": 1,
            "name": "trace %s" % tag,
            "model_name": "test.queue.job.e2e",
            "method_name": "trace",
            "records": json.dumps(records),
            "dependencies": json.dumps(
                {
                    "depends_on": [self.uuids[t] for t in depends_on],
                    "reverse_depends_on": [
                        self.uuids.setdefault(t, str(uuid.uuid4())) for t in children
                    ],
                }
            ),
            "args": json.dumps([tag]),
            "kwargs": "{}",
            "func_string": "test.queue.job.e2e().trace(%r)" % tag,
            "state": state,
            "priority": 10,
            "date_created": self.ago(age),
            "retry": 0,
            "max_retries": 5,
            "channel_method_name": "<test.queue.job.e2e>.trace",
            "job_function_id": self.function_id,
            "channel": "root",
            "exec_time": 0.0,
        }
        values.update(row)
        columns = sorted(values)
        self.db.query(
            "INSERT INTO queue_job (%s) VALUES (%s)"
            % (", ".join(columns), ", ".join(["%s"] * len(columns))),
            [values[c] for c in columns],
        )
        return job_uuid


def add_legacy_channel_and_function(db):
    """A channel and a job function made in the reference's UI (no xml id)."""
    root = db.scalar(
        "SELECT res_id FROM ir_model_data WHERE module = 'queue_job' "
        "AND name = 'channel_root'"
    )
    channel = db.scalar(
        "INSERT INTO queue_job_channel (name, complete_name, parent_id, "
        "removal_interval, create_uid, write_uid, create_date, write_date) "
        "VALUES ('legacy', 'root.legacy', %s, 7, 2, 2, now(), now()) RETURNING id",
        (root,),
    )
    function = db.scalar(
        "INSERT INTO queue_job_function (name, model_id, method, channel_id, "
        "channel, retry_pattern, related_action) "
        "SELECT '<test.queue.job.e2e>.trace', id, 'trace', %s, 'root.legacy', "
        '\'{"1": 1, "3": 2}\', \'{"enable": false}\' '
        "FROM ir_model WHERE model = 'test.queue.job.e2e' RETURNING id",
        (channel,),
    )
    return channel, function


def rows(db, table, where="true", params=None):
    """Every row of ``table`` as a dict of the reference's columns, by id."""
    columns = REFERENCE_COLUMNS[table]
    return {
        row[0]: dict(zip(columns, row))
        for row in db.query(
            "SELECT %s FROM %s WHERE %s" % (", ".join(columns), table, where), params
        )
    }


def update_queue_job(db, run=1):
    """``odoo-bin -u queue_job --stop-after-init``: (return code, log)."""
    db.close()  # no session may hold a lock the update needs
    log = os.path.join(qjdev.STATE, "logs", "e2e-upgrade-%s-%d.log" % (db.name, run))
    os.makedirs(os.path.dirname(log), exist_ok=True)
    if os.path.exists(log):
        os.unlink(log)
    proc = subprocess.run(
        qjdev.odoo_cmd(
            "--addons-path=%s" % qjdev.addons_path(),
            "--data-dir=%s" % qjdev.DATA_DIR,
            "-d",
            db.name,
            "-u",
            "queue_job",
            "--stop-after-init",
            "--log-level=info",
            "--logfile=%s" % log,
            "--http-port=%d" % qjdev.free_port(),
            *qjdev.db_options(),
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    with open(log, errors="replace") as fh:
        text = fh.read()
    return proc.returncode, text + proc.stderr


def module_version(db):
    return db.scalar(
        "SELECT latest_version FROM ir_module_module WHERE name = 'queue_job'"
    )


def assert_schema_is_ours(db):
    triggers = dict(
        db.query(
            "SELECT tgname, tgtype FROM pg_trigger "
            "WHERE tgrelid IN ('queue_job'::regclass, 'queue_job_channel'::regclass) "
            "AND NOT tgisinternal"
        )
    )
    assert set(triggers) >= {
        "queue_job_notify",
        "queue_job_notify_update",
        "queue_job_identity_supersede",
        "queue_job_channel_notify",
    }, triggers
    # ours notifies once per statement (tgtype bit 0 unset), on INSERT only
    # (bit 2), with the channel: not the reference's row trigger
    assert triggers["queue_job_notify"] & 1 == 0
    assert triggers["queue_job_notify"] & (4 | 8 | 16) == 4
    indexes = dict(
        db.query(
            "SELECT c.relname, i.indisunique FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'queue_job'::regclass"
        )
    )
    for name in (
        "queue_job_pending_idx",
        "queue_job_pending_eta_idx",
        "queue_job_running_idx",
        "queue_job_ui_unfinished_idx",
        "queue_job_failed_idx",
        "queue_job_done_idx",
    ):
        assert name in indexes, name
    assert indexes["queue_job_uuid_index"] is True
    assert indexes["queue_job_identity_key_uniq"] is True
    assert "wait_dependencies" in db.scalar(
        "SELECT pg_get_indexdef('queue_job_identity_key_state_partial_index'"
        "::regclass)"
    )
    for table in (
        "queue_job_runner_lease",
        "queue_job_counter",
        "queue_job_failure_notice",
    ):
        assert db.scalar("SELECT to_regclass(%s)", (table,)), table
    columns = {
        (table, column)
        for table, column in db.query(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name IN ('queue_job', 'queue_job_channel')"
        )
    }
    assert {
        ("queue_job", "worker_hostname"),
        ("queue_job", "worker_key"),
        ("queue_job_channel", "capacity"),
        ("queue_job_channel", "paused"),
    } <= columns
    assert db.scalar(
        "SELECT value FROM ir_config_parameter "
        "WHERE key = 'queue_job.dispatch_secret'"
    )
    for _model, xmlid in OUR_RECORDS:
        assert db.scalar(
            "SELECT res_id FROM ir_model_data WHERE module = 'queue_job' "
            "AND name = %s",
            (xmlid,),
        ), xmlid


def test_upgrade_keeps_every_job_and_runs_them(db, servers):
    reshape_as_reference(db)
    schema_is_reference(db)
    channel_id, function_id = add_legacy_channel_and_function(db)
    jobs = ReferenceJobs(db, function_id)
    ago = jobs.ago

    # finished jobs: kept as they are
    jobs.add(
        "done",
        "done",
        date_started=ago(50),
        date_done=ago(49),
        exec_time=60.0,
        result="'done'",
    )
    jobs.add(
        "failed",
        "failed",
        date_started=ago(50),
        retry=1,
        exc_name="ValueError",
        exc_message="traced job failed fails as asked",
        exc_info="Traceback (most recent call last):\nValueError: boom\n",
    )
    jobs.add("cancelled", "cancelled", date_cancelled=ago(40), result="Cancelled")
    # waiting and running jobs: all run once served
    jobs.add("pending", "pending")
    jobs.add("pending_eta", "pending", eta=ago(5))
    jobs.add("legacy", "pending", channel="root.legacy")
    jobs.add("enqueued", "enqueued", date_enqueued=ago(2))
    # left started by the reference's worker, stopped for the switch
    jobs.add(
        "started", "started", date_enqueued=ago(10), date_started=ago(10), worker_pid=1
    )
    jobs.add(
        "started_last_try",
        "started",
        date_enqueued=ago(10),
        date_started=ago(10),
        worker_pid=1,
        retry=2,
        max_retries=3,
    )
    # a chain a -> b -> c; c shares its identity key with single jobs (graph
    # jobs do not count for the single jobs' uniqueness)
    graph = str(uuid.uuid4())
    jobs.add("chain_a", "pending", graph=graph, children=["chain_b"], age=45)
    jobs.add(
        "chain_b",
        "wait_dependencies",
        graph=graph,
        depends_on=["chain_a"],
        children=["chain_c"],
        age=45,
    )
    jobs.add(
        "chain_c",
        "wait_dependencies",
        graph=graph,
        depends_on=["chain_b"],
        age=45,
        identity_key="same-key",
    )
    # single jobs waiting with one identity key: the reference's check-then-
    # insert let these through; the oldest is kept
    jobs.add("dup_old", "pending", age=30, identity_key="same-key")
    jobs.add(
        "dup_enqueued",
        "enqueued",
        age=20,
        identity_key="same-key",
        date_enqueued=ago(1),
    )
    jobs.add("dup_new", "pending", age=10, identity_key="same-key")
    jobs.add("dup_done", "done", age=35, identity_key="same-key", date_done=ago(34))
    uuid_of = jobs.uuids
    tag_of = {v: k for k, v in uuid_of.items()}

    jobs_before = rows(db, "queue_job")
    channels_before = rows(db, "queue_job_channel")
    functions_before = rows(db, "queue_job_function")

    code, log = update_queue_job(db)
    assert code == 0, log[-5000:]
    assert module_version(db) == OUR_VERSION
    assert_schema_is_ours(db)

    # channels and functions: every row, unchanged (but the write dates:
    # the update writes the root channel of the data file again, and its
    # sub-channels' complete names with it)
    channels_after = rows(db, "queue_job_channel")
    for channel in list(channels_before.values()) + list(channels_after.values()):
        del channel["write_date"], channel["write_uid"]
    assert channels_after == channels_before
    assert rows(db, "queue_job_function") == functions_before
    assert (
        db.scalar(
            "SELECT channel_id FROM queue_job_function WHERE id = %s", (function_id,)
        )
        == channel_id
    )

    # every job is still there; only the duplicates and the enqueued jobs
    # changed, as designed
    jobs_after = rows(db, "queue_job")
    assert set(jobs_after) == set(jobs_before)
    changed = {}
    for job_id, before in jobs_before.items():
        after = jobs_after[job_id]
        diff = {k: after[k] for k in before if before[k] != after[k]}
        if diff:
            changed[tag_of[before["uuid"]]] = diff
    assert set(changed) == {"dup_enqueued", "dup_new", "enqueued"}, changed
    for tag in ("dup_enqueued", "dup_new"):
        assert set(changed[tag]) == {"state", "date_cancelled", "result"}
        assert changed[tag]["state"] == "cancelled"
        assert uuid_of["dup_old"] in changed[tag]["result"]
        # reported in the log, with both uuids
        assert re.search(
            r"WARNING .*%s.*%s" % (uuid_of[tag], uuid_of["dup_old"]), log
        ), log[-5000:]
    assert changed["enqueued"] == {"state": "pending", "date_enqueued": None}
    for tag in ("started", "started_last_try"):
        assert re.search(r"WARNING .*%s was started" % uuid_of[tag], log)

    # served by our runner: every waiting job runs, the jobs the reference's
    # worker left started are found dead and requeued with one try counted
    server = servers.start(db.name, channels="root:2")
    to_run = [
        "pending",
        "pending_eta",
        "legacy",
        "enqueued",
        "started",
        "chain_a",
        "chain_b",
        "chain_c",
        "dup_old",
    ]
    db.wait_states([uuid_of[t] for t in to_run], ("done",), timeout=60)
    db.wait_states([uuid_of["started_last_try"]], ("failed",), timeout=30)
    failed = db.query(
        "SELECT exc_name, retry FROM queue_job WHERE uuid = %s",
        (uuid_of["started_last_try"],),
    )
    assert failed == [("odoo.addons.queue_job.exception.JobFoundDead", 3)]
    server.wait_log(r"job %s on db \S+ found dead" % uuid_of["started"], 10)

    traces = {
        tag: (started, ended, retry)
        for tag, _u, _p, started, ended, retry in db.traces()
    }
    assert set(traces) == set(to_run), traces
    # the chain in its order
    assert traces["chain_a"][1] <= traces["chain_b"][0]
    assert traces["chain_b"][1] <= traces["chain_c"][0]
    # the started job's lost run counted as a try
    assert traces["started"][2] == 2
    assert traces["pending"][2] == 1
    # finished, failed and cancelled jobs untouched
    states = db.states(list(uuid_of.values()))
    for tag, state in (
        ("done", "done"),
        ("failed", "failed"),
        ("cancelled", "cancelled"),
        ("dup_enqueued", "cancelled"),
        ("dup_new", "cancelled"),
        ("dup_done", "done"),
    ):
        assert states[uuid_of[tag]] == state, tag
    for tag in ("done", "failed", "cancelled", "dup_done"):
        job_id = db.scalar("SELECT id FROM queue_job WHERE uuid = %s", (uuid_of[tag],))
        assert (
            rows(db, "queue_job", "id = %s", (job_id,))[job_id] == jobs_before[job_id]
        )

    # the reference's job function still configures new jobs
    rpc = servers.rpc(server)
    (new_uuid,) = rpc.enqueue({"tag": "after"})
    db.wait_states([new_uuid], ("done",), timeout=30)
    assert (
        db.scalar(
            "SELECT channel || ':' || job_function_id FROM queue_job WHERE uuid = %s",
            (new_uuid,),
        )
        == "root.legacy:%d" % function_id
    )

    # the migration finds nothing to do on a database that is ours
    servers.stop_all()
    db.query(
        "UPDATE ir_module_module SET latest_version = %s WHERE name = 'queue_job'",
        (REFERENCE_VERSION,),
    )
    every_column = "SELECT id, row_to_json(j)::text FROM queue_job j ORDER BY id"
    jobs_before = db.query(every_column)
    code, log = update_queue_job(db, run=2)
    assert code == 0, log[-5000:]
    assert db.query(every_column) == jobs_before
    assert module_version(db) == OUR_VERSION
    assert " WARNING " not in log, log


def test_upgrade_rebuilds_the_identity_index_of_older_versions(db):
    reshape_as_reference(db, "15.0.2.3.5", old_identity_index=True)
    jobs = ReferenceJobs(db)
    waiting = jobs.add("waiting", "wait_dependencies", graph=str(uuid.uuid4()))
    code, log = update_queue_job(db)
    assert code == 0, log[-5000:]
    assert_schema_is_ours(db)
    assert db.states([waiting]) == {waiting: "wait_dependencies"}


def test_upgrade_refuses_duplicate_uuids_and_loses_nothing(db):
    reshape_as_reference(db)
    jobs = ReferenceJobs(db)
    first = jobs.add("first", "pending")
    jobs.add("twin", "pending", uuid=first)
    jobs.add("other", "done", date_done=jobs.ago(1))
    before = rows(db, "queue_job")

    code, log = update_queue_job(db)
    assert code != 0
    # the reason, with the uuid, and what to do
    assert re.search(r"ERROR .*%s" % first, log), log[-5000:]
    assert "same uuid" in log
    assert rows(db, "queue_job") == before
    assert module_version(db) == REFERENCE_VERSION
    schema_is_reference(db)
