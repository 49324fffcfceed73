# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""TimeLimit (time_limit.py) stops a block in its own thread, cancels the
query of a real PostgreSQL connection, and never fires after the block."""
import threading
import time

import psycopg2
import pure_import
import pytest

time_limit = pure_import.load("time_limit")
exception = pure_import.load("exception")
TimeLimit = time_limit.TimeLimit


def test_python_work_is_stopped_with_the_limit_in_the_message():
    begin = time.monotonic()
    with pytest.raises(exception.JobTimeoutError) as caught:
        with TimeLimit(0.3, None, "Job"):
            while True:
                time.sleep(0.01)
    assert 0.3 <= time.monotonic() - begin < 2
    assert "time limit of 0.3 s" in str(caught.value)


def test_running_query_is_cancelled():
    try:
        cnx = psycopg2.connect(dbname="postgres")
    except psycopg2.OperationalError as err:
        pytest.fail("the test cluster must run (make test starts it): %s" % err)
    try:
        begin = time.monotonic()
        with pytest.raises(exception.JobTimeoutError):
            with TimeLimit(0.3, cnx, "Job"):
                with cnx.cursor() as cr:
                    cr.execute("SELECT pg_sleep(30)")
        # the query did not run its 30 s, and the connection is usable
        assert time.monotonic() - begin < 5
        cnx.rollback()
        with cnx.cursor() as cr:
            cr.execute("SELECT 1")
            assert cr.fetchone() == (1,)
    finally:
        cnx.close()


def test_no_limit_and_a_block_done_in_time_are_left_alone():
    with TimeLimit(0, None) as unlimited:
        time.sleep(0.05)
    assert not unlimited.fired
    with TimeLimit(0.2, None) as limited:
        pass
    time.sleep(0.4)  # the timer is gone: nothing raised here
    assert not limited.fired


def test_only_the_limited_thread_is_stopped():
    other_done = threading.Event()

    def other():
        time.sleep(0.6)
        other_done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with pytest.raises(exception.JobTimeoutError):
        with TimeLimit(0.2, None):
            while True:
                time.sleep(0.01)
    thread.join()
    assert other_done.is_set()


def test_stop_watch_stops_only_the_stopped_job():
    asked = []

    def stopped(dbname, uuids):
        asked.append((dbname, sorted(uuids)))
        return {"stop-me"}

    watch = time_limit.StopWatch(stopped, poll=0.2)
    other_done = threading.Event()

    def other():
        with TimeLimit(0, None, "Job", watch, "db1", "keep-me"):
            time.sleep(1.0)
        other_done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with pytest.raises(exception.JobStoppedError) as caught:
        with TimeLimit(0, None, "Job", watch, "db1", "stop-me"):
            while True:
                time.sleep(0.01)
    assert "stopped by a user" in str(caught.value)
    thread.join()
    assert other_done.is_set()
    assert ("db1", ["keep-me", "stop-me"]) in asked
