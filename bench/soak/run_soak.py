#!/usr/bin/env python3
"""The soak: citizens of a real day on a running RDV, for a fixed time, then figures.

Run by ``make soak`` (``scripts/soak.sh``, which installs ``locust`` in a
virtual environment of its own and gives this script its path). Against a
server that is already running, by default the cluster (``make cluster``)
through its nginx; loopback only, bounded in time.

1. an SMTP sink on loopback receives the one-time codes: for the run, the
   database gets an outgoing mail server pointing at it (first in order,
   removed at the end), and the sink writes "address code" lines to a file
   that the simulated citizens read, as a citizen reads their mail;
2. ``locust`` runs ``bench/soak/locustfile.py`` headless with a fixed number
   of citizens for ``--minutes``;
3. while it runs, every 5 seconds: the resident memory (RSS, from /proc) of
   each Odoo process serving the HTTP ports given (the processes holding the
   listening socket: a prefork master and its workers), and the connections of
   the database in PostgreSQL (``pg_stat_activity``);
4. then prints: requests, p50/p95/p99 and errors per route (locust's figures,
   as the clients saw them); the memory of the workers at the start and the
   end; the most PostgreSQL connections used; and, from the nodes' logs, what
   each route cost the server: Odoo's access log line carries the SQL queries,
   the SQL time and the rest of the request's time (Python) of each request
   (``odoo.netsvc.PerfFilter``), the costs of the capacity plan.

Exits non-zero if a request failed (an error, a 5xx, an unexpected page) or
a node logged an error.

Usage: python3 bench/soak/run_soak.py --url http://127.0.0.1:8190 --db rdv_cluster
           --locust var/soak-venv/bin/locust [--minutes 10] [--users 16]
           [--ports 8191,8192] [--logs 'var/cluster/log/web*.log'] [--pg-port 5451]
"""

import argparse
import collections
import contextlib
import datetime
import glob
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import psycopg2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from live_odoo import ACCESS_RE, LOG_LINE_RE, SmtpSink  # noqa: E402

LOCUSTFILE = ROOT / "bench" / "soak" / "locustfile.py"
SAMPLE_SECONDS = 5
SINK_NAME = "RDV soak: SMTP sink on loopback"

# The server's routes, named as the locustfile names them.
ROUTES = [
    (r"^GET /rdv$", "GET /rdv"),
    (r"^GET /rdv/type/\d+/places", "GET places"),
    (r"^GET /rdv/type/\d+/slots\?.*\bday=", "GET slots day"),
    (r"^GET /rdv/type/\d+/slots", "GET slots month"),
    (r"^POST /rdv/hold", "POST hold"),
    (r"^(GET|POST) /rdv/booking/(details|summary|code|verify|done)", None),
    (r"^(GET|POST) /api/v1/", None),
]


def route_of(method, path):
    """The name of the route of a request, as in the locust figures."""
    line = f"{method} {path}"
    for pattern, name in ROUTES:
        found = re.match(pattern, line)
        if found:
            if name:
                return name
            if "/api/v1/" in line:
                return re.sub(r"/\d+|[?].*$", "", f"{method} {path}").replace("/api/v1", "API")
            return f"{method} {found.group(2)}"
    return f"{method} {re.sub(r'[?].*$', '', re.sub(r'/[0-9]+', '/N', path))}"


class CodeSink(SmtpSink):
    """The SMTP sink, writing each code it receives to a file: "address code"."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        recipients, subject = self.messages[-1]
        found = self.CODE_RE.search(subject)
        if found:
            with open(self.path, "a") as codes:
                for to in recipients:
                    codes.write(f"{to} {found.group(1)}\n")
        return answer


@contextlib.contextmanager
def mail_to_sink(dsn, sink_port):
    """An outgoing mail server, first in order, pointing at the sink, while inside."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cr:
        cr.execute(
            """INSERT INTO ir_mail_server (name, smtp_host, smtp_port, smtp_authentication,
                                           smtp_encryption, sequence, active)
               VALUES (%s, '127.0.0.1', %s, 'login', 'none', -1000, true) RETURNING id""",
            (SINK_NAME, sink_port),
        )
        server_id = cr.fetchone()[0]
    try:
        yield
    finally:
        with psycopg2.connect(dsn) as conn, conn.cursor() as cr:
            cr.execute(
                "DELETE FROM ir_mail_server WHERE id = %s OR name = %s", (server_id, SINK_NAME)
            )


def port_processes(ports):
    """{port: [psutil.Process]} of the processes holding each listening port."""
    listing = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    found = collections.defaultdict(list)
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        port = int(fields[3].rsplit(":", 1)[1])
        if port in ports:
            for pid in re.findall(r"pid=(\d+)", fields[5]):
                with contextlib.suppress(psutil.Error):
                    found[port].append(psutil.Process(int(pid)))
    return found


def workers(ports):
    """{pid: (port, RSS bytes)} of the Odoo HTTP workers (the children of a
    master on the same socket; a process alone on its port counts itself)."""
    result = {}
    for port, processes in port_processes(ports).items():
        pids = {p.pid for p in processes}
        for process in processes:
            with contextlib.suppress(psutil.Error):
                if process.ppid() in pids or len(processes) == 1:
                    result[process.pid] = (port, process.memory_info().rss)
    return result


def cpu_groups(odoo_ports, pg_ports):
    """{group: {pid: CPU seconds (user + system)}}: the Odoo processes of the
    HTTP ports (master, workers) and the PostgreSQL servers of ``pg_ports``
    (the postmaster and its children: backends, WAL writer, replication)."""
    groups = {"Odoo web nodes": [], "PostgreSQL": []}
    for processes in port_processes(odoo_ports).values():
        groups["Odoo web nodes"] += processes
    for processes in port_processes(pg_ports).values():
        for process in processes:
            with contextlib.suppress(psutil.Error):
                groups["PostgreSQL"] += [process, *process.children(recursive=True)]
    sample = {}
    for name, processes in groups.items():
        sample[name] = {}
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                sample[name][process.pid] = times.user + times.system
    return sample


def cpu_spent(before, after):
    """CPU seconds spent per group between two :func:`cpu_groups` (processes
    present at both ends; a worker recycled in between is not counted)."""
    return {
        name: sum(after[name][pid] - before[name].get(pid, after[name][pid]) for pid in after[name])
        for name in after
    }


class Sampler(threading.Thread):
    """Every few seconds: the workers' RSS and the database's connections."""

    def __init__(self, ports, dsn, db):
        super().__init__(daemon=True)
        self.ports, self.dsn, self.db = ports, dsn, db
        self.stop_event = threading.Event()
        self.first = self.last = {}
        self.connections = []  # (total of the database, active)
        self.server_connections = []  # every client backend of the server

    def sample(self):
        self.last = workers(self.ports)
        if not self.first:
            self.first = self.last
        with psycopg2.connect(self.dsn) as conn, conn.cursor() as cr:
            cr.execute(
                """SELECT count(*) FILTER (WHERE datname = %s),
                          count(*) FILTER (WHERE datname = %s AND state = 'active'),
                          count(*)
                     FROM pg_stat_activity WHERE backend_type = 'client backend'""",
                (self.db, self.db),
            )
            total, active, server = cr.fetchone()
        conn.close()
        # This sampler's own connection is not the application's.
        self.connections.append((total - 1, max(active - 1, 0)))
        self.server_connections.append(server - 1)

    def run(self):
        while not self.stop_event.is_set():
            try:
                self.sample()
            except Exception as error:  # noqa: BLE001 - a sample lost is said, not fatal
                print(f"  (sample failed: {error})", file=sys.stderr)
            self.stop_event.wait(SAMPLE_SECONDS)


def read_stats(prefix):
    """Locust's figures per route: [{name, requests, failures, p50, p95, p99, ...}]."""
    import csv

    with open(f"{prefix}_stats.csv") as stats:
        return list(csv.DictReader(stats))


def read_failures(prefix):
    import csv

    try:
        with open(f"{prefix}_failures.csv") as failures:
            return list(csv.DictReader(failures))
    except FileNotFoundError:
        return []


def server_costs(log_paths, since):
    """From the nodes' access lines after ``since`` (naive UTC): per route, the
    requests and the median/mean SQL queries, SQL ms and other (Python) ms."""
    rows = collections.defaultdict(list)
    errors = []
    stamp = since.strftime("%Y-%m-%d %H:%M:%S")
    for path in log_paths:
        with open(path, errors="replace") as log:
            for line in log:
                if line[:19] < stamp:
                    continue
                level = LOG_LINE_RE.match(line)
                if level and level.group("level") in ("ERROR", "CRITICAL"):
                    errors.append(line.rstrip())
                found = ACCESS_RE.match(line)
                if not found or found.group("queries") is None:
                    continue
                rows[route_of(found.group("method"), found.group("path"))].append(
                    (
                        int(found.group("status")),
                        int(found.group("queries")),
                        float(found.group("sql_time")) * 1000,
                        float(found.group("other_time")) * 1000,
                    )
                )
    return rows, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the website, through nginx")
    parser.add_argument("--db", required=True, help="the database it serves")
    parser.add_argument("--locust", required=True, help="the locust command")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=16, help="simulated citizens at once")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between pages")
    parser.add_argument("--ports", default="", help="HTTP ports of the Odoo nodes (RSS)")
    parser.add_argument("--logs", default="", help="glob of the nodes' log files (costs)")
    parser.add_argument("--pg-host", default=os.environ.get("PGHOST", ""))
    parser.add_argument("--pg-port", default=os.environ.get("PGPORT", "5432"))
    parser.add_argument("--pg-user", default=os.environ.get("PGUSER", ""))
    parser.add_argument("--pg-replica-port", default="", help="the replica's port (its CPU)")
    parser.add_argument("--out", default=str(ROOT / "var" / "soak"))
    args = parser.parse_args()
    if not args.url.startswith(("http://127.", "http://localhost")):
        parser.error("the soak runs on loopback only")

    # The password, if any, from PGPASSWORD (libpq reads it).
    dsn = f"dbname={args.db} port={args.pg_port}"
    dsn += f" host={args.pg_host}" if args.pg_host else ""
    dsn += f" user={args.pg_user}" if args.pg_user else ""
    ports = {int(p) for p in args.ports.split(",") if p}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    prefix = str(out / f"soak-{stamp}")
    codes = tempfile.NamedTemporaryFile(prefix="rdv-soak-codes-", delete=False)  # noqa: SIM115
    codes.close()
    sink = CodeSink(codes.name).start()
    sampler = Sampler(ports, dsn, args.db)
    print(
        f"== soak: {args.users} citizens on {args.url} for {args.minutes:g} min, "
        f"{args.think:g} s between pages; {os.cpu_count()} CPUs, "
        "load %.2f %.2f %.2f" % os.getloadavg()
    )
    started = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    env = dict(
        os.environ,
        SOAK_CODES=codes.name,
        SOAK_THINK=str(args.think),
        SOAK_BLOCK=str(random.randrange(254)),
        SOAK_RUN="%04d" % random.randrange(10000),
    )
    try:
        with mail_to_sink(dsn, sink.port):
            sampler.sample()
            sampler.start()
            pg_ports = [int(args.pg_port)] + (
                [int(args.pg_replica_port)] if args.pg_replica_port else []
            )
            cpu_before = cpu_groups(ports, pg_ports)
            t0 = time.monotonic()
            locust = subprocess.run(
                [
                    args.locust,
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--host",
                    args.url,
                    "-u",
                    str(args.users),
                    "-r",
                    str(max(1, args.users // 10)),
                    "--run-time",
                    f"{int(args.minutes * 60)}s",
                    "--stop-timeout",
                    "30",
                    "--csv",
                    prefix,
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                cwd=ROOT,
                timeout=args.minutes * 60 + 180,
                check=False,
            )
            elapsed = time.monotonic() - t0
            cpu = cpu_spent(cpu_before, cpu_groups(ports, pg_ports))
            sampler.stop_event.set()
            sampler.join(30)
            sampler.sample()
    finally:
        sink.stop()
        os.unlink(codes.name)

    stats = read_stats(prefix)
    failures = read_failures(prefix)
    print(f"\n-- as the citizens saw it ({elapsed:.0f} s; locust exit code {locust.returncode})")
    print(
        f"{'route':<20} {'requests':>9} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}"
    )
    total = None
    for row in stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        line = (
            f"{name:<20} {int(row['Request Count']):>9} {float(row['Requests/s']):>7.1f} "
            f"{row['50%']:>5}ms {row['95%']:>5}ms {row['99%']:>5}ms {int(row['Failure Count']):>7}"
        )
        if name == "all":
            total = (row, line)
        else:
            print(line)
    if total:
        print(total[1])
    for failure in failures[:10]:
        print(
            f"  failed {failure['Occurrences']}x {failure['Method']} {failure['Name']}: "
            f"{failure['Error'][:160]}"
        )
    bookings = sum(int(r["Request Count"]) for r in stats if r["Name"] == "GET done")
    pages = sum(
        int(r["Request Count"])
        for r in stats
        if r["Name"] in ("GET /rdv", "GET places", "GET slots month", "GET slots day")
    )
    print(
        f"bookings confirmed: {bookings} ({bookings / elapsed * 60:.1f} a minute); "
        f"availability pages per booking: {pages / max(bookings, 1):.1f}"
    )

    print("\n-- Odoo workers' memory (RSS)")
    grown = []
    for pid, (port, rss) in sorted(sampler.first.items()):
        end = sampler.last.get(pid)
        if end:
            grown.append(end[1] - rss)
        print(
            f"  port {port} pid {pid}: {rss / 2**20:.0f} MiB at the start, "
            + (f"{end[1] / 2**20:.0f} MiB at the end" if end else "gone (recycled by Odoo)")
        )
    for pid, (port, rss) in sorted(sampler.last.items()):
        if pid not in sampler.first:
            print(f"  port {port} pid {pid}: new during the run, {rss / 2**20:.0f} MiB at the end")
    if grown:
        print(
            "  growth of the workers alive throughout: median "
            f"{statistics.median(grown) / 2**20:.1f} MiB, most {max(grown) / 2**20:.1f} MiB"
        )

    if sampler.connections:
        print(
            f"\n-- PostgreSQL: at most {max(c for c, _a in sampler.connections)} connections to "
            f"{args.db} ({max(a for _c, a in sampler.connections)} active at once), "
            f"{max(sampler.server_connections)} client connections to the server in all "
            f"({len(sampler.connections)} samples)"
        )

    requests_served = int(total[0]["Request Count"]) if total else 0
    print(
        f"\n-- CPU spent during the run ({os.cpu_count()} cores shared with the load generator"
        " and anything else running)"
    )
    for name, seconds in cpu.items():
        print(
            f"  {name}: {seconds:.0f} s, {seconds / elapsed * 100:.0f} % of a core, "
            f"{seconds / max(requests_served, 1) * 1000:.1f} ms per request, "
            f"{seconds / max(bookings, 1) * 1000:.0f} ms per booking (with its page views)"
        )

    log_paths = sorted(
        {p for pattern in args.logs.split(",") if pattern for p in glob.glob(pattern)}
    )
    errors = []
    if log_paths:
        rows, errors = server_costs(log_paths, started)
        print(f"\n-- what each route cost the servers (their access logs: {len(log_paths)} files)")
        # The CPU measured for all requests, shared among the routes in
        # proportion of their time in Python (Odoo) and in SQL (PostgreSQL),
        # as the logs measured them: wall times inflate on a busy machine, CPU
        # times do not, their shares are what they are.
        python_total = sum(v[3] for values in rows.values() for v in values) or 1
        sql_total = sum(v[2] for values in rows.values() for v in values) or 1
        odoo_cpu = cpu.get("Odoo web nodes", 0) * 1000 / python_total
        pg_cpu = cpu.get("PostgreSQL", 0) * 1000 / sql_total
        print(
            f"{'route':<20} {'requests':>9} {'SQL queries':>12} {'SQL ms':>8} {'Python ms':>10} "
            f"{'server ms':>10} {'Odoo CPU ms':>12} {'PG CPU ms':>10} {'5xx':>5}"
        )
        for name, values in sorted(rows.items(), key=lambda item: -len(item[1])):
            sql = statistics.mean(v[2] for v in values)
            python = statistics.mean(v[3] for v in values)
            print(
                f"{name:<20} {len(values):>9} {statistics.median(v[1] for v in values):>12.0f} "
                f"{sql:>8.1f} {python:>10.1f} "
                f"{statistics.median(v[2] + v[3] for v in values):>10.1f} "
                f"{python * odoo_cpu:>12.1f} {sql * pg_cpu:>10.1f} "
                f"{sum(1 for v in values if v[0] >= 500):>5}"
            )
        print(
            "  (SQL, Python: means of the logged wall times; server ms: median of their sum;"
            " CPU: the measured CPU shared in proportion of them)"
        )
        for line in errors[:10]:
            print("  log error:", line[:200])
    failed = int(total[0]["Failure Count"]) if total else 1
    print(f"\nsoak figures: {prefix}_stats.csv")
    sys.exit(1 if failed or errors or locust.returncode not in (0, 1) else 0)


if __name__ == "__main__":
    main()
