# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Odoo 15's HttpCase with today's Chromium.

Chromium refuses devtools websocket clients that send an Origin header
unless started with --remote-allow-origins; Odoo 15's ChromeBrowser sends
one. This browser connects without it, and fails (instead of skipping) when
there is no Chromium: a browser test that did not run did not pass.
"""
import shutil

import websocket

from odoo.tests import common


class ChromeBrowser(common.ChromeBrowser):
    @property
    def executable(self):
        for name in ("google-chrome", "chromium", "chromium-browser"):
            path = shutil.which(name)
            if path:
                return path
        raise AssertionError(
            "Chromium not found: the browser tests need it (apt-get install chromium)"
        )

    def _open_websocket(self):
        self.ws = websocket.create_connection(self.ws_url, suppress_origin=True)
        if self.ws.getstatus() != 101:
            raise AssertionError("cannot connect to Chromium's devtools")
        self.ws.settimeout(0.01)


class HttpCase(common.HttpCase):
    @classmethod
    def start_browser(cls):
        if cls.browser is None:
            cls.browser = ChromeBrowser(cls._logger, cls.browser_size, cls.__name__)
            cls.addClassCleanup(cls.terminate_browser)
