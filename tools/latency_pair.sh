#!/usr/bin/env bash
# Start latency of this checkout beside another one (for example a worktree
# at an older commit), in turns: tools/latency_pair.sh OTHER_TREE [SAMPLES]
# (tools/latency_pair.py says why in turns).
. "$(dirname "$0")/lib.sh"
[ -n "${1:-}" ] || die "usage: tools/latency_pair.sh OTHER_TREE [SAMPLES]"
"$QJ_ROOT/tools/bootstrap.sh"
use_pg
mkdir -p "$QJ_STATE"
exec "$(venv_python)" "$QJ_ROOT/tools/latency_pair.py" "$QJ_ROOT" "$@"
