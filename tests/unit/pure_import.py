# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Import the pure-Python modules of the addon without running the addon's
``__init__`` files (they import Odoo): the ``queue_job`` and
``queue_job.jobrunner`` packages are registered, under the name
``queue_job_pure``, as bare packages over the addon's directories."""
import importlib
import os
import sys
import types

ADDON_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "queue_job",
)
PACKAGE = "queue_job_pure"


def _bare_package(name, path):
    if name not in sys.modules:
        module = types.ModuleType(name)
        module.__path__ = [path]
        module.__package__ = name
        sys.modules[name] = module


def load(name):
    """The addon's module ``name`` (e.g. ``"jobrunner.channels"``)."""
    _bare_package(PACKAGE, ADDON_DIR)
    _bare_package(PACKAGE + ".jobrunner", os.path.join(ADDON_DIR, "jobrunner"))
    return importlib.import_module(PACKAGE + "." + name)
