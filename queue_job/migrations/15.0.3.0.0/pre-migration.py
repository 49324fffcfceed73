# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Switching from the OCA queue_job 15.0.2.x: what must be settled before
``queue.job.init()`` builds our unique indexes (schema.py).

Each step looks at what the database holds, so it does nothing on a database
that is ours already.
"""
import logging

# pylint: disable-next=odoo-addons-relative-import  # a bare file, not in a package
from odoo.addons.queue_job import schema

# the script is loaded as a bare module: name its logger after the addon
_logger = logging.getLogger("odoo.addons.queue_job.migration")

DUPLICATE_RESULT = (
    "Cancelled when switching queue_job: job %s waits with the same identity key"
)


def migrate(cr, version):
    if not version or not schema.table_exists(cr, "queue_job"):
        return
    _refuse_duplicate_uuids(cr)
    _cancel_duplicate_identity_keys(cr)
    _drop_identity_index_without_dependencies(cr)


def _unique_index_exists(cr, name):
    cr.execute(
        "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relname = %s AND i.indisunique",
        (name,),
    )
    return bool(cr.fetchone())


def _refuse_duplicate_uuids(cr):
    """The uuid is a job's address; nothing can tell which of two rows
    sharing one is meant, so an administrator must decide."""
    if _unique_index_exists(cr, "queue_job_uuid_index"):
        return
    cr.execute(
        "SELECT uuid, array_agg(id ORDER BY id) FROM queue_job"
        " GROUP BY uuid HAVING count(*) > 1 ORDER BY uuid LIMIT 10"
    )
    duplicates = cr.fetchall()
    if duplicates:
        listed = "; ".join(
            "uuid %s: ids %s" % (uuid, ", ".join(map(str, ids)))
            for uuid, ids in duplicates
        )
        message = (
            "queue_job cannot be updated: several jobs have the same uuid (%s)."
            " Delete the extra rows of table queue_job (or give them a new"
            " uuid), then update again; nothing was changed." % listed
        )
        _logger.error(message)
        raise ValueError(message)


def _cancel_duplicate_identity_keys(cr):
    """The reference checked identity keys then inserted, so two single jobs
    waiting with one key could both be stored. Ours allows one (a unique
    index): the first one created stays, as the reference meant to keep it;
    the later ones are cancelled, saying which job stays."""
    if _unique_index_exists(cr, "queue_job_identity_key_uniq"):
        return
    cr.execute(
        """
        WITH ranked AS (
            SELECT id, identity_key,
                   first_value(uuid) OVER same_key AS kept,
                   row_number() OVER same_key AS rank
              FROM queue_job
             WHERE identity_key IS NOT NULL AND graph_uuid IS NULL
               AND state IN %s
            WINDOW same_key AS (PARTITION BY identity_key
                                ORDER BY date_created NULLS LAST, id)
        )
        UPDATE queue_job job
           SET state = 'cancelled',
               date_cancelled = now() AT TIME ZONE 'UTC',
               result = format(%s, ranked.kept)
          FROM ranked
         WHERE job.id = ranked.id AND ranked.rank > 1
        RETURNING job.uuid, ranked.kept, job.identity_key
        """,
        (schema.WAITING_STATES, DUPLICATE_RESULT),
    )
    cancelled = cr.fetchall()
    for uuid, kept, key in cancelled:
        _logger.warning(
            "job %s cancelled: job %s waits with the same identity key %r"
            " (a duplicate the previous queue_job let through)",
            uuid,
            kept,
            key,
        )
    if cancelled:
        _logger.warning(
            "%d waiting jobs cancelled as duplicates of an identity key",
            len(cancelled),
        )


def _drop_identity_index_without_dependencies(cr):
    """Before 15.0.2.3.6 the reference's identity index left out
    wait_dependencies: dropped here, ``init()`` makes it again as ours."""
    cr.execute(
        "SELECT pg_get_indexdef(c.oid) FROM pg_class c"
        " WHERE c.relname = 'queue_job_identity_key_state_partial_index'"
    )
    row = cr.fetchone()
    if row and "wait_dependencies" not in row[0]:
        cr.execute("DROP INDEX queue_job_identity_key_state_partial_index")
