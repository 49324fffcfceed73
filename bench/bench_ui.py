# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The Jobs list and the Overview on a big queue_job table, beside PostgreSQL
alone.

1,000,000 jobs (BENCH_UI_ROWS) are written with generate_series, most of them
done, as a busy queue that keeps 30 days of history has. A real server then
answers, over HTTP JSON-RPC as admin, the calls the web client makes:

- the Jobs menu: /web/dataset/search_read with the action's default domain
  (every state but done and cancelled), fields, limit and context, whose
  pager count comes from the same call;
- the same list with no filter at all (the pager count is capped);
- the Overview dashboard (queue.job.get_overview).

Each value is the median round trip of a few calls after one warm-up (so it
includes the server's whole work); the floor is PostgreSQL alone running the
same SQL (the page query and the count, or the grouped counts). The goal is
absolute, an answer within TARGET_MS: as bench/run.py compares ratios
(floor / value), the target ratio of a row is floor / TARGET_MS, which the
ratio reaches exactly when value <= TARGET_MS.
"""
import json
import os
import statistics
import time

import psycopg2
import qjdev
import requests

ROWS = int(os.environ.get("BENCH_UI_ROWS", "1000000"))
REPEAT = 5
TARGET_MS = 1000.0

# share of each state in the table, the rest is done
STATE_SHARES = [
    ("cancelled", 0.015),
    ("pending", 0.010),
    ("failed", 0.003),
    ("wait_dependencies", 0.0015),
    ("enqueued", 0.0003),
    ("started", 0.0002),
]
UNFINISHED = ["wait_dependencies", "pending", "enqueued", "started", "failed"]
LIST_FIELDS = [
    "name",
    "model_name",
    "state",
    "date_created",
    "eta",
    "date_done",
    "exec_time",
    "exc_name",
    "exc_message",
    "uuid",
    "channel",
    "company_id",
]
COUNT_LIMIT = 10000
TRACEBACK = (
    "Traceback (most recent call last):\\n"
    + '  File \\"/odoo/addons/sale/models/sale_order.py\\", line 412, in action_sync\\n'
    * 12
    + "psycopg2.errors.SerializationFailure: could not serialize access\\n"
)

FILL_SQL = """
INSERT INTO queue_job (
    uuid, user_id, company_id, name, model_name, method_name, records, args,
    kwargs, func_string, state, priority, exc_name, exc_message, exc_info,
    result, date_created, date_started, date_enqueued, date_done, exec_time,
    date_cancelled, retry, max_retries, channel_method_name, channel,
    dependencies
)
SELECT
    md5(i::text || 'qj')::uuid::text,
    2, 1,
    'Synchronise order SO' || i,
    'sale.order', 'action_sync',
    '{{"_type": "odoo_recordset", "model": "sale.order", "ids": [' || i
        || '], "uid": 2, "su": false, "context": {{}}}}',
    '[]', '{{}}',
    'sale.order(' || i || ',).action_sync()',
    s.state, 10,
    CASE WHEN s.state = 'failed' THEN 'SerializationFailure' END,
    CASE WHEN s.state = 'failed' THEN 'could not serialize access' END,
    CASE WHEN s.state = 'failed' THEN E'{traceback}' END,
    CASE WHEN s.state = 'done' THEN 'Order SO' || i || ' synchronised' END,
    s.created,
    CASE WHEN s.state IN ('done', 'failed', 'started')
         THEN s.created + interval '2 seconds' END,
    CASE WHEN s.state IN ('done', 'failed', 'started', 'enqueued')
         THEN s.created + interval '1 second' END,
    CASE WHEN s.state = 'done' THEN s.created + interval '3 seconds' END,
    CASE WHEN s.state = 'done' THEN 1.0 ELSE 0 END,
    CASE WHEN s.state = 'cancelled' THEN s.created + interval '1 minute' END,
    CASE WHEN s.state IN ('done', 'failed', 'started') THEN 1 ELSE 0 END,
    5,
    '<sale.order>.action_sync',
    (ARRAY['root', 'root.sale', 'root.mail', 'root.export'])[1 + i % 4],
    '{{"depends_on": [], "reverse_depends_on": []}}'
FROM (
    SELECT i,
           -- newest rows last: 30 days of history up to now
           (now() AT TIME ZONE 'UTC') - (({rows} - i) * interval '30 days' / {rows})
               AS created,
           CASE {cases} ELSE 'done' END AS state
      FROM generate_series(1, {rows}) AS i
) AS s
"""


def state_cases(rows):
    """Spread each state evenly over the table (by i modulo a period)."""
    cases, start = [], 0
    period = 10000
    for state, share in STATE_SHARES:
        width = max(1, int(period * share))
        cases.append(
            "WHEN i %% %d BETWEEN %d AND %d THEN '%s'"
            % (period, start, start + width - 1, state)
        )
        start += width
    return " ".join(cases)


def fill(dbname, rows=ROWS):
    conn = psycopg2.connect(dbname=dbname)
    conn.autocommit = True
    with conn.cursor() as cr:
        sql = FILL_SQL.format(rows=rows, cases=state_cases(rows), traceback=TRACEBACK)
        cr.execute(sql)  # pylint: disable=sql-injection  # numbers and constants
        cr.execute("VACUUM ANALYZE queue_job")
    conn.close()


def timed(call):
    call()  # warm-up: caches, plans
    samples = []
    for _i in range(REPEAT):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Client:
    """JSON-RPC as the web client does it, with admin's session."""

    def __init__(self, url, db):
        self.url = url
        self.session = requests.Session()
        self.context = {
            "lang": "en_US",
            "tz": "UTC",
            "uid": 2,
            "allowed_company_ids": [1],
        }
        result = self.post(
            "/web/session/authenticate",
            {"db": db, "login": "admin", "password": "admin"},
        )
        assert result["uid"] == 2, result

    def post(self, path, params):
        response = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=120,
        )
        response.raise_for_status()
        payload = response.json()
        if payload.get("error"):
            raise RuntimeError(json.dumps(payload["error"])[:2000])
        return payload["result"]

    def search_read(self, domain, context):
        return self.post(
            "/web/dataset/search_read",
            {
                "model": "queue.job",
                "domain": domain,
                "fields": LIST_FIELDS,
                "limit": 80,
                "sort": "",
                "context": dict(self.context, **context, bin_size=True),
            },
        )

    def call_kw(self, method, args=()):
        return self.post(
            "/web/dataset/call_kw/queue.job/%s" % method,
            {
                "model": "queue.job",
                "method": method,
                "args": list(args),
                "kwargs": {"context": self.context},
            },
        )


def default_domain():
    """The domain the search view builds from the five default filters."""
    leaves = [["state", "=", state] for state in UNFINISHED]
    return ["|"] * (len(leaves) - 1) + leaves


def unfinished_count(dbname):
    conn = psycopg2.connect(dbname=dbname)
    try:
        with conn.cursor() as cr:
            sql = "SELECT count(*) FROM queue_job WHERE %s" % STATES_SQL
            cr.execute(sql)  # pylint: disable=sql-injection  # a constant
            return cr.fetchone()[0]
    finally:
        conn.close()


def sql_floor(dbname, statements):
    conn = psycopg2.connect(dbname=dbname)
    try:
        with conn.cursor() as cr:

            def run_all():
                for sql in statements:
                    cr.execute(sql)
                    cr.fetchall()

            return timed(run_all)
    finally:
        conn.close()


RULE = "(company_id IS NULL OR company_id IN (1))"
ORDER = "ORDER BY date_created DESC, date_done DESC"
STATES_SQL = "state IN (%s)" % ", ".join("'%s'" % s for s in UNFINISHED)


def measure(url, dbname):
    client = Client(url, dbname)
    action_context = {"search_default_%s" % state: 1 for state in UNFINISHED}
    action_context["queue_job_count_limit"] = COUNT_LIMIT
    rows = []

    def row(figure, value, floor):
        rows.append(
            {
                "figure": figure,
                "unit": "ms",
                "value": value,
                "floor": floor,
                "ratio": floor / value,
                # reached exactly when value <= TARGET_MS
                "target": floor / TARGET_MS,
                "ok": value <= TARGET_MS,
            }
        )

    result = client.search_read(default_domain(), action_context)
    assert len(result["records"]) == 80, result
    # the pager says how many, up to the cap
    assert result["length"] == min(unfinished_count(dbname), COUNT_LIMIT + 1), result
    row(
        "Jobs list, default view (%d rows)" % ROWS,
        timed(lambda: client.search_read(default_domain(), action_context)),
        sql_floor(
            dbname,
            [
                "SELECT id FROM queue_job WHERE %s AND %s %s LIMIT 80"
                % (STATES_SQL, RULE, ORDER),
                "SELECT count(*) FROM (SELECT 1 FROM queue_job WHERE %s AND %s "
                "LIMIT %d) AS c" % (STATES_SQL, RULE, COUNT_LIMIT + 1),
            ],
        ),
    )
    for label, domain, where in [
        ("no filter", [], RULE),
        ("Done filter", [["state", "=", "done"]], "state = 'done' AND %s" % RULE),
    ]:
        result = client.search_read(domain, action_context)
        assert result["length"] == COUNT_LIMIT + 1, result["length"]
        row(
            "Jobs list, %s, capped count (%d rows)" % (label, ROWS),
            timed(lambda domain=domain: client.search_read(domain, action_context)),
            sql_floor(
                dbname,
                [
                    "SELECT id FROM queue_job WHERE %s %s LIMIT 80" % (where, ORDER),
                    "SELECT count(*) FROM (SELECT 1 FROM queue_job "
                    "WHERE %s LIMIT %d) AS c" % (where, COUNT_LIMIT + 1),
                ],
            ),
        )
    overview = client.call_kw("get_overview")
    assert overview["totals"]["pending"] == int(ROWS * 0.010), overview["totals"]
    hour = "(now() AT TIME ZONE 'UTC') - interval '1 hour'"
    row(
        "Overview, counts by channel (%d rows)" % ROWS,
        timed(lambda: client.call_kw("get_overview")),
        sql_floor(
            dbname,
            [
                "SELECT channel, count(*) FROM queue_job WHERE %s AND %s "
                "GROUP BY channel" % (cond, RULE)
                for cond in (
                    "state = 'pending'",
                    "state IN ('enqueued', 'started')",
                    "state = 'failed'",
                    "state = 'done' AND date_done >= %s" % hour,
                )
            ],
        ),
    )
    return rows


def run(ctx):
    dbname = ctx.database(["queue_job"])
    started = time.time()
    fill(dbname)
    print("    %d rows written in %.0fs" % (ROWS, time.time() - started), flush=True)
    # no runner (root:0): nothing runs the jobs while we read them
    with qjdev.OdooServer(dbname, workers=0, channels="root:0") as server:
        server.wait_http(120)
        return measure(server.url, dbname)
