# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Headless Chromium driven over its devtools protocol, against a real server.

Used by tools/screenshots.py (pages to take) and the end-to-end tests (tours
run in a server started by qjdev.OdooServer, so that what a tour clicks
reaches real job runners and workers). One page per browser; every console
message of the page is kept with the time Chromium logged it.
"""
import base64
import json
import re
import shutil
import subprocess
import tempfile
import time

import requests
import websocket


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("Chromium not found (apt-get install chromium)")


class TourFailed(AssertionError):
    pass


class Browser:
    """Headless Chromium with one page, driven over the devtools websocket."""

    def __init__(self, width=1400, height=860):
        self.profile = tempfile.mkdtemp(prefix="qj-chromium-")
        self.proc = subprocess.Popen(
            [
                chromium(),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--user-data-dir=%s" % self.profile,
                "--window-size=%d,%d" % (width, height),
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            port = self._devtools_port()
            targets = requests.get("http://127.0.0.1:%d/json" % port, timeout=10)
            page = next(t for t in targets.json() if t["type"] == "page")
            # no Origin header: Chromium refuses devtools clients from other origins
            self.ws = websocket.create_connection(
                page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True
            )
        except BaseException:
            self._stop_process()
            raise
        self.next_id = 0
        self.errors = []  # uncaught exceptions and console errors of the page
        self.console = []  # (epoch seconds, type, text) of every console message
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _devtools_port(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if match:
                return int(match.group(1))
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("Chromium did not start its devtools server")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = self._receive(30)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s failed: %s" % (method, message["error"]))
                return message.get("result", {})

    def _receive(self, timeout):
        """The next message from Chromium (events are noted on the way);
        None when nothing came within ``timeout`` seconds."""
        self.ws.settimeout(timeout)
        try:
            message = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        self._note(message)
        return message

    def _note(self, message):
        params = message.get("params", {})
        if message.get("method") == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get(
                "text"
            )
            self.errors.append(text)
            self.console.append((params["timestamp"] / 1000, "exception", text))
        elif message.get("method") == "Runtime.consoleAPICalled":
            text = " ".join(
                str(arg.get("value", arg.get("description"))) for arg in params["args"]
            )
            self.console.append((params["timestamp"] / 1000, params["type"], text))
            if params.get("type") == "error":
                self.errors.append(text)

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError("script failed: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, selector, timeout=30):
        deadline = time.time() + timeout
        check = "Boolean(document.querySelector(%s))" % json.dumps(selector)
        while time.time() < deadline:
            if self.evaluate(check):
                return
            time.sleep(0.2)
        raise TimeoutError("%r did not appear" % selector)

    def wait_true(self, expression, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate("Boolean(%s)" % expression):
                return
            time.sleep(0.2)
        raise TimeoutError("%s still false after %ss" % (expression, timeout))

    def goto(self, url, selector, settle=1.5):
        self.call("Page.navigate", url=url)
        self.wait_for(selector)
        # let fonts, transitions and the graph layout settle
        time.sleep(settle)

    def resize(self, width, height):
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def login(self, url, db, login="admin", password="admin"):
        """Log in over JSON-RPC and give the page that session's cookie."""
        session = requests.Session()
        response = session.post(
            url + "/web/session/authenticate",
            json={"params": {"db": db, "login": login, "password": password}},
            timeout=60,
        )
        response.raise_for_status()
        if response.json().get("error"):
            raise RuntimeError("login failed: %s" % response.json()["error"])
        self.call(
            "Network.setCookie",
            name="session_id",
            value=session.cookies["session_id"],
            url=url,
        )

    def run_tour(self, url, name, timeout=120, path="/web?debug=tests"):
        """Open ``path`` of the server at ``url`` (the web client with the
        test assets) and run the tour ``name`` there; TourFailed with the
        page's errors when a step fails, the page has an error, or the tour
        has not ended after ``timeout`` seconds."""
        self.call("Page.navigate", url=url + path)
        tours = "odoo.__DEBUG__.services['web_tour.tour']"
        self.wait_true(
            "window.odoo && odoo.__DEBUG__ && %s && %s.tours[%s] && %s.tours[%s].ready"
            % (tours, tours, json.dumps(name), tours, json.dumps(name)),
            timeout=60,
        )
        seen = len(self.console)
        self.evaluate("odoo.startTour(%s)" % json.dumps(name))
        deadline = time.time() + timeout
        while time.time() < deadline:
            self._receive(0.5)
            if self.errors:
                raise TourFailed(
                    "tour %s failed: %s" % (name, "\n".join(self.errors[-5:])[:4000])
                )
            if any(
                text == "test successful" for _at, _type, text in self.console[seen:]
            ):
                return
        raise TourFailed("tour %s not done after %ss" % (name, timeout))

    def console_time(self, pattern):
        """When the page first logged a console message matching ``pattern``
        (epoch seconds), or None."""
        regex = re.compile(pattern)
        for at, _type, text in self.console:
            if regex.search(text):
                return at
        return None

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))
        print("wrote", path)

    def _stop_process(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)

    def close(self):
        try:
            self.ws.close()
        finally:
            self._stop_process()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
