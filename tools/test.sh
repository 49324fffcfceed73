#!/usr/bin/env bash
# `make test`: prepare the environment, then run every test (tools/run_tests.py).
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 \
    || command -v chromium-browser >/dev/null 2>&1 \
    || die "Chromium not found: the browser tests need it (apt-get install chromium)"
"$QJ_ROOT/tools/bootstrap.sh"
use_pg
mkdir -p "$QJ_STATE"
exec "$(venv_python)" "$QJ_ROOT/tools/run_tests.py" "$@"
