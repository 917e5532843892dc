# shellcheck shell=bash disable=SC2034
# Helpers shared by the RDV scripts.  Source it: . "$(dirname "$0")/lib.sh"

RDV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RDV_ROOT
# The commands of scripts/node-packages.txt (rtlcss, which Odoo runs for
# right-to-left pages), for Odoo and the tests started from these scripts.
export PATH="$RDV_ROOT/var/node/node_modules/.bin:$PATH"
RDV_MODULES_DEFAULT="rdv_booking,rdv_booking_portal,rdv_booking_sms"
# The other apps of a municipality, next to which `make test` also installs and
# tests our addons (the crowded database, scripts/crowded_template.sh).
RDV_CROWDED_APPS="${RDV_CROWDED_APPS:-contacts,calendar,hr,crm,project,account,website_sale,website_event,website_slides,survey}"
PYTHON="${PYTHON:-python3}"
# How we start Odoo: "$PYTHON" scripts/odoo-bin ... (see that file for why not
# "python3 -m odoo").
ODOO_BIN=("$PYTHON" "$RDV_ROOT/scripts/odoo-bin")

rdv_log() { printf '[rdv] %s\n' "$*"; }
rdv_warn() { printf '[rdv] WARNING: %s\n' "$*" >&2; }
rdv_die() {
    printf '\n[rdv] ERROR: %s\n\n' "$*" >&2
    exit 1
}

# Fails loudly unless Odoo 18.0 is importable by $PYTHON.
rdv_require_odoo() {
    local out
    if ! out=$("$PYTHON" -c 'import odoo; assert odoo.release.version_info[:2] == (18, 0), odoo.release.version' 2>&1); then
        rdv_die "Odoo 18.0 is not importable by '$PYTHON' ($(command -v "$PYTHON" || echo 'not on PATH')).
    $(printf '%s' "$out" | tail -n 1)
    This project does not install Odoo: it needs Odoo 18.0 importable by python3.
    Install it first, for example:
        git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo /opt/odoo18
        python3 -m pip install -r /opt/odoo18/requirements.txt
        python3 -m pip install -e /opt/odoo18
    then check:  python3 -c 'import odoo; print(odoo.release.version)'   (must print 18.0)"
    fi
}

# The --addons-path for Odoo: Odoo's own addons directories (as Odoo itself
# would compute them) followed by the repository root.  Also checks that
# Odoo's addons our manifests depend on can be found there.
rdv_addons_path() {
    "$PYTHON" "$RDV_ROOT/scripts/addons_path.py"
}

# A free TCP port on localhost.
rdv_free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# psql as the current role, on the maintenance database, quiet.
rdv_psql() {
    psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
}

rdv_db_exists() {
    [ "$(rdv_psql -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'")" = "1" ]
}
