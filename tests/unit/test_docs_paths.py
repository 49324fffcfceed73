# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The project's documents name no folder of the machine they were written on
(the screenshots' tracebacks are made relative by tools/screenshots.py)."""
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCUMENTS = [
    "README.rst",
    "DEVELOPERS.md",
    "docs/*.md",
    "docs/*.rst",
    "*/README.rst",
    "*/readme/*",
    "queue_job/static/description/*.html",
]


def machine_folders():
    home = os.path.expanduser("~")
    folders = {ROOT, os.path.dirname(ROOT), sys.base_prefix, "/tmp/", "/var/tmp/"}
    if home not in ("/", ""):
        folders.add(home.rstrip("/") + "/")
    return folders


def test_documents_name_no_folder_of_this_machine():
    found = []
    for pattern in DOCUMENTS:
        for path in glob.glob(os.path.join(ROOT, pattern)):
            with open(path, errors="replace") as fh:
                text = fh.read()
            for folder in machine_folders():
                if folder in text:
                    found.append("%s: %s" % (os.path.relpath(path, ROOT), folder))
    assert not found, found
