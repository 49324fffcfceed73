#!/usr/bin/env bash
# `make bench`: prepare the environment, then run bench/bench_*.py (bench/run.py).
. "$(dirname "$0")/lib.sh"
"$QJ_ROOT/tools/bootstrap.sh"
use_pg
mkdir -p "$QJ_STATE"
# bench/ imports the tooling (qjdev) by name
PYTHONPATH="$QJ_ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" exec "$(venv_python)" "$QJ_ROOT/bench/run.py" "$@"
