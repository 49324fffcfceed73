#!/usr/bin/env bash
# Prepare what the project runs on, once per machine: the Odoo 15.0 source and
# a Python 3.10 virtualenv with Odoo's dependencies. Safe to run again: it does
# nothing when both are in place.
. "$(dirname "$0")/lib.sh"

ODOO_TARBALL_URL="${ODOO_TARBALL_URL:-https://github.com/odoo/odoo/archive/refs/heads/15.0.tar.gz}"

ensure_odoo_src() {
    if [ -f "$ODOO_SRC/odoo/release.py" ]; then
        grep -q "version_info = (15, 0" "$ODOO_SRC/odoo/release.py" \
            || die "ODOO_SRC=$ODOO_SRC is not Odoo 15.0 (see its odoo/release.py): point ODOO_SRC at an Odoo 15.0 checkout"
        return
    fi
    # never download into a directory that holds something else
    if [ -n "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
        die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo/release.py): point ODOO_SRC at the directory holding odoo-bin"
    fi
    info "Odoo 15.0 source not found at $ODOO_SRC; trying to download it"
    local tmp
    # next to ODOO_SRC, so that putting it in place is a rename
    mkdir -p "$(dirname "$ODOO_SRC")"
    tmp="$(mktemp -d "$(dirname "$ODOO_SRC")/.odoo-download.XXXXXX")"
    if curl -fsSL --connect-timeout 10 --max-time 900 "$ODOO_TARBALL_URL" -o "$tmp/odoo.tar.gz" 2>/dev/null \
        && mkdir "$tmp/src" && tar -xzf "$tmp/odoo.tar.gz" -C "$tmp/src" --strip-components=1 2>/dev/null \
        && [ -f "$tmp/src/odoo/release.py" ]; then
        # moved in place only when complete, so a broken download leaves nothing
        rmdir "$ODOO_SRC" 2>/dev/null || true
        mv "$tmp/src" "$ODOO_SRC"
        rm -rf "$tmp"
        info "Odoo 15.0 source placed in $ODOO_SRC"
        return
    fi
    rm -rf "$tmp"
    die "Odoo 15.0 source missing and its download failed: put an Odoo 15.0 checkout (the directory holding odoo-bin) at $ODOO_SRC, or set ODOO_SRC to one (see DEVELOPERS.md)"
}

# What Odoo's processes need of the venv beyond imports: the longpolling
# process starts with gevent's monkey patching, which resolves gevent's
# requirements through pkg_resources (a broken resolution kills it at start).
venv_works() {
    "$QJ_VENV/bin/python" -c 'import gevent.monkey; gevent.monkey.patch_all()' 2>/dev/null
}

pip_install() {
    # pip's notes about unused local indexes are noise here
    "$QJ_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$1" 2>&1 \
        | { grep -v -e "is ignored: it is neither a file nor a directory" -e "DEPRECATION: " || true; }
    return "${PIPESTATUS[0]}"
}

ensure_venv() {
    local python req stamp want
    req="$QJ_ROOT/tools/requirements-odoo15-py310.txt"
    stamp="$QJ_VENV/.requirements.sha256"
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    # a venv whose Python no longer runs (its base Python removed) is rebuilt
    if "$QJ_VENV/bin/python" -c '' 2>/dev/null && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
        && venv_works; then
        return
    fi
    mkdir -p "$(dirname "$QJ_VENV")"
    # one build at a time: clones and worktrees share this venv
    exec 9>"$(dirname "$QJ_VENV")/.$(basename "$QJ_VENV").lock"
    flock 9
    if "$QJ_VENV/bin/python" -c '' 2>/dev/null && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
        && venv_works; then
        exec 9>&-
        return # built meanwhile by another command
    fi
    python="$(find_python)"
    if "$QJ_VENV/bin/python" -c '' 2>/dev/null; then
        # another requirements file, or a broken venv: installing the pins
        # again repairs it in place (pip replaces the versions that differ)
        info "updating the Python 3.10 virtualenv in $QJ_VENV ($req)"
        pip_install "$req" || die "installing Odoo's Python dependencies failed (see pip's output above)"
    fi
    if ! venv_works; then
        # not repaired (or none yet): a new venv, from the pins alone
        info "building the Python 3.10 virtualenv in $QJ_VENV"
        rm -f "$stamp"
        "$python" -m venv --clear "$QJ_VENV" || die "creating the virtualenv $QJ_VENV failed (Debian: apt-get install python3.10-venv, or use pyenv)"
        pip_install "$req" || die "installing Odoo's Python dependencies failed (see pip's output above)"
    fi
    if ! venv_works; then
        "$QJ_VENV/bin/python" -c 'import gevent.monkey; gevent.monkey.patch_all()' 2>&1 | tail -n 3 >&2
        die "the virtualenv $QJ_VENV cannot start Odoo's longpolling process (gevent, above): check the pins of $req"
    fi
    "$QJ_VENV/bin/python" -m pip check -q >/dev/null 2>&1 \
        || info "pip check reports conflicts in $QJ_VENV: $("$QJ_VENV/bin/python" -m pip check 2>&1 | head -n 3 | tr '\n' ' ')"
    echo "$want" >"$stamp"
    exec 9>&-
}

mkdir -p "$QJ_CACHE"
ensure_odoo_src
ensure_venv
