"""setup/queue_job builds the addon as the wheel odoo-addon-queue_job."""
import os
import shutil
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_queue_job_wheel(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            os.path.join(ROOT, "setup", "queue_job"),
        ],
        check=True,
        capture_output=True,
    )
    # the build leaves its work files in the source tree
    shutil.rmtree(os.path.join(ROOT, "setup", "queue_job", "build"), ignore_errors=True)
    (wheel,) = os.listdir(tmp_path)
    assert wheel.startswith("odoo_addon_queue_job-15.0.")
    with zipfile.ZipFile(tmp_path / wheel) as archive:
        names = archive.namelist()
        assert "odoo/addons/queue_job/__manifest__.py" in names
        assert "odoo/addons/queue_job/jobrunner/channels.py" in names
        assert "odoo/addons/queue_job/execution/slots.py" in names
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    assert "Name: odoo-addon-queue_job" in text or "Name: odoo-addon-queue-job" in text
    # nothing of the addon imports requests: no external dependency
    assert "Requires-Dist: requests" not in text
    assert "Author: queue_job developers" in text
    assert "Requires-Dist: odoo<15.1dev,>=15.0a" in text or "odoo>=15.0a" in text
