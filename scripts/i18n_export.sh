#!/usr/bin/env bash
# Refresh the translation template of addons and merge it into their .po files.
#
#   scripts/i18n_export.sh rdv_booking [rdv_booking_portal ...]
#
# Installs the addons in a throw-away database (no demo data), exports
# <addon>/i18n/<addon>.pot with Odoo's own exporter, then merges it into every
# existing <addon>/i18n/*.po (new terms arrive untranslated: translate them,
# tests/test_translations.py fails on any empty msgstr of fr.po and ar.po).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"
[ "$#" -gt 0 ] || rdv_die "usage: $0 addon [addon...]"
rdv_require_odoo
modules="$(IFS=,; echo "$*")"
db="rdv_i18n_$$"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
"$PYTHON" -m odoo -d "$db" --addons-path="$(rdv_addons_path)" -i "$modules" \
    --without-demo=all --stop-after-init --log-level=warn --http-port="$(rdv_free_port)"
for addon in "$@"; do
    pot="$addon/i18n/$addon.pot"
    mkdir -p "$addon/i18n"
    "$PYTHON" -m odoo -d "$db" --addons-path="$(rdv_addons_path)" --modules="$addon" \
        --i18n-export="$pot" --stop-after-init --log-level=warn --http-port="$(rdv_free_port)"
    for po in "$addon"/i18n/*.po; do
        [ -e "$po" ] || continue
        # polib, which wrote the .po files: the same line wrapping, no churn.
        "$PYTHON" - "$po" "$pot" <<'PY'
import sys

import polib

po = polib.pofile(sys.argv[1])
po.merge(polib.pofile(sys.argv[2]))
for entry in po.obsolete_entries():
    po.remove(entry)
po.save()
PY
        rdv_log "merged $po"
    done
done
