"""docs/monitoring/: the alert rules load in Prometheus (``promtool check
rules`` when it is installed, else their structure is checked as YAML), and
every metric they and the Grafana dashboard use is one the endpoint gives."""
import json
import os
import re
import shutil
import subprocess

import pure_import
import yaml

metrics = pure_import.load("metrics")

DOCS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "docs",
    "monitoring",
)
RULES = os.path.join(DOCS, "queue_job-alerts.yml")
DASHBOARD = os.path.join(DOCS, "grafana-dashboard.json")

EXPECTED_ALERTS = {
    "QueueJobRunnerDown",
    "QueueJobNoLeader",
    "QueueJobBacklogAge",
    "QueueJobFailureRatio",
    "QueueJobDeadJobsFound",
}


def known_metrics():
    """The sample names /queue_job/metrics can give."""
    names = set()
    for family, (kind, _help) in metrics._HELP.items():
        names.add(family)
        if kind == "histogram":
            names.update(family + s for s in ("_bucket", "_count", "_sum"))
    return names


def used_metrics(expr):
    return set(re.findall(r"\bqueue_job_[a-z_]+\b", expr))


def test_alert_rules_load():
    with open(RULES) as f:
        rules = yaml.safe_load(f)
    alerts = {}
    for group in rules["groups"]:
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
            assert rule["labels"]["severity"] in ("warning", "critical")
            assert rule["annotations"]["summary"]
            alerts[rule["alert"]] = rule["expr"]
    assert EXPECTED_ALERTS <= set(alerts)
    known = known_metrics()
    for name, expr in alerts.items():
        used = used_metrics(expr)
        assert used and used <= known, (name, used - known)
    promtool = shutil.which("promtool")
    if promtool:
        result = subprocess.run(
            [promtool, "check", "rules", RULES], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_check_fails_on_an_unknown_metric():
    """The check above can fail: a rule naming a metric nobody exports."""
    assert used_metrics("rate(queue_job_nonexistent_total[5m])") - known_metrics()


def test_grafana_dashboard_uses_exported_metrics():
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    known = known_metrics()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 10
    used = set().union(*(used_metrics(e) for e in exprs))
    assert used <= known, used - known
    for needed in (
        "queue_job_oldest_pending_age_seconds",
        "queue_job_dead_jobs_found_total",
        "queue_job_start_latency_seconds_bucket",
    ):
        assert needed in used
