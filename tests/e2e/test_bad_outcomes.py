"""What a job leaves that PostgreSQL cannot store as text (a NUL, bytes that
are not UTF-8) is stored with U+FFFD in their place (queue_job/storable.py):
the job ends done or failed as it should, never stuck or run again."""
from test_faults import successes

STORED = "caf\ufffd \ufffd end"


def test_bad_text_in_result_and_exception(db, servers):
    server = servers.start(db.name, channels="root:2", workers=2)
    rpc = servers.rpc(server)
    done, failed = rpc.enqueue(
        {"tag": "bad_result", "bad_text": "result"},
        {"tag": "bad_failure", "bad_text": "fail", "max_retries": 1},
    )
    db.wait_states([done], timeout=30)
    db.wait_states([failed], states=("failed",), timeout=30)
    result, retry = db.query(
        "SELECT result, retry FROM queue_job WHERE uuid = %s", (done,)
    )[0]
    assert result == "bad_result: " + STORED
    assert retry == 1
    assert successes(db, "bad_result") == {"bad_result": 1}
    message, info, name = db.query(
        "SELECT exc_message, exc_info, exc_name FROM queue_job WHERE uuid = %s",
        (failed,),
    )[0]
    assert message == "bad_failure: " + STORED
    assert "ValueError: bad_failure: " + STORED in info
    assert name == "builtins.ValueError"
    # each ran once
    assert (
        db.scalar("SELECT count(*) FROM queue_job_e2e_attempt WHERE tag LIKE 'bad_%%'")
        == 2
    )
