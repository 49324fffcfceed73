# Shared settings for the project's scripts; sourced, never run.
# Every path that outlives a clone lives under QJ_CACHE so that a fresh clone
# reuses the virtualenv, the Odoo source and the private PostgreSQL cluster.

set -euo pipefail

QJ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${QJ_CACHE:-}" ]; then
    if [ "$(id -u)" = 0 ]; then
        # root's home is private to root; the cluster runs as another user
        # and must be able to reach its data directory.
        QJ_CACHE=/var/cache/queue_job
    else
        QJ_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/queue_job"
    fi
fi
ODOO_SRC="${ODOO_SRC:-$QJ_CACHE/odoo-15.0}"
QJ_VENV="${QJ_VENV:-$QJ_CACHE/venv-py310}"
QJ_PGDATA="${QJ_PGDATA:-$QJ_CACHE/pgdata}"
# the socket directory, lock and logs sit next to the data directory, so that
# a cluster elsewhere (QJ_PGDATA) never touches the default one
QJ_PGRUN="${QJ_PGRUN:-$(dirname "$QJ_PGDATA")/pgrun}"
QJ_PGPORT_PRIVATE="${QJ_PGPORT_PRIVATE:-54329}"
QJ_STATE="${QJ_STATE:-$QJ_CACHE/state}"
# Odoo's --data-dir (filestores) goes with the cluster's databases, not with
# QJ_STATE: a throw-away QJ_STATE still shares the cluster's templates, and
# another cluster's databases of the same name never share a filestore
QJ_DATA_DIR="${QJ_DATA_DIR:-$(dirname "$QJ_PGDATA")/state/filestore}"
export QJ_ROOT QJ_CACHE ODOO_SRC QJ_VENV QJ_PGDATA QJ_PGRUN QJ_STATE QJ_DATA_DIR

die() {
    echo "error: $*" >&2
    exit 1
}

info() {
    echo "==> $*" >&2
}

# The Python that runs Odoo 15: PYTHON if given, else python3.10 on PATH
# (pyenv shims included), else a pyenv-installed 3.10.
find_python() {
    local candidate
    if [ -n "${PYTHON:-}" ]; then
        "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null \
            || die "PYTHON=$PYTHON is not a working Python 3.10: point PYTHON at a python3.10, or unset it to search PATH and pyenv"
        echo "$PYTHON"
        return
    fi
    for candidate in python3.10 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 \
        /usr/local/bin/python3.10 /usr/bin/python3.10; do
        if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return
        fi
    done
    die "Python 3.10 not found (Odoo 15 needs 3.10): install it or set PYTHON=/path/to/python3.10"
}

# Directory of the PostgreSQL server binaries (initdb, pg_ctl, postgres).
find_pg_bindir() {
    local dir
    if [ -n "${PG_BINDIR:-}" ]; then
        [ -x "$PG_BINDIR/pg_ctl" ] && [ -x "$PG_BINDIR/initdb" ] \
            || die "PostgreSQL server binaries not found: PG_BINDIR=$PG_BINDIR has no pg_ctl/initdb; install PostgreSQL's server package or fix PG_BINDIR"
        echo "$PG_BINDIR"
        return
    fi
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/pgsql/bin; do
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
            echo "$dir"
            return
        fi
    done
    die "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL, set PG_BINDIR, or point PGHOST/PGPORT at a running server"
}

venv_python() {
    echo "$QJ_VENV/bin/python"
}

port_in_use() {
    # true when something accepts connections on 127.0.0.1:$1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Export the PG* variables of the server to use (tools/pg.sh ensure). Not a
# bare eval "$(...)": that would go on with no server when pg.sh fails.
use_pg() {
    local pg_env
    pg_env="$("$QJ_ROOT/tools/pg.sh" ensure)" || exit 1
    eval "$pg_env"
}
