#!/usr/bin/env python3
"""Slot engine and booking service figures on a generated "département".

Dataset (reproducible, seeded): 40 communes (companies of one shared instance)
x 3 counters, opening 08:30-12:00 and 13:30-17:00 Monday to Friday plus
Saturday morning, 15-minute slots, 20 exception days (closed) per counter,
a 365-day horizon.

Prints, with their targets:
  - time to generate 12 months of slots for the 120 counters   (<= 60 s)
  - time and SQL queries to apply one exception day             (<= 200 ms, <= 20)
  - time and SQL queries to read one place's month of availability
                                                                (<= 35 ms, <= 10)
  - bookings per second through the booking service, one process,
    one transaction per booking                                 (>= 100 /s)

Usage: python3 bench/bench_slots.py [--db rdv_bench] [--keep]
"""

import argparse
import datetime
import gc
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMUNES = 40
COUNTERS_PER_COMMUNE = 3
EXCEPTION_DAYS = 20
HORIZON_DAYS = 365
BOOKINGS = 500


def addons_path():
    """Odoo's whole --addons-path: RDV_FULL_ADDONS_PATH (set by `make bench`), else
    what scripts/addons_path.py finds."""
    if os.environ.get("RDV_FULL_ADDONS_PATH"):
        return os.environ["RDV_FULL_ADDONS_PATH"]
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "addons_path.py")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def run_odoo_install(db, module="rdv_booking", extra_addons=None, drop=True):
    """Create the database ``db`` with ``module`` (and what it depends on), no
    demo data; with ``drop=False``, install ``module`` into the existing ``db``.
    ``extra_addons``: a directory of addons added to the addons path."""
    if drop:
        subprocess.run(["dropdb", "--if-exists", db], check=True)
    path = addons_path() + (f",{extra_addons}" if extra_addons else "")
    subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "scripts", "odoo-bin"),
            "-d",
            db,
            f"--addons-path={path}",
            "-i",
            module,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def machine_speed():
    """Seconds of a fixed pure-Python loop (best of 3; lower is faster).

    Machines of the same kind are not equally fast (the figures of this
    project's benches have moved by a factor of 2 between two sessions on the
    same code): each bench prints this next to its figures, so that runs on
    different machines, or at different times, can be compared.
    """
    best = float("inf")
    for _run in range(3):
        t0 = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number
        best = min(best, time.perf_counter() - t0)
    return best


def describe_machine():
    return (
        f"{os.cpu_count()} CPUs, reference loop {machine_speed():.2f} s, "
        "load %.2f %.2f %.2f" % os.getloadavg()
    )


def percentile(values, pct):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


class Counter:
    """Counts the SQL queries of a cursor between two points."""

    def __init__(self, cr):
        self.cr = cr

    def __enter__(self):
        self.start = self.cr.sql_log_count
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.queries = self.cr.sql_log_count - self.start


def settle(db):
    """VACUUM ANALYZE the slots and appointments, then CHECKPOINT (PostgreSQL
    superuser, as the project's scripts set up the local role)."""
    subprocess.run(
        [
            "psql",
            "-q",
            "-d",
            db,
            "-c",
            "VACUUM ANALYZE rdv_slot, rdv_appointment",
            "-c",
            "CHECKPOINT",
        ],
        check=True,
    )


def standard_week(env, company):
    """08:30-12:00 and 13:30-17:00 Monday to Friday, Saturday 09:00-12:00."""
    return env["rdv.reference.week"].create(
        {
            "name": "Semaine type",
            "company_id": company.id,
            "line_ids": [
                (0, 0, {"weekday": str(day), "hour_from": start, "hour_to": end})
                for day in range(5)
                for start, end in ((8.5, 12.0), (13.5, 17.0))
            ]
            + [(0, 0, {"weekday": "5", "hour_from": 9.0, "hour_to": 12.0})],
        }
    )


def new_commune(env, name, horizon_days):
    """A French commune (company) booking ``horizon_days`` ahead, and an
    environment working in it (no tracking, slots generated when asked)."""
    company = env["res.company"].create(
        {"name": name, "country_id": env.ref("base.fr").id, "rdv_horizon_days": horizon_days}
    )
    cenv = env(
        context=dict(
            env.context,
            allowed_company_ids=company.ids,
            tracking_disable=True,
            rdv_defer_slots=True,
        )
    )
    return company, cenv


def build_dataset(env, rng, horizon_days=HORIZON_DAYS):
    """40 communes x 3 counters, one place each, slots not generated yet.

    Also used by bench_portal.py (with a shorter horizon).
    """
    today = datetime.date.today()
    counters = env["rdv.counter"]
    for index in range(COMMUNES):
        company, cenv = new_commune(env, f"Commune {index + 1:02d}", horizon_days)
        place = cenv["rdv.place"].create(
            {
                "name": f"Mairie {index + 1:02d}",
                "company_id": company.id,
                "tz": "Europe/Paris",
                "street": "1 place de la Mairie",
                "zip": "74%03d" % index,
                "city": f"Commune {index + 1:02d}",
                "latitude": 45.5 + rng.random(),
                "longitude": 6.0 + rng.random(),
            }
        )
        rdv_type = cenv["rdv.appointment.type"].create(
            {
                "name": "CNI / passeport",
                "company_id": company.id,
                "duration": 15,
                "max_persons": 4,
                "is_published": True,
                "procedure_code": "cni-passport",
                "min_notice_hours": 0,
                "max_horizon_days": horizon_days,
            }
        )
        week = standard_week(cenv, company)
        for number in range(COUNTERS_PER_COMMUNE):
            days = sorted(rng.sample(range(1, horizon_days), EXCEPTION_DAYS))
            counters |= cenv["rdv.counter"].create(
                {
                    "name": f"DR {number + 1}",
                    "place_id": place.id,
                    "type_ids": [(6, 0, rdv_type.ids)],
                    "reference_week_id": week.id,
                    "slot_duration": 15,
                    "date_start": today,
                    "exception_ids": [
                        (
                            0,
                            0,
                            {
                                "date_from": today + datetime.timedelta(days=d),
                                "date_to": today + datetime.timedelta(days=d),
                                "kind": "closed",
                                "reason": "Congés",
                            },
                        )
                        for d in days
                    ],
                }
            )
    return counters.with_env(env)


def open_bench(title, db, module="rdv_booking"):
    """The common start of a bench on its own database: the header with the
    machine's reference loop, ``module`` installed into ``db`` (a new one),
    and the Odoo registry of that database."""
    print(f"== {title} (database {db}; {describe_machine()})")
    t0 = time.perf_counter()
    run_odoo_install(db, module)
    print(f"install {module}: {time.perf_counter() - t0:.1f} s")

    import odoo

    odoo.tools.config.parse_config([f"--addons-path={addons_path()}", "-d", db])
    return odoo.modules.registry.Registry(db)


def print_results(results):
    """The table of (measure, result, target, ok) rows every bench ends with;
    whether every row met its target."""
    print()
    print(f"{'measure':<40} {'result':<55} {'target':<18} ok")
    for name, value, target, ok in results:
        print(f"{name:<40} {value:<55} {target:<18} {'yes' if ok else 'NO'}")
    return all(ok for *_rest, ok in results)


def close_bench(db, keep):
    """Close the bench's connections; drop its database unless ``keep``."""
    import odoo

    odoo.sql_db.close_db(db)
    if not keep:
        subprocess.run(["dropdb", "--if-exists", db], check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rdv_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    registry = open_bench("rdv_booking slot engine bench", args.db)
    from odoo import SUPERUSER_ID, api

    rng = random.Random(20261122)
    results = []

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        t0 = time.perf_counter()
        counters = build_dataset(env, rng)
        cr.commit()
        print(
            f"dataset: {len(counters)} counters in {COMMUNES} communes, "
            f"{EXCEPTION_DAYS} exception days each, built in {time.perf_counter() - t0:.1f} s"
        )

        # 1. Twelve months of slots for every counter.
        with Counter(cr) as full:
            counters._generate_slots()
            cr.commit()
        cr.execute("SELECT count(*) FROM rdv_slot")
        slot_count = cr.fetchone()[0]
        results.append(
            (
                "generate 12 months, 120 counters",
                f"{full.seconds:.1f} s",
                "<= 60 s",
                full.seconds <= 60,
            )
        )
        print(f"slots generated: {slot_count:,} rows, {full.queries} queries")

        # Idempotence costs the same order of time and changes nothing.
        with Counter(cr) as again:
            counters._generate_slots()
            cr.commit()
        cr.execute("SELECT count(*) FROM rdv_slot")
        assert cr.fetchone()[0] == slot_count, "regeneration must be idempotent"
        print(f"regenerate everything again (no change): {again.seconds:.1f} s")

        # 2. One exception day on one counter.
        counter = counters[len(counters) // 2]
        day = datetime.date.today() + datetime.timedelta(days=45)
        while day.weekday() > 4 or day in counter.exception_ids.mapped("date_from"):
            day += datetime.timedelta(days=1)
        env.invalidate_all()
        with Counter(cr) as one_day:
            env["rdv.counter.exception"].create(
                {
                    "counter_id": counter.id,
                    "date_from": day,
                    "date_to": day,
                    "kind": "closed",
                }
            )
            env.flush_all()
        cr.commit()
        results.append(
            (
                "apply one exception day",
                f"{one_day.seconds * 1000:.0f} ms, {one_day.queries} queries",
                "<= 200 ms, <= 20",
                one_day.seconds <= 0.2 and one_day.queries <= 20,
            )
        )

        # 3. One place's month of availability, cold ORM cache each time.
        place = counter.place_id
        rdv_type = counter.type_ids
        month_start = datetime.datetime.combine(datetime.date.today(), datetime.time())
        month_end = month_start + datetime.timedelta(days=31)
        timings, queries = [], []
        for _i in range(200):
            env.invalidate_all()
            with Counter(cr) as read:
                starts = env["rdv.slot"]._free_starts(
                    env["rdv.appointment.type"].browse(rdv_type.id),
                    month_start,
                    month_end,
                    places=env["rdv.place"].browse(place.id),
                    website=True,
                )
            timings.append(read.seconds)
            queries.append(read.queries)
        p50, p95 = statistics.median(timings) * 1000, percentile(timings, 95) * 1000
        results.append(
            (
                "one place's month of availability",
                f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, {max(queries)} queries "
                f"({len(starts)} free starts)",
                "<= 35 ms, <= 10",
                p95 <= 35 and max(queries) <= 10,
            )
        )
        cr.commit()

        # 4. Bookings through the booking service, one transaction each. First
        # the database settles, as after the nightly generation: the year of
        # slots just written twice is analysed and flushed to disk, else each
        # booking's commit waits behind a gigabyte of write-back (about a third
        # slower on this machine's disk, measured).
        settle(args.db)
        # The bookings run as in a worker that has not just generated a year
        # of slots: the ORM's cache and Python's garbage of the generation go.
        env.invalidate_all()
        gc.collect()
        free = env["rdv.slot"]._free_starts(
            env["rdv.appointment.type"].browse(rdv_type.id),
            month_start,
            month_start + datetime.timedelta(days=HORIZON_DAYS),
            places=None,
        )
        picks = rng.sample(free, BOOKINGS)
        Appointment = env["rdv.appointment"]
        Counter_ = env["rdv.counter"]
        # Every caller knows the type it books (the website has it in its URL,
        # the agent picked it): the bench does not read the counter's types.
        booking_type = env["rdv.appointment.type"].browse(rdv_type.id)
        booking_times = []
        queries_before = cr.sql_log_count
        t0 = time.perf_counter()
        for number, (counter_id, start, _stop) in enumerate(picks):
            started = time.perf_counter()
            booked_counter = Counter_.browse(counter_id)
            Appointment._book(
                booking_type,
                booked_counter,
                start,
                citizen={
                    "lastname": f"Citoyen{number}",
                    "firstname": "Test",
                    "phone": f"+3361{number:07d}",
                },
                channel="phone",
            )
            cr.commit()
            booking_times.append(time.perf_counter() - started)
        elapsed = time.perf_counter() - t0
        rate = BOOKINGS / elapsed
        queries = (cr.sql_log_count - queries_before) / BOOKINGS
        results.append(
            (
                "bookings through the booking service",
                f"{rate:.0f} bookings/s (p95 {percentile(booking_times, 95) * 1000:.1f} ms, "
                f"{queries:.0f} queries each)",
                ">= 100 /s",
                rate >= 100,
            )
        )

    print_results(results)
    close_bench(args.db, args.keep)


if __name__ == "__main__":
    main()
