#!/usr/bin/env python3
"""The agents' board: what one call of ``rdv.slot.get_board_data`` costs.

Dataset (reproducible, seeded): the "département" of bench_slots.py (40
communes x 3 counters, 15-minute slots, here over a 60-day horizon) and one
more commune whose town hall has 8 counters, the same week (08:30-12:00 and
13:30-17:00 Monday to Friday, Saturday morning), every other time of next
week booked by phone, as a busy week looks on the board.

Prints, with their targets (the board is redrawn after every action of an
agent, so a week of 8 counters must come back at once; its queries grow with
the ORM's prefetch batches of a thousand records, never one per slot):
  - an agent's board, week of 8 counters, cold ORM cache   (p95 <= 300 ms, <= 60 queries)
  - the same, one day                                       (p95 <= 100 ms, <= 25 queries)

Usage: python3 bench/bench_board.py [--db rdv_bench_board] [--keep]
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "bench")]

import bench_slots  # noqa: E402

HORIZON_DAYS = 60
BOARD_COUNTERS = 8
RUNS = 100


def build_town_hall(env, horizon_days):
    """One commune, its town hall with 8 counters, and its agent."""
    company, cenv = bench_slots.new_commune(env, "Ville au tableau", horizon_days)
    place = cenv["rdv.place"].create(
        {
            "name": "Hôtel de ville",
            "company_id": company.id,
            "tz": "Europe/Paris",
            "street": "1 place de la Mairie",
            "zip": "74000",
            "city": "Ville au tableau",
        }
    )
    service = cenv["rdv.service"].create({"name": "Titres d'identité", "company_id": company.id})
    rdv_type = cenv["rdv.appointment.type"].create(
        {
            "name": "CNI / passeport",
            "company_id": company.id,
            "service_id": service.id,
            "duration": 15,
            "is_published": True,
            "min_notice_hours": 0,
            "max_horizon_days": horizon_days,
        }
    )
    week = bench_slots.standard_week(cenv, company)
    counters = cenv["rdv.counter"]
    for number in range(BOARD_COUNTERS):
        counters |= cenv["rdv.counter"].create(
            {
                "name": f"Guichet {number + 1}",
                "place_id": place.id,
                "type_ids": [(6, 0, rdv_type.ids)],
                "reference_week_id": week.id,
                "slot_duration": 15,
                "date_start": datetime.date.today(),
            }
        )
    agent = env["res.users"].create(
        {
            "name": "Agent du tableau",
            "login": "agent.tableau",
            "company_id": company.id,
            "company_ids": [(6, 0, company.ids)],
            "tz": "Europe/Paris",
            "groups_id": [(6, 0, [env.ref("rdv_booking.group_rdv_agent").id])],
        }
    )
    service.user_ids = agent
    return counters.with_env(env), rdv_type.with_env(env), agent


def measure(env, agent, day, scale):
    """Timings and queries of ``RUNS`` board calls as the agent, cold cache."""
    Slot = env["rdv.slot"].with_user(agent)
    timings, queries = [], []
    for _run in range(RUNS):
        env.invalidate_all()
        with bench_slots.Counter(env.cr) as call:
            data = Slot.get_board_data(day.isoformat(), scale)
        timings.append(call.seconds)
        queries.append(call.queries)
    return timings, queries, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rdv_bench_board")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    registry = bench_slots.open_bench("rdv_booking board bench", args.db)
    from odoo import SUPERUSER_ID, api

    rng = random.Random(20261205)
    results = []

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        t0 = time.perf_counter()
        crowd = bench_slots.build_dataset(env, rng, horizon_days=HORIZON_DAYS)
        counters, rdv_type, agent = build_town_hall(env, HORIZON_DAYS)
        (crowd | counters)._generate_slots()
        cr.commit()
        today = datetime.date.today()
        monday = today + datetime.timedelta(days=7 - today.weekday())
        start = datetime.datetime.combine(monday, datetime.time())
        free = env["rdv.slot"].search(
            [
                ("counter_id", "in", counters.ids),
                ("start", ">=", start),
                ("start", "<", start + datetime.timedelta(days=7)),
                ("state", "=", "free"),
            ],
            order="start, counter_id",
        )
        for number, slot in enumerate(free[::2]):
            env["rdv.appointment"]._book(
                rdv_type,
                slot.counter_id,
                slot.start,
                citizen={
                    "lastname": f"Citoyen{number}",
                    "firstname": "Tableau",
                    "phone": f"+3361{number:07d}",
                },
                channel="phone",
            )
        cr.commit()
        cr.execute("SELECT count(*) FROM rdv_slot")
        print(
            f"dataset: {len(crowd) + len(counters)} counters, {cr.fetchone()[0]:,} slots, "
            f"{len(free[::2])} of the {len(free)} times of next week booked at the "
            f"{BOARD_COUNTERS} counters, built in {time.perf_counter() - t0:.1f} s"
        )
        bench_slots.settle(args.db)

        for scale, target_ms, target_queries in (("week", 300, 60), ("day", 100, 25)):
            timings, queries, data = measure(env, agent, monday, scale)
            p50 = statistics.median(timings) * 1000
            p95 = bench_slots.percentile(timings, 95) * 1000
            shown = len(data.get("counters", []))
            slots = sum(len(cell["slots"]) for block in data["blocks"] for cell in block["cells"])
            results.append(
                (
                    f"board, {scale} of {shown} counters",
                    f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, {max(queries)} queries ({slots} slots)",
                    f"<= {target_ms} ms, <= {target_queries}",
                    p95 <= target_ms and max(queries) <= target_queries and shown == BOARD_COUNTERS,
                )
            )

    met = bench_slots.print_results(results)
    bench_slots.close_bench(args.db, args.keep)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
