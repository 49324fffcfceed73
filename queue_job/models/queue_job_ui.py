# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""What the web client asks of queue.job beyond the ORM: a pager count that
stays cheap on a big table, and the per-channel overview.

Every count here is served by a partial index of schema.py (see INDEXES);
none of them reads the whole table.
"""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# context key set by the Jobs action: count at most this many rows for the
# pager (the list then shows "<limit>+" and counts exactly on demand)
COUNT_LIMIT_KEY = "queue_job_count_limit"
COUNT_LIMIT = 10000  # the value action_queue_job sets

DONE_WINDOW = timedelta(hours=1)


def _overview_columns():
    """(key, label, help, domain builder) of each overview column."""
    return [
        (
            "pending",
            _("Pending"),
            _("Waiting for a worker"),
            lambda now: [("state", "=", "pending")],
        ),
        (
            "running",
            _("Running"),
            _("Enqueued or started"),
            lambda now: [("state", "in", ("enqueued", "started"))],
        ),
        (
            "failed",
            _("Failed"),
            _("Failed, waiting for someone to look"),
            lambda now: [("state", "=", "failed")],
        ),
        (
            "done_last_hour",
            _("Done (last hour)"),
            _("Done in the last 60 minutes"),
            lambda now: [
                ("state", "=", "done"),
                ("date_done", ">=", fields.Datetime.to_string(now - DONE_WINDOW)),
            ],
        ),
    ]


class QueueJob(models.Model):
    _inherit = "queue.job"

    @api.model
    def web_search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None
    ):
        count_limit = self.env.context.get(COUNT_LIMIT_KEY)
        records = self
        if count_limit:
            # only the pager count of this call is capped
            records = self.with_context(_queue_job_pager_count_limit=int(count_limit))
        result = super(QueueJob, records).web_search_read(
            domain=domain, fields=fields, offset=offset, limit=limit, order=order
        )
        # a capped count may fall short of a page read past the cap
        result["length"] = max(result["length"], (offset or 0) + len(result["records"]))
        return result

    @api.model
    def search_count(self, args):
        count_limit = self.env.context.get("_queue_job_pager_count_limit")
        if count_limit:
            return self._count_capped(args, count_limit)
        return super().search_count(args)

    @api.model
    def _count_capped(self, domain, count_limit):
        """Rows matching ``domain`` (with the record rules), counting at most
        ``count_limit + 1`` of them: the answer ``count_limit + 1`` means
        "more than count_limit"."""
        self.check_access_rights("read")
        self._flush_search(domain)
        query = self._where_calc(domain)
        self._apply_ir_rules(query, "read")
        # no ORDER BY: the first rows found will do
        query.order = None
        query.limit = count_limit + 1
        sub_sql, params = query.select("1")
        self.env.cr.execute("SELECT count(*) FROM (%s) AS capped" % sub_sql, params)
        return self.env.cr.fetchone()[0]

    @api.model
    def get_overview(self):
        """Counts by channel for the Overview dashboard."""
        now = fields.Datetime.now()
        columns = _overview_columns()
        counts = {}
        for key, _label, _help, domain in columns:
            groups = self.read_group(
                domain(now), ["channel"], ["channel"], orderby="channel", lazy=False
            )
            for group in groups:
                row = counts.setdefault(group["channel"] or "", {})
                row[key] = group["__count"]
        channels = []
        for channel in sorted(counts):
            row = {key: counts[channel].get(key, 0) for key, *_rest in columns}
            row["channel"] = channel
            channels.append(row)
        return {
            "columns": [
                {"key": key, "label": label, "help": help_}
                for key, label, help_, _domain in columns
            ],
            "channels": channels,
            "totals": {
                key: sum(row[key] for row in channels) for key, *_rest in columns
            },
        }

    @api.model
    def action_overview_jobs(self, channel, column):
        """The jobs behind one number of the overview (``channel`` False for
        the totals row)."""
        builders = {
            key: (label, domain) for key, label, _h, domain in _overview_columns()
        }
        if column not in builders:
            raise UserError(
                _("Unknown overview column %(column)r, expected one of %(known)s")
                % {"column": column, "known": ", ".join(sorted(builders))}
            )
        label, domain = builders[column]
        domain = domain(fields.Datetime.now())
        if channel:
            domain.append(("channel", "=", channel))
        return {
            "type": "ir.actions.act_window",
            "name": _("%(state)s jobs of %(channel)s")
            % {"state": label, "channel": channel or _("all channels")},
            "res_model": "queue.job",
            "views": [
                (self.env.ref("queue_job.view_queue_job_tree").id, "list"),
                (False, "form"),
                (False, "pivot"),
                (False, "graph"),
            ],
            "search_view_id": [self.env.ref("queue_job.view_queue_job_search").id],
            "domain": domain,
            # keep the capped pager count, not the default state filters
            "context": {COUNT_LIMIT_KEY: COUNT_LIMIT},
        }
