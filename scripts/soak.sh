#!/usr/bin/env bash
# What `make soak` runs: citizens of a real day on the cluster of
# scripts/cluster.sh, through its nginx, at a fixed load for SOAK_MINUTES, then
# the figures (bench/soak/run_soak.py: per route p50/p95/p99 and errors, the
# web workers' memory growth, PostgreSQL connections used, each route's cost
# from the nodes' logs).  Loopback only, bounded in time.
#
# The cluster must be running (make cluster); the same environment as
# scripts/cluster.sh says which one (CLUSTER_PORT, CLUSTER_PG_PORT,
# CLUSTER_NAME, CLUSTER_DB, CLUSTER_DIR).
#
# Environment:
#   SOAK_MINUTES=n   how long [10]
#   SOAK_USERS=n     simulated citizens at once [16]
#   SOAK_THINK=s     seconds between a citizen's pages [1]
#
# locust (PyPI) and the captcha solver are installed, at the versions of
# bench/soak/requirements.txt, in a virtual environment of their own
# (var/soak-venv): locust brings gevent and Flask versions that must not
# replace Odoo's.  The soak books real appointments in the cluster's database
# (citizens soak-...@example.com), as a day of bookings would.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"

PORT="${CLUSTER_PORT:-8090}"
PG_PORT="${CLUSTER_PG_PORT:-5441}"
NAME="${CLUSTER_NAME:-rdv}"
DB="${CLUSTER_DB:-rdv_cluster}"
DIR="${CLUSTER_DIR:-$RDV_ROOT/var/cluster}"
MINUTES="${SOAK_MINUTES:-10}"
USERS="${SOAK_USERS:-16}"
THINK="${SOAK_THINK:-1}"
for v in PORT PG_PORT USERS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || rdv_die "$v must be a number: ${!v}"
done
[[ "$MINUTES" =~ ^[0-9]+(\.[0-9]+)?$ ]] || rdv_die "SOAK_MINUTES must be a number: $MINUTES"
[[ "$THINK" =~ ^[0-9]+(\.[0-9]+)?$ ]] || rdv_die "SOAK_THINK must be a number: $THINK"

curl -sf -o /dev/null "http://127.0.0.1:$PORT/web/health" ||
    rdv_die "no cluster answers on http://127.0.0.1:$PORT: start it first (make cluster)"
[ -f "$DIR/secrets.env" ] || rdv_die "no $DIR/secrets.env: is CLUSTER_DIR the running cluster's?"
DB_PASSWORD="$(sed -n 's/^DB_PASSWORD=//p' "$DIR/secrets.env")"

VENV="$RDV_ROOT/var/soak-venv"
REQUIREMENTS="bench/soak/requirements.txt"
if ! "$VENV/bin/python" -c 'import altcha, locust' 2>/dev/null ||
    ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
    rdv_log "installing the load generator into $VENV ($REQUIREMENTS)"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi

PGPASSWORD="$DB_PASSWORD" exec "$PYTHON" bench/soak/run_soak.py \
    --url "http://127.0.0.1:$PORT" \
    --db "$DB" \
    --locust "$VENV/bin/locust" \
    --minutes "$MINUTES" \
    --users "$USERS" \
    --think "$THINK" \
    --ports "$((PORT + 1)),$((PORT + 2))" \
    --logs "$DIR/log/web1.log,$DIR/log/web2.log" \
    --pg-host 127.0.0.1 \
    --pg-port "$PG_PORT" \
    --pg-user "${NAME}_odoo" \
    --pg-replica-port "${CLUSTER_PG_REPLICA_PORT:-$((PG_PORT + 1))}"
