"""Copy standard input into a log file that stays under a size.

``make run`` pipes the output of every Odoo process (log records, and what a
process prints before its logging is set up) through this. When FILE reaches
MAX_BYTES it becomes FILE.1 (FILE.1 becomes FILE.2, ...), KEEP old files are
kept, and a new FILE starts: a server left running keeps at most
(KEEP + 1) * MAX_BYTES of logs. Files are cut at line ends (a line longer
than MAX_BYTES stays whole).

Usage: rotating_log.py FILE [MAX_BYTES [KEEP]]; it ends when its input ends,
that is when the last Odoo process has exited.
"""
import os
import sys

MAX_BYTES = 10 * 1024 * 1024
KEEP = 3


def rotate(path, keep=KEEP):
    """FILE -> FILE.1 -> ... -> FILE.<keep>; the oldest is dropped."""
    if not os.path.exists(path):
        return
    for number in range(keep - 1, 0, -1):
        older = "%s.%d" % (path, number)
        if os.path.exists(older):
            os.replace(older, "%s.%d" % (path, number + 1))
    if keep:
        os.replace(path, path + ".1")
    else:
        os.unlink(path)


def copy(source_fd, path, max_bytes=MAX_BYTES, keep=KEEP):
    out = open(path, "ab", buffering=0)
    size = out.tell()
    try:
        while True:
            data = os.read(source_fd, 65536)
            if not data:
                return
            while data:
                room = max(max_bytes - size, 0)
                # the last line end that fits, else the first one after
                cut = data.rfind(b"\n", 0, room) + 1 or data.find(b"\n", room) + 1
                if len(data) < room or not cut:
                    out.write(data)
                    size += len(data)
                    break
                out.write(data[:cut])
                out.close()
                rotate(path, keep)
                out = open(path, "ab", buffering=0)
                size = 0
                data = data[cut:]
    finally:
        out.close()


def main(argv):
    if not 2 <= len(argv) <= 4:
        sys.exit("usage: rotating_log.py FILE [MAX_BYTES [KEEP]]")
    max_bytes = int(argv[2]) if len(argv) > 2 else MAX_BYTES
    keep = int(argv[3]) if len(argv) > 3 else KEEP
    copy(sys.stdin.fileno(), argv[1], max_bytes, keep)


if __name__ == "__main__":
    main(sys.argv)
