# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Prepared statements of a slot.

Owns the statements a slot sends for every job, prepared once on its
connection: planning them costs as much as running them (the job table has
many indexes), and a slot may run hundreds of jobs.
"""
import logging
import os
import threading

import psycopg2

_logger = logging.getLogger(__name__)


class Statements:
    """The statements of one slot, prepared on its cursor ``cr``.

    Each slot prepares under names of its own and deallocates them when it
    ends (the connection pool also discards them when it lends the
    connection again).
    """

    _serial = 0
    _lock = threading.Lock()

    def __init__(self, cr):
        self.cr = cr
        self.names = {}  # sql -> prepared statement name

    def execute(self, prefix, sql, params):
        """Run ``prefix`` (plain SQL) then ``sql`` with ``params``, prepared."""
        name = self.names.get(sql)
        if name is None:
            with Statements._lock:
                Statements._serial += 1
                name = "qj_slot_%d_%d" % (os.getpid(), Statements._serial)
            numbered = sql.split("%s")
            text = numbered[0] + "".join(
                "$%d%s" % (i, part) for i, part in enumerate(numbered[1:], 1)
            )
            if not self.names:
                # generic plans are costed for a whole backlog: no JIT for them
                self.cr.execute(
                    "SET plan_cache_mode = force_generic_plan; SET jit = off"
                )
            # pylint: disable-next=sql-injection  # our name, the callers' constant SQL
            self.cr.execute("PREPARE %s AS %s" % (name, text))
            self.names[sql] = name
        self.cr.execute(
            "%sEXECUTE %s (%s)" % (prefix, name, ", ".join(["%s"] * len(params))),
            params,
            log_exceptions=False,
        )

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
