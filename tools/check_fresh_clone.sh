#!/usr/bin/env bash
# What a newcomer does, checked: clone the repository into a temporary
# directory, run `make test` there, then `make run` twice, and check that the
# login page answers at the printed URL and that the runner is ready.
#
#   tools/check_fresh_clone.sh [REF]     (REF: the commit to clone, default main
#                                         if this repository has it, else HEAD)
#   SKIP_TEST=1 tools/check_fresh_clone.sh    only the `make run` part
#
# The demo runs on a free port, with its own QJ_STATE and DEMO_DB; at the end
# only that Odoo is stopped and its database dropped. The shared private
# PostgreSQL cluster is left alone (no `make stop`): other runs may use it.
# Prints the time of each step; exits non-zero on the first failed check.
. "$(dirname "$0")/lib.sh"

ref="${1:-}"
if [ -z "$ref" ]; then
    if git -C "$QJ_ROOT" rev-parse -q --verify main >/dev/null; then ref=main; else ref=HEAD; fi
fi
commit="$(git -C "$QJ_ROOT" rev-parse --verify "$ref^{commit}")" || die "no commit $ref in $QJ_ROOT"

work="$(mktemp -d /var/tmp/qj_fresh_clone.XXXXXX)"
clone="$work/queue_job"
export QJ_STATE="$work/state"
export DEMO_DB="qj_fresh_clone_$(date +%s)_$$"
PORT="$("$(venv_python)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PORT

cleanup() {
    [ ! -f "$QJ_STATE/run/odoo.pid" ] || "$(venv_python)" "$clone/tools/run.py" stop >/dev/null 2>&1 || true
    if pg_env="$("$QJ_ROOT/tools/pg.sh" ensure 2>/dev/null)"; then
        (eval "$pg_env" && psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$DEMO_DB\"" >/dev/null 2>&1) || true
    fi
    rm -rf "$QJ_DATA_DIR/filestore/$DEMO_DB"
    if [ -n "$passed" ]; then rm -rf "$work"; else echo "outputs and logs kept in $work" >&2; fi
}
passed=""
trap cleanup EXIT

fail() {
    echo "FAILED: $*" >&2
    exit 1
}

# run a step in the clone; its output goes to $work/<id>.out; prints its time
step() {
    local id="$1" label="$2" started ms rc=0
    shift 2
    started="$(date +%s%N)"
    (cd "$clone" && "$@") >"$work/$id.out" 2>&1 || rc=$?
    ms=$((($(date +%s%N) - started) / 1000000))
    printf '%-26s %4d.%ds  exit %s\n' "$label" $((ms / 1000)) $((ms % 1000 / 100)) "$rc"
    return "$rc"
}

echo "clone of $ref ($commit) in $clone; demo $DEMO_DB on port $PORT"
git clone -q --no-checkout "$QJ_ROOT" "$clone"
git -C "$clone" checkout -q "$commit"

if [ -z "${SKIP_TEST:-}" ]; then
    step test "make test" make test || { tail -n 40 "$work/test.out"; fail "make test"; }
    summary="$(tail -n 1 "$work/test.out")"
    [[ "$summary" =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || fail "make test ended with: $summary"
    echo "  $summary"
fi

step run1 "make run (first)" make run || { cat "$work/run1.out"; fail "make run"; }
url="$(sed -n 's/^ *URL: *\([^ ]*\).*/\1/p' "$work/run1.out")"
[ -n "$url" ] || { cat "$work/run1.out"; fail "make run printed no URL"; }
runner="$(sed -n 's/^ *runner: *//p' "$work/run1.out")"
[ "$runner" = "queue job runner ready for db $DEMO_DB" ] \
    || { cat "$work/run1.out"; fail "make run printed no runner line for $DEMO_DB"; }
code="$(curl -s -o /dev/null -w '%{http_code}' "$url/web/login")"
[ "$code" = 200 ] || fail "$url/web/login answered $code"
echo "  $url/web/login answers 200; runner: $runner"

step run2 "make run (second)" make run || fail "second make run"
grep -q "already running" "$work/run2.out" || { cat "$work/run2.out"; fail "second make run did not say it runs"; }
step status "make status" make status || fail "make status"
grep -q "queue_job demo running" "$work/status.out" || fail "make status did not say it runs"
# every process still the first of its kind, the longpolling port answering
! grep -q "problem:\|a respawn" "$work/status.out" || { cat "$work/status.out"; fail "make status reports a problem"; }

# only that Odoo: `make stop` could stop the shared cluster
step stop1 "tools/run.py stop" "$(venv_python)" tools/run.py stop || fail "stopping the demo"
! port_in_use "$PORT" || fail "port $PORT still answers after the stop"

step run3 "make run (db kept)" make run || { cat "$work/run3.out"; fail "make run with the demo database kept"; }
code="$(curl -s -o /dev/null -w '%{http_code}' "$url/web/login")"
[ "$code" = 200 ] || fail "$url/web/login answered $code after the restart"
step stop2 "tools/run.py stop" "$(venv_python)" tools/run.py stop || fail "stopping the demo"
passed=1
echo "fresh clone check passed"
