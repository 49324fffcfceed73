# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The scheduler: priority queues, channel jobs and queues, the channel tree,
notifications, throttling, eta and sequential channels."""
import itertools
import logging

import pure_import
import pytest

channels = pure_import.load("jobrunner.channels")
exception = pure_import.load("exception")
ChannelManager = channels.ChannelManager
ChannelJob = channels.ChannelJob


class Jobs:
    """Notify jobs to a manager with increasing seq and creation dates."""

    def __init__(self, config, db="db"):
        self.manager = ChannelManager()
        self.manager.simple_configure(config)
        self.db = db
        self.counter = itertools.count(1)
        self.rows = {}

    def add(
        self, uuid, channel="root", priority=10, eta=None, state="pending", db=None
    ):
        seq = next(self.counter)
        row = [db or self.db, channel, uuid, seq, seq, priority, eta, state]
        self.rows[uuid] = row
        self.manager.notify(*row)

    def set(self, uuid, **changes):
        """Notify the job again with some of its values changed."""
        row = self.rows[uuid]
        names = ["db", "channel", "uuid", "seq", "date_created", "priority", "eta"]
        for name, value in changes.items():
            if name == "state":
                row[7] = value
            else:
                row[names.index(name)] = value
        self.manager.notify(*row)

    def run(self, now, limit=None):
        return [job.uuid for job in self.manager.get_jobs_to_run(now, limit)]

    def channel(self, name):
        return str(self.manager.get_channel_by_name(name))


# PriorityQueue, SafeSet


def test_priority_queue_orders_and_ignores_duplicates():
    queue = channels.PriorityQueue()
    for item in (5, 1, 4, 1, 3):
        queue.add(item)
    assert len(queue) == 4
    assert 4 in queue and 2 not in queue
    assert queue.top() == 1
    assert [queue.pop() for _ in range(5)] == [1, 3, 4, 5, None]
    assert len(queue) == 0


def test_priority_queue_removal():
    queue = channels.PriorityQueue()
    for item in range(10):
        queue.add(item)
    queue.remove(0)
    queue.remove(5)
    queue.remove(42)  # not queued: nothing happens
    assert len(queue) == 8
    assert queue.top() == 1
    queue.add(0)  # added again after removal
    assert [queue.pop() for _ in range(9)] == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    assert queue.pop() is None and queue.top() is None


def test_priority_queue_many_removals_keep_order():
    queue = channels.PriorityQueue()
    for item in range(1000):
        queue.add(item)
    for item in range(0, 1000, 3):
        queue.remove(item)
    for item in range(1, 1000, 3):
        queue.remove(item)
    assert len(queue) == 333
    assert len(queue._heap) < 1000  # removed entries were purged
    assert [queue.pop() for _ in range(333)] == list(range(2, 1000, 3))


def test_priority_queue_key_and_insertion_order():
    queue = channels.PriorityQueue(key=lambda item: item[0])
    for item in [(2, "a"), (1, "b"), (2, "c"), (1, "d")]:
        queue.add(item)
    assert [queue.pop()[1] for _ in range(4)] == ["b", "d", "a", "c"]


def test_safe_set():
    safe = channels.SafeSet([1, 2])
    safe.remove(1)
    safe.remove(3)  # missing: no error
    assert safe == {2}


# ChannelJob, ChannelQueue


def job(uuid, seq, priority=10, eta=None, date_created=None):
    return ChannelJob(
        "db",
        None,
        uuid,
        seq,
        seq if date_created is None else date_created,
        priority,
        eta,
    )


def test_channel_job_ordering():
    no_eta_low_prio = job("a", 1, priority=20)
    no_eta = job("b", 2)
    with_eta_late = job("c", 3, eta=300)
    with_eta = job("d", 4, eta=200)
    same_date_lower_seq = job("e", 5, date_created=2)
    assert sorted([no_eta_low_prio, no_eta, with_eta_late, with_eta]) == [
        with_eta,
        with_eta_late,
        no_eta,
        no_eta_low_prio,
    ]
    assert no_eta < same_date_lower_seq  # same priority and date: seq decides
    assert with_eta > with_eta_late or with_eta < with_eta_late
    # equality is identity
    twin = job("b", 2)
    assert twin != no_eta and no_eta == no_eta
    assert len({twin, no_eta}) == 2
    assert job("x", 1, priority=None).priority == channels.DEFAULT_PRIORITY


def test_channel_queue_eta():
    queue = channels.ChannelQueue()
    later = job("later", 1, eta=200)
    soon = job("soon", 2, eta=150)
    normal = job("normal", 3, priority=5)
    for item in (later, soon, normal):
        queue.add(item)
    assert len(queue) == 3 and soon in queue
    assert queue.get_wakeup_time() == 150
    assert queue.get_wakeup_time(120) == 120
    assert queue.pop(100) is normal
    assert queue.pop(100) is None
    assert queue.get_wakeup_time() == 150
    assert queue.pop(150) is soon
    # once due, a job ranks by priority, date and seq only: its eta is past
    # but the later priority 5 job goes first
    queue.add(job("prio5", 4, priority=5))
    assert queue.pop(250).uuid == "prio5"
    assert queue.pop(250) is later
    assert later.due and later.eta == 200
    assert queue.get_wakeup_time() == 0
    assert len(queue) == 0


def test_channel_queue_remove():
    queue = channels.ChannelQueue()
    first, second = job("a", 1, eta=100), job("b", 2)
    queue.add(first)
    queue.add(second)
    queue.remove(first)
    queue.remove(first)
    assert len(queue) == 1
    assert queue.pop(1000) is second
    assert queue.pop(1000) is None


def test_sequential_queue_waits_for_the_first_job_eta():
    queue = channels.ChannelQueue(sequential=True)
    first = job("first", 1, eta=500)
    second = job("second", 2)
    queue.add(first)
    queue.add(second)
    assert queue.pop(100) is None
    assert queue.get_wakeup_time() == 500
    assert queue.pop(500) is first
    assert queue.pop(500) is second


def test_sequential_queue_runs_jobs_ranking_before_eta_jobs():
    queue = channels.ChannelQueue(sequential=True)
    queue.add(job("waits", 2, eta=500))
    queue.add(job("urgent", 3, priority=1))
    assert queue.pop(100).uuid == "urgent"
    assert queue.pop(100) is None


def test_sequential_queue_strict_order_with_several_etas():
    queue = channels.ChannelQueue(sequential=True)
    queue.add(job("p1", 1, priority=1, eta=200))
    queue.add(job("p50", 2, priority=50, eta=110))
    queue.add(job("p20", 3, priority=20))
    # p1 ranks first and is not due: nothing runs, even after p50's eta
    assert queue.pop(150) is None
    assert queue.get_wakeup_time() == 200
    assert [queue.pop(200).uuid for _ in range(3)] == ["p1", "p20", "p50"]


def test_queue_switching_to_sequential_keeps_jobs():
    queue = channels.ChannelQueue()
    queue.add(job("eta", 1, eta=500))
    queue.add(job("now", 2))
    queue.set_sequential(True)
    assert len(queue) == 2
    assert queue.pop(100) is None
    queue.set_sequential(False)
    assert queue.pop(100).uuid == "now"


# the channel tree


def test_capacity_across_channels():
    jobs = Jobs("root:4,A:4,B:1")
    for uuid, channel in [
        ("A1", "A"),
        ("B1", "B"),
        ("A2", "A"),
        ("B2", "B"),
        ("A3", "A"),
        ("A4", "A"),
        ("A5", "A"),
        ("B3", "B"),
    ]:
        jobs.add(uuid, channel)
    # B hands over one job only, A four; root runs its best four
    assert jobs.run(100) == ["A1", "B1", "A2", "A3"]
    assert jobs.channel("root") == "root(C:4,Q:1,R:4,F:0)"
    # A4 waits in root's queue but counts as running in A
    assert jobs.channel("A") == "root.A(C:4,Q:1,R:4,F:0)"
    assert jobs.channel("B") == "root.B(C:1,Q:2,R:1,F:0)"
    assert jobs.run(101) == []
    jobs.set("A1", state="done")
    assert jobs.run(102) == ["A4"]
    assert jobs.channel("A") == "root.A(C:4,Q:0,R:4,F:0)"
    jobs.set("B1", state="done")
    # A5 reached root's queue when A1 ended; B2 is older
    assert jobs.run(103) == ["B2"]
    jobs.set("A2", state="done")
    jobs.set("A3", state="done")
    assert jobs.run(104) == ["A5"]
    assert jobs.manager.running_count() == 3
    assert jobs.manager.get_wakeup_time() == 0


def test_running_state_takes_capacity():
    jobs = Jobs("root:2")
    jobs.add("started", state="started")
    jobs.add("enqueued", state="enqueued")
    jobs.add("waiting")
    assert jobs.run(100) == []
    assert jobs.manager.running_count() == 2
    jobs.set("started", state="done")
    assert jobs.run(100) == ["waiting"]


def test_unlimited_capacity():
    jobs = Jobs("root:0,A:0")
    for index in range(30):
        jobs.add("J%d" % index, "A")
    assert len(jobs.run(100)) == 30
    jobs = Jobs("root:3")
    for index in range(5):
        jobs.add("J%d" % index, "unconfigured")  # created with no limit of its own
    assert len(jobs.run(100)) == 3


def test_priorities():
    jobs = Jobs("root:1")
    jobs.add("p20", priority=20)
    jobs.add("p5", priority=5)
    jobs.add("p10a", priority=10)
    jobs.add("p10b", priority=10)
    jobs.add("none", priority=None)  # the default priority, 10
    order = []
    for now in range(100, 105):
        (uuid,) = jobs.run(now)
        order.append(uuid)
        jobs.set(uuid, state="done")
    assert order == ["p5", "p10a", "p10b", "none", "p20"]


def test_priorities_across_channels_meet_at_root():
    jobs = Jobs("root:1,A:2,B:2")
    jobs.add("A-low", "A", priority=30)
    jobs.add("B-high", "B", priority=1)
    assert jobs.run(100) == ["B-high"]
    jobs.set("B-high", state="done")
    assert jobs.run(101) == ["A-low"]


def test_throttle():
    jobs = Jobs("root:4,T:2:throttle=10")
    for uuid in ("T1", "T2", "T3"):
        jobs.add(uuid, "T")
    assert jobs.run(100) == ["T1"]
    assert jobs.run(105) == []
    assert jobs.manager.get_wakeup_time() == 110
    assert jobs.run(110) == ["T2"]
    # full: the pause ends at 120, but no wake-up is asked for
    assert jobs.manager.get_wakeup_time() == 0
    assert jobs.run(125) == []
    jobs.set("T1", state="done")
    # the pause is over: the freed slot is used at once
    assert jobs.run(126) == ["T3"]
    assert jobs.manager.get_wakeup_time() == 0  # nothing left to run


def test_throttle_without_waiting_jobs_asks_no_wakeup():
    jobs = Jobs("root:4,T:3:throttle=10")
    jobs.add("T1", "T")
    assert jobs.run(100) == ["T1"]
    assert jobs.manager.get_wakeup_time() == 0
    jobs.add("T2", "T")
    assert jobs.run(101) == []
    assert jobs.manager.get_wakeup_time() == 110


def test_throttled_parent_of_subchannels():
    jobs = Jobs("root:4,P:4:throttle=5")
    jobs.add("x", "P.x")
    jobs.add("y", "P.y")
    assert jobs.run(100) == ["x"]
    assert jobs.run(102) == []
    assert jobs.manager.get_wakeup_time() == 105
    assert jobs.run(105) == ["y"]


def test_eta_wakeup():
    jobs = Jobs("root:2")
    jobs.add("later", eta=200)
    jobs.add("now")
    assert jobs.run(100) == ["now"]
    assert jobs.manager.get_wakeup_time() == 200
    assert jobs.run(150) == []
    assert jobs.run(200) == ["later"]
    assert jobs.manager.get_wakeup_time() == 0


def test_eta_in_subchannel_wakes_up():
    jobs = Jobs("root:2,A:1")
    jobs.add("e1", "A", eta=300)
    jobs.add("e2", "A.sub", eta=250)
    assert jobs.run(100) == []
    assert jobs.manager.get_wakeup_time() == 250
    assert jobs.run(260) == ["e2"]
    # A is full: no wake-up for e1 until e2 ends
    assert jobs.manager.get_wakeup_time() == 0
    jobs.set("e2", state="done")
    assert jobs.manager.get_wakeup_time() == 300
    assert jobs.run(300) == ["e1"]


def test_past_eta_competes_on_priority():
    jobs = Jobs("root:1")
    jobs.add("eta", priority=10, eta=150)
    jobs.add("urgent", priority=5)
    assert jobs.run(160) == ["urgent"]
    jobs.set("urgent", state="done")
    assert jobs.run(161) == ["eta"]


def test_full_channel_asks_no_wakeup():
    jobs = Jobs("root:1")
    jobs.add("running", state="started")
    jobs.add("later", eta=200)
    assert jobs.manager.get_wakeup_time() == 0


def test_sequential_with_failed_job():
    jobs = Jobs("root:4,S:1:sequential")
    jobs.add("S1", "S")
    jobs.add("S2", "S")
    jobs.add("other")
    assert jobs.run(100) == ["S1", "other"]
    jobs.set("S1", state="failed")
    assert jobs.channel("S") == "root.S(C:1,Q:1,R:0,F:1)"
    assert jobs.run(101) == []
    assert jobs.manager.window_size("S") == 0
    assert jobs.manager.get_wakeup_time() == 0
    # requeued: it runs again before S2
    jobs.set("S1", state="pending")
    assert jobs.run(102) == ["S1"]
    jobs.set("S1", state="done")
    assert jobs.run(103) == ["S2"]


def test_sequential_unblocked_when_failed_job_is_cancelled():
    jobs = Jobs("root:4,S:1:sequential")
    jobs.add("S1", "S", state="failed")
    jobs.add("S2", "S")
    assert jobs.run(100) == []
    jobs.set("S1", state="cancelled")
    assert jobs.run(101) == ["S2"]


def test_failed_job_does_not_block_other_channels():
    jobs = Jobs("root:1,A:1")
    jobs.add("A1", "A", state="failed")
    jobs.add("A2", "A")
    assert jobs.run(100) == ["A2"]
    assert jobs.channel("root") == "root(C:1,Q:0,R:1,F:0)"


def test_sequential_with_eta():
    jobs = Jobs("root:4,S:1:sequential,P:1")
    for channel in ("S", "P"):
        jobs.add(channel + "1", channel, eta=500)
        jobs.add(channel + "2", channel)
    # the parallel channel runs its due job; the sequential one waits
    assert jobs.run(100) == ["P2"]
    assert jobs.manager.get_wakeup_time() == 500
    assert jobs.run(500) == ["S1"]
    jobs.set("S1", state="done")
    assert jobs.run(501) == ["S2"]


def test_sequential_subchannels_flow_through_parent():
    jobs = Jobs("root:4,S:1:sequential")
    jobs.add("a", "S.x")
    jobs.add("b", "S.y")
    assert jobs.run(100) == ["a"]
    jobs.set("a", state="done")
    assert jobs.run(101) == ["b"]


# notifications


def test_notify_state_mapping(caplog):
    jobs = Jobs("root:10")
    jobs.add("pending")
    jobs.add("enqueued", state="enqueued")
    jobs.add("started", state="started")
    jobs.add("failed", state="failed")
    jobs.add("waiting", state="wait_dependencies")
    jobs.add("done", state="done")
    root = jobs.manager.get_channel_by_name("root")
    assert str(root) == "root(C:10,Q:1,R:2,F:1)"
    assert jobs.manager.get_job("waiting", "db") is None
    assert jobs.manager.get_job("done", "db") is None
    assert jobs.manager.get_job("pending", "db").uuid == "pending"
    for state in ("done", "cancelled", "", None, "wait_dependencies"):
        jobs.add("gone", state="pending")
        jobs.set("gone", state=state)
        assert jobs.manager.get_job("gone", "db") is None
    with caplog.at_level(logging.ERROR):
        jobs.set("pending", state="exploded")
    assert "unknown state 'exploded'" in caplog.text
    assert jobs.manager.get_job("pending", "db") is not None
    assert str(root) == "root(C:10,Q:1,R:2,F:1)"


def test_notify_same_values_is_idempotent():
    jobs = Jobs("root:1")
    jobs.add("a")
    first = jobs.manager.get_job("a", "db")
    jobs.set("a")
    assert jobs.manager.get_job("a", "db") is first
    assert jobs.run(100) == ["a"]
    jobs.set("a", state="started")
    jobs.set("a", state="started")
    assert jobs.manager.running_count() == 1
    assert jobs.run(101) == []


def test_notify_priority_change_reschedules():
    jobs = Jobs("root:1")
    jobs.add("a", priority=10)
    jobs.add("b", priority=10)
    jobs.set("b", priority=1)
    assert jobs.run(100) == ["b"]


def test_notify_eta_change_reschedules():
    jobs = Jobs("root:1")
    jobs.add("a")
    jobs.add("b")
    jobs.set("a", eta=300)
    assert jobs.run(100) == ["b"]
    jobs.set("b", state="done")
    assert jobs.manager.get_wakeup_time() == 300
    jobs.set("a", eta=None)
    assert jobs.run(101) == ["a"]


def test_notify_channel_change_moves_job():
    jobs = Jobs("root:4,A:1,B:1")
    jobs.add("A1", "A", state="started")
    jobs.add("x", "A")
    assert jobs.run(100) == []
    jobs.set("x", channel="B")
    assert jobs.channel("A") == "root.A(C:1,Q:0,R:1,F:0)"
    assert jobs.run(101) == ["x"]
    assert jobs.channel("B") == "root.B(C:1,Q:0,R:1,F:0)"


def test_notify_seq_or_date_change_makes_a_new_job():
    jobs = Jobs("root:1")
    jobs.add("a")
    first = jobs.manager.get_job("a", "db")
    jobs.set("a", seq=99)
    assert jobs.manager.get_job("a", "db") is not first
    second = jobs.manager.get_job("a", "db")
    jobs.set("a", date_created=123)
    assert jobs.manager.get_job("a", "db") is not second
    assert str(jobs.manager.get_channel_by_name("root")) == "root(C:1,Q:1,R:0,F:0)"


def test_running_job_back_to_pending_frees_capacity():
    jobs = Jobs("root:1")
    jobs.add("a")
    jobs.add("b")
    assert jobs.run(100) == ["a"]
    jobs.set("a", state="pending")  # requeued (a retry)
    assert jobs.run(101) == ["a"]


def test_running_report_of_a_job_waiting_at_root_is_not_handed_out_twice():
    jobs = Jobs("root:1,A:2")
    jobs.add("busy", "B", state="started")
    jobs.add("a1", "A")
    assert jobs.run(100) == []  # a1 waits in root's queue, counted running in A
    # a worker took a1 by itself (a dispatch slot claiming the next job)
    jobs.set("a1", state="started")
    jobs.set("busy", state="done")
    assert jobs.run(101) == []
    assert jobs.manager.running_count() == 1


def test_remove_job():
    jobs = Jobs("root:1")
    jobs.add("a")
    jobs.add("b")
    assert jobs.run(100) == ["a"]
    jobs.manager.remove_job("a")
    jobs.manager.remove_job("unknown")
    assert jobs.run(101) == ["b"]
    jobs.manager.remove_job("b", "db")
    assert jobs.manager.running_count() == 0


def test_remove_db_and_same_uuid_in_two_databases():
    jobs = Jobs("root:4,A:2")
    jobs.add("same", "A", db="db1")
    jobs.add("same", "A", db="db2")
    jobs.add("other", "A", db="db2")
    jobs.add("db1-running", "A", db="db1", state="started")
    assert jobs.run(100) == ["same"]
    assert jobs.manager.running_count() == 2
    assert {j.db_name for j in jobs.manager._root_channel._running} == {"db1"}
    jobs.manager.remove_db("db1")
    assert jobs.manager.get_job("same", "db1") is None
    assert jobs.manager.running_count() == 0
    assert sorted((j.db_name, j.uuid) for j in jobs.manager.get_jobs_to_run(101)) == [
        ("db2", "other"),
        ("db2", "same"),
    ]
    jobs.manager.remove_job("same", "db1")  # unknown there: nothing happens
    jobs.manager.remove_job("same")
    assert jobs.manager.running_count() == 1
    jobs.manager.remove_db("db1")  # unknown database


# channel names


def test_unknown_channel_fix_of_reference_quirk():
    manager = ChannelManager()
    manager.simple_configure("root:4,root.sub:2")
    channel = manager.get_channel_by_name(
        "root.sub.not.configured", parent_fallback=True
    )
    assert channel.fullname == "root.sub.not.configured"
    assert channel.capacity is None
    assert channel.parent.fullname == "root.sub.not"
    assert channel.parent.parent is manager.get_channel_by_name("root.sub")
    assert manager.get_channel_by_name("sub.not.configured") is channel
    with pytest.raises(channels.ChannelNotFound):
        manager.get_channel_by_name("root.sub.sub.not.configured")


def test_get_channel_by_name():
    manager = ChannelManager()
    manager.simple_configure("root:4,sub:2")
    root = manager.get_channel_by_name("root")
    assert manager.get_channel_by_name("") is root
    assert manager.get_channel_by_name(None) is root
    assert manager.get_channel_by_name(" root ") is root
    assert manager.get_channel_by_name("sub") is manager.get_channel_by_name("root.sub")
    with pytest.raises(channels.ChannelNotFound) as caught:
        manager.get_channel_by_name("root.nope")
    assert "root.nope" in str(caught.value)
    assert isinstance(caught.value, exception.BaseQueueJobError)
    assert manager.get_channel_by_name("a.b", autocreate=True).fullname == "root.a.b"
    assert root.get_subchannel_by_name("a").get_subchannel_by_name("b").name == "b"


def test_jobs_of_unknown_channels_respect_configured_ancestor():
    jobs = Jobs("root:4,sub:1")
    jobs.add("x", "root.sub.x.y")
    jobs.add("y", "sub.other")
    assert jobs.run(100) == ["x"]
    assert jobs.channel("root.sub.x.y") == "root.sub.x.y(C:∞,Q:0,R:1,F:0)"


# limit


def test_limit():
    jobs = Jobs("root:10")
    for index in range(5):
        jobs.add("J%d" % index, db="db%d" % (index % 2))
    assert jobs.run(100, limit=0) == []
    assert jobs.run(100, limit=2) == ["J0", "J1"]
    assert jobs.run(100, limit=2) == ["J2", "J3"]
    assert jobs.run(100, limit=2) == ["J4"]
    assert jobs.manager.running_count() == 5


def test_limit_with_subchannels_loses_no_job():
    jobs = Jobs("root:10,A:3,B:3")
    for index in range(3):
        jobs.add("A%d" % index, "A")
        jobs.add("B%d" % index, "B")
    first = jobs.run(100, limit=4)
    second = jobs.run(100, limit=4)
    assert len(first) == 4 and len(second) == 2
    assert sorted(first + second) == ["A0", "A1", "A2", "B0", "B1", "B2"]
