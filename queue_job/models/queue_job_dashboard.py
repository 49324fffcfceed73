# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The Overview as a dashboard: what it reads besides the counts by channel
(queue_job_ui.py), and the channel settings it changes.

Owns the dashboard's reads: charts over a window from ``queue_job_history``
(per-minute rows written by the runner, jobrunner/history.py), the top
failing job functions (over the failed jobs' partial index), the runner
leading the database (its lease row, metrics.py); and its writes: pause,
resume and capacity of a channel (the runtime overrides of
queue.job.channel), which need the channel's write access (managers).
"""
from odoo import _, api, models
from odoo.exceptions import UserError

from .. import metrics, schema

# window -> (seconds covered, seconds per point)
WINDOWS = {"1h": (3600, 60), "24h": (86400, 900), "7d": (7 * 86400, 3600)}
TOP_FAILING = 5

# one pass over the window's rows: the counts, the backlog samples and,
# bucket by bucket, the latency histogram of each point (subscripts, not
# unnest: a week of minutes stays one row each)
_SERIES = """
SELECT floor(extract(epoch FROM minute) / %(step)s)::bigint * %(step)s AS t,
       sum(enqueued), sum(done), sum(failed), sum(retried), sum(dead),
       sum(pending), max(oldest_pending_age), {buckets}
  FROM queue_job_history
 WHERE minute >= (now() AT TIME ZONE 'UTC') - %(seconds)s * interval '1 second'
 GROUP BY 1 ORDER BY 1
""".format(
    buckets=", ".join(
        "coalesce(sum(latency_buckets[%d]), 0)" % (i + 1)
        for i in range(len(schema.LATENCY_BUCKETS) + 1)
    )
)


def quantile(buckets, bounds, q):
    """The upper bound of the bucket holding quantile ``q`` of histogram
    ``buckets`` (one count per bound, then the rest); None if empty."""
    total = sum(buckets)
    if not total:
        return None
    seen = 0.0
    for index, count in enumerate(buckets):
        seen += count
        if seen >= q * total:
            return bounds[min(index, len(bounds) - 1)]
    return bounds[-1]


class QueueJob(models.Model):
    _inherit = "queue.job"

    @api.model
    def get_dashboard(self, window="1h"):
        """Everything the Overview shows, for charts over ``window``."""
        self.check_access_rights("read")
        if window not in WINDOWS:
            raise UserError(
                _("Unknown window %(window)r, expected one of %(known)s")
                % {"window": window, "known": ", ".join(WINDOWS)}
            )
        return {
            "overview": self.get_overview(),
            "window": window,
            "series": self._dashboard_series(window),
            "failing": self._dashboard_failing(),
            "runners": self._dashboard_runners(),
            "settings": self._dashboard_settings(),
            "can_manage": self.env["queue.job.channel"].check_access_rights(
                "write", raise_exception=False
            ),
        }

    def _dashboard_series(self, window):
        cr = self.env.cr
        if not schema.table_exists(cr, schema.HISTORY_TABLE):
            return {"points": []}
        seconds, step = WINDOWS[window]
        params = {"seconds": seconds, "step": step}
        cr.execute(_SERIES, params)
        bounds = list(schema.LATENCY_BUCKETS)
        points = []
        for row in cr.fetchall():
            t, enqueued, done, failed, retried, dead, pending, oldest = row[:8]
            points.append(
                {
                    "t": t,
                    "enqueued": int(enqueued),
                    "done": int(done),
                    "failed": int(failed),
                    "retried": int(retried),
                    "dead": int(dead),
                    "pending": int(pending) if pending is not None else None,
                    "oldest_age": oldest,
                    "latency_p95": quantile(row[8:], bounds, 0.95),
                }
            )
        return {"points": points, "step": step, "seconds": seconds}

    def _dashboard_failing(self):
        """The job functions with the most failed jobs, with the last error."""
        groups = self.read_group(
            [("state", "=", "failed")],
            ["model_name", "method_name"],
            ["model_name", "method_name"],
            lazy=False,
        )
        groups.sort(key=lambda g: -g["__count"])
        failing = []
        for group in groups[:TOP_FAILING]:
            last = self.search(group["__domain"], order="id desc", limit=1)
            failing.append(
                {
                    "model_name": group["model_name"],
                    "method_name": group["method_name"],
                    "count": group["__count"],
                    "exc_name": last.exc_name,
                    "exc_message": last.exc_message,
                    "last_id": last.id,
                    "last_created": last.date_created,
                }
            )
        return failing

    @api.model
    def action_dashboard_failing(self, model_name, method_name):
        """The failed jobs of one job function."""
        action = self.action_overview_jobs(False, "failed")
        action["domain"] += [
            ("model_name", "=", model_name),
            ("method_name", "=", method_name),
        ]
        action["name"] = _("Failed jobs of %(function)s") % {
            "function": "%s.%s" % (model_name, method_name)
        }
        return action

    def _dashboard_runners(self):
        info = metrics.lease(self.env.cr)
        if info is None:
            return []
        cr = self.env.cr
        cr.execute("SELECT since FROM queue_job_runner_lease WHERE name = 'runner'")
        since = cr.fetchone()[0]
        report = info["report"]
        return [
            {
                "holder": info["holder"],
                "host": report.get("host"),
                "since": since,
                "renewed_at": info["renewed_at"],
                "leading": info["expires_at"] >= info["now"],
                "problems": metrics.health(cr),
                "channels": report.get("channels", []),
            }
        ]

    def _dashboard_settings(self):
        """The runtime overrides of the channels that have a record."""
        channels = self.env["queue.job.channel"].search_read(
            [], ["complete_name", "capacity", "paused"]
        )
        return {
            c["complete_name"]: {"capacity": c["capacity"], "paused": c["paused"]}
            for c in channels
        }

    @api.model
    def dashboard_set_channel(self, channel, paused=None, capacity=None):
        """Pause, resume or set the capacity of ``channel`` (its complete
        name) in this database; its record is made if it has none."""
        Channel = self.env["queue.job.channel"]
        Channel.check_access_rights("write")
        if capacity is not None and (
            isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0
        ):
            raise UserError(
                _("Capacity must be a whole number from 0 (0: as configured)")
            )
        record = self._dashboard_channel_record(channel)
        values = {}
        if paused is not None:
            values["paused"] = bool(paused)
        if capacity is not None:
            values["capacity"] = capacity
        if values:
            record.write(values)
        return {"capacity": record.capacity, "paused": record.paused}

    def _dashboard_channel_record(self, path):
        Channel = self.env["queue.job.channel"]
        parts = (path or "").split(".")
        if parts[0] != "root" or not all(parts):
            raise UserError(
                _("Unknown channel %(channel)r: a path from root expected")
                % {"channel": path}
            )
        parent = Channel.search([("complete_name", "=", "root")], limit=1)
        for depth in range(1, len(parts)):
            name = ".".join(parts[: depth + 1])
            record = Channel.search([("complete_name", "=", name)], limit=1)
            if not record:
                record = Channel.create({"name": parts[depth], "parent_id": parent.id})
            parent = record
        return parent
