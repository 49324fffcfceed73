# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The examples of the docstrings of queue_job.delay, run as Odoo tests."""
from .. import delay
from .common import load_doctests

load_tests = load_doctests(delay)
