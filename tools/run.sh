#!/usr/bin/env bash
# `make run`, `make stop`, `make status` (see tools/run.py).
. "$(dirname "$0")/lib.sh"

RUN_DIR="$QJ_STATE/run"
# present when `make run` started the private cluster: `make stop` then stops it
PG_MARK="$RUN_DIR/pg.started-by-run"

demo_running() {
    local pid
    pid="$(cat "$RUN_DIR/odoo.pid" 2>/dev/null)" || return 1
    [ -n "$pid" ] && grep -qs odoo-bin "/proc/$pid/cmdline"
}

private_pg_running() {
    "$QJ_ROOT/tools/pg.sh" status 2>/dev/null | grep -q "^private cluster running"
}

case "${1:-start}" in
start)
    port="${PORT:-8069}"
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] \
        || die "PORT=$port is not a port number: make run PORT=8070"
    [[ "${DEMO_DB:-queue_job_demo}" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ ]] \
        || die "DEMO_DB=$DEMO_DB is not a database name Odoo accepts (letters, digits, _ . -)"
    # before any slow work: a taken port fails now, not after the setup
    if ! demo_running && port_in_use "$port"; then
        die "port $port is taken; free it or choose another: make run PORT=$((port + 1))"
    fi
    "$QJ_ROOT/tools/bootstrap.sh"
    pg_was_running=""
    private_pg_running && pg_was_running=1
    use_pg
    mkdir -p "$RUN_DIR"
    if [ -z "$pg_was_running" ] && [ "${PGHOST:-}" = "$QJ_PGRUN" ] && ! demo_running; then
        touch "$PG_MARK"
    fi
    exec "$(venv_python)" "$QJ_ROOT/tools/run.py" start
    ;;
stop)
    [ ! -x "$(venv_python)" ] || "$(venv_python)" "$QJ_ROOT/tools/run.py" stop
    if [ -f "$PG_MARK" ]; then
        # only the cluster `make run` started, and only when nobody else uses it
        rm -f "$PG_MARK"
        "$QJ_ROOT/tools/pg.sh" stop --if-idle
    elif private_pg_running; then
        info "private PostgreSQL cluster left running: \`make run\` did not start it (tools/pg.sh stop stops it)"
    fi
    ;;
status)
    if [ -x "$(venv_python)" ]; then
        "$(venv_python)" "$QJ_ROOT/tools/run.py" status
    else
        echo "queue_job demo is not running (no virtualenv yet: make run)"
    fi
    "$QJ_ROOT/tools/pg.sh" status
    ;;
*)
    die "usage: run.sh start|stop|status"
    ;;
esac
