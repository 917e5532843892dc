# RDV: Odoo 18.0 addons for online appointment booking in public services.
# Needs Odoo 18.0 importable by python3 (this project never installs Odoo).

SHELL := /bin/bash
PYTHON ?= python3
export PYTHON

# Python files of the project (what lint checks)
LINT_PATHS := rdv_booking rdv_booking_portal rdv_booking_sms tests bench scripts setup.py

.DEFAULT_GOAL := help
.PHONY: help deps demo test bench lint cluster cluster-stop cluster-status test-cluster soak

help: ## Show this help
	@echo "RDV — appointment booking addons for Odoo 18.0"
	@echo
	@echo "Usage: make <target>"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-15s %s\n", $$1, $$2}'
	@echo
	@echo "Environment: MODULES=a,b TEST_TAGS=... KEEP_DB=1 SKIP_PYTEST=1 CROWDED=0 CLUSTER=0 (test); DEMO_DB=... RESET=1 UPDATE=1 DEMO_WORKERS=0 (demo)"
	@echo "             CLUSTER_PORT=8090 CLUSTER_PG_PORT=5441 CLUSTER_NAME=rdv CLUSTER_DB=rdv_cluster CLUSTER_DIR=var/cluster CLUSTER_WORKERS=2 RESET=1 (cluster: see scripts/cluster.sh)"

deps: ## Install what is missing (Debian + Python packages), start PostgreSQL
	@scripts/ensure_deps.sh all
	@scripts/ensure_postgres.sh
	@$(PYTHON) scripts/check_env.py

demo: ## Create database rdv_demo (once) with demo data and serve it on http://localhost:8069
	@scripts/ensure_deps.sh demo
	@scripts/ensure_postgres.sh
	@scripts/demo.sh

test: ## Run all tests: pure-Python, Odoo's runner on a fresh database, DB tests, in a crowded database (CROWDED=0: not that one), on a cluster of their own (CLUSTER=0: not there)
	@scripts/ensure_deps.sh test
	@scripts/ensure_postgres.sh
	@scripts/run_tests.sh

bench: ## Run every bench/*.py (each creates its own database)
	@scripts/ensure_deps.sh test
	@scripts/ensure_postgres.sh
	@scripts/bench.sh

lint: ## ruff check + ruff format --check
	@command -v ruff >/dev/null || { echo "[rdv] ruff not found: python3 -m pip install ruff" >&2; exit 1; }
	ruff check $(wildcard $(LINT_PATHS))
	ruff format --check $(wildcard $(LINT_PATHS))

cluster: ## Start the production topology on loopback: nginx :8090, 2 web nodes, a cron node, PostgreSQL primary + replica (RESET=1: recreate)
	@scripts/ensure_deps.sh cluster
	@scripts/cluster.sh start

cluster-stop: ## Stop everything make cluster started
	@scripts/cluster.sh stop

cluster-status: ## What of the cluster runs, each node's /web/health, the replica's lag
	@scripts/cluster.sh status

test-cluster: ## Correctness tests of the cluster (replica, several nodes, crons once): starts it if needed
	@scripts/ensure_deps.sh cluster
	@scripts/cluster.sh start
	@mkdir -p var/log && rm -f var/log/faults-table.txt
	RDV_CLUSTER_TESTS=1 RDV_FAULTS_TABLE=var/log/faults-table.txt $(PYTHON) -m pytest tests/cluster -v -m cluster -p no:cacheprovider; \
		rc=$$?; [ ! -s var/log/faults-table.txt ] || cat var/log/faults-table.txt; exit $$rc

soak: ## Citizens of a real day on the running cluster for SOAK_MINUTES (10), then p50/p95/p99 per route, memory, PostgreSQL connections, costs
	@scripts/soak.sh
