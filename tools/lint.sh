#!/usr/bin/env bash
# `make lint`: OCA's pre-commit hooks over every tracked file
# (.pre-commit-config.yaml), checks only. FIX=1 lets the formatters rewrite
# first. HOOKS="flake8 pylint-odoo" runs only those hooks.
#
# The tools live outside the clone, under the cache dir: a virtualenv
# (tools/requirements-lint.txt) and prettier (tools/requirements-lint-node.txt),
# each rebuilt when its list changes.
. "$(dirname "$0")/lib.sh"

LINT_VENV="${QJ_LINT_VENV:-$QJ_CACHE/venv-lint}"
LINT_NODE="${QJ_LINT_NODE:-$QJ_CACHE/lint-node}"

# is the stamp in $1 the hash of the list $2?
up_to_date() {
    [ "$(cat "$1" 2>/dev/null)" = "$(sha256sum "$2" | cut -d' ' -f1)" ]
}

ensure_lint_venv() {
    local req="$QJ_ROOT/tools/requirements-lint.txt" stamp="$LINT_VENV/.requirements.sha256"
    if "$LINT_VENV/bin/python" -c '' 2>/dev/null && up_to_date "$stamp" "$req"; then
        return
    fi
    info "building the linters' virtualenv in $LINT_VENV"
    "$(find_python)" -m venv --clear "$LINT_VENV" \
        || die "creating the virtualenv $LINT_VENV failed (Debian: apt-get install python3.10-venv)"
    "$LINT_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$req" 2>&1 \
        | { grep -v -e "is ignored: it is neither a file nor a directory" -e "DEPRECATION: " || true; }
    [ "${PIPESTATUS[0]}" = 0 ] || die "installing the linters failed (see pip's output above)"
    sha256sum "$req" | cut -d' ' -f1 >"$stamp"
}

ensure_lint_node() {
    local list="$QJ_ROOT/tools/requirements-lint-node.txt" stamp="$LINT_NODE/.requirements.sha256"
    if [ -x "$LINT_NODE/node_modules/.bin/prettier" ] && up_to_date "$stamp" "$list"; then
        return
    fi
    command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 \
        || die "Node.js and npm not found: prettier needs them (Debian: apt-get install nodejs npm)"
    info "installing prettier in $LINT_NODE"
    rm -rf "$LINT_NODE"
    mkdir -p "$LINT_NODE"
    # no package.json nor lock file: the list holds exact versions
    npm install --prefix "$LINT_NODE" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error $(grep -v '^#' "$list") >&2 \
        || die "installing prettier with npm failed (see npm's output above)"
    sha256sum "$list" | cut -d' ' -f1 >"$stamp"
}

mkdir -p "$QJ_CACHE"
exec 9>"$QJ_CACHE/.lint.lock"
flock 9 # one build of the tools at a time
ensure_lint_venv
ensure_lint_node
exec 9>&-

export PATH="$LINT_VENV/bin:$LINT_NODE/node_modules/.bin:$PATH"
export PRE_COMMIT_HOME="$QJ_CACHE/pre-commit"
cd "$QJ_ROOT"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    || die "make lint runs on a git checkout (pre-commit lists the tracked files)"

run_hooks() { # stage
    local hook rc=0
    if [ -z "${HOOKS:-}" ]; then
        pre-commit run --all-files --hook-stage "$1" --show-diff-on-failure || rc=$?
    else
        for hook in $HOOKS; do
            pre-commit run "$hook" --all-files --hook-stage "$1" || rc=$?
        done
    fi
    return "$rc"
}

if [ -n "${FIX:-}" ]; then
    run_hooks pre-commit || true
fi
if run_hooks manual; then
    echo "lint: every check passed"
else
    die "lint: checks failed (above); FIX=1 make lint rewrites what the formatters can fix"
fi
