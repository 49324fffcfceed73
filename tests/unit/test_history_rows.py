"""What a roll-up adds to the history: the counters' gains since their
marks, as one row per channel (jobrunner/history.py; its SQL is tested in
tests/e2e/test_history.py)."""
import pure_import

history = pure_import.load("jobrunner.history")
schema = pure_import.load("schema")


def test_deltas_since_marks():
    totals = {("root", "done"): 10.0, ("root", "failed"): 2.0, ("a", "done"): 1.0}
    marks = {("root", "done"): 7.0, ("root", "failed"): 2.0}
    assert history.deltas(totals, marks) == {("root", "done"): 3.0, ("a", "done"): 1.0}


def test_a_total_below_its_mark_starts_again():
    assert history.deltas({("root", "done"): 4.0}, {("root", "done"): 9.0}) == {
        ("root", "done"): 4.0
    }


def test_history_rows_pivot_counts_and_buckets():
    gained = {
        ("root", "done"): 3.0,
        ("root", "postponed"): 1.0,
        ("root", "dead_jobs_found"): 1.0,
        ("root", "latency_le_0.1"): 2.0,
        ("root", "latency_le_inf"): 1.0,
        ("root", "runtime_le_3600"): 4.0,
        ("root", "latency_sum"): 0.5,
    }
    (row,) = history.history_rows(gained)
    assert (row["done"], row["retried"], row["dead"], row["enqueued"]) == (3, 1, 1, 0)
    assert row["latency_sum"] == 0.5
    latency = row["latency_buckets"]
    assert len(latency) == len(schema.LATENCY_BUCKETS) + 1
    assert latency[schema.LATENCY_BUCKETS.index(0.1)] == 2 and latency[-1] == 1
    assert row["runtime_buckets"][schema.RUNTIME_BUCKETS.index(3600)] == 4
    assert sum(row["runtime_buckets"]) == 4
