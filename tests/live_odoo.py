"""A real Odoo server, a real SMTP sink and a citizen's HTTP client.

Shared by the tests of ``tests/`` that talk to a running server
(test_portal_concurrency.py, test_otp_bruteforce.py, through the fixtures of
conftest.py) and by ``bench/bench_portal.py``: one place for how the server is
started and stopped, how mail is caught and how a citizen books.

* :class:`OdooServer`: ``scripts/odoo-bin`` with ``--workers`` (prefork, as in
  production) on a free loopback port, crons off, mail to the sink; waits for
  ``/web/health``; reads the log (errors, tracebacks, and Odoo's access lines,
  which carry the worker's pid and the SQL query count of each request).
* :class:`SmtpSink`: an aiosmtpd server on loopback; :meth:`SmtpSink.wait_code`
  returns the one-time code last sent to an address (codes are stored hashed:
  a client can only learn them the way a citizen does).
* :class:`PortalClient`: one browser (its own cookies, CSRF tokens and captcha
  answers) going through the routes of ``rdv_booking_portal``;
  :func:`guesses_in_parallel` sends many of them at once.
* :func:`build_commune`: the commune the server serves, written through an
  Odoo environment the caller opened (also used by ``bench/bench_reminders.py``).

No Odoo import here: the server is another process, spoken to over HTTP.
"""

import concurrent.futures
import datetime
import email
import email.parser
import email.policy
import html
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import altcha
import requests

ROOT = Path(__file__).resolve().parent.parent
ODOO_BIN = ROOT / "scripts" / "odoo-bin"

# "2026-11-23 02:40:00,123 4242 INFO db werkzeug: 127.0.0.1 - - [...] "GET /rdv HTTP/1.1"
#  200 - 45 0.030 0.100" : pid, request, status, then Odoo's perf info (SQL queries,
# SQL time, other time) appended by odoo.netsvc.PerfFilter.
ACCESS_RE = re.compile(
    r"^\S+ \S+ (?P<pid>\d+) INFO \S+ werkzeug: \S+ - - \[[^\]]+\] "
    r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) \S+'
    r"(?: (?P<queries>\d+) (?P<sql_time>[\d.]+) (?P<other_time>[\d.]+))?"
)
LOG_LINE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) ")


def free_port():
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------
# The test commune
# ----------------------------------------------------------------------


def build_commune(
    env,
    name,
    appointment_type,
    company=None,
    place=None,
    week=("Tous les jours", ((0, 6, 8.0, 20.0),)),
    counter=None,
):
    """A commune of its own in the database of ``env`` (an Odoo environment):
    a French company, one appointment type, one place with a full address, a
    reference week from (first weekday, last weekday, from hour, to hour) and
    one counter of 15-minute slots from today. ``company``, ``place`` and
    ``counter``: more values of each. Returns the records."""
    commune = SimpleNamespace(
        company=env["res.company"].create(
            {"name": name, "country_id": env.ref("base.fr").id, **(company or {})}
        )
    )
    company_id = commune.company.id
    env = env(context=dict(env.context, allowed_company_ids=commune.company.ids))
    commune.type = env["rdv.appointment.type"].create(
        {"company_id": company_id, **appointment_type}
    )
    commune.place = env["rdv.place"].create(
        {
            "name": "Mairie",
            "company_id": company_id,
            "tz": "Europe/Paris",
            "street": "1 place de la Mairie",
            "zip": "74000",
            "city": "Annecy",
            **(place or {}),
        }
    )
    week_name, spans = week
    commune.week = env["rdv.reference.week"].create(
        {
            "name": week_name,
            "company_id": company_id,
            "line_ids": [
                (0, 0, {"weekday": str(day), "hour_from": start, "hour_to": end})
                for first, last, start, end in spans
                for day in range(first, last + 1)
            ],
        }
    )
    commune.counter = env["rdv.counter"].create(
        {
            "name": "Guichet 1",
            "place_id": commune.place.id,
            "type_ids": [(6, 0, commune.type.ids)],
            "reference_week_id": commune.week.id,
            "slot_duration": 15,
            "date_start": datetime.date.today(),
            **(counter or {}),
        }
    )
    return commune


def identity_card_commune(tag, limits):
    """``build_commune``'s values for the commune the load and cluster tests
    book in: one identity-card type of 15 minutes for one person (e-mail
    required, no notice, 20 days ahead), one place "Mairie <tag>", one counter
    of capacity 1; the company's e-mail and horizon, and ``limits`` (its
    rate-limit and captcha settings)."""
    return {
        "company": {"email": f"mairie-{tag}@example.com", "rdv_horizon_days": 20, **limits},
        "appointment_type": {
            "name": "Carte d'identité",
            "duration": 15,
            "max_persons": 1,
            "min_notice_hours": 0,
            "max_horizon_days": 20,
            "is_published": True,
            "ask_email": "required",
            "ask_phone": "optional",
        },
        "place": {"name": f"Mairie {tag}"},
        "counter": {"capacity": 1},
    }


# ----------------------------------------------------------------------
# SMTP sink
# ----------------------------------------------------------------------


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps the messages it receives."""

    CODE_RE = re.compile(r"\b(\d{6})\b")

    def __init__(self):
        self.messages = []  # [(recipients, subject)]
        self.condition = threading.Condition()
        self.controller = None
        self.port = None

    async def handle_DATA(self, server, session, envelope):
        # The headers only: what the tests read is in the subject.
        message = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            envelope.content
        )
        with self.condition:
            self.messages.append(([r.lower() for r in envelope.rcpt_tos], str(message["subject"])))
            self.condition.notify_all()
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO: in a process that loads
        # Odoo (whose logging setup shows INFO), a load test would spend its
        # time printing them.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def codes(self, to):
        """The codes sent to ``to``, oldest first."""
        with self.condition:
            return self._codes(to.lower())

    def _codes(self, to):
        codes = []
        for recipients, subject in self.messages:
            found = self.CODE_RE.search(subject)
            if to in recipients and found:
                codes.append(found.group(1))
        return codes

    def wait_code(self, to, timeout=30.0, known=0):
        """The newest code sent to ``to`` once more than ``known`` codes were sent there."""
        to = to.lower()
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                codes = self._codes(to)
                if len(codes) > known:
                    return codes[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no code reached the SMTP sink for {to} in {timeout} s")
                self.condition.wait(left)


# ----------------------------------------------------------------------
# Odoo server
# ----------------------------------------------------------------------


class OdooServer:
    """``scripts/odoo-bin`` serving one database with HTTP workers, on loopback.

    Crons are off (``--max-cron-threads=0``): what is measured and raced is the
    HTTP workers' work; the one-time code mail is sent inside the request
    (``force_send``), the rest of the mail waits in the outbox.
    """

    def __init__(self, db, addons_path, log_path, workers=2, smtp_port=None, extra_args=()):
        self.db = db
        self.addons_path = addons_path
        self.log_path = Path(log_path)
        self.workers = workers
        self.smtp_port = smtp_port
        self.extra_args = list(extra_args)
        self.port = None
        self.process = None
        self._stderr = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self):
        command = [
            sys.executable,
            str(ODOO_BIN),
            # The one database it serves, by name and without --db-filter: with
            # a filter, Odoo lists the databases (a new connection to PostgreSQL's
            # "postgres" database) at each request of a visitor whose session is
            # not stored yet, i.e. at each page an anonymous citizen browses.
            "-d",
            self.db,
            f"--addons-path={self.addons_path}",
            "--no-database-list",
            f"--workers={self.workers}",
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            f"--logfile={self.log_path}",
            "--log-level=info",
        ]
        if self.smtp_port:
            command += ["--smtp=127.0.0.1", f"--smtp-port={self.smtp_port}"]
        return command + self.extra_args

    def start(self, timeout=120):
        """Start the server and wait until it answers ``/web/health``."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():
            self.log_path.unlink()
        self.port = free_port()
        self._stderr = open(self.log_path.with_suffix(".stderr"), "wb")  # noqa: SIM115
        # A process group of its own: stop() ends the master and its workers,
        # and nothing else.
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Odoo exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if requests.get(self.url + "/web/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Odoo did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout=30):
        """SIGTERM to the master (it stops its workers), SIGKILL to the group if it hangs."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self._stderr:
            self._stderr.close()
            self._stderr = None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def log_size(self):
        """Where the log ends now: give it to :meth:`problems` or :meth:`access` later."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _lines(self, since=0):
        with open(self.log_path, errors="replace") as log:
            log.seek(since)
            return log.read().splitlines()

    def problems(self, since=0):
        """Log lines at level ERROR or CRITICAL, and tracebacks, since offset ``since``."""
        found = []
        for line in self._lines(since):
            match = LOG_LINE_RE.match(line)
            if (match and match.group("level") in ("ERROR", "CRITICAL")) or (
                "Traceback (most recent call last)" in line
            ):
                found.append(line)
        return found

    def access(self, since=0, path_re=None):
        """Odoo's access lines since offset ``since``: dicts with pid, method, path,
        status, queries (SQL queries of the request), sql_time, other_time."""
        pattern = re.compile(path_re) if path_re else None
        rows = []
        for line in self._lines(since):
            match = ACCESS_RE.match(line)
            if not match or (pattern and not pattern.search(match.group("path"))):
                continue
            row = match.groupdict()
            row["pid"], row["status"] = int(row["pid"]), int(row["status"])
            if row["queries"] is not None:
                row["queries"] = int(row["queries"])
                row["sql_time"], row["other_time"] = (
                    float(row["sql_time"]),
                    float(row["other_time"]),
                )
            rows.append(row)
        return rows


# ----------------------------------------------------------------------
# A citizen's browser
# ----------------------------------------------------------------------


def solve_captcha(challenge):
    """What the page's script does (static/src/js/rdv_portal.js), with the
    ALTCHA library's own solver: the base64 JSON payload."""
    if isinstance(challenge, str):
        challenge = json.loads(challenge)
    challenge = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(challenge, timeout=60)
    if solution is None:
        raise AssertionError("unsolvable captcha challenge")
    return altcha.Payload(challenge, solution).to_base64()


def page_h1(response):
    """The text of the page's <h1>."""
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def page_alert(response):
    """The text of the page's error messages (role="alert"), for assertions."""
    found = re.findall(r'role="alert"[^>]*>(.*?)</(?:div|p|span)>', response.text, re.S)
    texts = (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)) for text in found)
    return " ".join(html.unescape(text).strip() for text in texts)


def describe(response):
    """A short account of a page, for assertion messages."""
    return "%s %s: %r %r" % (
        response.status_code,
        response.url,
        page_h1(response),
        page_alert(response),
    )


class PortalClient:
    """One citizen's browser: its own session cookie, CSRF tokens and captchas.

    Every request is recorded in :attr:`log` as (label, status, seconds), the
    label being the method and the route. Redirects are followed as a browser
    does, each hop recorded apart.
    """

    def __init__(self, base_url, host=None, timeout=60):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        # Loopback only: no proxy from the environment (and requests would
        # read the environment again at every request).
        self.session.trust_env = False
        if host:
            # The website is chosen by the Host header (website.domain).
            self.session.headers["Host"] = host
        self.timeout = timeout
        self.log = []
        self.last = None

    def _record(self, label, response, started):
        self.log.append((label, response.status_code, time.perf_counter() - started))
        self.last = response
        return response

    def get(self, path, label=None, **params):
        started = time.perf_counter()
        response = self.session.get(
            self.base_url + path, params=params or None, timeout=self.timeout
        )
        return self._record(label or "GET " + path.split("?")[0], response, started)

    def post(self, path, data, page=None, label=None, follow=True):
        """POST a form with the CSRF token of ``page`` (default: the last page;
        none if ``data`` has one), then follow the redirect (303) with a GET, as
        a browser does (unless not ``follow``)."""
        if "csrf_token" not in data:
            data = {"csrf_token": self.csrf(page if page is not None else self.last), **data}
        data = {"website_url_hp": "", **data}
        started = time.perf_counter()
        response = self.session.post(
            self.base_url + path, data=data, allow_redirects=False, timeout=self.timeout
        )
        self._record(label or "POST " + path, response, started)
        hops = 0
        while follow and response.is_redirect and hops < 5:
            hops += 1
            location = response.headers["Location"]
            if location.startswith("http"):
                location = "/" + location.split("/", 3)[3]
            response = self.get(location, label="GET " + location.split("?")[0])
        return response

    @staticmethod
    def csrf(response):
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if not found:
            raise AssertionError(
                f"no CSRF token on {response.url} ({response.status_code}): {page_h1(response)!r}"
            )
        return found.group(1)

    @staticmethod
    def captcha(response):
        found = re.search(r'data-challenge="([^"]+)"', response.text)
        if not found:
            raise AssertionError(f"no captcha on {response.url}: {page_h1(response)!r}")
        return solve_captcha(html.unescape(found.group(1)))

    # --- the booking flow, step by step

    def slots_page(self, type_id, place_id, day=None):
        params = {"place": place_id}
        if day:
            params["day"] = day.isoformat()
        return self.get(f"/rdv/type/{type_id}/slots", label="GET slots", **params)

    @staticmethod
    def days_offered(response):
        """The days of the month calendar that have free times (links), in order."""
        found = re.findall(r"[?&;]day=(\d{4}-\d\d-\d\d)#rdv_times", response.text)
        return sorted(set(found))

    @staticmethod
    def hold_forms(response):
        """{start (UTC, 'YYYY-MM-DD HH:MM:SS'): form fields} of the times offered."""
        forms = {}
        pattern = r'<form action="/rdv/hold" method="post">(.*?)</form>'
        for form in re.findall(pattern, response.text, re.S):
            fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
            if "start" in fields:
                forms[fields["start"]] = fields
        return forms

    def hold(self, form, page):
        """POST /rdv/hold: the details form if the time is ours, the "taken" page if not."""
        data = {k: v for k, v in form.items() if k != "csrf_token"}
        return self.post("/rdv/hold", data, page, label="POST hold")

    def details(self, page, lastname, email, phone, firstname="Camille"):
        return self.post(
            "/rdv/booking/details",
            {
                "lastname": lastname,
                "firstname": firstname,
                "email": email,
                "phone": phone,
                "consent": "1",
            },
            page,
            label="POST details",
        )

    def send_code(self, summary):
        return self.post(
            "/rdv/booking/code",
            {"rdv_captcha": self.captcha(summary)},
            summary,
            label="POST code",
        )

    def verify(self, page, code):
        return self.post("/rdv/booking/verify", {"code": code}, page, label="POST verify")


def guesses_in_parallel(base_url, host, session, guesses, send):
    """Send each of ``guesses`` at once, each from a browser of its own
    holding the cookies of ``session``: ``send(client, guess)`` posts one.
    Returns the answers in order."""
    barrier = threading.Barrier(len(guesses), timeout=60)

    def guess(value):
        client = PortalClient(base_url, host=host)
        client.session.cookies.update(session.cookies)
        barrier.wait()
        return send(client, value)

    with concurrent.futures.ThreadPoolExecutor(len(guesses)) as pool:
        return list(pool.map(guess, guesses, timeout=120))
