# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Whether the runner's connection to a database keeps its session.

The runner's connection LISTENs for notifications and keeps its pass query
prepared: both live in a PostgreSQL session, which a pooler in transaction
mode (PgBouncer's ``pool_mode = transaction``) does not keep from one
transaction to the next. Owns the check made when the runner connects: when
the connection does not reach PostgreSQL directly (the server's port is not
the one connected to), a session setting is written, a second connection
takes the server connection that a transaction pooler would free, and the
setting is read back. Lost: the database is not served, and the log says
what to do (README: "PgBouncer").
"""
import logging
import secrets

import psycopg2

_logger = logging.getLogger(__name__)

PROBE = "queue_job.session_probe"


class SessionNotKept(Exception):
    """The runner's connection goes through a pooler in transaction mode."""


def _proxied(conn):
    with conn.cursor() as cr:
        cr.execute("SELECT current_setting('port')")
        server_port = cr.fetchone()[0]
    try:
        return int(conn.info.port) != int(server_port)
    except (TypeError, ValueError):
        return True


def check(conn, connect):
    """Raise SessionNotKept unless autocommit connection ``conn`` keeps its
    session; ``connect()`` opens another connection the same way."""
    if not _proxied(conn):
        return
    token = secrets.token_hex(8)
    with conn.cursor() as cr:
        cr.execute("SELECT set_config(%s, %s, false)", (PROBE, token))
    other = connect()
    try:
        with other.cursor() as ocr:
            # a transaction left open: it holds whichever server connection
            # the pooler gives, the one just freed by ``conn`` if it pools
            # transactions
            ocr.execute("SELECT 1")
            with conn.cursor() as cr:
                cr.execute("SELECT current_setting(%s, true)", (PROBE,))
                kept = cr.fetchone()[0] == token
        other.rollback()
    finally:
        try:
            other.close()
        except psycopg2.Error:
            _logger.debug("closing the probe connection", exc_info=True)
    if not kept:
        raise SessionNotKept(
            "its connection (port %s) goes through a pooler that does not keep "
            "sessions (PgBouncer pool_mode = transaction?): the runner needs a "
            "session for LISTEN and its prepared pass query. Point "
            "jobrunner_db_host / jobrunner_db_port at PostgreSQL itself or at a "
            "pool in session mode" % conn.info.port
        )
    _logger.info(
        "runner connection through a proxy or pooler (port %s): it keeps its "
        "session, fine",
        conn.info.port,
    )
