#!/usr/bin/env python3
"""The ANTS hub's three calls, through HTTP, on a real Odoo with 2 HTTP workers.

Dataset (reproducible, seeded): one commune publishing the identity-card
procedure to the hub at 40 places, one counter each, 08:30-12:00 and
13:30-17:00 on weekdays and Saturday morning, 15-minute slots over 60 days;
a quarter of the slots taken at random (suspended), so that runs of free
slots are broken as in a busy town hall; 400 appointments carrying
pre-application numbers.

Measured, as the hub calls (its token in ``X-HUB-RDV-AUTH-TOKEN``, the 40
place ids repeated without brackets):
  - availableTimeSlots for the 40 places over 60 days, documents_number 1 to
    4: one client, then 4 clients at once; p50/p95 and SQL queries per call
    (read from the server's access log)                   (p95 <= 300 ms)
  - getManagedMeetingPoints; searchApplicationIds with 1 to 5 numbers.

Usage: python3 bench/bench_ants.py [--db rdv_bench_ants] [--keep] [--reuse] [--calls 60]
Every request goes to 127.0.0.1.
"""

import argparse
import concurrent.futures
import datetime
import os
import random
import statistics
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "bench"), os.path.join(ROOT, "tests")]

import bench_slots  # noqa: E402
from live_odoo import OdooServer, build_commune  # noqa: E402

PLACES = 40
DAYS = 60
TOKEN = "bench-ants-hub-token-0123456789abcdef"
HEADER = "X-HUB-RDV-AUTH-TOKEN"
TARGET_MS = 300


def build(db, rng):
    """The commune, its 40 places and their slots; returns the place ids and
    the pre-application numbers booked."""
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config([f"--addons-path={bench_slots.addons_path()}", "-d", db])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        t0 = time.perf_counter()
        commune = build_commune(
            env,
            "Commune du banc ANTS",
            company={"rdv_horizon_days": DAYS},
            appointment_type={
                "name": "Carte d'identite",
                "duration": 15,
                "max_persons": 4,
                "min_notice_hours": 0,
                "max_horizon_days": DAYS,
                "is_published": True,
                "ants_reason": "CNI-PASSPORT",
                "ask_file_number": "no",
            },
            place={"name": "Mairie 00", "latitude": 45.9, "longitude": 6.1},
            week=("Semaine", ((0, 4, 8.5, 12.0), (0, 4, 13.5, 17.0), (5, 5, 8.5, 12.0))),
        )
        company, rdv_type, week = commune.company, commune.type, commune.week
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        counters = commune.counter
        for number in range(1, PLACES):
            place = commune.place.copy(
                {
                    "name": "Mairie %02d" % number,
                    "latitude": 45.9 + number / 100,
                    "longitude": 6.1 + number / 100,
                }
            )
            counters |= env["rdv.counter"].create(
                {
                    "name": "Guichet",
                    "place_id": place.id,
                    "type_ids": [(6, 0, rdv_type.ids)],
                    "reference_week_id": week.id,
                    "slot_duration": 15,
                    "date_start": datetime.date.today(),
                }
            )
        counters._generate_slots()
        company._rdv_ants_set_token(TOKEN)
        env["website"].browse(1).write({"rdv_company_ids": [(6, 0, company.ids)]})
        env.flush_all()
        cr.execute("SELECT id FROM rdv_slot ORDER BY id")
        slot_ids = [row[0] for row in cr.fetchall()]
        taken = rng.sample(slot_ids, len(slot_ids) // 4)
        cr.execute("UPDATE rdv_slot SET state = 'suspended' WHERE id = ANY(%s)", [taken])
        numbers = []
        cr.execute(
            "SELECT counter_id, start FROM rdv_slot WHERE state = 'free' AND start > now() "
            "ORDER BY random() LIMIT 400"
        )
        for counter_id, start in cr.fetchall():
            number = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _i in range(10))
            env["rdv.appointment"]._book(
                rdv_type,
                env["rdv.counter"].browse(counter_id),
                start,
                channel="phone",
                citizen={
                    "lastname": "Bois",
                    "phone": "0612%06d" % rng.randrange(10**6),
                    "application_numbers": [number],
                },
            )
            numbers.append(number)
        cr.commit()
        cr.execute("SELECT count(*), count(*) FILTER (WHERE state = 'free') FROM rdv_slot")
        slots, free = cr.fetchone()
        print(
            f"dataset: {PLACES} places, {slots:,} slots over {DAYS} days ({free:,} free), "
            f"{len(numbers)} appointments with a number, built in {time.perf_counter() - t0:.0f} s"
        )
        place_ids = counters.place_id.ids
    odoo.sql_db.close_db(db)
    return place_ids, numbers


def call(server, path, params):
    t0 = time.perf_counter()
    response = requests.get(server.url + path, params=params, headers={HEADER: TOKEN}, timeout=30)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return elapsed, response


def measure(server, label, path, params_list, clients=1):
    """Each call of ``params_list`` (``clients`` at once); prints and returns
    (p50 ms, p95 ms, median queries)."""
    since = server.log_size()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda params: call(server, path, params), params_list))
    times = [elapsed * 1000 for elapsed, _response in results]
    rows = server.access(since, "^%s" % path)
    queries = [row["queries"] for row in rows if row["queries"] is not None] or [-1]
    p50, p95 = statistics.median(times), bench_slots.percentile(times, 95)
    sizes = [len(response.content) for _elapsed, response in results]
    print(
        f"{label}: {len(times)} calls, {clients} client(s): p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"max {max(times):.0f} ms; SQL queries per call {min(queries)}-{max(queries)}; "
        f"answer {statistics.median(sizes) / 1024:.0f} kB; load %.2f %.2f %.2f" % os.getloadavg()
    )
    return p50, p95, statistics.median(queries), [r for _e, r in results]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rdv_bench_ants")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a database kept by --keep")
    parser.add_argument("--calls", type=int, default=60, help="availableTimeSlots calls per run")
    args = parser.parse_args()
    rng = random.Random(20261205)
    print(f"== ANTS hub bench (database {args.db}; {bench_slots.describe_machine()})")
    if not args.reuse:
        t0 = time.perf_counter()
        bench_slots.run_odoo_install(args.db, "rdv_booking_portal")
        print(f"install rdv_booking_portal: {time.perf_counter() - t0:.0f} s")
    place_ids, numbers = build(args.db, rng) if not args.reuse else (None, None)
    bench_slots.settle(args.db)
    server = OdooServer(
        args.db,
        bench_slots.addons_path(),
        os.path.join(ROOT, "var", "log", f"bench-ants-{args.db}.log"),
        workers=2,
    )
    results = []
    try:
        server.start()
        points = call(server, "/api/ants/getManagedMeetingPoints", {})[1].json()
        place_ids = place_ids or [int(point["id"]) for point in points]
        assert len(points) == PLACES, len(points)
        today = datetime.date.today()
        base = {
            "meeting_point_ids": place_ids,
            "start_date": today.isoformat(),
            "end_date": (today + datetime.timedelta(days=DAYS - 1)).isoformat(),
            "reason": "CNI",
        }
        for number in range(1, 5):  # warm the workers
            call(server, "/api/ants/availableTimeSlots", {**base, "documents_number": number})
        print(f"\n-- availableTimeSlots: {PLACES} places x {DAYS} days")
        for persons in range(1, 5):
            params = [{**base, "documents_number": persons}] * (args.calls // 4)
            _p50, _p95, _q, responses = measure(
                server, f"documents_number={persons}", "/api/ants/availableTimeSlots", params
            )
            slots = sum(len(value) for value in responses[0].json().values())
            print(f"  {slots:,} free start times in the answer")
        mixed = [{**base, "documents_number": 1 + i % 4} for i in range(args.calls)]
        for clients in (1, 4):
            p50, p95, queries, _r = measure(
                server,
                "documents_number 1 to 4",
                "/api/ants/availableTimeSlots",
                mixed,
                clients,
            )
            results.append(
                (
                    f"availableTimeSlots, {clients} client(s)",
                    f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {queries:.0f} SQL",
                    p95 <= TARGET_MS,
                )
            )
        print("\n-- getManagedMeetingPoints, searchApplicationIds")
        p50, p95, queries, _r = measure(
            server, "getManagedMeetingPoints", "/api/ants/getManagedMeetingPoints", [{}] * 30
        )
        results.append(("getManagedMeetingPoints", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms", None))
        numbers = numbers or ["AB12CD34EF"]
        searches = [
            {"application_ids": rng.sample(numbers, min(len(numbers), 1 + i % 5))}
            for i in range(60)
        ]
        p50, p95, queries, responses = measure(
            server, "searchApplicationIds (1-5 numbers)", "/api/ants/searchApplicationIds", searches
        )
        found = sum(bool(value) for response in responses for value in response.json().values())
        print(f"  {found} numbers found with their appointment")
        results.append(
            ("searchApplicationIds", f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, {queries:.0f} SQL", None)
        )
        problems = server.problems()
        if problems:
            print("server errors:\n" + "\n".join(problems[:20]))
    finally:
        server.stop()
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", args.db], check=False)
    print("\n== summary")
    for label, figure, met in results:
        verdict = "" if met is None else (" (target met)" if met else " (TARGET MISSED)")
        print(f"{label}: {figure}{verdict}")


if __name__ == "__main__":
    main()
