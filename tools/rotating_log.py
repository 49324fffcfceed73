"""Copy standard input into a log file that stays under a size.

``make run`` pipes the output of every Odoo process (log records, and what a
process prints before its logging is set up) through this. When FILE reaches
MAX_BYTES it becomes FILE.1 (FILE.1 becomes FILE.2, ...), KEEP old files are
kept, and a new FILE starts: a server left running keeps at most
(KEEP + 1) * MAX_BYTES of logs. Files are cut at line ends, whatever the
reads bring (a line longer than MAX_BYTES starts a file of its own).

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


def _fit(data, room, empty):
    """How many bytes of ``data`` go into a file with ``room`` bytes left:
    whole lines that fit; in an empty file, a line longer than the limit
    whole; 0 when the next line needs a new file."""
    if len(data) <= room:
        return len(data)
    cut = data.rfind(b"\n", 0, room) + 1
    if cut or not empty:
        return cut
    return data.find(b"\n", room) + 1 or len(data)


def copy(source_fd, path, max_bytes=MAX_BYTES, keep=KEEP):
    out = open(path, "ab", buffering=0)
    size = out.tell()
    # the start of a line whose end has not been read yet: held back, so
    # that a line is not cut in two by a read (unless it is over the limit)
    pending = b""
    open_line = False  # the file ends inside a line: its end goes there too
    try:
        while True:
            chunk = os.read(source_fd, 65536)
            data, pending = pending + chunk, b""
            if chunk:
                end = data.rfind(b"\n") + 1
                if len(data) - end <= max_bytes:
                    data, pending = data[:end], data[end:]
            while data:
                if open_line:
                    n = data.find(b"\n") + 1 or len(data)
                else:
                    n = _fit(data, max(max_bytes - size, 0), size == 0)
                if not n:
                    out.close()
                    rotate(path, keep)
                    out = open(path, "ab", buffering=0)
                    size = 0
                    continue
                part, data = data[:n], data[n:]
                out.write(part)
                size += n
                open_line = not part.endswith(b"\n")
            if not chunk:
                return
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
