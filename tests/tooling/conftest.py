# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import os
import subprocess

import pytest
from tooling_helpers import ROOT, base_env, free_port, qjdev


@pytest.fixture
def demo(tmp_path):
    """Settings for a throw-away `make run`: own state, database and port.
    Whatever it started is stopped, and its database dropped, afterwards."""
    settings = {
        "QJ_STATE": str(tmp_path / "state"),
        "DEMO_DB": qjdev.unique_name("qj_tooling_demo"),
        "PORT": str(free_port()),
    }
    yield settings
    pid_file = os.path.join(settings["QJ_STATE"], "run", "odoo.pid")
    if os.path.exists(pid_file):
        subprocess.run(
            [qjdev.PYTHON, os.path.join(ROOT, "tools", "run.py"), "stop"],
            env=base_env(**settings),
            capture_output=True,
        )
    qjdev.drop_db(settings["DEMO_DB"])
