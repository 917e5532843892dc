#!/usr/bin/env bash
# The test run of `make test` (after scripts/ensure_deps.sh and
# scripts/ensure_postgres.sh):
#
#   0. scripts/check_env.py: loud preflight (Odoo 18.0, PostgreSQL, Chromium,
#      websocket-client, wkhtmltopdf, pdftotext).
#   a. fast pure-Python tests:  pytest tests -m "not odoo_db"
#   b. Odoo's test runner on a FRESH database rdv_test_<timestamp> (demo data
#      on): install the addons with --test-enable; the log goes to
#      var/log/odoo-tests.log.  Fails if Odoo exits non-zero, if the log has
#      lines at level ERROR or CRITICAL, or if an addon is not installed.
#   c. database tests:  pytest tests -m odoo_db, with RDV_TEST_DB=<that db>
#      and RDV_ADDONS_PATH=<repo root> (RDV_FULL_ADDONS_PATH: the complete
#      --addons-path given to Odoo, its own addons directories included).
#   The database is dropped at the end (KEEP_DB=1 keeps it).
#
# Environment:
#   MODULES=a,b        addons to install and test (default: the three rdv_* addons)
#   TEST_TAGS=spec     Odoo --test-tags (default: /<module> for each of MODULES,
#                      so that only our addons' tests run, not those of every
#                      Odoo addon installed as a dependency)
#   KEEP_DB=1          keep the test database (its name is printed)
#   SKIP_PYTEST=1      skip steps a and c
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"

MODULES="${MODULES:-$RDV_MODULES_DEFAULT}"
MODULES="${MODULES// /}"
if [ -z "${TEST_TAGS:-}" ]; then
    TEST_TAGS="/${MODULES//,/,/}"
fi
LOG_DIR="$RDV_ROOT/var/log"
ODOO_LOG="$LOG_DIR/odoo-tests.log"
mkdir -p "$LOG_DIR"
rm -f "$LOG_DIR"/pytest-*.xml

failed_steps=()
summary=()
t_start=$SECONDS

elapsed() { printf '%ss' "$((SECONDS - $1))"; }
section() { printf '\n[rdv] ===== %s =====\n' "$*"; }

# --- 0. preflight ---------------------------------------------------------
section "preflight"
"$PYTHON" scripts/check_env.py || rdv_die "environment not ready (see above); nothing was run."
ADDONS_PATH="$(rdv_addons_path)"
rdv_log "addons path: $ADDONS_PATH"
# Python syntax of the addons, tests and benches: seconds here, instead of a
# CRITICAL after a minute of installing Odoo's addons.
"$PYTHON" - rdv_booking rdv_booking_portal rdv_booking_sms tests bench <<'PY' ||
import pathlib, sys
bad = 0
for top in sys.argv[1:]:
    for path in sorted(pathlib.Path(top).rglob("*.py")):
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            bad += 1
            print(f"[rdv] syntax error: {path}:{getattr(exc, 'lineno', '?')}: {exc}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
    rdv_die "Python syntax errors (see above); nothing was run."
rdv_log "modules: $MODULES    test tags: $TEST_TAGS"

# pytest on tests/ with a marker expression; $1 label, $2 marker, $3 junit
# file.  Exit code 5 (no test collected/selected) is not a failure.
run_pytest() {
    local label="$1" marker="$2" junit="$3" rc t0=$SECONDS
    if [ -n "${SKIP_PYTEST:-}" ]; then
        rdv_log "$label: skipped (SKIP_PYTEST set)"
        summary+=("$label: skipped (SKIP_PYTEST)")
        return 0
    fi
    if [ ! -d tests ] || [ -z "$(find tests -name 'test_*.py' -o -name '*_test.py' | head -n 1)" ]; then
        rdv_log "$label: no test file in tests/"
        summary+=("$label: no test file in tests/")
        return 0
    fi
    set +e
    "$PYTHON" -m pytest tests -q -m "$marker" --junitxml="$junit" -o junit_family=xunit2
    rc=$?
    set -e
    case "$rc" in
        0) summary+=("$label: ok ($(elapsed "$t0"))") ;;
        5) summary+=("$label: no test selected ($(elapsed "$t0"))") ;;
        *)
            summary+=("$label: FAILED, pytest exit code $rc ($(elapsed "$t0"))")
            failed_steps+=("$label")
            ;;
    esac
}

# --- a. fast pure-Python tests --------------------------------------------
section "a. pure-Python tests (pytest -m 'not odoo_db')"
run_pytest "pure-Python tests" "not odoo_db" "$LOG_DIR/pytest-fast.xml"

# --- b. Odoo's test runner on a fresh database ----------------------------
DB="rdv_test_$(date +%Y%m%d_%H%M%S)_$$"
FILESTORE="$("$PYTHON" -c 'import sys; from odoo.tools import config; print(config.filestore(sys.argv[1]))' "$DB")"

cleanup() {
    if [ -n "${KEEP_DB:-}" ] && [ "${KEEP_DB}" != 0 ]; then
        rdv_log "KEEP_DB set: database $DB kept (drop it with: dropdb $DB)"
        return
    fi
    if rdv_db_exists "$DB" 2>/dev/null; then
        rdv_psql -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 ||
            rdv_warn "could not drop database $DB"
    fi
    rm -rf "$FILESTORE"
}
trap cleanup EXIT

section "b. Odoo tests: install $MODULES in fresh database $DB"
rdv_db_exists "$DB" && rdv_die "database $DB already exists"
PORT="$(rdv_free_port)"
t0=$SECONDS
odoo_cmd=(
    "${ODOO_BIN[@]}"
    -d "$DB"
    --addons-path="$ADDONS_PATH"
    -i "$MODULES"
    --test-enable
    --test-tags="$TEST_TAGS"
    --stop-after-init
    --http-interface=127.0.0.1
    --http-port="$PORT"
    --log-level=test
)
# (demo data stays on: no --without-demo.  --log-level=test is accepted by
# Odoo 18.0 and behaves like the default "info".)
rdv_log "running: ${odoo_cmd[*]}"
rdv_log "log: $ODOO_LOG"
set +e
"${odoo_cmd[@]}" 2>&1 | tee "$ODOO_LOG"
odoo_rc=${PIPESTATUS[0]}
set -e
odoo_time="$(elapsed "$t0")"

# Lines at level ERROR or CRITICAL (failed tests, install errors, ...).
log_line_re='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ '
error_lines="$(grep -E "${log_line_re}(ERROR|CRITICAL) " "$ODOO_LOG" || true)"

# "X failed, Y error(s) of N tests when loading database 'db'" (odoo.tests.result,
# logged by odoo/service/server.py after the post-install tests).
odoo_ran=""
odoo_failed=0
odoo_errors=0
report="$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$ODOO_LOG" | tail -n 1 || true)"
if [ -n "$report" ]; then
    read -r odoo_failed odoo_errors odoo_ran < <(sed -E 's/^([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$report")
fi
post_tests="$(grep -Eo '[0-9]+ post-tests in' "$ODOO_LOG" | tail -n 1 | grep -Eo '^[0-9]+' || true)"
odoo_skipped="$(grep -Ec "${log_line_re}INFO [^ ]+ [^ ]+: skipped [^ ]+ : " "$ODOO_LOG" || true)"
# Browser tests that Odoo skipped because it could not drive Chrome: the
# preflight should have caught the cause, but a skip must never pass for a success.
browser_skips="$(grep -E ": skipped [^ ]+ : (Chrome executable not found|websocket-client module is not installed|Failed to detect chrome devtools port|Cannot connect to chrome dev tools|Error during Chrome|[^ ]+ not found ?$)" "$ODOO_LOG" || true)"

# Demo data that failed to load: Odoo only warns and goes on without it, but
# the demo is part of the product (make demo) and the tests run with it.
demo_failures="$(grep -E "demo data failed to install" "$ODOO_LOG" || true)"

# Every requested addon must be installed (Odoo only warns about unknown names).
not_installed=""
if rdv_db_exists "$DB"; then
    not_installed="$(rdv_psql -Atc "
        SELECT string_agg(m.name || ' (' || coalesce(i.state, 'unknown') || ')', ', ')
        FROM unnest(string_to_array('$MODULES', ',')) AS m(name)
        LEFT JOIN ir_module_module i ON i.name = m.name
        WHERE i.state IS DISTINCT FROM 'installed'" -d "$DB" 2>&1 || echo "(cannot query $DB)")"
else
    not_installed="(database $DB was not created)"
fi

odoo_ok=1
[ "$odoo_rc" -eq 0 ] || odoo_ok=0
[ -z "$error_lines" ] || odoo_ok=0
[ -z "$not_installed" ] || odoo_ok=0
[ -n "$odoo_ran" ] || odoo_ok=0
[ -z "$browser_skips" ] || odoo_ok=0
[ -z "$demo_failures" ] || odoo_ok=0

if [ -n "$odoo_ran" ]; then
    odoo_desc="Odoo ran $odoo_ran tests (${post_tests:-0} post-install), $odoo_failed failed, $odoo_errors error(s), $odoo_skipped skipped"
else
    odoo_desc="Odoo printed no test report (it did not get to the end of the run)"
fi
if [ "$odoo_ok" = 1 ]; then
    summary+=("Odoo tests: ok, $odoo_desc ($odoo_time)")
else
    failed_steps+=("Odoo tests")
    summary+=("Odoo tests: FAILED, exit code $odoo_rc, $odoo_desc ($odoo_time)")
    [ -z "$not_installed" ] || summary+=("    not installed: $not_installed")
    [ -z "$browser_skips" ] || summary+=("    browser tests skipped: Odoo could not drive Chrome:" "$browser_skips")
    [ -z "$demo_failures" ] || summary+=("    demo data failed to load:" "$demo_failures")
fi

# --- c. database tests -----------------------------------------------------
section "c. database tests (pytest -m odoo_db, RDV_TEST_DB=$DB)"
if [ -z "$not_installed" ]; then
    RDV_TEST_DB="$DB" RDV_ADDONS_PATH="$RDV_ROOT" RDV_FULL_ADDONS_PATH="$ADDONS_PATH" \
        run_pytest "database tests" "odoo_db" "$LOG_DIR/pytest-db.xml"
else
    rdv_log "skipped: the addons are not installed in $DB"
    summary+=("database tests: not run (addons not installed)")
    failed_steps+=("database tests")
fi

# --- summary -----------------------------------------------------------------
section "summary ($(elapsed "$t_start") in all)"
if [ -n "$error_lines" ]; then
    printf '[rdv] ERROR/CRITICAL lines of %s (with the end of their tracebacks):\n' "$ODOO_LOG"
    # Each ERROR/CRITICAL line, then the last lines of the traceback that
    # follows it (lines not starting with a timestamp).  mawk-compatible.
    awk -v keep=12 '
        function flush() {
            if (n > keep) printf "    [... %d lines]\n", n - keep
            for (i = (n > keep ? n - keep + 1 : 1); i <= n; i++) print "    " buf[i]
            n = 0
        }
        /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:,]+ [0-9]+ [A-Z]+ / {
            flush()
            show = ($0 ~ /^[^ ]+ [^ ]+ [0-9]+ (ERROR|CRITICAL) /)
            if (show) print
            next
        }
        show { buf[++n] = $0 }
        END { flush() }
    ' "$ODOO_LOG"
    echo
fi
printf '  %s\n' "${summary[@]}"

read -r py_passed py_failed py_skipped < <("$PYTHON" scripts/junit_counts.py "$LOG_DIR"/pytest-*.xml)
odoo_bad=$((odoo_failed + odoo_errors))
odoo_passed=$(( ${odoo_ran:-0} - odoo_bad - odoo_skipped ))
[ "$odoo_passed" -ge 0 ] || odoo_passed=0
total_failed=$((py_failed + odoo_bad))
if [ "${#failed_steps[@]}" -gt 0 ] && [ "$total_failed" -eq 0 ]; then
    total_failed=${#failed_steps[@]}   # a step failed outside any test: count it
fi
echo
if [ "${#failed_steps[@]}" -gt 0 ]; then
    rdv_log "FAILED: ${failed_steps[*]}"
else
    rdv_log "all steps passed"
fi
echo "total: $((py_passed + odoo_passed)) passed, $total_failed failed, $((py_skipped + odoo_skipped)) skipped"
[ "${#failed_steps[@]}" -eq 0 ]
