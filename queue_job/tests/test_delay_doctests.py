# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The examples of the docstrings of queue_job.graph (delay.py's Graph), run as
Odoo tests."""
from .. import graph
from .common import load_doctests

load_tests = load_doctests(graph)
