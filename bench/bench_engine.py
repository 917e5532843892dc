#!/usr/bin/env python3
"""The pure-Python slot engine alone (rdv_booking/tools/schedule.py), no database.

Times ``slot_runs`` (the runs of consecutive slots) and ``slot_starts`` (the
runs expanded to datetimes) over a year for 120 counters open 7 days a week
(Europe/Paris, 08:30-12:00 and 13:30-17:00, 15-minute slots, 20 closure days
each), next to the reference loop of the other benches.

Usage: python3 bench/bench_engine.py [--counters 120] [--days 365]
"""

import argparse
import importlib.util
import os
import sys
import time
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "bench")]

import bench_slots  # noqa: E402


def load_schedule():
    """The engine, loaded from its path: ``rdv_booking/__init__.py`` imports
    the Odoo models, the tools package needs none."""
    tools = os.path.join(ROOT, "rdv_booking", "tools")
    spec = importlib.util.spec_from_file_location(
        "rdv_tools", os.path.join(tools, "__init__.py"), submodule_search_locations=[tools]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["rdv_tools"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("rdv_tools.schedule")


def run(engine, counters, days):
    """Time :func:`slot_runs` and :func:`slot_starts` over ``days`` days for
    ``counters`` counters, and print the figures."""
    WeekSchedule, CounterSchedule, Closure = (
        engine.WeekSchedule,
        engine.CounterSchedule,
        engine.Closure,
    )
    slot_runs, slot_starts = engine.slot_runs, engine.slot_starts
    week = WeekSchedule.from_lines(
        (weekday, start, end)
        for weekday in range(7)
        for start, end in ((8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60))
    )
    first = date(2026, 1, 1)
    schedules = [
        CounterSchedule(
            tz="Europe/Paris",
            step=15,
            week=week,
            valid_from=first,
            closures=tuple(
                Closure(day, day)
                for day in (first + timedelta(days=(n * 17 + i) % days) for i in range(20))
            ),
        )
        for n in range(counters)
    ]
    last = first + timedelta(days=days - 1)
    began = time.perf_counter()
    total_runs = total_slots = 0
    for schedule in schedules:
        runs = slot_runs(schedule, first, last)
        total_runs += len(runs)
        total_slots += sum(count for _, count in runs)
    elapsed = time.perf_counter() - began
    print(
        f"slot_runs: {counters} counters x {days} days (Europe/Paris, 2 intervals/day "
        f"7 days/week, 15-min step, 20 closure days each): {elapsed:.3f} s "
        f"({elapsed / counters * 1000:.2f} ms/counter, {total_runs} runs, "
        f"{total_slots} slots)"
    )
    began = time.perf_counter()
    for schedule in schedules:
        slot_starts(schedule, first, last)
    elapsed = time.perf_counter() - began
    print(f"slot_starts (runs expanded to datetimes): {elapsed:.3f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counters", type=int, default=120)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    print(f"== rdv_booking slot engine alone ({bench_slots.describe_machine()})")
    run(load_schedule(), args.counters, args.days)


if __name__ == "__main__":
    main()
