# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Whether a PostgreSQL error is a concurrency error, one that the same work
may get past by running again: the errors of Odoo's
``PG_CONCURRENCY_ERRORS_TO_RETRY`` (lock not available, serialization
failure, deadlock). The one place that tells them apart from the others.
Pure: no Odoo import (tests/unit checks the codes are Odoo's).
"""
from psycopg2 import errorcodes

CONCURRENCY_ERRORS = (
    errorcodes.LOCK_NOT_AVAILABLE,
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
)


def is_concurrency_error(error):
    """Whether ``error`` (any exception) is a PostgreSQL concurrency error."""
    return getattr(error, "pgcode", None) in CONCURRENCY_ERRORS
