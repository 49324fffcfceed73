"""The steps of RunJobController that addons override (error reporting,
tracing) are called by the runner's signed slots too, not only by the
reference's unsigned route.

The server runs with test_queue_job's StepRecorder (QJ_TEST_CONTROLLER_STEPS=1),
which writes every call of a step to ``queue_job_e2e_step``.
"""
from collections import Counter

STEPS_ENV = {"QJ_TEST_CONTROLLER_STEPS": "1"}


def test_overridden_steps_called_by_signed_slots(db, servers):
    server = servers.start(db.name, channels="root:2", workers=2, env=STEPS_ENV)
    rpc = servers.rpc(server)
    done, retried, failed = rpc.enqueue(
        {"tag": "steps_done"},
        {"tag": "steps_retried", "retries": 1, "retry_seconds": 1},
        {"tag": "steps_failed", "fail": True},
    )
    parent, child = rpc.call(
        "test.queue.job.e2e",
        "enqueue_chain",
        [{"tag": "steps_parent"}, {"tag": "steps_child"}],
    )
    db.wait_states([done, retried, parent, child], timeout=60)
    db.wait_states([failed], states=("failed",), timeout=30)

    rows = db.query("SELECT uuid, step, in_slot FROM queue_job_e2e_step")
    # every call came from a slot: none went through the unsigned route
    assert rows and all(in_slot for _uuid, _step, in_slot in rows), rows
    calls = Counter((uuid, step) for uuid, step, _in_slot in rows)
    assert calls == {
        (done, "_try_perform_job"): 1,
        (done, "_enqueue_dependent_jobs"): 1,
        # first run postponed, second done
        (retried, "_try_perform_job"): 2,
        (retried, "retry_postpone"): 1,
        (retried, "_enqueue_dependent_jobs"): 1,
        (failed, "_try_perform_job"): 1,
        (failed, "_get_failure_values"): 1,
        (parent, "_try_perform_job"): 1,
        (parent, "_enqueue_dependent_jobs"): 1,
        (child, "_try_perform_job"): 1,
        (child, "_enqueue_dependent_jobs"): 1,
    }
    # what the overrides returned or changed is what was stored
    message = db.scalar("SELECT exc_message FROM queue_job WHERE uuid = %s", (failed,))
    assert message == "recorded: traced job steps_failed fails as asked"
    retry = db.scalar(
        "SELECT retry FROM queue_job WHERE uuid = %s AND state = 'done'", (retried,)
    )
    assert retry == 2
    # the child ran once its parent was done (released by the override's super)
    ends = dict(
        db.query(
            "SELECT tag, ended FROM queue_job_e2e_trace WHERE tag IN %s",
            (("steps_parent", "steps_child"),),
        )
    )
    started_child = db.scalar(
        "SELECT min(at) FROM queue_job_e2e_attempt WHERE tag = 'steps_child'"
    )
    assert started_child >= ends["steps_parent"]


def test_steps_not_overridden_keep_the_fast_path(db, servers):
    # the same jobs without the recorder: nothing recorded, all run
    server = servers.start(db.name, channels="root:2", workers=2)
    rpc = servers.rpc(server)
    uuids = rpc.enqueue({"tag": "plain_a"}, {"tag": "plain_b"})
    db.wait_states(uuids, timeout=30)
    assert db.scalar("SELECT count(*) FROM queue_job_e2e_step") == 0
