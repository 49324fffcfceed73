# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The scheduler, the runner's view of jobs and its clock, the runner settings,
the concurrency-error test and the exceptions import without Odoo."""
import os
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

CHECK = textwrap.dedent(
    """
    import sys

    class NoOdoo:
        # refuse odoo and every odoo.* module, even if Odoo is on the path
        def find_spec(self, name, path=None, target=None):
            if name == "odoo" or name.startswith("odoo."):
                raise ImportError("odoo is not importable here: " + name)

    sys.meta_path.insert(0, NoOdoo())
    try:
        import odoo  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the odoo import was not blocked")

    sys.path.insert(0, sys.argv[1])
    import pure_import

    channels = pure_import.load("jobrunner.channels")
    config = pure_import.load("jobrunner.config")
    view = pure_import.load("jobrunner.view")
    pure_import.load("jobrunner.clock")
    pure_import.load("jobrunner.history")
    concurrency = pure_import.load("concurrency")
    exception = pure_import.load("exception")
    graph = pure_import.load("graph").Graph({"a": {"b"}, "b": set()})
    assert list(graph.topological_sort()) == ["a", "b"]
    pure_import.load("states")
    pure_import.load("transitions")
    pure_import.load("storable")
    manager = channels.ChannelManager()
    manager.simple_configure("root:2")
    manager.notify("db", "root", "u1", 1, 1, 10, None, "pending")
    assert [job.uuid for job in manager.get_jobs_to_run(0)] == ["u1"]
    assert config.load_settings({}, {}, {}).channels == "root:1"
    assert view.JobView("db", manager).window_sizes() == ({}, set())
    assert not concurrency.is_concurrency_error(ValueError())
    assert issubclass(exception.ChannelNotFound, exception.BaseQueueJobError)
    loaded = sorted(name for name in sys.modules if name.split(".")[0] == "odoo")
    assert not loaded, loaded
    print("pure imports ok")
    """
)


def test_modules_import_without_odoo():
    odoo_src = os.environ.get("ODOO_SRC", "/var/cache/queue_job/odoo-15.0")
    env = dict(os.environ, PYTHONPATH=odoo_src)  # Odoo reachable, yet refused
    result = subprocess.run(
        [sys.executable, "-c", CHECK, HERE],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "pure imports ok"


def test_modules_do_not_name_odoo():
    addon = os.path.join(os.path.dirname(os.path.dirname(HERE)), "queue_job")
    pure = (
        "jobrunner/channels.py",
        "jobrunner/queues.py",
        "jobrunner/grammar.py",
        "jobrunner/config.py",
        "jobrunner/view.py",
        "jobrunner/clock.py",
        "concurrency.py",
        "exception.py",
        "states.py",
        "transitions.py",
        "storable.py",
    )
    for path in pure:
        with open(os.path.join(addon, path)) as source:
            for line in source:
                words = line.split()
                if words[:1] in (["import"], ["from"]):
                    assert "odoo" not in line, (path, line)
