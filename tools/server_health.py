"""Whether a prefork Odoo keeps up every process it starts, and answers.

The prefork server forks its HTTP workers, its cron workers and queue_job's
runner, and starts the longpolling (gevent) process; it starts again any of
them that exits, silently. ``make run`` and tests/tooling watch the server for
a while: a process that dies is reported with the log lines it left, and the
longpolling port must answer ``/longpolling/poll``.

Only the standard library: /proc for the processes and which worker is which
(the title Odoo gives each, else its log line "Worker <class> (<pid>) alive").
"""
import json
import os
import re
import time
import urllib.request

RECORD_RE = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\d+) (\w+) ")
ALIVE_RE = re.compile(rb"Worker (\w+) \((\d+)\) alive")
LONGPOLLING = "longpolling"
LABELS = {
    "WorkerHTTP": "HTTP worker",
    "WorkerCron": "cron worker",
    "WorkerJobRunner": "job runner",
    LONGPOLLING: "longpolling (gevent) process",
}


def label(kind):
    return LABELS.get(kind, kind or "process of unknown kind")


def _read(path, mode="r"):
    try:
        with open(path, mode) as fh:
            return fh.read()
    except OSError:
        return None


def alive(pid):
    stat = _read("/proc/%d/stat" % pid)
    return bool(stat) and stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def children(pid):
    """The live child processes of ``pid``."""
    found = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read("/proc/%s/stat" % name)
        if not stat:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.add(int(name))
    return found


def start_time(pid):
    """Seconds since boot at which ``pid`` started."""
    stat = _read("/proc/%d/stat" % pid)
    ticks = int(stat.rsplit(")", 1)[1].split()[19])
    return ticks / os.sysconf("SC_CLK_TCK")


def uptime():
    return float(_read("/proc/uptime").split()[0])


def kind_from_cmdline(pid):
    """A worker's class from the title Odoo gives it (with setproctitle),
    LONGPOLLING for the gevent process; None when neither says."""
    args = (_read("/proc/%d/cmdline" % pid, "rb") or b"").split(b"\0")
    if args[0].startswith(b"odoo: "):
        return args[0].split()[1].decode()
    if b"gevent" in args[1:3]:
        return LONGPOLLING
    return None


class Watch:
    """Follows the children of a prefork Odoo and the log it writes."""

    def __init__(self, pid, log_path, from_end=False):
        """``from_end``: skip what the log holds already."""
        self.pid = pid
        self.log_path = log_path
        self.kinds = {}  # pid -> worker class, or LONGPOLLING
        self.seen = {}  # pid -> (log offset, time) when first seen
        self.dead = {}  # pid -> (log offset, time) just after it was gone
        self._going = set()  # found gone at the last sample
        self.lines = []  # (offset, bytes) of the log read so far
        self._offset = 0
        if from_end and os.path.exists(log_path):
            self._offset = os.path.getsize(log_path)
        self._partial = b""
        self.sample()

    def _read_log(self):
        try:
            with open(self.log_path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size < self._offset:
                    self._offset = 0  # rotated
                    self._partial = b""
                fh.seek(self._offset)
                data = fh.read()
        except OSError:
            return
        start = self._offset - len(self._partial)
        self._offset += len(data)
        data = self._partial + data
        *complete, self._partial = data.split(b"\n")
        for line in complete:
            self.lines.append((start, line))
            start += len(line) + 1
            match = ALIVE_RE.search(line)
            if match:
                self.kinds[int(match.group(2))] = match.group(1).decode()

    def sample(self):
        """Note the children that appeared or went since the last call."""
        before = self._offset
        self._read_log()
        now = time.monotonic()
        # what a process printed as it died is in the log by now
        for pid in self._going:
            self.dead[pid] = (self._offset, self.dead[pid][1])
        self._going = set()
        current = children(self.pid)
        for pid in current - set(self.seen):
            self.seen[pid] = (before, now)
        for pid in current - set(self.kinds):
            kind = kind_from_cmdline(pid)  # set by the worker a moment after the fork
            if kind:
                self.kinds[pid] = kind
        if alive(self.pid):
            for pid in set(self.seen) - current - set(self.dead):
                self.dead[pid] = (self._offset, now)
                self._going.add(pid)

    def watch(self, seconds, step=0.2):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and alive(self.pid):
            time.sleep(step)
            self.sample()
        time.sleep(step)
        self.sample()

    def running(self):
        """{kind: [pid, ...]} of the children alive now."""
        by_kind = {}
        for pid in sorted(set(self.seen) - set(self.dead)):
            by_kind.setdefault(self.kinds.get(pid), []).append(pid)
        return by_kind

    def problems(self, expected):
        """One line per problem: a dead child, a kind short of processes."""
        found = []
        if not alive(self.pid):
            found.append("the Odoo server (pid %d) exited" % self.pid)
            return found
        running = self.running()
        deaths = {}
        for pid, (_offset, gone) in sorted(self.dead.items()):
            deaths.setdefault(self.kinds.get(pid), []).append(gone - self.seen[pid][1])
        for kind, lifetimes in deaths.items():
            found.append(
                "%s died %s (%s)%s"
                % (
                    label(kind),
                    "once" if len(lifetimes) == 1 else "%d times" % len(lifetimes),
                    ", ".join("after %.0fs" % lived for lived in lifetimes[:5])
                    + (", ..." if len(lifetimes) > 5 else ""),
                    ", respawned" if running.get(kind) else "",
                )
            )
        for kind, count in expected.items():
            have = len(running.get(kind, []))
            if have < count:
                found.append("%d %s running, %d expected" % (have, label(kind), count))
        return found

    def log_of(self, pid, limit=30):
        """The last log lines of a process: its records (and their
        continuation lines), and the lines of no record (a traceback printed
        as it died) written while it lived."""
        chosen, owner, level = [], None, b""
        first, _t = self.seen.get(pid, (0, 0))
        last, _t = self.dead.get(pid, (self._offset, 0))
        for offset, line in self.lines:
            match = RECORD_RE.match(line)
            if match:
                owner, level = int(match.group(1)), match.group(2)
                if owner == pid:
                    chosen.append(line)
            elif level in (b"WARNING", b"ERROR", b"CRITICAL"):
                # the traceback of a warning or error record
                if owner == pid:
                    chosen.append(line)
            elif first <= offset < last:
                # after an info record: printed by a process, not logged
                chosen.append(line)
        return [line.decode(errors="replace") for line in chosen[-limit:]]

    def first_dead(self):
        """{kind: pid} of the first process of each kind that died."""
        found = {}
        for pid in sorted(self.dead, key=lambda pid: self.seen[pid][1]):
            found.setdefault(self.kinds.get(pid), pid)
        return found


def longpolling_answers(port, host="127.0.0.1", timeout=10):
    """None when ``/longpolling/poll`` answers a peek poll, else why not."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"channels": [], "last": 0, "options": {"peek": True}},
        }
    ).encode()
    request = urllib.request.Request(
        "http://%s:%d/longpolling/poll" % (host, port),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except (OSError, ValueError) as exc:
        return "no answer from port %d: %s" % (port, exc)
    if "notifications" not in (answer.get("result") or {}):
        return "port %d answered %s" % (port, json.dumps(answer)[:300])
    return None
