#!/usr/bin/env bash
# What `make demo` runs (after scripts/ensure_deps.sh demo and
# scripts/ensure_postgres.sh): create the demo database once, with the three
# addons and demo data, then serve it on http://localhost:8069.
#
# Environment:
#   DEMO_DB=name    database (default rdv_demo)
#   RESET=1         drop the database (and its filestore) and create it again
#   UPDATE=1        update the addons (-u) in the existing database first, after
#                   their code changed
#   DEMO_PORT=n     HTTP port (default 8069)
#   MODULES=a,b     addons to install (default: the three rdv_* addons)
#   DEMO_WORKERS=n  Odoo --workers (default 0: one multi-threaded process that
#                   serves everything on $DEMO_PORT).  With workers, Odoo serves
#                   its websocket (/websocket: live updates of Discuss, the bus)
#                   on port 8072 only, where a reverse proxy normally routes it.
#   DEMO_SERVE=0    create (or update) the database and stop there, without
#                   serving it (scripts/cluster.sh: its nodes serve it)
#   ODOO_RC=file    an Odoo configuration file for every Odoo command (database
#                   host and role, data_dir); psql reads the PG* variables
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"

DB="${DEMO_DB:-rdv_demo}"
PORT="${DEMO_PORT:-8069}"
WORKERS="${DEMO_WORKERS:-0}"
[[ "$WORKERS" =~ ^[0-9]+$ ]] || rdv_die "DEMO_WORKERS must be a number: $WORKERS"
MODULES="${MODULES:-$RDV_MODULES_DEFAULT}"
MODULES="${MODULES// /}"
ADMIN_LOGIN="admin"
ADMIN_PASSWORD="admin"
LOG_DIR="$RDV_ROOT/var/log"
mkdir -p "$LOG_DIR"

[[ "$DB" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] || rdv_die "invalid DEMO_DB name: $DB"
"$PYTHON" scripts/check_env.py --demo || rdv_die "environment not ready (see above)."
ADDONS_PATH="$(rdv_addons_path)"
# Where Odoo will put it: its data_dir, from $ODOO_RC if set.
FILESTORE="$("$PYTHON" -c 'import sys; from odoo.tools import config; config.parse_config([]); print(config.filestore(sys.argv[1]))' "$DB")"

drop_db() {
    rdv_psql -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null
    rm -rf "$FILESTORE"
}

modules_missing() {
    # Prints the requested addons that are not installed in $DB (empty if all are).
    rdv_psql -d "$DB" -Atc "
        SELECT string_agg(m.name, ', ')
        FROM unnest(string_to_array('$MODULES', ',')) AS m(name)
        LEFT JOIN ir_module_module i ON i.name = m.name
        WHERE i.state IS DISTINCT FROM 'installed'" 2>/dev/null || echo "(not an Odoo database)"
}

demo_missing() {
    # Prints the requested addons installed without their demo data (Odoo only
    # warns when an addon's demo data fails to load, and installs it without).
    rdv_psql -d "$DB" -Atc "
        SELECT string_agg(name, ', ')
        FROM ir_module_module
        WHERE name = ANY(string_to_array('$MODULES', ',')) AND NOT demo" 2>/dev/null
}

if [ -n "${RESET:-}" ] && [ "$RESET" != 0 ] && rdv_db_exists "$DB"; then
    rdv_log "RESET: dropping database $DB"
    drop_db
fi

if rdv_db_exists "$DB"; then
    missing="$(modules_missing)"
    [ -z "$missing" ] || rdv_die "database $DB exists but these addons are not installed in it: $missing
    Recreate it:  RESET=1 make demo"
    if [ -n "${UPDATE:-}" ] && [ "$UPDATE" != 0 ]; then
        log="$LOG_DIR/demo-update.log"
        rdv_log "updating $MODULES in $DB (log: $log)"
        set +e
        "${ODOO_BIN[@]}" -d "$DB" --addons-path="$ADDONS_PATH" -u "$MODULES" \
            --stop-after-init --max-cron-threads=0 2>&1 | tee "$log" |
            grep --line-buffered -E ' Loading module | (WARNING|ERROR|CRITICAL) |^[^0-9]'
        rc=${PIPESTATUS[0]}
        set -e
        [ "$rc" -eq 0 ] || rdv_die "updating $MODULES in $DB failed (exit code $rc); see $log.
    Or recreate the database:  RESET=1 make demo"
    else
        rdv_log "database $DB already exists: serving it as it is" \
            "(UPDATE=1 make demo updates the addons in it, RESET=1 make demo recreates it)"
    fi
else
    created=1
    log="$LOG_DIR/demo-install.log"
    rdv_log "creating database $DB with $MODULES and demo data (a few minutes; log: $log)"
    # A half-made database would be served next time: drop it on failure or ^C.
    trap 'rdv_warn "installation interrupted: dropping $DB"; drop_db' INT TERM
    set +e
    # Full log in $log; on the terminal only the progress ("Loading module x
    # (n/m)"), warnings, errors and tracebacks.
    # The demo commune's citizens read French, English or Arabic.
    "${ODOO_BIN[@]}" -d "$DB" --addons-path="$ADDONS_PATH" -i "$MODULES" \
        --load-language=en_US,fr_FR,ar_001 \
        --stop-after-init --max-cron-threads=0 2>&1 | tee "$log" |
        grep --line-buffered -E ' Loading module | (WARNING|ERROR|CRITICAL) |^[^0-9]'
    rc=${PIPESTATUS[0]}
    set -e
    missing="$(modules_missing)"
    without_demo="$(demo_missing)"
    if [ "$rc" -ne 0 ] || [ -n "$missing" ] || [ -n "$without_demo" ]; then
        drop_db
        rdv_die "installing $MODULES in $DB failed (exit code $rc${missing:+, not installed: $missing}${without_demo:+, demo data failed to load: $without_demo}).
    See $log; the database was dropped."
    fi
    trap - INT TERM
fi

# A new database: set the admin password explicitly and check that it
# authenticates (an existing one keeps the password its users gave it: a
# cluster's admin is not reset by each start). List the demo users our
# addons created.
if [ "${created:-0}" = 1 ]; then
    rdv_log "setting and checking the password of '$ADMIN_LOGIN', building the asset bundles"
    admin_note="$ADMIN_LOGIN / $ADMIN_PASSWORD"
else
    rdv_log "building the asset bundles (the password of '$ADMIN_LOGIN' stays as it is)"
    admin_note="$ADMIN_LOGIN, with the password it has (it was $ADMIN_PASSWORD when the database was created)"
fi
shell_out="$(
    RDV_ADMIN_LOGIN="$ADMIN_LOGIN" RDV_ADMIN_PASSWORD="$ADMIN_PASSWORD" RDV_MODULES="$MODULES" \
        RDV_SET_ADMIN="${created:-0}" \
        "${ODOO_BIN[@]}" shell -d "$DB" --addons-path="$ADDONS_PATH" --no-http \
        --max-cron-threads=0 --log-level=warn 2>&1 <<'PY'
import os

login, password = os.environ["RDV_ADMIN_LOGIN"], os.environ["RDV_ADMIN_PASSWORD"]
admin = env.ref("base.user_admin")
if os.environ["RDV_SET_ADMIN"] == "1":
    admin.write({"login": login, "password": password, "active": True})
    env.cr.commit()
    auth = env["res.users"].authenticate(
        env.cr.dbname,
        {"type": "password", "login": login, "password": password},
        {"interactive": False},
    )
    assert auth and auth.get("uid") == admin.id, f"authentication of {login!r} failed: {auth!r}"
print("RDV_ADMIN_OK")
modules = os.environ["RDV_MODULES"].split(",")
data = env["ir.model.data"].search([("model", "=", "res.users"), ("module", "in", modules)])
users = env["res.users"].browse(data.mapped("res_id")).exists()
print("RDV_DEMO_USERS:" + " ".join(sorted(u.login for u in users if u.id != admin.id)))
# The demo's secrets for other systems, made the first time only and printed
# then: only their hashes are kept (make a new one in the back office later).
client = env.ref("rdv_booking.demo_api_client_ds", raise_if_not_found=False)
if client and not client.sudo().key_hash:
    print("RDV_DEMO_API_KEY:" + client._rdv_new_key())
company = env.ref("base.main_company")
if hasattr(company, "_rdv_ants_new_token") and not company.sudo().rdv_ants_token_hash:
    print("RDV_DEMO_ANTS_TOKEN:" + company._rdv_ants_new_token())
env.cr.commit()

# The first pages of a fresh demo said "The page is out of date" (see
# rdv_booking/static/src/js/outdated_page_watcher.js for why, and
# scripts/check_fresh_pages.py for the proof). Nothing may change under them
# either: the asset bundles the pages load (both directions, each website's)
# are built now, not by the server under the first pages, and the daily
# auto-vacuum (which deletes the bus notifications pages compare with), due
# at once on a new database, runs now and is due again tomorrow.
from odoo import fields
from odoo.addons.base.models.ir_cron import _intervalTypes

cron = env.ref("base.autovacuum_job")
now = fields.Datetime.now()
if cron.active and cron.nextcall <= now:
    cron.method_direct_trigger()
    nextcall = cron.nextcall
    while nextcall <= now:
        nextcall += _intervalTypes[cron.interval_type](cron.interval_number)
    cron.nextcall = nextcall
qweb = env["ir.qweb"]
websites = env["website"].search([]) if "website" in env else []
for website_id in [False, *(website.id for website in websites)]:
    website_qweb = qweb.with_context(website_id=website_id)
    website_qweb._pregenerate_assets_bundles()
    for bundle in ("web.assets_web", "web.assets_frontend"):
        website_qweb._get_asset_bundle(bundle, js=False, rtl=True).css()
# The bus's worker, which no page template names.
qweb._get_asset_bundle("bus.websocket_worker_assets", css=False).js()
env.cr.commit()
print("RDV_ASSETS_OK")
PY
)" || rdv_die "could not set the admin password of $DB:
$shell_out"
grep -q '^RDV_ADMIN_OK$' <<<"$shell_out" || rdv_die "admin password check failed:
$shell_out"
grep -q '^RDV_ASSETS_OK$' <<<"$shell_out" || rdv_die "building the asset bundles failed:
$shell_out"
demo_users="$(sed -n 's/^RDV_DEMO_USERS://p' <<<"$shell_out")"
api_key="$(sed -n 's/^RDV_DEMO_API_KEY://p' <<<"$shell_out")"
ants_token="$(sed -n 's/^RDV_DEMO_ANTS_TOKEN://p' <<<"$shell_out")"
if [ -n "$api_key$ants_token" ]; then
    secrets_note="shown this once: only their hashes are kept (new ones: see README, Demo logins)"
else
    secrets_note="shown when the database was created (new ones: see README, Demo logins)"
fi

if [ "${DEMO_SERVE:-1}" = 0 ]; then
    rdv_log "database $DB ready (back office: $admin_note)"
    [ -z "$api_key" ] || rdv_log "API key of \"Démarches simplifiées (démo)\": $api_key ($secrets_note)"
    [ -z "$ants_token" ] || rdv_log "ANTS hub token (X-HUB-RDV-AUTH-TOKEN): $ants_token"
    exit 0
fi

cat <<EOF

[rdv] ================================================================
[rdv]  RDV demo:  http://localhost:$PORT        (database: $DB)
[rdv]  back office login:  $admin_note
[rdv]  demo agents:        ${demo_users:-see README}$([ -n "$demo_users" ] && echo '   (passwords: see README)')
[rdv]  Odoo's demo users:  demo / demo (internal), portal / portal (portal)
[rdv]  API key of "Démarches simplifiées (démo)":  ${api_key:-(not shown again)}
[rdv]  ANTS hub token (X-HUB-RDV-AUTH-TOKEN):     ${ants_token:-(not shown again)}
[rdv]    $secrets_note
[rdv]  $([ "$WORKERS" -gt 0 ] && echo "$WORKERS HTTP workers; websocket on port 8072 (DEMO_WORKERS=0: all on $PORT)" || echo "one multi-threaded process")
[rdv]  Stop with Ctrl-C.
[rdv] ================================================================

EOF

# The threaded server (no workers) starts a thread per connection, each taking
# a database connection: a burst of requests (a crowd, a client system's
# parallel API calls) would empty the pool ("The Connection Pool Is Full",
# HTTP 500). Odoo's own bound: at most half of db_maxconn threads at once (any
# value that is not a number), the other connections wait in the listen queue.
export ODOO_MAX_HTTP_THREADS="${ODOO_MAX_HTTP_THREADS:-auto}"

# The one database, by name: with --db-filter Odoo would list the databases
# (a new PostgreSQL connection) at each request of a visitor without session.
exec "${ODOO_BIN[@]}" -d "$DB" --no-database-list --addons-path="$ADDONS_PATH" \
    --http-port="$PORT" --workers="$WORKERS" --max-cron-threads=1
