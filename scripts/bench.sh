#!/usr/bin/env bash
# Run every bench/*.py with python3, in name order.  Each bench script creates
# (and drops) its own database; they get RDV_ROOT and RDV_ADDONS_PATH (the
# repository root) as the database tests do, and RDV_FULL_ADDONS_PATH (the
# complete --addons-path: Odoo's own addons directories + the repository root).
# Exits non-zero if any of them fails.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$RDV_ROOT"

shopt -s nullglob
benches=(bench/*.py)
if [ "${#benches[@]}" -eq 0 ]; then
    rdv_log "no bench script in bench/ (bench/*.py): nothing to run"
    exit 0
fi

RDV_FULL_ADDONS_PATH="$(rdv_addons_path)"
RDV_ADDONS_PATH="$RDV_ROOT"
export RDV_FULL_ADDONS_PATH RDV_ADDONS_PATH
failed=()
for bench in "${benches[@]}"; do
    printf '\n[rdv] ===== %s =====\n' "$bench"
    t0=$SECONDS
    if "$PYTHON" "$bench"; then
        rdv_log "$bench: ok ($((SECONDS - t0))s)"
    else
        rdv_log "$bench: FAILED, exit code $? ($((SECONDS - t0))s)"
        failed+=("$bench")
    fi
done
echo
if [ "${#failed[@]}" -gt 0 ]; then
    rdv_die "failed: ${failed[*]}"
fi
rdv_log "all ${#benches[@]} bench scripts passed"
