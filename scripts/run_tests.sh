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
#      That database is then dropped (KEEP_DB=1 keeps it).
#   d. the same Odoo tests in a CROWDED database rdv_test_crowded_<timestamp>:
#      a copy (createdb -T, and its filestore) of a template database that
#      already runs a municipality's other apps (RDV_CROWDED_APPS of lib.sh,
#      with demo data), where the addons are installed with --test-enable;
#      the log goes to var/log/odoo-tests-crowded.log, judged as in b.  The
#      template is built by scripts/crowded_template.sh the first time (about
#      10 minutes on 2 cores), then kept in PostgreSQL.  Dropped at the end
#      (KEEP_DB=1 keeps it).
#   e. the cluster tests (pytest tests/cluster -m cluster): a cluster of
#      scripts/cluster.sh of its own (nginx, two web nodes, a cron node, a
#      PostgreSQL primary and replica; ports from 8490 and 5471, name rdvtest,
#      directory var/cluster-test), created for the run and destroyed after
#      (KEEP_DB=1 keeps it): replica, several nodes, crons once, bursts,
#      faults survived.
#   The summary's "total:" line counts the tests of every step (b and d both).
#
# Environment:
#   MODULES=a,b        addons to install and test (default: the three rdv_* addons)
#   TEST_TAGS=spec     Odoo --test-tags (default: /<module> for each of MODULES,
#                      so that only our addons' tests run, not those of every
#                      Odoo addon installed as a dependency)
#   KEEP_DB=1          keep the test database (its name is printed)
#   SKIP_PYTEST=1      skip steps a and c
#   CROWDED=0          skip step d (quick local runs; CI runs it)
#   CLUSTER=0          skip step e (quick local runs; CI runs it)
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
ODOO_CROWDED_LOG="$LOG_DIR/odoo-tests-crowded.log"
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
CROWDED_DB="${DB/rdv_test_/rdv_test_crowded_}"
filestore_of() {
    "$PYTHON" -c 'import sys; from odoo.tools import config; print(config.filestore(sys.argv[1]))' "$1"
}
drop_db() {
    if rdv_db_exists "$1" 2>/dev/null; then
        rdv_psql -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1 ||
            rdv_warn "could not drop database $1"
    fi
    rm -rf "$(filestore_of "$1")"
}
keep_db() { [ -n "${KEEP_DB:-}" ] && [ "${KEEP_DB}" != 0 ]; }

cleanup() {
    local db
    for db in "$DB" "$CROWDED_DB"; do
        if keep_db; then
            ! rdv_db_exists "$db" 2>/dev/null ||
                rdv_log "KEEP_DB set: database $db kept (drop it with: dropdb $db)"
        else
            drop_db "$db"
        fi
    done
}
trap cleanup EXIT

# Figures of the Odoo runs, summed for the total line.
odoo_passed_all=0
odoo_bad_all=0
odoo_skipped_all=0
error_logs=() # logs with lines at level ERROR or CRITICAL, shown in the summary

# odoo_tests LABEL DB LOG: install $MODULES in DB (Odoo creates it if it does
# not exist) with --test-enable, the log in LOG, then judge the run.  It fails
# if Odoo exits non-zero, if the log has lines at level ERROR or CRITICAL, if
# an addon is not installed, if Odoo printed no test report, if a browser test
# was skipped or if demo data failed to load.  Sets $not_installed.
odoo_tests() {
    local label="$1" db="$2" log="$3" t0=$SECONDS odoo_rc odoo_time log_line_re
    local error_lines report post_tests browser_skips demo_failures odoo_desc
    local odoo_ran="" odoo_failed=0 odoo_errors=0 odoo_skipped odoo_ok=1 odoo_bad odoo_passed
    local odoo_cmd=(
        "${ODOO_BIN[@]}"
        -d "$db"
        --addons-path="$ADDONS_PATH"
        -i "$MODULES"
        --test-enable
        --test-tags="$TEST_TAGS"
        --stop-after-init
        --http-interface=127.0.0.1
        --http-port="$(rdv_free_port)"
        --log-level=test
    )
    # (demo data stays on: no --without-demo.  --log-level=test is accepted by
    # Odoo 18.0 and behaves like the default "info".)
    rdv_log "running: ${odoo_cmd[*]}"
    rdv_log "log: $log"
    set +e
    "${odoo_cmd[@]}" 2>&1 | tee "$log"
    odoo_rc=${PIPESTATUS[0]}
    set -e
    odoo_time="$(elapsed "$t0")"

    # Lines at level ERROR or CRITICAL (failed tests, install errors, ...).
    log_line_re='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:,]+ [0-9]+ '
    error_lines="$(grep -E "${log_line_re}(ERROR|CRITICAL) " "$log" || true)"
    [ -z "$error_lines" ] || error_logs+=("$log")

    # "X failed, Y error(s) of N tests when loading database 'db'" (odoo.tests.result,
    # logged by odoo/service/server.py after the post-install tests).
    report="$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests when loading database' "$log" | tail -n 1 || true)"
    if [ -n "$report" ]; then
        read -r odoo_failed odoo_errors odoo_ran < <(sed -E 's/^([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$report")
    fi
    post_tests="$(grep -Eo '[0-9]+ post-tests in' "$log" | tail -n 1 | grep -Eo '^[0-9]+' || true)"
    odoo_skipped="$(grep -Ec "${log_line_re}INFO [^ ]+ [^ ]+: skipped [^ ]+ : " "$log" || true)"
    # Browser tests that Odoo skipped because it could not drive Chrome: the
    # preflight should have caught the cause, but a skip must never pass for a success.
    browser_skips="$(grep -E ": skipped [^ ]+ : (Chrome executable not found|websocket-client module is not installed|Failed to detect chrome devtools port|Cannot connect to chrome dev tools|Error during Chrome|[^ ]+ not found ?$)" "$log" || true)"

    # Demo data that failed to load: Odoo only warns and goes on without it, but
    # the demo is part of the product (make demo) and the tests run with it.
    demo_failures="$(grep -E "demo data failed to install" "$log" || true)"

    # Every requested addon must be installed (Odoo only warns about unknown names).
    not_installed=""
    if rdv_db_exists "$db"; then
        not_installed="$(rdv_psql -Atc "
            SELECT string_agg(m.name || ' (' || coalesce(i.state, 'unknown') || ')', ', ')
            FROM unnest(string_to_array('$MODULES', ',')) AS m(name)
            LEFT JOIN ir_module_module i ON i.name = m.name
            WHERE i.state IS DISTINCT FROM 'installed'" -d "$db" 2>&1 || echo "(cannot query $db)")"
    else
        not_installed="(database $db was not created)"
    fi

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
        summary+=("$label: ok, $odoo_desc ($odoo_time)")
    else
        failed_steps+=("$label")
        summary+=("$label: FAILED, exit code $odoo_rc, $odoo_desc ($odoo_time)")
        [ -z "$not_installed" ] || summary+=("    not installed: $not_installed")
        [ -z "$browser_skips" ] || summary+=("    browser tests skipped: Odoo could not drive Chrome:" "$browser_skips")
        [ -z "$demo_failures" ] || summary+=("    demo data failed to load:" "$demo_failures")
    fi
    odoo_bad=$((odoo_failed + odoo_errors))
    odoo_passed=$((${odoo_ran:-0} - odoo_bad - odoo_skipped))
    [ "$odoo_passed" -ge 0 ] || odoo_passed=0
    odoo_passed_all=$((odoo_passed_all + odoo_passed))
    odoo_bad_all=$((odoo_bad_all + odoo_bad))
    odoo_skipped_all=$((odoo_skipped_all + odoo_skipped))
}

section "b. Odoo tests: install $MODULES in fresh database $DB"
rdv_db_exists "$DB" && rdv_die "database $DB already exists"
odoo_tests "Odoo tests" "$DB" "$ODOO_LOG"

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
keep_db || drop_db "$DB" # room for the next one

# --- d. Odoo's test runner in a crowded database ---------------------------
# The same addons and tests, installed in a copy of a database that already
# runs a municipality's other apps (scripts/crowded_template.sh builds it once,
# PostgreSQL keeps it), because that is where our users install them.
if [ "${CROWDED:-1}" = 0 ]; then
    section "d. Odoo tests in a crowded database: skipped (CROWDED=0)"
    summary+=("Odoo tests, crowded database: skipped (CROWDED=0)")
else
    section "d. Odoo tests: install $MODULES in $CROWDED_DB, a copy of the crowded template"
    t0=$SECONDS
    if template="$(scripts/crowded_template.sh)"; then
        rdv_db_exists "$CROWDED_DB" && rdv_die "database $CROWDED_DB already exists"
        rdv_psql -c "CREATE DATABASE \"$CROWDED_DB\" TEMPLATE \"$template\"" >/dev/null
        # Its filestore too (the demo data's images, ...): hard links, since
        # Odoo never rewrites a file of its filestore in place.
        src="$(filestore_of "$template")"
        dst="$(filestore_of "$CROWDED_DB")"
        mkdir -p "$(dirname "$dst")"
        cp -al "$src" "$dst" 2>/dev/null || { rm -rf "$dst" && cp -a "$src" "$dst"; }
        rdv_log "$CROWDED_DB: a copy of $template ($(elapsed "$t0"))"
        odoo_tests "Odoo tests, crowded database" "$CROWDED_DB" "$ODOO_CROWDED_LOG"
    else
        failed_steps+=("crowded template")
        summary+=("Odoo tests, crowded database: FAILED, no crowded template (see above and $LOG_DIR/crowded-template.log)")
    fi
fi

# --- e. the cluster ----------------------------------------------------------
if [ "${CLUSTER:-1}" = 0 ] || [ -n "${SKIP_PYTEST:-}" ]; then
    section "e. cluster tests: skipped (CLUSTER=0 or SKIP_PYTEST)"
    summary+=("cluster tests: skipped (CLUSTER=0 or SKIP_PYTEST)")
else
    section "e. cluster tests: a cluster of scripts/cluster.sh of their own"
    # Ports, names and directory of its own: a cluster of `make cluster`
    # may run beside it.
    export CLUSTER_NAME=rdvtest CLUSTER_PORT=8490 CLUSTER_PG_PORT=5471 \
        CLUSTER_DB=rdv_test_cluster CLUSTER_DIR="$RDV_ROOT/var/cluster-test"
    t0=$SECONDS
    if RESET=1 scripts/cluster.sh start; then
        rc=0
        rm -f "$LOG_DIR/faults-table.txt"
        RDV_CLUSTER_TESTS=1 RDV_FAULTS_TABLE="$LOG_DIR/faults-table.txt" \
            "$PYTHON" -m pytest tests/cluster -v -m cluster -p no:cacheprovider \
            --junitxml="$LOG_DIR/pytest-cluster.xml" -o junit_family=xunit2 || rc=$?
        # The faults test's table (printed by pytest only when it fails).
        if [ -s "$LOG_DIR/faults-table.txt" ]; then
            printf '[rdv] faults survived (tests/cluster/test_faults.py):\n'
            sed 's/^/    /' "$LOG_DIR/faults-table.txt"
        fi
        if [ "$rc" -eq 0 ]; then
            summary+=("cluster tests: ok ($(elapsed "$t0"))")
        else
            failed_steps+=("cluster tests")
            summary+=("cluster tests: FAILED, pytest exit code $rc ($(elapsed "$t0"); logs in $CLUSTER_DIR/log)")
        fi
    else
        failed_steps+=("cluster start")
        summary+=("cluster tests: FAILED, the cluster did not start (logs in $CLUSTER_DIR/log)")
    fi
    if [ "${KEEP_DB:-0}" = 0 ]; then
        scripts/cluster.sh destroy >/dev/null 2>&1 || rdv_log "could not destroy the test cluster (scripts/cluster.sh destroy)"
    else
        rdv_log "KEEP_DB: the test cluster stays (CLUSTER_NAME=$CLUSTER_NAME CLUSTER_PORT=$CLUSTER_PORT CLUSTER_PG_PORT=$CLUSTER_PG_PORT CLUSTER_DIR=$CLUSTER_DIR scripts/cluster.sh destroy)"
    fi
fi

# --- summary -----------------------------------------------------------------
section "summary ($(elapsed "$t_start") in all)"
for log in "${error_logs[@]}"; do
    printf '[rdv] ERROR/CRITICAL lines of %s (with the end of their tracebacks):\n' "$log"
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
    ' "$log"
    echo
done
printf '  %s\n' "${summary[@]}"

read -r py_passed py_failed py_skipped < <("$PYTHON" scripts/junit_counts.py "$LOG_DIR"/pytest-*.xml)
total_failed=$((py_failed + odoo_bad_all))
if [ "${#failed_steps[@]}" -gt 0 ] && [ "$total_failed" -eq 0 ]; then
    total_failed=${#failed_steps[@]} # a step failed outside any test: count it
fi
echo
if [ "${#failed_steps[@]}" -gt 0 ]; then
    rdv_log "FAILED: ${failed_steps[*]}"
else
    rdv_log "all steps passed"
fi
echo "total: $((py_passed + odoo_passed_all)) passed, $total_failed failed, $((py_skipped + odoo_skipped_all)) skipped"
[ "${#failed_steps[@]}" -eq 0 ]
