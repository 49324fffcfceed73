# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Screenshots of the Job Queue UI for docs/, taken from a real server.

    python tools/screenshots.py [--db NAME] [--keep] [--out docs]

Builds a database with queue_job and realistic jobs (queue_job/tests/ui_data.py,
run through ``odoo-bin shell``), serves it with ``qjdev.OdooServer``, logs in
as admin and drives headless Chromium over its devtools protocol: the Jobs
list, a failed job's form, a job's dependency graph; then a runner runs jobs
arriving for a few minutes and the Overview is taken with its history.
"""
import argparse
import os
import re
import subprocess
import time

import qjdev
from browser import Browser

WIDTH, HEIGHT = 1400, 860

PREPARE = """
from odoo.addons.queue_job.tests.ui_data import demo_jobs
graph = demo_jobs(env)
env.cr.commit()
failed = env["queue.job"].search(
    [("state", "=", "failed"), ("name", "=", "Update the partner's legacy code")]
)
graph_job = graph[2].db_record()
print("QJ-IDS %d %d" % (failed.id, graph_job.id))
"""


# jobs arriving for a few minutes while a real runner runs them, so that the
# Overview draws its charts from the history the runner rolls up; a few
# fail, on a field that does not exist
TRAFFIC = """
import time
partners = env["res.partner"].search([], limit=5)
end = time.time() + %(seconds)d
i = 0
while time.time() < end:
    for partner in partners:
        channel = ("root", "root.sale", "root.reports")[i %% 3]
        partner.with_delay(channel=channel, description="Sync %%s" %% partner.name).name_get()
        i += 1
    if i %% 40 == 0:
        partners[0].with_delay(description="Update the partner's legacy code").write(
            {"x_legacy_partner_code": "A-%%d" %% i}
        )
    env.cr.commit()
    time.sleep(1.5)
"""
TRAFFIC_SECONDS = int(os.environ.get("QJ_SHOTS_TRAFFIC_SECONDS", "150"))


def prepare_db(name):
    qjdev.clone_db(qjdev.base_template(), name)
    qjdev.install_db(name, ["queue_job"], log_path="/dev/null")
    proc = qjdev.odoo_shell(name, PREPARE)
    proc.check_returncode()
    match = re.search(r"QJ-IDS (\d+) (\d+)", proc.stdout)
    if not match:
        raise RuntimeError("preparing the jobs failed:\n%s" % proc.stderr[-3000:])
    strip_machine_paths(name)
    return int(match.group(1)), int(match.group(2))


def machine_prefixes():
    """Where the code of the tracebacks lies on this machine: the clone, the
    Odoo source, the virtualenv's packages, Python's library."""
    paths = subprocess.run(
        [
            qjdev.PYTHON,
            "-c",
            "import sysconfig; p = sysconfig.get_paths(); "
            "print(p['purelib']); print(p['platlib']); print(p['stdlib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = {qjdev.ROOT, qjdev.ODOO_SRC, *paths}
    # the longest first: a prefix may hold another
    return sorted((path.rstrip("/") + "/" for path in found), key=len, reverse=True)


def strip_machine_paths(db):
    """Tracebacks shown in docs/ name files relative to where they lie
    ("odoo/models.py"), not this machine's folders."""
    for prefix in machine_prefixes():
        qjdev.psql(
            "UPDATE queue_job SET exc_info = replace(exc_info, '%s', '') "
            "WHERE exc_info IS NOT NULL" % prefix.replace("'", "''"),
            db=db,
        )
    left = qjdev.psql(
        "SELECT count(*) FROM queue_job WHERE exc_info ~ 'File \"/'", db=db
    )
    if left != "0":
        raise RuntimeError("tracebacks still name absolute paths in %s" % db)


def take(url, db, failed_id, graph_job_id, out):
    browser = Browser(WIDTH, HEIGHT)
    try:
        browser.resize(WIDTH, HEIGHT)
        browser.login(url, db)
        action = "action=queue_job.action_queue_job"
        browser.goto(
            url + "/web#%s&view_type=list" % action, ".o_list_view .o_data_row"
        )
        browser.screenshot(os.path.join(out, "jobs_list.png"))
        browser.goto(
            url + "/web#%s&model=queue.job&view_type=form&id=%d" % (action, failed_id),
            ".o_form_view .o_queue_job_exc_info",
        )
        # tall enough for the whole sheet: header, fields and traceback
        browser.resize(WIDTH, 1280)
        time.sleep(1)
        browser.screenshot(os.path.join(out, "failed_job.png"))
        browser.resize(WIDTH, HEIGHT)
        browser.goto(
            url
            + "/web#%s&model=queue.job&view_type=form&id=%d" % (action, graph_job_id),
            ".o_form_view .o_notebook",
        )
        browser.evaluate(
            "[...document.querySelectorAll('.o_notebook .nav-link')]"
            ".find(a => a.textContent.trim() === 'Dependencies').click()"
        )
        browser.wait_for(".o_field_job_directed_graph canvas")
        browser.evaluate(
            "document.querySelector('.o_form_view .o_notebook').scrollIntoView()"
        )
        time.sleep(2)
        browser.screenshot(os.path.join(out, "dependency_graph.png"))
    finally:
        browser.close()


def take_overview(url, db, out):
    browser = Browser(WIDTH, HEIGHT)
    try:
        browser.resize(WIDTH, 1100)
        browser.login(url, db)
        try:
            browser.goto(
                url + "/web#action=queue_job.action_queue_job_overview",
                ".o_queue_job_overview canvas[data-chart='throughput'][data-points]",
            )
        except TimeoutError:
            text = browser.evaluate("document.body.innerText.slice(0, 800)")
            raise RuntimeError(
                "the Overview did not draw its charts: %s\n%s" % (browser.errors, text)
            ) from None
        time.sleep(2)
        browser.screenshot(os.path.join(out, "overview.png"))
    finally:
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(qjdev.ROOT, "docs"))
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    db = qjdev.unique_name("qj_shots")
    try:
        failed_id, graph_job_id = prepare_db(db)
        with qjdev.OdooServer(db, workers=0, channels="root:0") as server:
            server.wait_http(120)
            take(server.url, db, failed_id, graph_job_id, args.out)
        # the Overview with a runner at work: real history, a leading runner
        with qjdev.OdooServer(
            db, workers=2, channels="root:3,root.sale:1,root.reports:1"
        ) as server:
            server.wait_ready(db, timeout=120)
            qjdev.odoo_shell(
                db, TRAFFIC % {"seconds": TRAFFIC_SECONDS}
            ).check_returncode()
            time.sleep(12)  # the last roll-up
            take_overview(server.url, db, args.out)
    finally:
        if not args.keep:
            qjdev.drop_db(db)


if __name__ == "__main__":
    main()
