# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Marks each test of tests/ with its folder's marker (pytest.ini)."""
import os

import pytest

FOLDERS = ("unit", "e2e", "tooling")


def pytest_collection_modifyitems(items):
    for item in items:
        parts = os.path.normpath(str(item.fspath)).split(os.sep)
        for folder in FOLDERS:
            if folder in parts[-3:-1]:
                item.add_marker(getattr(pytest.mark, folder))
