#!/usr/bin/env bash
# `make run`, `make stop`, `make status` (see tools/run.py).
. "$(dirname "$0")/lib.sh"
case "${1:-start}" in
start)
    "$QJ_ROOT/tools/bootstrap.sh"
    eval "$("$QJ_ROOT/tools/pg.sh" ensure)"
    exec "$(venv_python)" "$QJ_ROOT/tools/run.py" start
    ;;
stop)
    [ ! -x "$(venv_python)" ] || "$(venv_python)" "$QJ_ROOT/tools/run.py" stop
    "$QJ_ROOT/tools/pg.sh" stop
    ;;
status)
    "$(venv_python)" "$QJ_ROOT/tools/run.py" status
    "$QJ_ROOT/tools/pg.sh" status
    ;;
esac
