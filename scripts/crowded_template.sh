#!/usr/bin/env bash
# The "crowded" template database of `make test`: a database that already runs
# a municipality's other Odoo apps (RDV_CROWDED_APPS of scripts/lib.sh, with
# their dependencies and demo data), WITHOUT our addons.  run_tests.sh copies
# it (createdb -T) and installs and tests our addons in the copy, because our
# users install them next to their other apps, not in an empty database.
#
#   scripts/crowded_template.sh      prints the template's name on stdout
#                                    (everything else goes to stderr)
#
# Building it takes minutes (104 modules), so it is kept in PostgreSQL between
# runs, with its filestore, under a name that is a hash of what went into it:
# Odoo's serie and version (and the commit of its source when it is a git
# checkout), the apps, and RECIPE below.  A template is complete once its
# database comment says so (set as the last step of the build): an interrupted
# build is never used, the next run builds it again.  The build log goes to
# var/log/crowded-template.log.  Connections to the template are disallowed
# once built, so that nobody changes it by opening it in Odoo.
#
# Environment:
#   RDV_CROWDED_APPS=a,b    other apps to install (default: RDV_CROWDED_APPS of lib.sh)
#   CROWDED_REBUILD=1       drop the template and build it again
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"

# Bump when the way the template is built changes (its name changes with it).
RECIPE=1
LOG_DIR="$RDV_ROOT/var/log"
BUILD_LOG="$LOG_DIR/crowded-template.log"
mkdir -p "$LOG_DIR"

log() { rdv_log "$@" >&2; }

odoo_addons="$("$PYTHON" -c '
import sys
sys.path.insert(0, sys.argv[1])
import addons_path
print(",".join(addons_path.odoo_addons_dirs()))' "$RDV_ROOT/scripts")"
[ -n "$odoo_addons" ] || rdv_die "found no directory of Odoo's own addons"

# name|apps available|apps missing|description
read -r -d '' key_py <<'PY' || true
import hashlib, json, os, subprocess, sys

import odoo.release

recipe, addons_dirs, apps = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
apps = [a.strip() for a in apps if a.strip()]
found = [a for a in apps if any(os.path.isfile(os.path.join(d, a, "__manifest__.py")) for d in addons_dirs)]
missing = [a for a in apps if a not in found]
source = ""
odoo_root = os.path.dirname(os.path.dirname(os.path.abspath(odoo.release.__file__)))
try:
    source = subprocess.run(
        ["git", "-C", odoo_root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
    ).stdout.strip()
except (OSError, subprocess.SubprocessError):
    pass
key = {
    "recipe": recipe,
    "serie": odoo.release.serie,
    "version": odoo.release.version,
    "source": source,
    "apps": sorted(found),
    "demo": True,
}
digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
desc = "Odoo %s%s, apps %s, demo data, recipe %s" % (
    odoo.release.version, " (%s)" % source[:12] if source else "", ",".join(sorted(found)), recipe)
print("rdv_crowded_%s|%s|%s|%s" % (digest, ",".join(found), ",".join(missing), desc))
PY
IFS="|" read -r name apps missing desc < <("$PYTHON" -c "$key_py" "$RECIPE" "$odoo_addons" "${RDV_CROWDED_APPS}")
[ -n "$name" ] || rdv_die "could not compute the name of the crowded template"
[ -z "$missing" ] || rdv_warn "not in Odoo's addons ($odoo_addons), left out of the crowded database: $missing"
[ -n "$apps" ] || rdv_die "none of the crowded apps is available: $RDV_CROWDED_APPS"

filestore_of() {
    "$PYTHON" -c 'import sys; from odoo.tools import config; print(config.filestore(sys.argv[1]))' "$1"
}
comment_of() {
    rdv_psql -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$1'"
}
drop_db() {
    rdv_psql -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null
    rm -rf "$(filestore_of "$1")"
}
READY="rdv crowded template, ready:"

# One build at a time (two runs of make test, or two clones on one machine).
lock="${TMPDIR:-/tmp}/$name.lock"
exec 9>"$lock"
if ! flock -n 9; then
    log "waiting for another build of $name (lock $lock)..."
    flock 9
fi

if [ -n "${CROWDED_REBUILD:-}" ] && [ "$CROWDED_REBUILD" != 0 ] && rdv_db_exists "$name"; then
    log "CROWDED_REBUILD set: dropping $name"
    drop_db "$name"
fi

if rdv_db_exists "$name"; then
    if [[ "$(comment_of "$name")" == "$READY"* ]] && [ -d "$(filestore_of "$name")" ]; then
        log "crowded template: $name ($(comment_of "$name"))"
        echo "$name"
        exit 0
    fi
    log "crowded template $name is incomplete (interrupted build?): building it again"
    drop_db "$name"
fi

others="$(rdv_psql -Atc "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'rdv\_crowded\_%' AND datname <> '$name'")"
[ -z "$others" ] || log "older crowded templates (no longer used: drop them with dropdb, and their filestores): $others"

log "building the crowded template $name: $desc"
log "this takes a while (about 10 minutes on 2 cores); log: $BUILD_LOG"
t0=$SECONDS
set +e
"${ODOO_BIN[@]}" -d "$name" --addons-path="$odoo_addons" -i "$apps" \
    --stop-after-init --http-interface=127.0.0.1 --http-port="$(rdv_free_port)" \
    --no-database-list >"$BUILD_LOG" 2>&1
rc=$?
set -e
build_time=$((SECONDS - t0))
not_installed="$(rdv_psql -d "$name" -Atc "
    SELECT string_agg(m.name || ' (' || coalesce(i.state, 'unknown') || ')', ', ')
    FROM unnest(string_to_array('$apps', ',')) AS m(name)
    LEFT JOIN ir_module_module i ON i.name = m.name
    WHERE i.state IS DISTINCT FROM 'installed'" 2>&1 || echo "(cannot query $name)")"
if [ "$rc" -ne 0 ] || [ -n "$not_installed" ]; then
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$BUILD_LOG" | head -n 20 >&2 || true
    drop_db "$name"
    rdv_die "building the crowded template failed (Odoo exit code $rc; not installed: ${not_installed:-none}); see $BUILD_LOG"
fi
errors="$(grep -cE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$BUILD_LOG" || true)"
[ "$errors" = 0 ] || rdv_warn "the crowded template's build logged $errors ERROR/CRITICAL lines (Odoo's own apps; see $BUILD_LOG)"
modules="$(rdv_psql -d "$name" -Atc "SELECT count(*) FROM ir_module_module WHERE state = 'installed'")"
rdv_psql -c "COMMENT ON DATABASE \"$name\" IS '$READY $modules modules, $desc, built in ${build_time}s on $(date -u +%Y-%m-%dT%H:%MZ)'" >/dev/null
rdv_psql -c "ALTER DATABASE \"$name\" WITH ALLOW_CONNECTIONS false" >/dev/null
log "crowded template $name built in ${build_time}s ($modules modules installed)"
echo "$name"
