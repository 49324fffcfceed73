# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Our extensions of the scheduler: runtime overrides (capacity, pause) and
the window sizes of the bounded job set."""
import itertools
import logging

import pure_import
import pytest

channels = pure_import.load("jobrunner.channels")
ChannelManager = channels.ChannelManager


def make(config):
    manager = ChannelManager()
    manager.simple_configure(config)
    manager.seq = itertools.count(1)
    return manager


def add(manager, uuid, channel="root", state="pending", eta=None, priority=10):
    seq = next(manager.seq)
    manager.notify("db", channel, uuid, seq, seq, priority, eta, state)


def done(manager, uuid):
    manager.notify("db", "", uuid, 0, 0, 10, None, "done")


def run(manager, now=100, limit=None):
    return [job.uuid for job in manager.get_jobs_to_run(now, limit)]


# overrides


def test_override_raises_capacity():
    manager = make("root:10,A:1")
    for index in range(4):
        add(manager, "A%d" % index, "A")
    assert run(manager) == ["A0"]
    manager.set_overrides({"root.A": {"capacity": 3}})
    assert manager.get_channel_by_name("A").capacity == 3
    assert run(manager) == ["A1", "A2"]
    assert run(manager) == []


def test_override_lowers_capacity_running_jobs_go_on():
    manager = make("root:10,A:3")
    for index in range(5):
        add(manager, "A%d" % index, "A")
    assert run(manager) == ["A0", "A1", "A2"]
    manager.set_overrides({"A": {"capacity": 1}})
    done(manager, "A0")
    done(manager, "A1")
    assert run(manager) == []  # A2 still runs: A is full at 1
    assert manager.running_count() == 1
    done(manager, "A2")
    assert run(manager) == ["A3"]


def test_dropping_override_restores_configuration():
    manager = make("root:10,A:1")
    manager.set_overrides(
        {"A": {"capacity": 5, "paused": True}, "root": {"capacity": 2}}
    )
    assert manager.get_channel_by_name("root").capacity == 2
    manager.set_overrides({"A": {"capacity": 4}})
    assert manager.get_channel_by_name("root").capacity == 10
    assert manager.get_channel_by_name("A").capacity == 4
    assert not manager.get_channel_by_name("A").paused
    manager.set_overrides({})
    assert manager.get_channel_by_name("A").capacity == 1
    manager.set_overrides(None)
    assert manager.get_channel_by_name("A").capacity == 1


def test_override_capacity_none_keeps_configuration():
    manager = make("root:10,A:2")
    manager.set_overrides({"A": {"capacity": None, "paused": False}})
    assert manager.get_channel_by_name("A").capacity == 2


def test_override_capacity_zero_is_unlimited():
    manager = make("root:0,A:1")
    for index in range(3):
        add(manager, "A%d" % index, "A")
    manager.set_overrides({"A": {"capacity": 0}})
    assert len(run(manager)) == 3


def test_pause_and_resume():
    manager = make("root:10,A:5")
    add(manager, "running", "A", state="started")
    add(manager, "a", "A")
    add(manager, "sub", "A.sub")
    add(manager, "other", "B")
    manager.set_overrides({"root.A": {"paused": True}})
    assert run(manager) == ["other"]
    assert manager.window_size("A") == 0
    assert manager.window_size("A.sub") == 0
    assert manager.window_size("B") == 8  # root:10, two running
    # running jobs of a paused channel go on and end
    done(manager, "running")
    assert manager.running_count() == 1
    assert run(manager) == []
    manager.set_overrides({})
    assert sorted(run(manager)) == ["a", "sub"]


def test_pause_root_stops_everything():
    manager = make("root:10")
    add(manager, "a", "A", eta=150)
    manager.set_overrides({"root": {"paused": True}})
    assert run(manager, now=200) == []
    assert manager.get_wakeup_time() == 0
    manager.set_overrides({})
    assert manager.get_wakeup_time() == 150
    assert run(manager, now=200) == ["a"]


def test_paused_subtree_asks_no_wakeup_for_due_eta():
    manager = make("root:10,A:2")
    add(manager, "e", "A.sub", eta=150)
    manager.set_overrides({"A": {"paused": True}})
    assert run(manager, now=200) == []
    assert manager.get_wakeup_time() == 0


def test_override_creates_unknown_channel_under_its_parents():
    manager = make("root:10,A:2")
    manager.set_overrides({"root.A.new.deep": {"capacity": 1}})
    channel = manager.get_channel_by_name("root.A.new.deep")
    assert channel.capacity == 1
    assert channel.parent.fullname == "root.A.new"
    assert channel.parent.parent is manager.get_channel_by_name("A")
    add(manager, "x", "A.new.deep")
    add(manager, "y", "A.new.deep")
    assert run(manager) == ["x"]
    manager.set_overrides({})
    assert channel.capacity is None
    assert run(manager) == ["y"]


def test_sequential_channel_keeps_capacity_one(caplog):
    manager = make("root:10,S:1:sequential")
    with caplog.at_level(logging.WARNING):
        manager.set_overrides({"S": {"capacity": 3, "paused": False}})
    assert manager.get_channel_by_name("S").capacity == 1
    assert "sequential" in caplog.text and "root.S" in caplog.text
    manager.set_overrides({"S": {"capacity": 1, "paused": True}})
    assert manager.get_channel_by_name("S").paused


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"A": {"capacity": -1}}, "invalid capacity -1"),
        ({"A": {"capacity": "2"}}, "invalid capacity '2'"),
        ({"A": {"capacity": True}}, "invalid capacity True"),
        ({"A": {"paused": "yes"}}, "invalid paused 'yes'"),
        ({"A": {"capcity": 2}}, "unknown keys capcity"),
        ({"A": 3}, "expected a dict"),
        ({3: {}}, "invalid channel name 3"),
    ],
)
def test_invalid_overrides_change_nothing(overrides, fragment):
    manager = make("root:10,A:2")
    manager.set_overrides({"A": {"capacity": 5}})
    overrides = dict(overrides)
    overrides["root"] = {"paused": True}
    with pytest.raises(ValueError) as caught:
        manager.set_overrides(overrides)
    assert fragment in str(caught.value)
    if isinstance(next(iter(overrides)), str):
        assert "root.A" in str(caught.value)
    assert manager.get_channel_by_name("A").capacity == 5
    assert not manager.get_channel_by_name("root").paused


# window sizes


def test_window_size_free_capacity():
    manager = make("root:10,A:4")
    assert manager.window_size("A") == 4
    add(manager, "r1", "A", state="started")
    assert manager.window_size("root.A") == 3
    assert manager.window_size("root") == 9
    assert manager.window_size("") == 9


def test_window_size_bounded_by_ancestors():
    manager = make("root:2,A:4,A.B:3")
    assert manager.window_size("A.B") == 2
    add(manager, "r1", "C", state="started")
    assert manager.window_size("A.B") == 1
    add(manager, "r2", "C", state="started")
    assert manager.window_size("A.B") == 0
    assert manager.window_size("A") == 0


def test_window_size_counts_jobs_handed_to_parent():
    manager = make("root:1,A:3")
    add(manager, "busy", "B", state="started")
    add(manager, "a1", "A")
    assert run(manager) == []
    # a1 waits at root but already counts in A
    assert manager.window_size("A") == 0  # root is full
    done(manager, "busy")
    # root has a free slot: A's best job may compete for it (a1 itself, or a
    # better one arrived since); jobs waiting at root are not subtracted
    assert manager.window_size("A") == 1
    add(manager, "a2", "A", priority=1)
    assert run(manager) == ["a2"]
    assert manager.window_size("A") == 0  # A: a1 and a2 take 2 of 3, root full


def test_window_size_unlimited_is_capped():
    manager = make("root:0")
    assert manager.window_size("anything") == channels.WINDOW_MAX == 50
    manager = make("root:200,A:100")
    assert manager.window_size("A") == 50


def test_window_size_unknown_channel_under_configured_one():
    manager = make("root:10,A:2")
    assert manager.window_size("A.unknown.x") == 2
    assert manager.get_channel_by_name("A.unknown.x").fullname == "root.A.unknown.x"


def test_window_size_sequential():
    manager = make("root:10,S:1:sequential")
    assert manager.window_size("S") == 1
    assert manager.window_size("S.child") == 1
    add(manager, "s1", "S")
    assert run(manager) == ["s1"]
    assert manager.window_size("S") == 0
    manager.notify("db", "S", "s1", 1, 1, 10, None, "failed")
    assert manager.window_size("S") == 0
    assert manager.window_size("S.child") == 0
    done(manager, "s1")
    assert manager.window_size("S") == 1


def test_window_size_throttled():
    manager = make("root:10,T:5:throttle=30")
    assert manager.window_size("T") == 1
    assert manager.window_size("T.child") == 1


def test_window_size_full_and_paused():
    manager = make("root:10,A:1")
    add(manager, "a", "A", state="enqueued")
    assert manager.window_size("A") == 0
    manager.set_overrides({"A": {"capacity": 3}})
    assert manager.window_size("A") == 2
    manager.set_overrides({"A": {"capacity": 3, "paused": True}})
    assert manager.window_size("A") == 0


def test_running_count():
    manager = make("root:10,A:1")
    assert manager.running_count() == 0
    add(manager, "a", "A", state="started")
    add(manager, "b", "B", state="enqueued")
    add(manager, "c", "B")
    add(manager, "d", "B", state="failed")
    assert manager.running_count() == 2
    assert run(manager) == ["c"]
    assert manager.running_count() == 3


def test_report_lists_every_channel_with_its_counts():
    manager = ChannelManager()
    manager.simple_configure("root:4,root.a:2,root.a.x:1:sequential,root.b:1")
    manager.set_overrides({"root.b": {"capacity": 3, "paused": True}})
    manager.notify("db", "root.a", "u1", 1, 0, 10, None, "started")
    manager.notify("db", "root.a", "u2", 2, 0, 10, None, "pending")
    rows = {row["channel"]: row for row in manager.report()}
    assert [row["channel"] for row in manager.report()] == [
        "root",
        "root.a",
        "root.a.x",
        "root.b",
    ]
    assert rows["root"]["capacity"] == 4 and rows["root"]["running"] == 1
    assert rows["root.a"]["running"] == 1 and rows["root.a"]["queued"] == 1
    assert rows["root.a.x"]["sequential"] is True
    assert rows["root.b"]["capacity"] == 3 and rows["root.b"]["paused"] is True
