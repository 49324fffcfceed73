"""Each addon's README.rst is generated from its readme/ folder (OCA layout)."""
import io
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_readme_is_generated_from_its_fragments():
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "tools", "addon_readme.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("addon", ["queue_job", "test_queue_job"])
def test_fragments_are_valid_rst(addon):
    import docutils.core
    import docutils.utils

    with open(os.path.join(ROOT, addon, "README.rst")) as fh:
        text = fh.read()
    messages = io.StringIO()
    docutils.core.publish_doctree(
        text,
        settings_overrides={
            "report_level": docutils.utils.Reporter.WARNING_LEVEL,
            "syntax_highlight": "none",
            "halt_level": docutils.utils.Reporter.SEVERE_LEVEL + 1,
            "warning_stream": messages,
        },
    )
    assert not messages.getvalue(), messages.getvalue()
