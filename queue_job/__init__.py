# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from . import controllers, exception, fields, jobrunner, models, wizards
from .job import identity_exact
from .post_init_hook import post_init_hook
