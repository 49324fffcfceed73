# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The runner's view of one database's jobs (jobrunner/view.py), fed with
rows shaped as the pass query returns them, and its clock (jobrunner/clock.py)."""
from datetime import datetime, timedelta

import pure_import

channels = pure_import.load("jobrunner.channels")
clock = pure_import.load("jobrunner.clock")
view_module = pure_import.load("jobrunner.view")

T0 = datetime(2024, 5, 1, 12, 0, 0)  # the wall clock of the tests, in UTC


def at(seconds, mono=None):
    """A reading of the clocks ``seconds`` after T0 (monotonic: 1000 + that)."""
    wall = clock.epoch(T0) + seconds
    return clock.Now(1000.0 + seconds if mono is None else mono, wall)


class Rows:
    """Pass rows of made-up jobs: ids and creation dates increase."""

    def __init__(self):
        self.next_id = 0

    def job(self, kind, uuid, channel="root", state="pending", priority=10, eta=None):
        self.next_id += 1
        created = T0 - timedelta(hours=1) + timedelta(seconds=self.next_id)
        return (kind, uuid, channel, self.next_id, created, priority, eta, state)

    @staticmethod
    def eta(value):
        return ("e", None, None, None, None, None, value, None)


def make_view(config="root:4"):
    manager = channels.ChannelManager()
    manager.simple_configure(config)
    return view_module.JobView("db", manager)


def dispatch(view, now):
    """What the runner does after a pass: dispatch what the manager gives."""
    uuids = []
    for job in view.manager.get_jobs_to_run(now.wall):
        view.dispatched(job, now)
        uuids.append(job.uuid)
    return uuids


# window sizes


def test_window_sizes_follow_capacities_not_what_runs():
    view = make_view("root:4,A:2,S:1:sequential,T:3:throttle=5")
    view.channels = {"root", "A", "S", "T", "A.sub"}
    view.manager.set_overrides({"root.paused": {"paused": True}})
    view.channels.add("paused")
    sizes, sequential = view.window_sizes()
    assert sizes == {"root": 4, "A": 2, "A.sub": 2, "S": 1, "T": 1}
    assert sequential == {"S"}


def test_window_grows_by_the_jobs_in_flight():
    view = make_view("root:4,A:2")
    rows = Rows()
    view.channels = {"A"}
    now = at(0)
    view.pass_params(now)
    view.apply([rows.job("w", "a1", "A"), rows.job("w", "a2", "A")], now)
    assert dispatch(view, now) == ["a1", "a2"]
    sizes, _seq = view.window_sizes()
    # both still pending in the database: the window reads past them
    assert sizes == {"A": 4}


def test_pass_params():
    view = make_view("root:4,S:1:sequential")
    view.channels = {"S", "root"}
    params = view.pass_params(at(0))
    inflight, names, sizes, seq, sequential, now_utc = params
    assert inflight == []
    assert dict(zip(names, sizes)) == {"S": 1, "root": 4}
    assert dict(zip(names, seq)) == {"S": True, "root": False}
    assert sequential == ["S"]
    assert now_utc == T0


# applying a pass


def test_window_rows_are_queued_and_dispatched_by_priority():
    view = make_view("root:4")
    rows = Rows()
    view.channels = {"root"}
    now = at(0)
    view.pass_params(now)
    view.apply(
        [
            rows.job("w", "low", priority=20),
            rows.job("w", "high", priority=1),
            rows.job("w", "mid"),
            rows.job("r", "busy", state="started"),
            Rows.eta(T0 + timedelta(minutes=5)),
        ],
        now,
    )
    assert set(view.queued) == {"low", "high", "mid"}
    assert view.next_eta == clock.epoch(T0 + timedelta(minutes=5))
    assert view.windows_full is False  # 3 rows in a window of 4
    assert dispatch(view, now) == ["high", "mid", "low"]
    assert set(view.inflight) == {"high", "mid", "low"}
    assert set(view.running) == {"high", "mid", "low", "busy"}
    assert view.queued == {}


def test_full_window_asks_for_another_pass():
    view = make_view("root:1")
    rows = Rows()
    view.channels = {"root"}
    now = at(0)
    view.pass_params(now)
    view.apply([rows.job("w", "only")], now)
    assert view.windows_full is True


def test_job_in_flight_counts_until_it_starts_or_times_out():
    view = make_view("root:1")
    rows = Rows()
    view.channels = {"root"}
    first, second = rows.job("w", "first"), rows.job("w", "second")
    now = at(0)
    view.pass_params(now)
    view.apply([first, second], now)
    assert dispatch(view, now) == ["first"]
    # next pass: still pending (its request is on its way), read as "r"
    later = at(view_module.INFLIGHT_TIMEOUT - 1)
    view.pass_params(later)
    view.apply([("r",) + first[1:], second], later)
    assert "first" in view.inflight and "first" in view.running
    assert dispatch(view, later) == []  # root:1 is taken by the request
    assert view.inflight_deadline() == now.mono + view_module.INFLIGHT_TIMEOUT
    # never started: dropped, and its window brings it back as pending
    late = at(view_module.INFLIGHT_TIMEOUT + 1)
    view.pass_params(late)
    view.apply([("r",) + first[1:], first, second], late)
    assert view.inflight == {} and "first" not in view.running
    assert "first" in view.queued
    assert dispatch(view, late) == ["first"]


def test_job_in_flight_started_then_done():
    view = make_view("root:1")
    rows = Rows()
    view.channels = {"root"}
    job = rows.job("w", "job")
    now = at(0)
    view.pass_params(now)
    view.apply([job], now)
    assert dispatch(view, now) == ["job"]
    started = ("r",) + job[1:7] + ("started",)
    view.pass_params(at(1))
    view.apply([started], at(1))
    assert view.inflight == {} and view.running == {"job": "root"}
    assert view.manager.running_count() == 1
    # done: no row any more
    view.pass_params(at(2))
    view.apply([], at(2))
    assert view.running == {} and view.manager.running_count() == 0


def test_job_in_flight_postponed_is_let_go():
    view = make_view("root:1")
    rows = Rows()
    view.channels = {"root"}
    job = rows.job("w", "job")
    now = at(0)
    view.pass_params(now)
    view.apply([job], now)
    assert dispatch(view, now) == ["job"]
    # it ran and was postponed: pending again, with a future eta
    postponed = ("r",) + job[1:6] + (T0 + timedelta(seconds=30), "pending")
    view.pass_params(at(1))
    view.apply([postponed, Rows.eta(T0 + timedelta(seconds=30))], at(1))
    assert view.inflight == {} and view.running == {}
    assert view.next_eta == clock.epoch(T0) + 30


def test_running_jobs_of_other_runners_take_capacity():
    view = make_view("root:2")
    rows = Rows()
    view.channels = {"root"}
    now = at(0)
    view.pass_params(now)
    view.apply(
        [
            rows.job("r", "elsewhere", state="started"),
            rows.job("w", "a"),
            rows.job("w", "b"),
        ],
        now,
    )
    assert dispatch(view, now) == ["a"]


def test_due_eta_ranks_by_priority_only():
    view = make_view("root:1")
    rows = Rows()
    view.channels = {"root"}
    now = at(0)
    view.pass_params(now)
    past = T0 - timedelta(seconds=10)
    view.apply(
        [rows.job("w", "was-delayed", eta=past), rows.job("w", "urgent", priority=1)],
        now,
    )
    # with its eta kept, the delayed job would go first (eta jobs first)
    assert dispatch(view, now) == ["urgent"]


def test_failed_job_blocks_its_sequential_channel_while_read():
    view = make_view("root:4,S:1:sequential")
    rows = Rows()
    view.channels = {"S"}
    failed = rows.job("f", "broken", "S", state="failed")
    waiting = rows.job("w", "next", "S")
    now = at(0)
    view.pass_params(now)
    view.apply([failed, waiting], now)
    assert view.failed == {"broken": "S"}
    assert dispatch(view, now) == []
    # the failed job was requeued or cancelled: not read any more
    view.pass_params(at(1))
    view.apply([waiting], at(1))
    assert view.failed == {}
    assert dispatch(view, at(1)) == ["next"]


def test_jobs_gone_from_a_window_are_forgotten():
    view = make_view("root:1,A:1")
    rows = Rows()
    view.channels = {"A"}
    now = at(0)
    view.pass_params(now)
    view.apply(
        [rows.job("r", "busy", "A", state="started"), rows.job("w", "a", "A")], now
    )
    assert "a" in view.queued
    view.pass_params(at(1))
    view.apply([rows.job("r", "busy", "A", state="started")], at(1))  # a cancelled
    assert view.queued == {}
    assert view.manager.get_job("a", "db") is None


def test_undelivered_request_is_retried_within_a_second():
    view = make_view("root:1")
    rows = Rows()
    view.channels = {"root"}
    now = at(0)
    view.pass_params(now)
    view.apply([rows.job("w", "job")], now)
    assert dispatch(view, now) == ["job"]
    view.undelivered("job", at(0.5))
    assert view.inflight_deadline() == at(0.5).mono + 1
    view.undelivered("unknown", at(0.5))
    assert set(view.inflight) == {"job"}


def test_reset_forgets_everything():
    view = make_view("root:4,S:1:sequential")
    rows = Rows()
    view.channels = {"root", "S"}
    now = at(0)
    view.pass_params(now)
    view.apply(
        [
            rows.job("r", "run", state="started"),
            rows.job("w", "wait"),
            rows.job("f", "fail", "S", state="failed"),
        ],
        now,
    )
    dispatch(view, now)
    view.reset()
    assert not (view.running or view.queued or view.failed or view.inflight)
    assert view.manager.running_count() == 0
    for uuid in ("run", "wait", "fail"):
        assert view.manager.get_job(uuid, "db") is None


# the clock


def test_clock_deadline_and_utc():
    now = clock.Now(mono=50.0, wall=clock.epoch(T0))
    assert now.utc == T0
    assert now.deadline(clock.epoch(T0) + 7) == 57.0
    assert now.deadline(clock.epoch(T0) - 3) == 47.0  # already past
    assert now.deadline(0) is None and now.deadline(None) is None
    assert clock.epoch(None) is None
