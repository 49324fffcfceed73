# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Start latency of two checkouts of this project, sample by sample.

Usage (tools/latency_pair.sh): latency_pair.py TREE OTHER_TREE [SAMPLES]

This machine's speed drifts by tens of percent within minutes, more than
two versions differ: two latency runs one after the other compare the
moments, not the code. Here each tree runs its own server (2 workers,
root:2) on its own database, both at once, and they take turns, one job
each (ABBA...): both see the same moments. A sample is what
``bench_drain`` calls "commit -> job's code runs": from the commit of the
job's enqueue (over XML-RPC) to the first line of the job (the worker's
clock). Each tree needs test_queue_job's e2e model and bench/run.py.
"""
import importlib.util
import os
import subprocess
import sys
import time

WARMUP = 5


def _serve(tree):
    """In a process of its own: serve samples on stdin/stdout for ``tree``."""
    sys.path[:0] = [os.path.join(tree, "tools"), os.path.join(tree, "bench")]
    import xmlrpc.client

    import qjdev

    spec = importlib.util.spec_from_file_location(
        "bench_run", os.path.join(tree, "bench", "run.py")
    )
    bench_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_run)
    ctx = bench_run.Context()
    try:
        dbname = ctx.database(["queue_job", "test_queue_job"])
        server = qjdev.OdooServer(dbname, workers=2, channels="root:2")
        server.start()
        try:
            server.wait_ready(dbname, timeout=120)
            uid = xmlrpc.client.ServerProxy(
                server.url + "/xmlrpc/2/common"
            ).authenticate(dbname, "admin", "admin", {})
            models = xmlrpc.client.ServerProxy(server.url + "/xmlrpc/2/object")
            import psycopg2

            conn = psycopg2.connect(dbname=dbname)
            conn.autocommit = True
            print("ready", flush=True)
            for line in sys.stdin:
                if line.strip() != "sample":
                    break
                (uuid,) = models.execute_kw(
                    dbname,
                    uid,
                    "admin",
                    "test.queue.job.e2e",
                    "enqueue",
                    [[{"tag": "pair"}]],
                )
                print("%.6f" % _latency(conn, uuid), flush=True)
        finally:
            server.stop()
    finally:
        ctx.close()


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


def compare(trees, samples):
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", tree],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=dict(os.environ, QJ_ROOT=tree),
        )
        for tree in trees
    ]
    try:
        for tree, proc in zip(trees, procs):
            if proc.stdout.readline().strip() != "ready":
                sys.exit("the server of %s did not start" % tree)
        found = [[], []]
        for i in range(WARMUP + samples):
            # ABBA: neither goes first more often
            for index in (0, 1) if i % 2 == 0 else (1, 0):
                procs[index].stdin.write("sample\n")
                procs[index].stdin.flush()
                value = float(procs[index].stdout.readline())
                if i >= WARMUP:
                    found[index].append(value * 1000)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.stdin.close()
        for proc in procs:
            proc.wait()
    print("commit -> job's code runs, ms (%d samples each, in turns)" % samples)
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
            os.path.basename(trees[0].rstrip("/")),
            os.path.basename(trees[1].rstrip("/")),
            _percentile(first, 50) / _percentile(other, 50),
            _percentile(first, 95) / _percentile(other, 95),
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        _serve(sys.argv[2])
    else:
        compare(
            [os.path.abspath(tree) for tree in sys.argv[1:3]],
            int(sys.argv[3]) if len(sys.argv) > 3 else 300,
        )
