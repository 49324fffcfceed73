#!/usr/bin/env bash
# The PostgreSQL server the project uses.
#   pg.sh ensure   make sure a server answers; print the PG* variables to use
#   pg.sh stop     stop the private cluster (never any other server);
#                  with --if-idle, only when no other client is connected
#   pg.sh status   say which server is used and whether it answers
#
# A server named by PGHOST/PGPORT is used as given. Otherwise a private
# cluster is created under QJ_CACHE, listening only on a unix socket of its
# own, and run as an unprivileged user when we are root (initdb refuses root).
. "$(dirname "$0")/lib.sh"

PG_ROLE="${QJ_PGUSER:-odoo}"
PG_HOME="$(dirname "$QJ_PGDATA")"
OSUSER=""
# a server that does not answer should say so quickly, not after TCP's timeout
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"

run_as_owner() {
    if [ -n "$OSUSER" ]; then
        runuser -u "$OSUSER" -- "$@"
    else
        "$@"
    fi
}

pick_osuser() {
    [ "$(id -u)" = 0 ] || return 0
    if [ -n "${QJ_PG_OSUSER:-}" ]; then
        OSUSER="$QJ_PG_OSUSER"
    elif getent passwd postgres >/dev/null; then
        OSUSER=postgres
    else
        OSUSER=nobody
    fi
}

external_server() {
    # our own cluster's settings may be exported by an earlier `pg.sh ensure`
    [ -n "${PGHOST:-}${PGPORT:-}" ] && [ "${PGHOST:-}" != "$QJ_PGRUN" ]
}

need_psql() {
    command -v psql >/dev/null 2>&1 \
        || die "psql not found: install the PostgreSQL client (Debian: apt-get install postgresql-client)"
}

check_external() {
    local host="${PGHOST:-localhost}" port="${PGPORT:-5432}"
    need_psql
    if ! psql -X -q -d "${PGDATABASE:-postgres}" -c 'select 1' >/dev/null 2>&1; then
        die "database server at $host:$port (from PGHOST/PGPORT) does not answer; start it, fix PGHOST/PGPORT/PGUSER, or unset them to use a private cluster"
    fi
    echo "export PGHOST='${PGHOST:-}' PGPORT='${PGPORT:-5432}' PGUSER='${PGUSER:-$(id -un)}'"
    [ -z "${PGPASSWORD:-}" ] || echo "export PGPASSWORD='$PGPASSWORD'"
}

private_running() {
    local bindir="$1"
    [ -f "$QJ_PGDATA/postmaster.pid" ] && run_as_owner "$bindir/pg_ctl" status -D "$QJ_PGDATA" >/dev/null 2>&1
}

drop_stale_pid_file() {
    # a machine restored from a snapshot keeps postmaster.pid; when its pid
    # now belongs to another process, PostgreSQL would refuse to start
    local pid
    pid="$(head -n1 "$QJ_PGDATA/postmaster.pid" 2>/dev/null)" || return 0
    [ -n "$pid" ] || return 0
    if ! grep -qs postgres "/proc/$pid/comm"; then
        rm -f "$QJ_PGDATA/postmaster.pid"
    fi
}

ensure_private() {
    local bindir
    bindir="$(find_pg_bindir)"
    need_psql
    pick_osuser
    mkdir -p "$PG_HOME"
    exec 9>"$PG_HOME/pg.lock"
    flock 9
    if [ ! -f "$QJ_PGDATA/PG_VERSION" ]; then
        info "creating a private PostgreSQL cluster in $QJ_PGDATA"
        mkdir -p "$QJ_PGDATA" "$QJ_PGRUN"
        [ -z "$OSUSER" ] || chown "$OSUSER" "$QJ_PGDATA" "$QJ_PGRUN"
        chmod 700 "$QJ_PGDATA"
        [ -z "$OSUSER" ] || runuser -u "$OSUSER" -- test -w "$QJ_PGDATA" \
            || { rmdir "$QJ_PGDATA" "$QJ_PGRUN" 2>/dev/null; die "user $OSUSER, who runs the cluster, cannot reach $QJ_PGDATA: choose a QJ_PGDATA outside private directories"; }
        run_as_owner "$bindir/initdb" -D "$QJ_PGDATA" -U postgres --auth=trust -E UTF8 \
            --locale=C >"$PG_HOME/initdb.log" 2>&1 \
            || die "initdb failed, see $PG_HOME/initdb.log"
        cat >>"$QJ_PGDATA/postgresql.conf" <<EOF
# queue_job development cluster
listen_addresses = ''
unix_socket_directories = '$QJ_PGRUN'
port = $QJ_PGPORT_PRIVATE
max_connections = 300
shared_buffers = 512MB
logging_collector = on
log_directory = 'log'
log_min_messages = warning
EOF
    fi
    mkdir -p "$QJ_PGRUN"
    [ -z "$OSUSER" ] || chown "$OSUSER" "$QJ_PGRUN"
    if ! private_running "$bindir"; then
        drop_stale_pid_file
        run_as_owner "$bindir/pg_ctl" start -w -t 60 -D "$QJ_PGDATA" -o "-p $QJ_PGPORT_PRIVATE" \
            -l "$QJ_PGRUN/postgres.log" >/dev/null 9>&- \
            || die "the private PostgreSQL cluster did not start, see $QJ_PGRUN/postgres.log"
    fi
    export PGHOST="$QJ_PGRUN" PGPORT="$QJ_PGPORT_PRIVATE"
    local has_role
    has_role="$(PGUSER=postgres psql -X -q -d postgres -tAc "select 1 from pg_roles where rolname='$PG_ROLE'" 2>/dev/null)" \
        || die "the private PostgreSQL cluster in $QJ_PGDATA does not answer, see $QJ_PGRUN/postgres.log"
    if [ "$has_role" != 1 ]; then
        PGUSER=postgres psql -X -q -d postgres -c "create role \"$PG_ROLE\" login createdb" >/dev/null
    fi
    # job rows are rewritten at every state change, each page of the table and
    # its indexes in full once after each checkpoint: compressed, that WAL no
    # longer grows with the size of the table (a setting advised for busy
    # queues; clusters made by an earlier version get it here)
    if [ "$(PGUSER=postgres psql -X -q -d postgres -tAc "show wal_compression")" = off ]; then
        PGUSER=postgres psql -X -q -d postgres -c "alter system set wal_compression = 'lz4'" \
            >/dev/null 2>&1 \
            || PGUSER=postgres psql -X -q -d postgres -c "alter system set wal_compression = 'on'" >/dev/null
        PGUSER=postgres psql -X -q -d postgres -tAc "select pg_reload_conf()" >/dev/null
    fi
    echo "export PGHOST='$QJ_PGRUN' PGPORT='$QJ_PGPORT_PRIVATE' PGUSER='$PG_ROLE'"
}

other_clients() {
    PGHOST="$QJ_PGRUN" PGPORT="$QJ_PGPORT_PRIVATE" PGUSER=postgres psql -X -q -d postgres -tAc \
        "select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()" \
        2>/dev/null || echo 0
}

stop_private() {
    local bindir others
    [ -f "$QJ_PGDATA/postmaster.pid" ] || { info "private PostgreSQL cluster not running"; return 0; }
    bindir="$(find_pg_bindir)"
    pick_osuser
    if [ "${1:-}" = --if-idle ]; then
        others="$(other_clients)"
        if [ "$others" != 0 ]; then
            info "private PostgreSQL cluster left running: $others other connections use it"
            return 0
        fi
    fi
    run_as_owner "$bindir/pg_ctl" stop -m fast -D "$QJ_PGDATA" >/dev/null && info "private PostgreSQL cluster stopped"
}

case "${1:-ensure}" in
ensure)
    if external_server; then check_external; else ensure_private; fi
    ;;
stop)
    external_server || stop_private "${2:-}"
    ;;
status)
    if external_server; then
        check_external >/dev/null && echo "external server ${PGHOST:-}:${PGPORT:-5432} answers"
    else
        bindir="$(find_pg_bindir)"
        pick_osuser
        if private_running "$bindir"; then
            echo "private cluster running: PGHOST=$QJ_PGRUN PGPORT=$QJ_PGPORT_PRIVATE"
        else
            echo "private cluster not running"
        fi
    fi
    ;;
*)
    die "usage: pg.sh ensure|stop [--if-idle]|status"
    ;;
esac
