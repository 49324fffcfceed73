# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Helpers for the tests of the project's own commands (make run, make test).

The real scripts run in a subprocess with an environment made for each case.
Nothing here may touch what other runs share: the virtualenv, the private
cluster, the default demo server. Throw-away QJ_STATE, DEMO_DB and ports keep
them apart.
"""
import contextlib
import os
import socket
import subprocess
import time

import qjdev  # noqa: F401 (the tests use it from here)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Result:
    def __init__(self, proc, elapsed):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed

    def __repr__(self):
        return "exit %s after %.1fs\n--- stdout\n%s--- stderr\n%s" % (
            self.returncode,
            self.elapsed,
            self.stdout,
            self.stderr,
        )

    def one_error(self, *words):
        """The run failed with exactly one line "error: ...", its last, naming
        each of ``words``; no traceback."""
        assert self.returncode != 0, self
        errors = [
            line for line in self.stderr.splitlines() if line.startswith("error:")
        ]
        assert len(errors) == 1, self
        assert self.stderr.splitlines()[-1] == errors[0], self
        assert "Traceback" not in self.stdout + self.stderr, self
        for word in words:
            assert word in errors[0], self
        return errors[0]


def run(args, env, cwd=ROOT, timeout=120):
    started = time.monotonic()
    proc = subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    return Result(proc, time.monotonic() - started)


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**overrides):
    """The suite's environment, less the paths tools/lib.sh derives from
    others (so that a QJ_PGDATA given here moves them too)."""
    env = dict(os.environ)
    for derived in ("QJ_PGRUN", "QJ_DATA_DIR"):
        env.pop(derived, None)
    env.update(overrides)
    return env
