# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Which databases the runner serves.

Owns the two questions asked of the database server: which databases there
are (``dbfilter`` applied when it names no host or domain, ``%h``/``%d``),
and whether one of them has queue_job installed with what the runner needs
(its notification triggers and lease table). Each takes a cursor, so the
caller decides on connections.
"""
import logging
import re

from .. import schema

_logger = logging.getLogger(__name__)

_DATABASES = """
SELECT datname FROM pg_database
 WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres'
 ORDER BY datname
"""
_QUEUE_JOB_INSTALLED = """
SELECT 1 FROM ir_module_module WHERE name = 'queue_job' AND state = 'installed'
"""
_TRIGGERS = """
SELECT count(*) FROM pg_trigger
 WHERE tgrelid = 'queue_job'::regclass AND tgname IN %s
"""


def database_names(cr, dbfilter=None):
    """The databases of the server of ``cr`` that ``dbfilter`` lets through."""
    cr.execute(_DATABASES)
    names = [row[0] for row in cr.fetchall()]
    if dbfilter and "%h" not in dbfilter and "%d" not in dbfilter:
        names = [name for name in names if re.match(dbfilter, name)]
    return names


def serves(cr, dbname):
    """Whether the runner can serve database ``dbname`` (``cr`` is on it);
    what an update would fix is logged."""
    cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
    if not cr.fetchone()[0]:
        return False
    cr.execute(_QUEUE_JOB_INSTALLED)
    if not cr.fetchone():
        return False
    cr.execute(_TRIGGERS, (schema.TRIGGER_NAMES,))
    if cr.fetchone()[0] != len(schema.TRIGGER_NAMES):
        _logger.error("queue_job_notify trigger is missing in db %s", dbname)
        return False
    if not schema.table_exists(cr, schema.LEASE_TABLE):
        _logger.error(
            "%s is missing in db %s: update queue_job", schema.LEASE_TABLE, dbname
        )
        return False
    return True
