# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Run the benchmarks of bench/ and print their figures as a table.

Each ``bench/bench_*.py`` module has ``run(ctx)`` returning rows, dicts with:

- ``figure``: what is measured;
- ``value``: the measure (seconds, unless ``unit`` says otherwise);
- ``floor``: the same work done the cheapest known way, in the same run;
- ``ratio``: how close ``value`` gets to ``floor`` (1.0: as cheap);
- ``target``: the lowest acceptable ratio; or, for a figure with an absolute
  target (a latency), a text such as "<= 5 ms" with ``ok`` set by the bench.

Usage: run.py [NAME...] (module names without "bench_", default: all).
The exit status is 1 when a ratio misses its target.
"""
import importlib.util
import os
import sys

import qjdev  # tools/bench.sh puts tools/ on the path

HERE = os.path.dirname(os.path.abspath(__file__))


class Context:
    """What benchmarks share: databases and an in-process Odoo."""

    def __init__(self):
        self._databases = []
        self._odoo_ready = False

    def database(self, modules):
        """A fresh database with ``modules`` installed (dropped at the end)."""
        log = os.path.join(qjdev.STATE, "logs", "bench-install.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        name = qjdev.unique_name("qjbench")
        self._databases.append(name)  # dropped at the end, even half made
        qjdev.clone_db(qjdev.base_template(), name)
        qjdev.install_db(name, modules, log_path=log, demo=True)
        return name

    def registry(self, db):
        """The Odoo registry of ``db``, loaded in this process."""
        if not self._odoo_ready:
            sys.path.insert(0, qjdev.ODOO_SRC)
            import odoo

            odoo.tools.config.parse_config(
                [
                    "--addons-path=%s" % qjdev.addons_path(),
                    "--data-dir=%s" % qjdev.DATA_DIR,
                    "--log-level=warn",
                    *qjdev.db_options(),
                ]
            )
            self._odoo_ready = True
        import odoo

        return odoo.registry(db)

    def close(self):
        if self._odoo_ready:
            import odoo

            for db in self._databases:
                odoo.sql_db.close_db(db)
        for db in self._databases:
            qjdev.drop_db(db)


def load_benchmarks(names):
    found = sorted(
        name[len("bench_") : -len(".py")]
        for name in os.listdir(HERE)
        if name.startswith("bench_") and name.endswith(".py")
    )
    unknown = set(names) - set(found)
    if unknown:
        sys.exit(
            "unknown benchmark(s): %s (have: %s)"
            % (", ".join(unknown), ", ".join(found))
        )
    for name in names or found:
        path = os.path.join(HERE, "bench_%s.py" % name)
        spec = importlib.util.spec_from_file_location("bench_%s" % name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield name, module


def row_ok(row):
    if "ok" in row:
        return bool(row["ok"])
    return row["ratio"] >= row["target"]


def _num(value, unit):
    return "-" if value is None else "%.3f %s" % (value, unit)


def format_table(rows):
    header = ("figure", "value", "floor", "ratio", "target", "")
    lines = [header]
    for row in rows:
        unit = row.get("unit", "s")
        target = row["target"]
        lines.append(
            (
                row["figure"],
                _num(row["value"], unit),
                _num(row["floor"], unit),
                "-" if row["ratio"] is None else "%.2f" % row["ratio"],
                target if isinstance(target, str) else ">= %.2f" % target,
                "ok" if row_ok(row) else "MISSED",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def main(argv):
    ctx = Context()
    rows = []
    try:
        for name, module in load_benchmarks(argv):
            print("==> bench %s" % name, flush=True)
            rows.extend(module.run(ctx))
    finally:
        ctx.close()
    print(format_table(rows))
    return 0 if all(row_ok(row) for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
