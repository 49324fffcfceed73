# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Text that PostgreSQL accepts, for what a job's run leaves (result,
exception name, message and traceback).

A ``text`` column takes neither NUL characters nor text that is not valid
UTF-8 (lone surrogates, such as the undecodable bytes that
``surrogateescape`` keeps). Both are stored as U+FFFD (the replacement
character): one per NUL and per undecodable byte (a lone surrogate that is
not an escaped byte counts as its three bytes), so that the job still ends done or
failed with readable text instead of failing to write its outcome. Pure
Python.
"""

REPLACEMENT = "\ufffd"


def storable(text):
    """``text`` as PostgreSQL can store it; None and False unchanged."""
    if not text:
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # an escaped undecodable byte goes back to that byte, any other lone
        # surrogate to the 3 bytes it would take: each invalid byte -> U+FFFD
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = text.encode("utf-8", "surrogatepass")
        text = raw.decode("utf-8", "replace")
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    return text
