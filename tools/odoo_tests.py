"""Run Odoo's own test runner in this process and write its counts as JSON.

Usage: python odoo_tests.py RESULT.json [odoo-bin options...]

odoo-bin only gives a return code; the counts (tests run, failures, errors,
skips) live in the registry's assertion report, which we read once the
registry is loaded and its tests have run.
"""
import contextlib
import json
import os
import sys


def main():
    result_path = sys.argv[1]
    sys.argv = [sys.argv[0]] + sys.argv[2:]
    sys.path.insert(0, os.environ["ODOO_SRC"])
    import odoo
    from odoo.tools import config

    config.parse_config(sys.argv[1:])
    odoo.cli.server.report_configuration()
    dbname = config["db_name"]
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "crashed": False}
    try:
        # a database made from a template already has base
        with contextlib.suppress(odoo.service.db.DatabaseExists):
            odoo.service.db._create_empty_database(dbname)
            config["init"]["base"] = True
        rc = odoo.service.server.start(preload=[dbname], stop=True)
        registry = odoo.modules.registry.Registry.registries.get(dbname)
        report = registry._assertion_report if registry else None
        if report is None:
            counts["crashed"] = True
        else:
            counts.update(
                tests=report.testsRun,
                failures=len(report.failures),
                errors=len(report.errors),
                skipped=len(report.skipped),
                skipped_names=[str(test) for test, _reason in report.skipped],
            )
        if rc and not (counts["failures"] or counts["errors"]):
            # a crash while loading modules is not a test failure Odoo counts
            counts["crashed"] = True
    finally:
        with open(result_path, "w") as fh:
            json.dump(counts, fh)
    os._exit(0)


if __name__ == "__main__":
    main()
