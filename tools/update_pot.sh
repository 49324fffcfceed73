#!/usr/bin/env bash
# Regenerate queue_job/i18n/queue_job.pot (tools/update_pot.py).
. "$(dirname "$0")/lib.sh"
"$QJ_ROOT/tools/bootstrap.sh"
use_pg
exec "$(venv_python)" "$QJ_ROOT/tools/update_pot.py" "$@"
