# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Two checkouts of this project benchmarked in turns.

Usage (tools/bench_pair.sh): bench_pair.py latency|drain TREE OTHER_TREE [N]

This machine's speed drifts by tens of percent within minutes, more than
two versions differ: two runs one after the other compare the moments, not
the code. Here each tree has its own database and they take turns, ABBA...,
so that both see the same moments:

- ``latency``: both servers (2 workers, root:2) run at once, idle but for
  one job each in turn; a sample is what ``bench_drain`` calls "commit ->
  job's code runs" (enqueue committed over XML-RPC -> the job's first line,
  the worker's clock). N samples each (default 300).
- ``drain``: ``bench_drain.drain_ours`` of each tree in turn (2,000 jobs,
  2 HTTP workers), N drains each (default 3); rates in jobs/s.

Each tree needs test_queue_job's e2e model and bench/run.py.
"""
import importlib.util
import os
import subprocess
import sys
import time

WARMUP = 5  # latency samples of each server not counted
DEFAULT_COUNT = {"latency": 300, "drain": 3}


def _load(tree, name):
    spec = importlib.util.spec_from_file_location(
        "pair_" + name, os.path.join(tree, "bench", name + ".py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _serve(mode, tree):
    """In a process of its own, on ``tree``'s code: one database, then a
    sample (a line) for each line read."""
    sys.path[:0] = [os.path.join(tree, "tools"), os.path.join(tree, "bench")]
    ctx = _load(tree, "run").Context()
    try:
        dbname = ctx.database(["queue_job", "test_queue_job"])
        if mode == "drain":
            drain = _load(tree, "bench_drain").drain_ours
            print("ready", flush=True)
            for _line in sys.stdin:
                _forget_jobs(dbname)
                rate, _peak, _once = drain(dbname)
                print("%.6f" % rate, flush=True)
        else:
            _serve_latency(dbname)
    finally:
        ctx.close()


def _forget_jobs(dbname):
    """The previous drain's jobs gone (an older drain_ours would count them)."""
    import psycopg2

    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("DELETE FROM queue_job WHERE model_name = 'test.queue.job.e2e'")
            cr.execute("VACUUM ANALYZE queue_job")
    finally:
        conn.close()


def _serve_latency(dbname):
    import xmlrpc.client

    import psycopg2
    import qjdev

    server = qjdev.OdooServer(dbname, workers=2, channels="root:2")
    server.start()
    try:
        server.wait_ready(dbname, timeout=120)
        uid = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/common").authenticate(
            dbname, "admin", "admin", {}
        )
        models = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object")
        conn = psycopg2.connect(dbname=dbname)
        conn.autocommit = True
        print("ready", flush=True)
        for _line in sys.stdin:
            (uuid,) = models.execute_kw(
                dbname,
                uid,
                "admin",
                "test.queue.job.e2e",
                "enqueue",
                [[{"tag": "pair"}]],
            )
            print("%.6f" % (_latency(conn, uuid) * 1000), flush=True)
    finally:
        server.stop()


def _latency(conn, uuid, timeout=30):
    deadline = time.time() + timeout
    with conn.cursor() as cr:
        while True:
            cr.execute(
                "SELECT a.at - c.committed FROM queue_job j"
                " JOIN queue_job_e2e_attempt a ON a.uuid = j.uuid"
                " JOIN queue_job_e2e_commit c ON c.uuid = j.uuid"
                " WHERE j.uuid = %s AND j.state = 'done'",
                (uuid,),
            )
            row = cr.fetchone()
            if row:
                return row[0]
            if time.time() > deadline:
                raise RuntimeError("job %s not done in %d s" % (uuid, timeout))
            time.sleep(0.002)


def _percentile(values, pct):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(pct / 100.0 * (len(values) - 1))))]


def compare(mode, trees, count):
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", mode, tree],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, QJ_ROOT=tree),
        )
        for tree in trees
    ]
    warmup = WARMUP if mode == "latency" else 0
    found = [[], []]
    try:
        for tree, proc in zip(trees, procs):
            if proc.stdout.readline().strip() != "ready":
                sys.exit("%s: no database or server" % tree)
        for i in range(warmup + count):
            # ABBA: neither goes first more often
            for index in (0, 1) if i % 2 == 0 else (1, 0):
                procs[index].stdin.write("go\n")
                procs[index].stdin.flush()
                value = float(procs[index].stdout.readline())
                if i >= warmup:
                    found[index].append(value)
                if mode == "drain":
                    print("  %s %.1f" % (trees[index], value), flush=True)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.stdin.close()
        for proc in procs:
            proc.wait()
    _report(mode, trees, found, count)


def _report(mode, trees, found, count):
    names = [os.path.basename(tree.rstrip("/")) for tree in trees]
    if mode == "drain":
        print("drain, jobs/s (%d drains each, in turns)" % count)
        for tree, values in zip(trees, found):
            print(
                "  %-40s median %.1f  mean %.1f"
                % (tree, _percentile(values, 50), sum(values) / len(values))
            )
        pairs = [a / b for a, b in zip(*found)]
        print(
            "  ratio %s / %s: of medians %.3f, drain by drain %s"
            % (
                names[0],
                names[1],
                _percentile(found[0], 50) / _percentile(found[1], 50),
                " ".join("%.3f" % ratio for ratio in pairs),
            )
        )
        return
    print("commit -> job's code runs, ms (%d samples each, in turns)" % count)
    for tree, values in zip(trees, found):
        print(
            "  %-40s p50 %.3f  p95 %.3f  mean %.3f"
            % (
                tree,
                _percentile(values, 50),
                _percentile(values, 95),
                sum(values) / len(values),
            )
        )
    first, other = found
    print(
        "  ratio %s / %s: p50 %.3f  p95 %.3f"
        % (
            names[0],
            names[1],
            _percentile(first, 50) / _percentile(other, 50),
            _percentile(first, 95) / _percentile(other, 95),
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        _serve(sys.argv[2], sys.argv[3])
    elif sys.argv[1] in ("latency", "drain") and len(sys.argv) >= 4:
        compare(
            sys.argv[1],
            [os.path.abspath(tree) for tree in sys.argv[2:4]],
            int(sys.argv[4]) if len(sys.argv) > 4 else DEFAULT_COUNT[sys.argv[1]],
        )
    else:
        sys.exit(__doc__)
