#!/usr/bin/env python3
"""The public booking API under load: a real Odoo with 2 HTTP workers, loopback.

Dataset: one commune (rdv_booking_portal installed, no demo data) with one
published type, one place and 4 counters of two seats open every day
08:00-20:00 in 15-minute slots over 20 days (about 7,000 free starts), and a
trusted client system with its key (its rate limit raised: every call of
this bench comes from one key).

Measures, with ``--clients`` threads each keeping one request in flight:
  - availability: ``GET /api/v1/availability`` of the type over 14 days
    (limit 50), at one client first, then requests/s and latency p50/p95;
  - bookings: ``POST /api/v1/appointments`` of a trusted client, each thread
    booking distinct free times (as many as ``--bookings``): bookings/s and
    p50/p95; every answer must be 201 (a taken time would be a 409: the
    threads never book the same one).
The SQL queries of each call's model work are counted in this process first
(in the server, that work runs in FastAPI's worker threads, which the query
count of Odoo's access log does not see). Each request carries the key
(looked up by its hash), counts in the key's rate limit and is logged
(rdv.api.log), as in production.

Usage: python3 bench/bench_api.py [--db rdv_bench_api] [--keep]
           [--clients 8] [--requests 400] [--bookings 300]
"""

import argparse
import concurrent.futures
import datetime
import os
import statistics
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.join(ROOT, "tests")]
from bench_slots import (  # noqa: E402
    addons_path,
    describe_machine,
    percentile,
    run_odoo_install,
)
from live_odoo import OdooServer, build_commune  # noqa: E402


def build_dataset(env):
    """The commune, its counters and a trusted client; returns (type id, key)."""
    commune = build_commune(
        env,
        "Commune API",
        company={"rdv_horizon_days": 20},
        appointment_type={
            "name": "Carte d'identite",
            "duration": 15,
            "max_persons": 1,
            "min_notice_hours": 0,
            "max_horizon_days": 20,
            "is_published": True,
            "ask_email": "optional",
            "ask_phone": "optional",
        },
        place={"latitude": 45.9, "longitude": 6.13},
        counter={"capacity": 2},
    )
    for number in range(2, 5):
        commune.counter.copy({"name": "Guichet %s" % number})
    client = env["rdv.api.client"].create(
        {
            "name": "Banc d'essai",
            "company_id": commune.company.id,
            "trusted": True,
            "rate_limit": 100000,
        }
    )
    return commune.type.id, client._rdv_new_key()


def count_queries(env, key, type_id):
    """The queries of the key's lookup, of an availability and of a booking,
    as the routes call them (cold cache, as after each request)."""
    client = env["rdv.api.client"]._rdv_from_key(key)
    rdv_type = env["rdv.appointment.type"].browse(type_id)
    today = datetime.date.today()
    counts = {}
    env.invalidate_all()
    before = env.cr.sql_log_count
    client = env["rdv.api.client"]._rdv_from_key(key)
    counts["key"] = env.cr.sql_log_count - before
    env.invalidate_all()
    before = env.cr.sql_log_count
    free = client._api_availability(
        rdv_type, today, today + datetime.timedelta(days=14), persons=1, limit=50
    )
    counts["availability"] = env.cr.sql_log_count - before
    counter, start, _stop = free[-1]
    env.invalidate_all()
    before = env.cr.sql_log_count
    client._api_book(
        type_id, counter.id, start, 1, {"lastname": "Bois", "email": "q@example.com"}, "127.0.0.1"
    )
    env.flush_all()
    counts["booking"] = env.cr.sql_log_count - before
    return ", ".join("%s %s" % item for item in counts.items()) + (
        " (each call: + 1 query for its rate limit and 1 for its log, each in a "
        "transaction of its own)"
    )


def run(clients, items, call):
    """Call ``call(item)`` for each item from ``clients`` threads; return
    (elapsed seconds, [latency], [status])."""
    latencies, statuses = [], []

    def timed(item):
        started = time.perf_counter()
        status = call(item)
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for latency, status in pool.map(timed, items):
            latencies.append(latency)
            statuses.append(status)
    return time.perf_counter() - started, latencies, statuses


def report(label, elapsed, latencies, statuses, rows):
    rate = len(latencies) / elapsed
    p50, p95 = statistics.median(latencies) * 1000, percentile(latencies, 95) * 1000
    print(
        f"{label}: {rate:.0f} /s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"statuses {sorted(set(statuses))}; load {os.getloadavg()[0]:.2f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rdv_bench_api")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--bookings", type=int, default=300)
    args = parser.parse_args()

    print(f"== public booking API bench (database {args.db}; {describe_machine()})")
    t0 = time.perf_counter()
    run_odoo_install(args.db, "rdv_booking_portal")
    print(f"install rdv_booking_portal: {time.perf_counter() - t0:.1f} s")

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config([f"--addons-path={addons_path()}", "-d", args.db])
    registry = odoo.modules.registry.Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        type_id, key = build_dataset(env)
        cr.commit()
        print(
            "SQL queries of the calls' model work (measured in this process: in the "
            "server it runs in FastAPI's worker threads, which Odoo's per-request "
            "count in the access log does not see):"
        )
        print("  " + count_queries(env, key, type_id))
        cr.rollback()
    odoo.sql_db.close_db(args.db)

    server = OdooServer(
        args.db, addons_path(), os.path.join(ROOT, "var", "log", f"bench-api-{args.db}.log")
    )
    server.start()
    ok = True
    try:
        session = requests.Session()
        session.headers["X-API-Key"] = key
        base = server.url + "/api/v1"
        params = {"type_id": type_id, "limit": 50}
        session.get(base + "/availability", params=params, timeout=60).raise_for_status()

        elapsed, latencies, statuses = run(
            1,
            range(50),
            lambda _i: session.get(base + "/availability", params=params, timeout=60).status_code,
        )
        report("availability, one client", elapsed, latencies, statuses, [])
        since = server.log_size()
        elapsed, latencies, statuses = run(
            args.clients,
            range(args.requests),
            lambda _i: session.get(base + "/availability", params=params, timeout=60).status_code,
        )
        report(
            "availability (14 days, 4 counters)",
            elapsed,
            latencies,
            statuses,
            server.access(since, "^/api/v1/availability"),
        )
        ok = ok and set(statuses) == {200}

        today = datetime.date.today()
        free = session.get(
            base + "/availability",
            params={
                "type_id": type_id,
                "limit": 500,
                "date_from": str(today + datetime.timedelta(days=1)),
                "date_to": str(today + datetime.timedelta(days=19)),
            },
            timeout=60,
        ).json()
        times = free[: args.bookings]

        def book(index):
            time_ = times[index]
            return session.post(
                base + "/appointments",
                json={
                    "type_id": type_id,
                    "counter_id": time_["counter_id"],
                    "start": time_["start"],
                    "citizen": {
                        "lastname": "Bois",
                        "email": "bench%s@example.com" % index,
                    },
                },
                timeout=60,
            ).status_code

        since = server.log_size()
        elapsed, latencies, statuses = run(args.clients, range(len(times)), book)
        report(
            "bookings (trusted client)",
            elapsed,
            latencies,
            statuses,
            server.access(since, "^/api/v1/appointments"),
        )
        ok = ok and set(statuses) == {201}
        problems = server.problems()
        if problems:
            print("server problems:", *problems[:5], sep="\n  ")
            ok = False
    finally:
        server.stop()
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
