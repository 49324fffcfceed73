"""The job state machine (queue_job/states.py): its table, the retry rule,
what each state clears, and that every SQL fragment is one PostgreSQL runs."""
import psycopg2
import pure_import
import pytest

states = pure_import.load("states")
schema = pure_import.load("schema")


def test_retries_exhausted():
    assert not states.retries_exhausted(4, 5)
    assert states.retries_exhausted(5, 5)
    assert states.retries_exhausted(6, 5)
    # no maximum
    assert not states.retries_exhausted(100, 0)
    assert not states.retries_exhausted(100, None)


def test_transitions():
    assert states.allowed(None, states.PENDING)
    assert states.allowed(states.PENDING, states.STARTED)
    assert states.allowed(states.ENQUEUED, states.STARTED)
    assert states.allowed(states.STARTED, states.FAILED)
    # a user may requeue, set done or cancel anything
    assert states.allowed(states.FAILED, states.PENDING)
    assert states.allowed(states.STARTED, states.CANCELLED)
    # nothing else starts a done job or fails a waiting one
    assert not states.allowed(states.DONE, states.STARTED)
    assert not states.allowed(states.PENDING, states.FAILED)
    assert not states.allowed(states.WAIT_DEPENDENCIES, states.STARTED)
    for old, new in states.TRANSITIONS:
        assert old is None or old in dict(states.STATES)
        assert new in dict(states.STATES)


def test_back_to_waiting_clears_the_worker():
    for state in states.WAITING_STATES:
        for column in states.WORKER_COLUMNS:
            assert column in states.CLEARS[state], (state, column)
    assert "date_started" in states.CLEARS[states.PENDING]
    assert not set(states.WORKER_COLUMNS) & set(states.CLEARS[states.STARTED])
    assert states.cleared(states.ENQUEUED) == (
        "date_started = NULL, worker_pid = NULL, worker_hostname = NULL,"
        " worker_key = NULL, worker_backend = NULL"
    )


@pytest.fixture
def cr():
    """A cursor on a scratch queue_job table, in a transaction rolled back."""
    try:
        conn = psycopg2.connect(dbname="postgres")
    except psycopg2.Error as exc:  # pragma: no cover - the suite starts PG
        pytest.fail("no PostgreSQL: %s" % exc)
    cursor = conn.cursor()
    cursor.execute(
        "CREATE TEMP TABLE queue_job (id serial PRIMARY KEY, uuid varchar,"
        " state varchar, retry integer DEFAULT 0, max_retries integer DEFAULT 5,"
        " eta timestamp, exc_name varchar, exc_message text, exc_info text,"
        " date_enqueued timestamp, date_started timestamp, date_done timestamp,"
        " worker_pid integer, worker_hostname varchar, worker_key integer,"
        " worker_backend integer)"
    )
    yield cursor
    conn.rollback()
    conn.close()


def test_dead_is_decided_by_the_job_backend(cr):
    cr.execute(
        "INSERT INTO queue_job (uuid, state, max_retries) VALUES"
        " ('live', 'pending', 5), ('gone', 'started', 5), ('reused', 'started', 5),"
        " ('last', 'started', 1), ('old', 'started', 5), ('nobody', 'started', 5)"
    )
    cr.execute(
        "UPDATE queue_job SET " + states.CLAIM_SET + " WHERE uuid = 'live'",
        (1, "host", 7),
    )
    cr.execute(
        "UPDATE queue_job SET worker_backend = 2147483647,"
        " date_started = now() AT TIME ZONE 'UTC' WHERE uuid IN ('gone', 'last')"
    )
    # this backend's pid, but claimed before it started: another backend's
    cr.execute(
        "UPDATE queue_job SET worker_backend = pg_backend_pid(),"
        " date_started = '2000-01-01' WHERE uuid = 'reused'"
    )
    # older code: no backend, a worker key whose lock nobody holds
    cr.execute("UPDATE queue_job SET worker_key = 12345 WHERE uuid = 'old'")
    cr.execute(
        "WITH " + states.requeue_dead() + " SELECT uuid, state, retry FROM moved",
        {"ns": schema.LOCK_NAMESPACE},
    )
    moved = {uuid: (state, retry) for uuid, state, retry in cr.fetchall()}
    assert moved == {
        "gone": ("pending", 1),
        "reused": ("pending", 1),
        "last": ("failed", 1),
        "old": ("pending", 1),
    }
    cr.execute("SELECT state, worker_backend FROM queue_job WHERE uuid = 'live'")
    assert cr.fetchone()[0] == "started"
    cr.execute(
        "SELECT worker_key, worker_backend, date_started FROM queue_job"
        " WHERE uuid = 'gone'"
    )
    assert cr.fetchone() == (None, None, None)


def test_give_back_runs(cr):
    cr.execute("INSERT INTO queue_job (uuid, state, retry) VALUES ('a', 'started', 4)")
    cr.execute(
        "UPDATE queue_job SET " + states.GIVE_BACK + " RETURNING state, retry",
        (None, "lost"),
    )
    assert cr.fetchone() == ("failed", 5)


def test_storable_text():
    storable = pure_import.load("storable").storable
    assert storable(None) is None and storable(False) is False
    assert storable("plain é") == "plain é"
    assert storable("a\x00b") == "a\ufffdb"
    # bytes that are not UTF-8, kept by surrogateescape: one U+FFFD each
    assert storable(b"caf\xe9".decode("utf-8", "surrogateescape")) == "caf\ufffd"
    assert "\ud800" not in storable("x\ud800y")
    storable(storable("x\ud800y")).encode("utf-8")
