# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""A runjob request: which job it may start, and whether it becomes a slot.

Owns the entry point of the controllers (``run_request``): an unsigned
request starts only an ``enqueued`` job (reference behaviour); a request
signed by the runner may start a due ``pending`` job, takes the next job of
its channel when another slot took that one first, and goes on as a slot
(slots.py) while its budget lasts. A signed request starts nothing without
its ticket (tickets.py): the ticket consumed is the slot's seat.
"""
import contextlib
import logging
import time

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from .. import schema, transitions
from ..concurrency import is_concurrency_error
from ..states import STARTED
from .claims import claim_next, claim_uuid
from .liveness import Liveness
from .slots import SlotRunner
from .statements import autocommit
from .tickets import RELEASE, WAITS, Ticket

_logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _statement_alone(cr):
    """Run the block's one statement as a transaction of its own when ``cr``
    is a plain cursor with none open: a BEGIN and a COMMIT around the claim
    are two round trips more before the job starts. A test's cursor keeps
    its transaction."""
    cnx = getattr(cr, "_cnx", None)
    alone = (
        cnx is not None
        and not cnx.autocommit
        and cnx.info.transaction_status == TRANSACTION_STATUS_IDLE
    )
    if not alone:
        yield
        return
    with autocommit(cnx):
        yield


def _claim_first(cr, job_uuid, states, key, signed, registry, ticket):
    """The claim of the requested job (None if it cannot be had), and the
    registry to go on with."""
    try:
        with _statement_alone(cr):
            result = claim_uuid(
                cr,
                job_uuid,
                states,
                key,
                due_only=signed,
                registry=registry,
                ticket=ticket,
            )
    except psycopg2.OperationalError as err:
        if not is_concurrency_error(err):
            raise
        cr.rollback()
        return None, registry
    return result.claim, result.registry


def _claim_instead(cr, channel, sequential, key, registry, ticket):
    """Another slot of the channel took the requested job first: this slot
    takes the channel's next job instead of leaving its capacity unused,
    if its ticket is still valid (then the seat it becomes is left to the
    caller to give up when nothing is claimed)."""
    cr.rollback()
    if registry is not None:
        registry.check_signaling()
    if ticket is not None and not ticket.consume(cr):
        return None, False
    try:
        seat = ticket.nonce if ticket is not None else None
        return claim_next(cr, channel, sequential, key, seat=seat).claim, True
    except psycopg2.OperationalError as err:
        if not is_concurrency_error(err):
            raise
        cr.rollback()
        # the seat went with the rollback: it is consumed again to be freed
        return None, ticket is not None and ticket.consume(cr)


def run_request(
    cr,
    dbname,
    job_uuid,
    signed=False,
    channel=None,
    budget=0.0,
    sequential=False,
    registry=None,
    nonce=None,
):
    """What ``/queue_job/runjob`` does; returns (outcomes, first job's error).

    Unsigned: only an ``enqueued`` job runs (reference behaviour). Signed by
    the runner: a ``pending`` due job may run, and the request is a slot.
    ``registry``: a registry whose signaling is still to be checked (the
    check is folded into the claim). ``nonce``: the request's ticket.
    """
    key = Liveness.key(dbname)
    states = ("pending", "enqueued") if signed else ("enqueued",)
    ticket = Ticket(nonce, job_uuid) if nonce else None
    for wait in WAITS + (None,):
        first, registry = _claim_first(
            cr, job_uuid, states, key, signed, registry, ticket
        )
        seated = first is not None and ticket is not None
        if first is None and signed and channel:
            first, seated = _claim_instead(
                cr, channel, sequential, key, registry, ticket
            )
        if first is not None or ticket is None or wait is None or seated:
            break
        if ticket.written(cr):
            break
        # the runner writes the ticket while its request travels: not yet
        cr.rollback()
        time.sleep(wait)
    if first is None:
        if seated:
            # nothing to run after all: the seat goes, the runner may use
            # the capacity
            cr.execute(RELEASE, (ticket.nonce,))
            cr.execute("SELECT pg_notify(%s, %s)", (schema.NOTIFY_JOBS, channel))
            cr.commit()  # pylint: disable=invalid-commit  # sends the notification
        else:
            cr.rollback()
        _logger.log(
            logging.DEBUG if signed else logging.WARNING,
            "was requested to run job %s, but it does not exist, "
            "or is not in state %s",
            job_uuid,
            " or ".join(states),
        )
        return [], None
    cr.commit()  # pylint: disable=invalid-commit  # the claim stands first
    transitions.log(first.uuid, dbname, first.channel, first.previous, STARTED)
    slot = SlotRunner(
        cr,
        dbname,
        channel=(channel or first.channel) if signed else None,
        budget=budget if signed else 0.0,
        sequential=sequential,
        seat=ticket.nonce if seated else None,
    )
    error = slot.run(first)
    return slot.outcomes, error
