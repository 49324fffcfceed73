# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""The one reader of queue_job's settings, for every part that needs them
(the runner, its start with the server, the monitoring routes).

Owns where the settings come from: the environment, the ``[queue_job]``
section and Odoo's options. The section is server_environment's when that
addon is installed and has one, else the one of Odoo's configuration file.
The precedence between them is jobrunner/config.py's (pure). Odoo is
imported when the settings are read, not when this module is.
"""
import os

from .jobrunner.config import ODOO_OPTION_KEYS, load_settings

SECTION = "queue_job"


def _server_environment_section():
    """server_environment's ``[queue_job]`` section, or None when the addon
    is not there or has no such section."""
    try:
        from odoo.addons.server_environment import serv_config
    except ImportError:
        return None  # the addon is optional: the configuration file decides
    if not serv_config.has_section(SECTION):
        return None
    return dict(serv_config.items(SECTION))


def section():
    """The ``[queue_job]`` section in force, as a dict (empty if none)."""
    found = _server_environment_section()
    if found is None:
        from odoo.tools import config

        found = config.misc.get(SECTION, {})
    return found


def read():
    """The settings now (a jobrunner.config.RunnerSettings). An invalid
    value raises ValueError naming it and where it comes from."""
    from odoo.tools import config

    options = {key: config.get(key) for key in ODOO_OPTION_KEYS}
    return load_settings(os.environ, section(), options)
