#!/usr/bin/env bash
# Benchmark this checkout beside another one (for example a worktree at an
# older commit), in turns: tools/bench_pair.sh latency|drain OTHER_TREE [N]
# (tools/bench_pair.py says why in turns).
. "$(dirname "$0")/lib.sh"
[ -n "${2:-}" ] || die "usage: tools/bench_pair.sh latency|drain OTHER_TREE [N]"
"$QJ_ROOT/tools/bootstrap.sh"
use_pg
mkdir -p "$QJ_STATE"
mode=$1
shift
exec "$(venv_python)" "$QJ_ROOT/tools/bench_pair.py" "$mode" "$QJ_ROOT" "$@"
