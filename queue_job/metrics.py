# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What the metrics endpoint and the health check read, per database.

Owns what they say: the jobs by state, the outcome counters, the report of
the leading runner, the health rules, and the Prometheus text format. Plain
SQL on a cursor of the database (no registry needed, so a worker answers for
databases it never loaded). The routes are controllers/monitoring.py's.
"""
import json
import socket
from datetime import timedelta

from . import schema

# what counts as a healthy runner: it renewed its lease lately, and its last
# dispatch was delivered
LEASE_FRESH = timedelta(seconds=15)
ERROR_GRACE = timedelta(seconds=30)

_STATES = ("wait_dependencies", "pending", "enqueued", "started", "failed")

# counter name prefix -> (metric family, bucket bounds)
_HISTOGRAMS = {
    "latency": ("queue_job_start_latency_seconds", schema.LATENCY_BUCKETS),
    "runtime": ("queue_job_run_seconds", schema.RUNTIME_BUCKETS),
}


def _escape(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels):
    return "{%s}" % ",".join(
        '%s="%s"' % (key, _escape(value)) for key, value in labels.items()
    )


def installed(cr):
    """Whether queue_job (with its metric tables) is in this database."""
    cr.execute(
        "SELECT to_regclass('queue_job') IS NOT NULL "
        "AND to_regclass('queue_job_counter') IS NOT NULL "
        "AND to_regclass(%s) IS NOT NULL",
        (schema.LEASE_TABLE,),
    )
    return cr.fetchone()[0]


def lease(cr):
    cr.execute(
        "SELECT holder, expires_at, renewed_at, report, dispatched_at, error,"
        " error_at, now() AT TIME ZONE 'UTC' FROM queue_job_runner_lease"
        " WHERE name = 'runner'"
    )
    row = cr.fetchone()
    if not row:
        return None
    keys = (
        "holder",
        "expires_at",
        "renewed_at",
        "report",
        "dispatched_at",
        "error",
        "error_at",
        "now",
    )
    info = dict(zip(keys, row))
    info["report"] = json.loads(info["report"] or "{}")
    return info


# Per channel, the oldest due pending job: a walk over the (channel,
# priority) pairs of the pending index, then the first due job of each pair
# in creation order; as many index probes as pairs, whatever the backlog.
_OLDEST_PENDING = """
WITH RECURSIVE pairs AS (
    (SELECT channel, priority FROM queue_job
      WHERE state = 'pending' AND channel IS NOT NULL
      ORDER BY channel, priority LIMIT 1)
    UNION ALL
    SELECT n.channel, n.priority
      FROM pairs p
     CROSS JOIN LATERAL (
           SELECT j.channel, j.priority FROM queue_job j
            WHERE j.state = 'pending' AND j.channel IS NOT NULL
              AND (j.channel, j.priority) > (p.channel, p.priority)
            ORDER BY j.channel, j.priority LIMIT 1) n
)
SELECT p.channel,
       extract(epoch FROM (now() AT TIME ZONE 'UTC') - min(f.ready))::float8
  FROM pairs p
 CROSS JOIN LATERAL (
       SELECT greatest(j.date_created, j.eta) AS ready FROM queue_job j
        WHERE j.state = 'pending' AND j.channel = p.channel
          AND j.priority = p.priority
          AND (j.eta IS NULL OR j.eta <= (now() AT TIME ZONE 'UTC'))
        ORDER BY j.date_created LIMIT 1) f
 GROUP BY p.channel
"""


def oldest_pending_ages(cr):
    """Per channel, the seconds its oldest due pending job has waited
    (since it was created, or since its eta)."""
    cr.execute(_OLDEST_PENDING)
    return {channel: max(age, 0.0) for channel, age in cr.fetchall()}


def health(cr):
    """Problems of the runner of this database (empty: healthy)."""
    info = lease(cr)
    if info is None:
        return ["no job runner has ever served this database"]
    problems = []
    now = info["now"]
    if info["expires_at"] < now or now - info["renewed_at"] > LEASE_FRESH:
        problems.append(
            "no job runner leads this database (last renewal %s)" % info["renewed_at"]
        )
    if (
        info["error_at"]
        and (not info["dispatched_at"] or info["error_at"] > info["dispatched_at"])
        and now - info["error_at"] < ERROR_GRACE
    ):
        problems.append("the job runner cannot dispatch jobs: %s" % info["error"])
    return problems


def collect(cr, dbname):
    """Prometheus samples (name, labels, value) for database ``dbname``."""
    samples = []
    cr.execute(
        "SELECT coalesce(channel, 'root'), state, count(*) FROM queue_job"
        " WHERE state IN %s GROUP BY 1, 2 ORDER BY 1, 2",
        (_STATES,),
    )
    for channel, state, count in cr.fetchall():
        samples.append(
            ("queue_job_jobs", dict(db=dbname, channel=channel, state=state), count)
        )
    cr.execute(
        "SELECT channel, name, sum(value) FROM queue_job_counter"
        " GROUP BY 1, 2 ORDER BY 1, 2"
    )
    histograms = {}  # (prefix, channel) -> {bound or "sum": value}
    for channel, name, value in cr.fetchall():
        prefix = next((p for p in _HISTOGRAMS if name.startswith(p + "_")), None)
        if prefix is not None:
            part = name[len(prefix) + 1 :]
            part = part[len("le_") :] if part.startswith("le_") else part
            histograms.setdefault((prefix, channel), {})[part] = value
        else:
            samples.append(
                ("queue_job_%s_total" % name, dict(db=dbname, channel=channel), value)
            )
    for (prefix, channel), values in sorted(histograms.items()):
        family, bounds = _HISTOGRAMS[prefix]
        labels = dict(db=dbname, channel=channel)
        cumulated = 0.0
        for bound in bounds:
            cumulated += values.get(str(bound), 0.0)
            samples.append((family + "_bucket", dict(labels, le=bound), cumulated))
        cumulated += values.get("inf", 0.0)
        samples.append((family + "_bucket", dict(labels, le="+Inf"), cumulated))
        samples.append((family + "_count", labels, cumulated))
        samples.append((family + "_sum", labels, values.get("sum", 0.0)))
    for channel, age in sorted(oldest_pending_ages(cr).items()):
        samples.append(
            (
                "queue_job_oldest_pending_age_seconds",
                dict(db=dbname, channel=channel),
                age,
            )
        )
    info = lease(cr)
    host = socket.gethostname()
    leading = bool(info and info["expires_at"] >= info["now"])
    samples.append(("queue_job_runner_up", dict(db=dbname), int(leading)))
    samples.append(
        (
            "queue_job_runner_leader",
            dict(db=dbname, host=host),
            int(leading and info["report"].get("host") == host),
        )
    )
    if info:
        age = (info["now"] - info["renewed_at"]).total_seconds()
        samples.append(("queue_job_runner_lease_age_seconds", dict(db=dbname), age))
        samples.append(
            ("queue_job_runner_healthy", dict(db=dbname), int(not health(cr)))
        )
        for row in info["report"].get("channels", []) if leading else []:
            labels = dict(db=dbname, channel=row["channel"])
            if row["capacity"]:
                samples.append(("queue_job_channel_capacity", labels, row["capacity"]))
            samples.append(("queue_job_channel_running", labels, row["running"]))
            samples.append(("queue_job_channel_paused", labels, int(row["paused"])))
    return samples


_HELP = {
    "queue_job_jobs": ("gauge", "Jobs not finished, by channel and state."),
    "queue_job_enqueued_total": ("counter", "Jobs created."),
    "queue_job_started_total": ("counter", "Job runs that ended (any outcome)."),
    "queue_job_done_total": ("counter", "Jobs done."),
    "queue_job_failed_total": ("counter", "Jobs failed."),
    "queue_job_postponed_total": (
        "counter",
        "Job runs to be tried again (postponed, or found dead and requeued).",
    ),
    "queue_job_dead_jobs_found_total": (
        "counter",
        "Started jobs whose worker process died, found by the runner.",
    ),
    "queue_job_start_latency_seconds": (
        "histogram",
        "From when a job could run (created, or its eta) to its start.",
    ),
    "queue_job_run_seconds": ("histogram", "Run time of the jobs (every outcome)."),
    "queue_job_oldest_pending_age_seconds": (
        "gauge",
        "Seconds the oldest due pending job of a channel has waited.",
    ),
    "queue_job_runner_up": ("gauge", "1 when a job runner leads the database."),
    "queue_job_runner_leader": (
        "gauge",
        "1 when the job runner leading the database runs on this host.",
    ),
    "queue_job_runner_lease_age_seconds": (
        "gauge",
        "Seconds since the leading runner renewed its lease.",
    ),
    "queue_job_runner_healthy": ("gauge", "1 when the job runner dispatches jobs."),
    "queue_job_channel_capacity": ("gauge", "Jobs a channel may run at once."),
    "queue_job_channel_running": ("gauge", "Jobs running in a channel."),
    "queue_job_channel_paused": ("gauge", "1 when a channel is paused."),
}


def render(samples):
    """The Prometheus text exposition format (version 0.0.4)."""
    lines = []
    announced = set()
    for name, labels, value in sorted(samples, key=lambda s: s[0]):
        family = name
        for histogram, _bounds in _HISTOGRAMS.values():
            for suffix in ("_bucket", "_count", "_sum"):
                if name == histogram + suffix:
                    family = histogram
        if family not in announced and family in _HELP:
            kind, text = _HELP[family]
            lines.append("# HELP %s %s" % (family, text))
            lines.append("# TYPE %s %s" % (family, kind))
            announced.add(family)
        lines.append("%s%s %s" % (name, _labels(**labels), _number(value)))
    return "\n".join(lines) + "\n"


def _number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
