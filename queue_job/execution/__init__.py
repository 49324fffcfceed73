# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Running jobs inside an Odoo process, for the ``/queue_job/runjob`` route.

A request runs one job, or, when the runner signed it, a *slot*: the job and
then the next due jobs of the same channel while the slot's budget lasts.
Each job is claimed (``started`` committed), performed in its own transaction
as its user, and its outcome is committed together with the claim of the next
job. See docs/DESIGN.md, section 5. One concern per module:

- request.py: which job a request may start (``run_request``)
- slots.py: the slot loop and its transactions
- claims.py: claiming a job, and the guard of its outcome
- outcomes.py: performing a job and writing its outcome
- counters.py: the metric counts of the outcomes
- statements.py: prepared statements (the slots', the first claim's)
- liveness.py: the lock saying a worker process lives
"""
from .claims import Claim, ClaimResult, claim_next, claim_uuid
from .liveness import Liveness, close_quietly, quiet
from .outcomes import PG_RETRY
from .request import run_request
from .slots import SlotRunner
from .statements import Statements
