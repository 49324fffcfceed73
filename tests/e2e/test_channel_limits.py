"""Channel limits under stalls: sequential order, capacity and pause hold
when the HTTP workers stop answering for longer than the runner waits for a
dispatched job to start (its request is then sent again), and when the
runner itself is killed and restarted meanwhile.

The workers are stopped with SIGSTOP: the runner's requests wait in the
listening socket's backlog and are all served when they go on. Each job
records its start at once, committed on its own (``queue_job_e2e_attempt``),
and its run with its outcome (``queue_job_e2e_trace``): a second start is
seen even if it did not end.
"""
import os
import signal
import time

import pytest
import qjdev


def runner_pid(server, other_than=None):
    """The process of the prefork server's job runner, from its log line."""
    for line in reversed(server.log().splitlines()):
        if line.endswith("odoo.addons.queue_job.jobrunner.runner: starting "):
            pid = int(line.split()[2])
            if pid != other_than:
                return pid
    return None


def http_workers(server):
    """The prefork HTTP workers: the server's children but the job runner
    and the longpolling process."""
    runner = runner_pid(server)
    pids = []
    for pid in server.children():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as fh:
                cmdline = fh.read().split(b"\0")
        except FileNotFoundError:
            continue
        if pid != runner and b"gevent" not in cmdline:
            pids.append(pid)
    assert pids, "no HTTP worker found"
    return pids


class Stalled:
    """The server's HTTP workers stopped (SIGSTOP) until ``resume()``."""

    def __init__(self, server):
        self.pids = http_workers(server)
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)

    def resume(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:  # pylint: disable=except-pass
                pass  # exited meanwhile: nothing to resume
        self.pids = []


@pytest.fixture
def stalls():
    made = []

    def stall(server):
        made.append(Stalled(server))
        return made[-1]

    yield stall
    for stalled in made:
        stalled.resume()


def attempts(db, prefix):
    """(tag, started) of every start of the jobs, in the order they began."""
    return db.query(
        "SELECT tag, at FROM queue_job_e2e_attempt WHERE tag LIKE %s ORDER BY at",
        (prefix + "%",),
    )


def runs(db, prefix):
    """(tag, started, ended) of every successful run, by start."""
    return db.query(
        "SELECT tag, started, ended FROM queue_job_e2e_trace WHERE tag LIKE %s"
        " ORDER BY started",
        (prefix + "%",),
    )


def most_at_once(intervals):
    """The largest number of (start, end) intervals overlapping."""
    edges = sorted(
        [(start, 1) for start, _end in intervals]
        + [(end, -1) for _start, end in intervals]
    )
    current = best = 0
    for _at, step in edges:
        current += step
        best = max(best, current)
    return best


def assert_one_at_a_time_in_order(db, prefix, tags):
    started = attempts(db, prefix)
    assert [tag for tag, _at in started] == tags, "each job started once, in order"
    done = runs(db, prefix)
    assert [tag for tag, _s, _e in done] == tags
    for (tag, _start, end), (next_tag, next_start, _end) in zip(done, done[1:]):
        assert next_start >= end, "%s started before %s ended" % (next_tag, tag)


def enqueue_stalled(servers, server, db, stalls, specs, due_in=2):
    """Enqueue ``specs`` due in ``due_in`` seconds, then stall the HTTP
    workers before the runner can dispatch them."""
    rpc = servers.rpc(server)
    for spec in specs:
        spec["eta"] = due_in
    uuids = rpc.enqueue(*specs)
    stalled = stalls(server)
    return uuids, stalled, time.time()


def test_sequential_channel_with_stalled_workers(db, servers, stalls):
    server = servers.start(db.name, channels="root:4,root.seq:1:sequential")
    tags = ["sq%d" % i for i in range(8)]
    specs = [{"tag": tag, "channel": "root.seq", "sleep": 0.3} for tag in tags]
    uuids, stalled, since = enqueue_stalled(servers, server, db, stalls, specs)
    # due after 2 s, dispatched, not started: sent again after 5 more
    time.sleep(max(8 - (time.time() - since), 0))
    stalled.resume()
    db.wait_states(uuids, timeout=60)
    assert_one_at_a_time_in_order(db, "sq", tags)


def test_sequential_channel_runner_killed_while_workers_stalled(db, servers, stalls):
    server = servers.start(db.name, channels="root:4,root.seq:1:sequential")
    tags = ["sk%d" % i for i in range(8)]
    specs = [{"tag": tag, "channel": "root.seq", "sleep": 0.3} for tag in tags]
    uuids, stalled, since = enqueue_stalled(servers, server, db, stalls, specs)
    # the first job is dispatched to a stalled worker, then the runner dies
    time.sleep(max(3 - (time.time() - since), 0))
    old = runner_pid(server)
    server.mark_log()
    os.kill(old, signal.SIGKILL)
    qjdev.wait_for(lambda: runner_pid(server, other_than=old), 30, "a new runner")
    # it takes the lead once the dead one's lease expired, and sends the
    # first job again: two requests for the channel wait in the backlog
    server.wait_log("leads db %s" % db.name, timeout=40)
    time.sleep(1.5)
    stalled.resume()
    db.wait_states(uuids, timeout=60)
    assert_one_at_a_time_in_order(db, "sk", tags)


def test_capacity_holds_with_stalled_workers(db, servers, stalls):
    server = servers.start(db.name, channels="root:8,root.cap:2", workers=4)
    tags = ["cp%02d" % i for i in range(10)]
    specs = [{"tag": tag, "channel": "root.cap", "sleep": 0.5} for tag in tags]
    uuids, stalled, since = enqueue_stalled(servers, server, db, stalls, specs)
    time.sleep(max(8 - (time.time() - since), 0))
    stalled.resume()
    db.wait_states(uuids, timeout=60)
    started = attempts(db, "cp")
    assert sorted(tag for tag, _at in started) == tags, "each job started once"
    assert most_at_once([(s, e) for _t, s, e in runs(db, "cp")]) <= 2


def test_pause_holds_for_requests_already_sent(db, servers, stalls):
    server = servers.start(db.name, channels="root:4,root.pause:2")
    rpc = servers.rpc(server)
    root = rpc.call("queue.job.channel", "search", [("complete_name", "=", "root")])
    rpc.call("queue.job.channel", "create", {"name": "pause", "parent_id": root[0]})
    tags = ["pa%d" % i for i in range(4)]
    specs = [{"tag": tag, "channel": "root.pause"} for tag in tags]
    uuids, stalled, since = enqueue_stalled(servers, server, db, stalls, specs)
    # dispatched to the stalled workers, then paused (as the form would
    # write it: the workers cannot answer the web client now)
    time.sleep(max(3.5 - (time.time() - since), 0))
    db.query(
        "UPDATE queue_job_channel SET paused = true WHERE complete_name = 'root.pause'"
    )
    time.sleep(1)
    stalled.resume()
    time.sleep(4)
    assert attempts(db, "pa") == [], "a paused channel started a job"
    assert set(db.states(uuids).values()) == {"pending"}
    db.query(
        "UPDATE queue_job_channel SET paused = false WHERE complete_name = 'root.pause'"
    )
    db.wait_states(uuids, timeout=30)
    assert sorted(tag for tag, _at in attempts(db, "pa")) == tags
