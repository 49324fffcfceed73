"""The whole test suite: Odoo's tests of the addons, then pytest's tests.

Odoo's tests run in a fresh database with queue_job and test_queue_job
installed; pytest runs ``tests/`` (the pure-Python scheduler tests and the
end-to-end tests that start real Odoo servers). The last line printed is
``N passed, N failed`` over both; skipped tests count as failed, since a skip
would hide missing work. The exit status is non-zero on any failure.

Environment knobs: SUITE=odoo|pytest (one suite only), ODOO_TEST_TAGS (passed
to --test-tags), PYTEST_ARGS (extra pytest arguments), KEEP_DB=1.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import qjdev

ADDONS = ["queue_job", "test_queue_job"]
RECORD_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")


def print_problems(log_path):
    """Echo the ERROR/CRITICAL records of an Odoo log (with tracebacks)."""
    showing = False
    if not os.path.exists(log_path):
        return
    with open(log_path, errors="replace") as fh:
        for line in fh:
            match = RECORD_RE.match(line)
            if match:
                showing = match.group(1) in ("ERROR", "CRITICAL")
            if showing:
                sys.stdout.write(line)


def run_odoo_tests(logs):
    db = qjdev.unique_name("qjt")
    try:
        qjdev.clone_db(qjdev.base_template(), db)
    except RuntimeError as exc:
        print("error: preparing the test database failed: %s" % exc, flush=True)
        return 0, 1
    result_path = os.path.join(logs, "%s.json" % db)
    log_path = os.path.join(logs, "%s.log" % db)
    args = [
        qjdev.PYTHON,
        os.path.join(qjdev.ROOT, "tools", "odoo_tests.py"),
        result_path,
        "--addons-path=%s" % qjdev.addons_path(),
        "--data-dir=%s" % qjdev.DATA_DIR,
        "-d",
        db,
        "-i",
        ",".join(ADDONS),
        "--test-enable",
        "--stop-after-init",
        "--workers=0",
        "--max-cron-threads=0",
        "--load=web,queue_job",
        "--http-port=%d" % qjdev.free_port(),
        "--http-interface=127.0.0.1",
        "--log-level=test",
        "--logfile=%s" % log_path,
        *qjdev.db_options(),
    ]
    tags = os.environ.get("ODOO_TEST_TAGS") or ",".join("/" + a for a in ADDONS)
    args.append("--test-tags=%s" % tags)
    print("==> Odoo tests in database %s (log: %s)" % (db, log_path), flush=True)
    started = time.time()
    try:
        subprocess.run(args, check=False)
    finally:
        if not os.environ.get("KEEP_DB"):
            qjdev.drop_db(db)
    print_problems(log_path)
    try:
        with open(result_path) as fh:
            counts = json.load(fh)
    except (OSError, ValueError):
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "crashed": True}
    for name in counts.get("skipped_names", []):
        print("SKIPPED (counted as failed): %s" % name)
    failed = counts["failures"] + counts["errors"] + counts["skipped"]
    if counts.get("crashed"):
        print("odoo: the test run crashed (see %s)" % log_path)
        failed += 1
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    print(
        "==> Odoo tests: %d run, %d failures, %d errors, %d skipped in %.0fs"
        % (
            counts["tests"],
            counts["failures"],
            counts["errors"],
            counts["skipped"],
            time.time() - started,
        ),
        flush=True,
    )
    return max(passed, 0), failed


def run_pytest(logs):
    junit = os.path.join(logs, "pytest-%d.xml" % os.getpid())
    extra = shlex.split(os.environ.get("PYTEST_ARGS", ""))
    # paths given in PYTEST_ARGS replace the whole tests/ folder
    chosen = [
        arg
        for arg in extra
        if os.path.exists(os.path.join(qjdev.ROOT, arg.split("::")[0]))
    ]
    args = [
        qjdev.PYTHON,
        "-m",
        "pytest",
        *([] if chosen else [os.path.join(qjdev.ROOT, "tests")]),
        "-p",
        "no:cacheprovider",
        "-rfEs",
        "--junitxml=%s" % junit,
    ] + extra
    print("==> pytest", flush=True)
    proc = subprocess.run(args, cwd=qjdev.ROOT)
    try:
        suite = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        print("pytest: no report (exit %s)" % proc.returncode)
        return 0, 1
    if suite.tag == "testsuites":
        suite = suite[0]
    tests = int(suite.get("tests", 0))
    failed = sum(int(suite.get(key, 0)) for key in ("failures", "errors", "skipped"))
    if proc.returncode not in (0, 1) and not failed:
        failed = 1  # collection or usage error
    return tests - min(failed, tests), failed


def main():
    logs = os.path.join(qjdev.STATE, "logs")
    os.makedirs(logs, exist_ok=True)
    suites = os.environ.get("SUITE", "odoo,pytest").split(",")
    passed = failed = 0
    if "odoo" in suites:
        p, f = run_odoo_tests(logs)
        passed, failed = passed + p, failed + f
    if "pytest" in suites:
        p, f = run_pytest(logs)
        passed, failed = passed + p, failed + f
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
