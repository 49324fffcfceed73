# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What several benchmarks use: times, connections, an Odoo shell, overlap."""
from datetime import datetime

import psycopg2
import qjdev  # noqa: I100 (tools/bench.sh puts tools/ on the path)


def epoch(value):
    return (value - datetime(1970, 1, 1)).total_seconds()


def connect(dbname):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    return conn


def odoo_shell(dbname, script):
    """Run ``script`` in ``odoo-bin shell`` on ``dbname``; raise on failure."""
    proc = qjdev.odoo_shell(dbname, script)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])


def max_concurrency(intervals):
    """The most (start, end) intervals open at once."""
    events = sorted([(s, 1) for s, _e in intervals] + [(e, -1) for _s, e in intervals])
    current = peak = 0
    for _t, delta in events:
        current += delta
        peak = max(peak, current)
    return peak
