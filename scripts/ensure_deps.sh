#!/usr/bin/env bash
# Make sure the machine has what the RDV addons need, installing what is missing.
#
#   scripts/ensure_deps.sh [test|demo|cluster|all]      (default: all)
#
# 1. Odoo 18.0 must be importable by python3: this project never installs Odoo,
#    it stops with a message saying what to do.
# 2. Debian packages, installed with apt-get only if missing
#    (test: postgresql nginx chromium wkhtmltopdf poppler-utils zbar-tools fonts-dejavu-core;
#     demo: postgresql wkhtmltopdf fonts-dejavu-core; cluster: the demo's and nginx).
# 3. Python packages listed in setup.py (install_requires + the "test" extra),
#    pip-installed only if missing, without moving anything already installed.
# 4. npm packages of scripts/node-packages.txt (rtlcss; axe-core for the tests),
#    installed into var/node with npm only if missing or at another version;
#    npm itself comes from the Debian package "npm" when not on PATH.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

what="${1:-all}"
case "$what" in
    test | all) debs=(postgresql nginx chromium wkhtmltopdf poppler-utils zbar-tools fonts-dejavu-core systemd) ;;
    demo) debs=(postgresql wkhtmltopdf fonts-dejavu-core) ;;
    cluster) debs=(postgresql nginx wkhtmltopdf fonts-dejavu-core) ;;
    *) rdv_die "usage: $0 [test|demo|cluster|all]" ;;
esac

# --- 1. Odoo ----------------------------------------------------------------
rdv_require_odoo

# --- 2. Debian packages -----------------------------------------------------
deb_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

# npm packages missing or at another version than pinned.
mapfile -t missing_node < <("$PYTHON" "$RDV_ROOT/scripts/check_env.py" --missing-node)
if [ "${#missing_node[@]}" -gt 0 ] && ! command -v npm >/dev/null 2>&1; then
    debs+=(npm)
fi

missing_debs=()
if command -v dpkg >/dev/null 2>&1; then
    for p in "${debs[@]}"; do
        deb_installed "$p" || missing_debs+=("$p")
    done
else
    rdv_warn "not a Debian system (no dpkg): make sure these are installed: ${debs[*]}"
fi

if [ "${#missing_debs[@]}" -gt 0 ]; then
    rdv_log "installing Debian packages: ${missing_debs[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo_cmd=(sudo)
        else
            rdv_die "missing Debian packages: ${missing_debs[*]}
    Install them as root:  apt-get update && apt-get install -y ${missing_debs[*]}"
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq ||
        rdv_die "apt-get update failed; install by hand: apt-get install -y ${missing_debs[*]}"
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" ||
        rdv_die "apt-get install failed; install by hand: apt-get install -y ${missing_debs[*]}"
fi

# --- 3. Python packages -----------------------------------------------------
mapfile -t missing_py < <("$PYTHON" "$RDV_ROOT/scripts/python_deps.py" missing)
if [ "${#missing_py[@]}" -gt 0 ]; then
    rdv_log "installing Python packages: ${missing_py[*]}"
    mkdir -p "$RDV_ROOT/var"
    constraints="$RDV_ROOT/var/pip-constraints.txt"
    # setuptools<81 for old sdists, and the installed versions of Odoo's
    # requirements pinned, so that nothing already installed moves.
    "$PYTHON" "$RDV_ROOT/scripts/python_deps.py" constraints "$constraints"
    PIP_CONSTRAINT="$constraints${PIP_CONSTRAINT:+ $PIP_CONSTRAINT}" \
        "$PYTHON" -m pip install --upgrade-strategy only-if-needed "${missing_py[@]}" ||
        rdv_die "pip could not install: ${missing_py[*]}
    (constraints used: $constraints — pip refuses rather than move what Odoo pins)"
    mapfile -t still < <("$PYTHON" "$RDV_ROOT/scripts/python_deps.py" missing)
    [ "${#still[@]}" -eq 0 ] || rdv_die "still missing after pip install: ${still[*]}"
fi

# --- 4. npm packages (rtlcss, the tests' axe-core) ------------------------
if [ "${#missing_node[@]}" -gt 0 ]; then
    command -v npm >/dev/null 2>&1 ||
        rdv_die "npm not found: install Node.js and npm (apt-get install -y npm), then run this again"
    rdv_log "installing npm packages into var/node: ${missing_node[*]}"
    mkdir -p "$RDV_ROOT/var/node"
    # All the pinned packages in one call: without a package.json, npm
    # removes the ones a call does not name.
    mapfile -t pinned_node < <("$PYTHON" "$RDV_ROOT/scripts/check_env.py" --pinned-node)
    npm install --prefix "$RDV_ROOT/var/node" --no-save --no-audit --no-fund --loglevel=error \
        "${pinned_node[@]}" ||
        rdv_die "npm could not install: ${pinned_node[*]}
    (by hand: npm install --prefix var/node ${pinned_node[*]})"
    mapfile -t still < <("$PYTHON" "$RDV_ROOT/scripts/check_env.py" --missing-node)
    [ "${#still[@]}" -eq 0 ] || rdv_die "still missing after npm install: ${still[*]}"
fi
