#!/usr/bin/env python3
"""Citizen website under load: a real Odoo with 2 HTTP workers, real HTTP, loopback.

Dataset (reproducible, seeded): the "département" of bench_slots.py, 40
communes x 3 counters, 08:30-12:00 and 13:30-17:00 on weekdays and Saturday
morning, 15-minute slots, 20 closed days per counter, over the product's
default 90-day horizon; one shared website books all 40 communes (one
procedure, 40 places); a third of the next two weeks of the measured place
is already booked, and 500 appointments are spread elsewhere.

Odoo runs as in production: ``--workers=2`` (prefork), crons off so that only
the requests are measured (the notification queue waits), mail to an SMTP
sink on loopback. Every client of this script comes from 127.0.0.1, so the
per-connection limits of the website are raised in this database (and only
these: codes per address, attempts per code and the captcha stay on; the
captcha at its cheapest difficulty, since the clients solve it in Python on
the same machine).

Prints, with their targets:
  - availability pages (the places page of the procedure, 40 places; the slots
    page of one place for a month; the same with a day's times): requests/s
    and latency p50/p95/p99 at 16 concurrent connections, measured by wrk
    (Debian package, installed if missing), after the p50 at one connection
    (what a request costs when none waits), and the SQL queries per request
    read from the server's access log                          (p95 <= 500 ms)
  - bookings by 16 threads, each at a place of its own (the race for one
    time is tests/test_portal_concurrency.py), two ways:
      * the whole citizen flow as a browser goes through it (slots month,
        day, hold, details, summary, code, the code read from the SMTP sink,
        verification, confirmation page: 10 requests per booking);
      * the four POSTs only (hold, details, code, verify; redirects not
        followed), with the session, free times and captcha challenges
        fetched before the clock starts;
    confirmed bookings/s, latency p50/p95 of each request, and the CPU time
    each booking cost Odoo, PostgreSQL and the load clients (this script: on
    one machine, they share the same cores)
                                                  (>= 20 bookings/s, p95 <= 500 ms)

Machine load (``os.getloadavg``) is printed with each figure: on a shared
machine the figures move with it.

Usage: python3 bench/bench_portal.py [--db rdv_bench_portal] [--keep] [--reuse]
           [--duration 15] [--clients 16] [--bookings 400] [--max-seconds 90]
Bounded: wrk runs --duration seconds per page, each booking run stops after
--bookings or --max-seconds; every request goes to 127.0.0.1.
"""

import argparse
import collections
import concurrent.futures
import datetime
import functools
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psutil
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "bench"), os.path.join(ROOT, "tests")]

import bench_slots  # noqa: E402
from live_odoo import OdooServer, PortalClient, SmtpSink, describe, page_h1  # noqa: E402

HORIZON_DAYS = 90
# rdv_bench_floor: a website POST that does nothing, Odoo's own cost of a POST
FLOOR_ADDONS = os.path.join(ROOT, "bench", "addons")
POSTS_PER_BOOKING = 4  # hold, details, code, verify
BOOKED_SHARE = 1 / 3  # of the measured place's next two weeks
SPREAD_BOOKINGS = 500
LIMITS = {
    "rdv_posts_per_ip_minute": 1000000,
    "rdv_otp_sends_per_ip_hour": 1000000,
    "rdv_live_holds_per_ip": 1000000,
    "rdv_holds_per_ip_hour": 1000000,
    "rdv_captcha_difficulty": 1000,
}
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read + summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


# Citizens of this run: a person may hold one booking per procedure, and a
# database kept by --keep still has the previous run's.
RUN = random.Random().randrange(1000)


def phone(series, number):
    """A valid French mobile number, distinct per run, series and number (< 10,000)."""
    return "06%d%03d%04d" % (series, RUN, number)


def percentile(values, pct):
    return bench_slots.percentile(values, pct) if values else float("nan")


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


class CpuMeter:
    """CPU seconds spent between :meth:`start` and :meth:`stop` by Odoo (its
    master and workers), PostgreSQL (every process of the ``postgres`` user)
    and this process (the load clients and the SMTP sink): on one machine the
    three share the same cores. A process that ends in between is not
    counted (none does in these runs: Odoo keeps its connections)."""

    def __init__(self, server):
        self.odoo = psutil.Process(server.process.pid)
        self.started = self.spent = None

    def _sample(self):
        groups = {
            "Odoo": [self.odoo, *self.odoo.children(recursive=True)],
            "PostgreSQL": [
                p for p in psutil.process_iter(["username"]) if p.info["username"] == "postgres"
            ],
            "load clients": [psutil.Process()],
        }
        sample = {}
        for name, processes in groups.items():
            for process in processes:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                sample[name, process.pid] = times.user + times.system
        return sample

    def start(self):
        self.started = self._sample()

    def stop(self):
        end = self._sample()
        self.spent = collections.Counter()
        for (name, pid), seconds in end.items():
            self.spent[name] += seconds - self.started.get((name, pid), 0.0)
        return self.spent


def ensure_wrk():
    """wrk, the HTTP load tool (Debian package): installed with apt-get if missing."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    print("wrk is missing: apt-get install wrk")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    install = [*sudo, "apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)
        subprocess.run(install, check=True)
    return shutil.which("wrk")


# ----------------------------------------------------------------------
# Dataset
# ----------------------------------------------------------------------


def book_some(env, rng, counters, date_to, share=1.0, count=None):
    """Book ``share`` of the free starts of ``counters`` before ``date_to`` (or
    ``count`` of them) through the booking service, as agents would."""
    Slot, Appointment = env["rdv.slot"], env["rdv.appointment"]
    now = datetime.datetime.now().replace(microsecond=0)
    free = Slot._free_starts(counters.type_ids, now, date_to, counters=counters)
    picks = rng.sample(free, count if count is not None else int(len(free) * share))
    for number, (counter_id, start, _stop) in enumerate(picks):
        counter = env["rdv.counter"].browse(counter_id)
        Appointment._book(
            counter.type_ids[:1],
            counter,
            start,
            channel="phone",
            citizen={"lastname": f"Déjà{number}", "phone": f"+3362{rng.randrange(10**7):07d}"},
        )
    return len(picks)


def build(db, reuse=False):
    """The département, its slots and bookings (unless ``reuse``: a database a
    previous run kept); returns what the clients need."""
    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(
        [f"--addons-path={bench_slots.addons_path()},{FLOOR_ADDONS}", "-d", db]
    )
    registry = odoo.modules.registry.Registry(db)
    rng = random.Random(20261123)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        t0 = time.perf_counter()
        if reuse:
            counters = env["rdv.counter"].search([])
        else:
            counters = bench_slots.build_dataset(env, rng, horizon_days=HORIZON_DAYS)
            counters._generate_slots()
        companies = counters.company_id
        for company in companies:  # the sender of their mail
            company.email = "mairie-%s@example.com" % company.id
        (companies | env.ref("base.main_company")).write(LIMITS)
        env["website"].browse(1).write({"rdv_company_ids": [(6, 0, companies.ids)]})
        places = counters.place_id.sorted("name")
        measured = places[0]
        if not reuse:
            date_to = datetime.datetime.now() + datetime.timedelta(days=14)
            book_some(
                env,
                rng,
                counters.filtered(lambda c: c.place_id == measured),
                date_to,
                share=BOOKED_SHARE,
            )
            book_some(
                env,
                rng,
                counters,
                datetime.datetime.now() + datetime.timedelta(days=HORIZON_DAYS),
                count=SPREAD_BOOKINGS,
            )
        cr.commit()
        cr.execute("SELECT count(*), count(*) FILTER (WHERE state = 'booked') FROM rdv_slot")
        slots, booked = cr.fetchone()
        print(
            f"dataset: {len(companies)} communes, {len(counters)} counters, {len(places)} places, "
            f"{slots:,} slots over {HORIZON_DAYS} days ({booked:,} booked), "
            f"{'reused' if reuse else 'built'} in {time.perf_counter() - t0:.0f} s"
        )
        info = {
            "type_id": measured.counter_ids.type_ids[:1].id,
            "place_id": measured.id,
            "places": [(p.id, p.counter_ids.type_ids[:1].id) for p in places[1:]],
        }
    odoo.sql_db.close_db(db)
    return info


# ----------------------------------------------------------------------
# Availability pages: wrk
# ----------------------------------------------------------------------


def run_wrk(wrk, server, path, duration, connections, request_lua=""):
    """wrk on ``path`` (``request_lua``: wrk's settings of the request, e.g.
    its method); returns (result dict, access rows of the run)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(request_lua + WRK_SCRIPT)
    since = server.log_size()
    try:
        output = subprocess.run(
            [
                wrk,
                f"-t{min(2, connections)}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                server.url + path,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    values = [int(v) for v in line.split()[1:]]
    keys = "requests duration status_errors connect read_write timeout p50 p95 p99 max"
    result = dict(zip(keys.split(), values, strict=True))
    result["rps"] = result["requests"] / (result["duration"] / 1e6)
    # wrk stopped waiting, the workers may still be serving queued requests:
    # the next measure starts once they are done.
    requests.get(server.url + "/web/health", timeout=300)
    rows = server.access(since, "^%s$" % re.escape(path))
    return result, rows


def run_floor(wrk, server, duration, connections):
    """wrk on /rdv-bench/floor: a website POST with its CSRF token and session
    cookie, that only writes the session and redirects, as each booking step
    does around its work. Returns (result dict, CPU seconds per request of
    Odoo and of PostgreSQL); wrk's own CPU is not counted (a C program)."""
    client = PortalClient(server.url)
    token = client.csrf(client.get("/rdv/manage/find"))
    cookie = client.session.cookies["session_id"]
    request_lua = (
        'wrk.method = "POST"\n'
        f'wrk.body = "csrf_token={token}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "session_id={cookie}"\n'
    )
    meter = CpuMeter(server)
    meter.start()
    result, _rows = run_wrk(wrk, server, "/rdv-bench/floor", duration, connections, request_lua)
    meter.stop()
    return result, {name: spent / result["requests"] for name, spent in meter.spent.items()}


# ----------------------------------------------------------------------
# Bookings: the whole flow, threads
# ----------------------------------------------------------------------


def book_flow(server, sink, place_id, type_id, number):
    """One citizen books the first free time at ``place_id``; returns its client."""
    client = PortalClient(server.url)
    month = client.slots_page(type_id, place_id)
    days = client.days_offered(month)
    if not days:
        raise AssertionError(f"no free day at place {place_id}: {describe(month)}")
    page = client.slots_page(type_id, place_id, datetime.date.fromisoformat(days[0]))
    forms = client.hold_forms(page)
    held = client.hold(forms[min(forms)], page)
    if page_h1(held) != "Your details":
        raise AssertionError(f"hold: {describe(held)}")
    email = f"citoyen{RUN}-{number}@example.com"
    summary = client.details(held, f"Citoyen{number}", email, phone(1, number))
    if page_h1(summary) != "Check your appointment":
        raise AssertionError(f"details: {describe(summary)}")
    verify = client.send_code(summary)
    done = client.verify(verify, sink.wait_code(email))
    if page_h1(done) != "Your appointment is confirmed":
        raise AssertionError(f"verify: {describe(done)}")
    return client


def timed_booking(lock, flows, errors, book):
    """Run one booking, ``book()``: its time goes to ``flows``, or its error to
    ``errors``. Returns what it returned, None if it failed."""
    t0 = time.perf_counter()
    try:
        result = book()
    except Exception as error:  # noqa: BLE001 - reported and counted by the caller
        with lock:
            errors.append(repr(error)[:300])
        return None
    with lock:
        flows.append(time.perf_counter() - t0)
    return result


def run_bookings(server, sink, places, clients, bookings, max_seconds, meter):
    """``clients`` threads, each at a place of its own, book until ``bookings``
    are confirmed or ``max_seconds`` passed; ``meter`` runs with the clock."""
    counter = iter(range(bookings))
    lock = threading.Lock()
    logs, flows, errors = [], [], []
    meter.start()
    started = time.perf_counter()
    stop_at = started + max_seconds

    def worker(index):
        place_id, type_id = places[index]
        while time.perf_counter() < stop_at:
            with lock:
                number = next(counter, None)
            if number is None:
                return
            client = timed_booking(
                lock,
                flows,
                errors,
                functools.partial(book_flow, server, sink, place_id, type_id, number),
            )
            if client:
                with lock:
                    logs.extend(client.log)

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    elapsed = time.perf_counter() - started
    meter.stop()
    return elapsed, flows, logs, errors


def prepare_posts(server, place_id, type_id, count):
    """What a client needs to book ``count`` times at ``place_id`` with POSTs
    only, fetched before the clock starts: a session and its CSRF token, free
    times (from the day pages), captcha challenges (from the page that shows
    one without a booking: /rdv/manage/find)."""
    client = PortalClient(server.url)
    month = client.slots_page(type_id, place_id)
    forms = []
    for day in client.days_offered(month):
        page = client.slots_page(type_id, place_id, datetime.date.fromisoformat(day))
        forms += [form for _start, form in sorted(client.hold_forms(page).items())]
        if len(forms) >= count:
            break
    token = client.csrf(page)
    captchas = [client.captcha(client.get("/rdv/manage/find")) for _i in range(count)]
    client.log.clear()
    return client, token, forms[:count], captchas


def post_only_booking(client, token, form, captcha, sink, number):
    """The four POSTs of a booking (hold, details, code, verify), redirects not followed."""
    steps = [
        ("/rdv/hold", {k: v for k, v in form.items() if k != "csrf_token"}, "/rdv/booking/details"),
        (
            "/rdv/booking/details",
            {
                "lastname": f"Rapide{number}",
                "firstname": "Camille",
                "email": f"rapide{RUN}-{number}@example.com",
                "phone": phone(2, number),
                "consent": "1",
            },
            "/rdv/booking/summary",
        ),
        ("/rdv/booking/code", {"rdv_captcha": captcha}, "/rdv/booking/verify"),
        ("/rdv/booking/verify", None, "/rdv/booking/done"),
    ]
    for path, data, expected in steps:
        if data is None:
            data = {"code": sink.wait_code(f"rapide{RUN}-{number}@example.com")}
        response = client.post(
            path, {"csrf_token": token, **data}, label="POST " + path, follow=False
        )
        if response.status_code != 303 or not response.headers["Location"].endswith(expected):
            raise AssertionError(f"{path}: {describe(response)}")


def run_post_only(server, sink, places, clients, bookings, max_seconds, meter):
    """``clients`` threads book with POSTs only, ``bookings`` in all, each at a
    place of its own; ``meter`` runs with the clock; returns (elapsed, flows,
    logs, errors)."""
    per_client = bookings // clients
    prepared = [
        prepare_posts(server, place_id, type_id, per_client) for place_id, type_id in places
    ]
    logs, flows, errors = [], [], []
    lock = threading.Lock()
    meter.start()
    started = time.perf_counter()
    stop_at = started + max_seconds

    def worker(index):
        client, token, forms, captchas = prepared[index]
        for number, (form, captcha) in enumerate(zip(forms, captchas, strict=True)):
            if time.perf_counter() >= stop_at:
                return
            timed_booking(
                lock,
                flows,
                errors,
                functools.partial(
                    post_only_booking,
                    client,
                    token,
                    form,
                    captcha,
                    sink,
                    index * per_client + number,
                ),
            )

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    elapsed = time.perf_counter() - started
    meter.stop()
    for client, _token, _forms, _captchas in prepared:
        logs.extend(client.log)
    return elapsed, flows, logs, errors


def report_bookings(label, elapsed, flows, logs, errors, server_errors, meter):
    """Print the figures of a booking run; returns (bookings/s, POST p95 in s)."""
    rate = len(flows) / elapsed
    by_label = collections.defaultdict(list)
    for name, _status, seconds in logs:
        by_label[name].append(seconds)
    for name, seconds in sorted(by_label.items()):
        print(
            f"  {name:<28} {len(seconds):>5} requests, p50 {ms(statistics.median(seconds))}, "
            f"p95 {ms(percentile(seconds, 95))}"
        )
    posts = [s for name, _st, s in logs if name.startswith("POST")]
    every = [s for _name, _st, s in logs]
    print(
        f"{label}: {len(flows)} bookings confirmed in {elapsed:.1f} s: {rate:.1f} bookings/s; "
        f"{len(logs)} requests ({len(logs) / elapsed:.0f} req/s); POST p95 "
        f"{ms(percentile(posts, 95))}, every request p95 {ms(percentile(every, 95))}, "
        f"one booking p50 {ms(statistics.median(flows or [float('nan')]))}; "
        f"{len(errors)} failed, {len(server_errors)} HTTP 5xx; {load()}"
    )
    for error in errors[:5]:
        print("  failed:", error)
    if flows:
        per_booking = {name: 1000 * seconds / len(flows) for name, seconds in meter.spent.items()}
        server = per_booking["Odoo"] + per_booking["PostgreSQL"]
        print(
            "  CPU per booking: "
            + ", ".join(f"{name} {value:.0f} ms" for name, value in per_booking.items())
            + f"; {os.cpu_count()} cores of the server's own would confirm at most"
            f" {1000 * os.cpu_count() / server:.1f} bookings/s (derived, not measured)"
        )
    return rate, percentile(posts, 95)


# ----------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="rdv_bench_portal")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a run with --keep left"
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per page")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--bookings", type=int, default=400, help="at most this many bookings (< 10,000)"
    )
    parser.add_argument("--max-seconds", type=int, default=90, help="at most this long booking")
    args = parser.parse_args()
    wrk = ensure_wrk()

    machine = bench_slots.describe_machine()
    print(f"== rdv_booking_portal load bench (database {args.db}; {machine})")
    if not args.reuse:
        t0 = time.perf_counter()
        bench_slots.run_odoo_install(
            args.db, "rdv_booking_portal,rdv_bench_floor", extra_addons=FLOOR_ADDONS
        )
        print(f"install rdv_booking_portal: {time.perf_counter() - t0:.0f} s")
    else:  # a database kept by an older version of this script may lack it
        bench_slots.run_odoo_install(
            args.db, "rdv_bench_floor", extra_addons=FLOOR_ADDONS, drop=False
        )
    info = build(args.db, reuse=args.reuse)
    results = []
    sink = SmtpSink().start()
    server = OdooServer(
        args.db,
        f"{bench_slots.addons_path()},{FLOOR_ADDONS}",
        os.path.join(ROOT, "var", "log", f"bench-portal-{args.db}.log"),
        workers=2,
        smtp_port=sink.port,
    )
    try:
        server.start()
        type_id, place_id = info["type_id"], info["place_id"]
        warm = PortalClient(server.url)
        month = warm.slots_page(type_id, place_id)
        day = warm.days_offered(month)[0]
        pages = [
            ("places page (40 places)", f"/rdv/type/{type_id}/places"),
            ("slots page, one place, month", f"/rdv/type/{type_id}/slots?place={place_id}"),
            (
                "slots page, one place, a day's times",
                f"/rdv/type/{type_id}/slots?place={place_id}&day={day}",
            ),
        ]
        for _label, path in pages:  # compile templates, build the asset bundles
            for _i in range(10):
                response = warm.get(path)
                assert response.status_code == 200, describe(response)
        book_flow(server, sink, *info["places"][-1], number=9999)

        print(f"\n-- availability: wrk, {args.clients} connections, {args.duration} s per page")
        for label, path in pages:
            # One connection first: what one request costs when nobody queues
            # (with 16 connections on 2 workers, p95 is mostly waiting in line).
            alone, _rows = run_wrk(wrk, server, path, 5, 1)
            print(f"{label}, one connection: p50 {alone['p50'] / 1000:.0f} ms, {load()}")
            result, rows = run_wrk(wrk, server, path, args.duration, args.clients)
            queries = [row["queries"] for row in rows if row["queries"] is not None]
            server_times = [
                row["sql_time"] + row["other_time"] for row in rows if row["queries"]
            ] or [float("nan")]
            queries = queries or [-1]
            errors = sum(result[k] for k in ("status_errors", "connect", "read_write", "timeout"))
            print(
                f"{label}: {result['requests']} requests, {result['rps']:.1f} req/s, "
                f"p50 {result['p50'] / 1000:.0f} ms, p95 {result['p95'] / 1000:.0f} ms, "
                f"p99 {result['p99'] / 1000:.0f} ms, {errors} errors; server time p50 "
                f"{ms(statistics.median(server_times))}, SQL queries per request "
                f"{min(queries)}-{max(queries)} (median {statistics.median(queries):.0f}); {load()}"
            )
            results.append(
                (
                    label,
                    f"{result['rps']:.1f} req/s, p95 {result['p95'] / 1000:.0f} ms "
                    f"(alone {alone['p50'] / 1000:.0f} ms), {statistics.median(queries):.0f} SQL",
                    "p95 <= 500 ms",
                    result["p95"] <= 500_000 and errors == 0,
                )
            )

        print(
            f"\n-- Odoo's floor: a website POST that does nothing but the CSRF check, the "
            f"session and a 303; wrk, {args.clients} connections, {args.duration} s"
        )
        floor, cpu = run_floor(wrk, server, args.duration, args.clients)
        floor_errors = sum(floor[k] for k in ("status_errors", "connect", "read_write", "timeout"))
        print(
            f"empty POST: {floor['requests']} requests, {floor['rps']:.0f} req/s, "
            f"p50 {floor['p50'] / 1000:.0f} ms, p95 {floor['p95'] / 1000:.0f} ms, "
            f"{floor_errors} errors; CPU per request: Odoo {cpu['Odoo'] * 1000:.1f} ms, "
            f"PostgreSQL {cpu['PostgreSQL'] * 1000:.1f} ms; {load()}\n"
            f"  a booking's {POSTS_PER_BOOKING} POSTs cost at least this much: at most "
            f"{floor['rps'] / POSTS_PER_BOOKING:.0f} bookings/s on this machine if the steps "
            "did no work at all"
        )
        results.append(
            (
                "Odoo's floor: empty website POST",
                f"{floor['rps']:.0f} req/s = {floor['rps'] / POSTS_PER_BOOKING:.0f} "
                f"bookings/s of {POSTS_PER_BOOKING} empty POSTs",
                "(yardstick)",
                None,
            )
        )
        all_errors = ["floor: %d errors" % floor_errors] if floor_errors else []
        for label, runner, places in (
            ("whole flow", run_bookings, info["places"][: args.clients]),
            ("POSTs only", run_post_only, info["places"][args.clients : 2 * args.clients]),
        ):
            print(
                f"\n-- bookings, {label}: {args.clients} threads, at most {args.bookings} "
                f"bookings or {args.max_seconds} s"
            )
            since = server.log_size()
            meter = CpuMeter(server)
            elapsed, flows, logs, errors = runner(
                server, sink, places, args.clients, args.bookings, args.max_seconds, meter
            )
            server_errors = [row for row in server.access(since) if row["status"] >= 500]
            rate, post_p95 = report_bookings(
                label, elapsed, flows, logs, errors, server_errors, meter
            )
            all_errors += errors + server_errors
            results.append(
                (
                    f"bookings, {label}, 2 workers",
                    f"{rate:.1f} bookings/s, POST p95 {ms(post_p95)}",
                    ">= 20 /s, p95 <= 500 ms",
                    rate >= 20 and post_p95 <= 0.5,
                )
            )
        problems = server.problems()
    finally:
        server.stop()
        sink.stop()
        if not args.keep:
            import odoo

            subprocess.run(["dropdb", "--if-exists", args.db], check=False)
            shutil.rmtree(odoo.tools.config.filestore(args.db), ignore_errors=True)

    print()
    print(f"{'measure':<38} {'result':<50} {'target':<24} ok")
    for name, value, target, ok in results:
        verdict = "-" if ok is None else "yes" if ok else "NO"
        print(f"{name:<38} {value:<50} {target:<24} {verdict}")
    if problems or all_errors:
        print(f"\nserver log errors ({len(problems)}):", *problems[:20], sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
