# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
from . import (
    test_autovacuum,
    test_compat_addon,
    test_delay_mocks,
    test_delayable,
    test_dependencies,
    test_enqueue,
    test_failure_notices,
    test_fidelity,
    test_job,
    test_job_auto_delay,
    test_job_channels,
    test_related_actions,
    test_requeue_stuck,
    test_slot_statements,
    test_with_delay,
)
