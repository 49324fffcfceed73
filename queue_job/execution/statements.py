# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Prepared statements: the claims and outcomes sent for every job.

Planning them costs as much as running them (the job table has many
indexes), so they are prepared. A slot prepares its own and deallocates
them when it ends (:class:`Statements`). The first claim of a request is
prepared on the connection kept for the runner's requests
(controllers/wsgi.py) for the life of the connection (:func:`execute`; its
plan goes by unique keys, whatever the statistics), which is cleaned
between requests of everything else (:func:`clean`).
"""
import contextlib
import logging
import os
import threading

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

_logger = logging.getLogger(__name__)

PREFIX = "qj_stmt_"
# generic plans are costed for a whole backlog: no JIT for them
_GENERIC = "SET plan_cache_mode = force_generic_plan; SET jit = off; "
# what DISCARD ALL does, but for prepared statements and their plans (what
# a kept connection is kept for); the statements still there come back
_CLEAN = (
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *;"
    " SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES;"
    " SELECT name FROM pg_prepared_statements"
)

_serial = 0
_serial_lock = threading.Lock()


def _new_name():
    global _serial
    with _serial_lock:
        _serial += 1
        return "%s%d_%d" % (PREFIX, os.getpid(), _serial)


def _numbered(sql):
    """``sql`` with its %s placeholders as $1, $2... (for PREPARE)."""
    parts = sql.split("%s")
    return parts[0] + "".join(
        "$%d%s" % (i, part) for i, part in enumerate(parts[1:], 1)
    )


def _execute_sql(name, count):
    return "EXECUTE %s (%s)" % (name, ", ".join(["%s"] * count))


def _prepare_sql(name, sql):
    # sent with the EXECUTE's parameters: its own % are escaped
    return "PREPARE %s AS %s; " % (name, _numbered(sql).replace("%", "%%"))


@contextlib.contextmanager
def autocommit(cnx):
    """``cnx`` in autocommit for the block. Its isolation level is cleared
    meanwhile and set again after: psycopg2 sends a SET (a round trip) when
    it leaves autocommit with a level set."""
    level = cnx.isolation_level
    cnx.isolation_level = None
    cnx.autocommit = True
    try:
        yield
    finally:
        cnx.autocommit = False
        cnx.isolation_level = level


def kept(cr):
    """The statements kept on the connection of Odoo cursor ``cr`` ({sql:
    name}), or None when it is not a kept connection."""
    return getattr(getattr(cr, "_cnx", None), "_qj_prepared", None)


def keep(cnx):
    """Make ``cnx`` a connection whose statements stay prepared."""
    cnx._qj_prepared = {}


def execute(cr, sql, params, prefix=""):
    """Run ``prefix`` (plain SQL) then ``sql`` with ``params`` on Odoo
    cursor ``cr``: prepared when its connection is kept (one round trip,
    with the PREPARE the first time), as it is otherwise."""
    names = kept(cr)
    if names is None:
        cr.execute(prefix + sql, params, log_exceptions=False)
        return
    name = names.get(sql)
    if name is None:
        name = _new_name()
        prefix += _prepare_sql(name, sql)
    cr.execute(prefix + _execute_sql(name, len(params)), params, log_exceptions=False)
    names[sql] = name


def clean(cnx):
    """Give kept connection ``cnx`` back as new but for its prepared
    statements: session settings, temporary tables, locks, listens and the
    statements of others are gone. One round trip (in autocommit: its own
    transaction)."""
    names = cnx._qj_prepared
    if cnx.info.transaction_status != TRANSACTION_STATUS_IDLE:
        cnx.rollback()
    with autocommit(cnx), cnx.cursor() as cr:
        cr.execute(_CLEAN)
        present = {row[0] for row in cr.fetchall()}
        # a job's, or ours left unnamed by a failed EXECUTE (a PREPARE is not
        # undone with its transaction)
        others = present - set(names.values())
        if others:
            # pylint: disable-next=sql-injection  # names PostgreSQL gave
            cr.execute(
                "; ".join(
                    'DEALLOCATE "%s"' % name.replace('"', '""') for name in others
                )
            )
    cnx._qj_prepared = {sql: name for sql, name in names.items() if name in present}


class Statements:
    """The statements of one slot, prepared on its cursor ``cr`` under names
    of its own, deallocated when it ends.

    Not kept with the connection: their generic plan picks the channel's
    next job with the table's statistics of the moment, and a plan made
    while the table looked empty (a sort of every pending job at each
    claim) must not outlive the slot.
    """

    def __init__(self, cr):
        self.cr = cr
        # sql -> statement name; once there is one, the session plans them
        # generic, without JIT
        self.names = {}

    def execute(self, prefix, sql, params):
        """Run ``prefix`` (plain SQL) then ``sql`` with ``params``, prepared."""
        name = self.names.get(sql)
        if not self.names:
            prefix = _GENERIC + prefix
        if name is None:
            name = _new_name()
            prefix += _prepare_sql(name, sql)
        self.cr.execute(
            prefix + _execute_sql(name, len(params)), params, log_exceptions=False
        )
        self.names[sql] = name

    def close(self):
        if not self.names:
            return
        try:
            # pylint: disable-next=sql-injection  # names made by execute() above
            self.cr.execute(
                "RESET plan_cache_mode; RESET jit; "
                + "; ".join("DEALLOCATE %s" % name for name in self.names.values())
            )
        except psycopg2.Error:
            _logger.debug("prepared statements not deallocated", exc_info=True)
            self.cr.rollback()
        self.names = {}
