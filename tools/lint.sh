#!/usr/bin/env bash
# black, isort and flake8 over the project's Python (check only; FIX=1 rewrites).
. "$(dirname "$0")/lib.sh"
"$QJ_ROOT/tools/bootstrap.sh"
cd "$QJ_ROOT"
bin="$QJ_VENV/bin"
paths=()
for p in queue_job test_queue_job tests tools bench; do [ -e "$p" ] && paths+=("$p"); done
if [ -n "${FIX:-}" ]; then
    "$bin/isort" -q "${paths[@]}"
    "$bin/black" -q "${paths[@]}"
fi
"$bin/isort" --check-only -q "${paths[@]}"
"$bin/black" --check -q "${paths[@]}"
"$bin/flake8" "${paths[@]}"
