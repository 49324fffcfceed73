# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""ChannelManager.get_wakeup_time() along the scenarios the reference
documents for it (throttle, throttle with a full channel, eta, sequential).

Where our answer differs from the reference's on purpose, the step says so
(readme/COMPATIBILITY.rst lists the same): we ask for a wake-up only when a
job could be handed out then, never for a pause ending with nothing behind
it, nor for a later eta while a sequential channel's first job is due."""
import pure_import

channels = pure_import.load("jobrunner.channels")


class Scenario:
    def __init__(self, config):
        self.manager = channels.ChannelManager()
        self.manager.simple_configure(config)

    def job(self, uuid, channel, seq, state="pending", eta=None):
        # every job created at 0 with priority 10, as in the scenarios
        self.manager.notify("db", channel, uuid, seq, 0, 10, eta, state)

    def run(self, now):
        return [job.uuid for job in self.manager.get_jobs_to_run(now)]

    @property
    def wakeup(self):
        return self.manager.get_wakeup_time()


def test_throttle_wakes_up_at_the_end_of_the_pause_when_a_job_waits():
    s = Scenario("root:4,A:4:throttle=2")
    s.job("A1", "A", 1)
    s.job("A2", "A", 2)
    assert s.run(100) == ["A1"]
    assert s.wakeup == 102
    assert s.run(101) == []
    assert s.wakeup == 102
    assert s.run(102) == ["A2"]
    # the reference: 104, the end of the new pause, with nothing left to run
    assert s.wakeup == 0
    s.job("A3", "A", 3)
    assert s.wakeup == 104
    assert s.run(103) == []
    assert s.run(104) == ["A3"]


def test_throttle_and_full_channel():
    s = Scenario("root:4,T:2:throttle=2")
    for seq in (1, 2, 3):
        s.job("T%d" % seq, "T", seq)
    assert s.run(100) == ["T1"]
    assert s.run(102) == ["T2"]
    # full: the pause is over, yet only a finished job frees room
    assert s.run(103) == []
    assert s.wakeup == 0
    assert s.run(104) == []
    assert s.wakeup == 0
    s.job("T1", "T", 1, state="done")
    assert s.run(105) == ["T3"]
    assert s.wakeup == 0
    s.job("T2", "T", 2, state="done")
    # the reference: 107, the end of the pause, with no job left in T
    assert s.wakeup == 0


def test_eta_wakes_up_only_with_room_to_run():
    s = Scenario("root:4,E:1")
    for seq in (1, 2, 3):
        s.job("E%d" % seq, "E", seq)
    assert s.run(100) == ["E1"]
    assert s.run(101) == []
    s.job("E1", "E", 1, eta=105)  # postponed
    assert s.wakeup == 105
    assert s.run(102) == ["E2"]  # room now: the next job goes
    assert s.run(106) == []  # E is full again
    assert s.wakeup == 0
    s.job("E2", "E", 2, state="done")
    assert s.wakeup == 105
    assert s.run(107) == ["E1"]
    assert s.wakeup == 0


def test_sequential_wakes_up_for_its_first_job_only():
    s = Scenario("root:4,S:1:sequential")
    for seq in (1, 2, 3):
        s.job("S%d" % seq, "S", seq)
    assert s.run(100) == ["S1"]
    s.job("S1", "S", 1, state="failed")
    assert s.run(101) == []
    s.job("S2", "S", 2, eta=105)
    assert s.run(102) == []
    assert s.wakeup == 0  # blocked by its failed job
    s.job("S1", "S", 1)  # requeued
    # the reference: 105, S2's eta; S1 comes first and is due: nothing to
    # wait for
    assert s.wakeup == 0
    assert s.run(102) == ["S1"]
    assert s.run(103) == []
    s.job("S1", "S", 1, state="done")
    assert s.wakeup == 105  # S2 is first now, and waits for its eta
    assert s.run(103) == []
    assert s.run(105) == ["S2"]
    s.job("S2", "S", 2, state="done", eta=105)
    assert s.run(105) == ["S3"]
    s.job("S3", "S", 3, state="done")
    assert s.run(105) == []
    assert s.wakeup == 0


def test_full_parent_asks_no_wakeup_for_its_subchannels():
    s = Scenario("root:1")
    s.job("busy", "root", 1, state="started")
    s.job("later", "A", 2, eta=200)
    assert s.wakeup == 0  # the eta job could only wait in root's queue
    s.job("busy", "root", 1, state="done")
    assert s.wakeup == 200


def test_throttled_parent_holds_back_earlier_subchannel_etas():
    s = Scenario("root:4,P:4:throttle=10")
    s.job("first", "P", 1)
    s.job("soon", "P.x", 2, eta=103)
    assert s.run(100) == ["first"]
    # "soon" is due at 103 but P hands nothing out before 110
    assert s.wakeup == 110
    assert s.run(110) == ["soon"]
