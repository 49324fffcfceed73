# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
import os
import sys

# the tests import their helper module pure_import from this directory
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
