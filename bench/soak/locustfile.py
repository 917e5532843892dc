"""Citizens of a real day on the booking website, for ``locust`` (the soak).

Run by ``bench/soak/run_soak.py`` (``make soak``), which starts the SMTP sink
the codes go to and reads the figures; not meant to be started alone.

A simulated user is a stream of citizens: each visit is a new citizen, with
a browser session of its own (cookies, CSRF tokens) and a loopback address of
its own (``127.x.y.z``, given to the sockets it opens), as citizens behind
their own connections: the website's limits per address stay as a commune
sets them. Each visit is either

* a look (7 visits in 10): the home page, a type's places, a place's
  month, two days' times, as someone who compares before choosing; or
* a booking (3 visits in 10, ``SOAK_BOOKING_SHARE``): the same pages with
  one day, then the hold, the details, the
  summary, the code asked (the captcha solved as the page's script does), the
  code read from the SMTP sink as the citizen reads their mail, the
  verification and the confirmation page,

with a pause between pages (``SOAK_THINK`` seconds, default 1): about 20
page views for each booking, the proportion of a real day. Types that ask
ANTS pre-application numbers are looked at, not booked (only ANTS issues
such numbers). The load is fixed
by the number of citizens (``-u``), not by the server's speed.

Every request is named by its route (``GET slots day``, ``POST hold``...),
for the figures per route. A time taken by someone else between the page and
the hold ("just taken", 409) is a normal answer: the citizen picks another.

Environment: SOAK_CODES (the file the sink writes "address code" lines to),
SOAK_THINK, SOAK_BLOCK (the second byte of the citizens' addresses), SOAK_RUN
(a tag that makes the citizens' phones and addresses unique per run).
"""

import html
import json
import os
import random
import re
import time

import altcha
import gevent
from locust import HttpUser, task
from requests.adapters import HTTPAdapter

THINK = float(os.environ.get("SOAK_THINK", "1"))
CODES = os.environ.get("SOAK_CODES", "")
BLOCK = int(os.environ.get("SOAK_BLOCK", "0")) % 254 + 1
RUN = os.environ.get("SOAK_RUN") or "%04d" % random.randrange(10000)
BOOKING_SHARE = float(os.environ.get("SOAK_BOOKING_SHARE", "0.3"))
CODE_WAIT = 60

TYPE_RE = re.compile(r'href="/rdv/type/(\d+)"')
SLOTS_RE = re.compile(r'href="(/rdv/type/\d+/slots\?place=\d+)[^"]*"')
DAY_RE = re.compile(r"[?&;]day=(\d{4}-\d\d-\d\d)#rdv_times")
HOLD_FORM_RE = re.compile(r'<form action="/rdv/hold" method="post">(.*?)</form>', re.S)
FIELD_RE = re.compile(r'name="(\w+)" value="([^"]*)"')
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CAPTCHA_RE = re.compile(r'data-challenge="([^"]+)"')

_numbers = iter(range(10**6))
_addresses = iter(range(254 * 256))  # 65,024 citizens' addresses per run
ASKS_NUMBERS = set()  # types whose details ask pre-application numbers


class SourceAdapter(HTTPAdapter):
    """Opens its connections from one loopback address."""

    def __init__(self, source, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def _csrf(text):
    found = CSRF_RE.search(text)
    return html.unescape(found.group(1)) if found else None


def _alert(text):
    """The page's error messages, for a failure's account."""
    found = re.findall(r'(?:role="alert"|invalid-feedback)[^>]*>(.*?)</(?:div|p|span)>', text, re.S)
    words = (re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part)).strip() for part in found)
    return html.unescape(" | ".join(w for w in words if w))[:200]


# What a type may ask besides the name and contact, as a citizen types it.
IDENTITY = {
    "file_number": "2026-SOAK-1",
    "id_number": "AB123456",
    "birthdate": "1984-05-17",
    "street": "3 rue des Tilleuls",
    "zip": "74000",
    "city": "Valmont",
}
SELECT_RE = re.compile(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', re.S)
OPTION_RE = re.compile(r'<option[^>]*value="([^"]+)"')


def _asked(text):
    """Values for the identity fields the details form asks (its first
    choice for a list)."""
    values = {name: value for name, value in IDENTITY.items() if f'name="{name}"' in text}
    for name, options in SELECT_RE.findall(text):
        choices = OPTION_RE.findall(options)
        if choices:
            values[name] = choices[0]
    return values


def _hold_forms(text):
    forms = []
    for form in HOLD_FORM_RE.findall(text):
        fields = {k: html.unescape(v) for k, v in FIELD_RE.findall(form)}
        if "start" in fields:
            forms.append(fields)
    return forms


def _solve(text):
    """The page's captcha, solved as its script does (ALTCHA proof of work)."""
    found = CAPTCHA_RE.search(text)
    if not found:
        return None
    challenge = altcha.Challenge.from_dict(json.loads(html.unescape(found.group(1))))
    solution = altcha.solve_challenge(challenge, timeout=60)
    return altcha.Payload(challenge, solution).to_base64() if solution else None


def _code_for(address):
    """The newest code the SMTP sink received for ``address`` (None if none yet)."""
    code = None
    try:
        with open(CODES) as lines:
            for line in lines:
                to, _sep, value = line.strip().partition(" ")
                if to == address:
                    code = value
    except FileNotFoundError:
        pass
    return code


class Citizen(HttpUser):
    """One citizen's browser, visiting again and again."""

    def on_start(self):
        self.number = next(_numbers)
        self.client.headers["Accept-Language"] = "fr-FR,fr;q=0.9"
        self.bookings = 0

    def new_citizen(self):
        """The next visit is another citizen's: a new browser session from
        an address of its own (the website counts holds and codes per
        address and per hour, as it would for real citizens)."""
        number = next(_addresses)
        source = "127.%d.%d.%d" % (BLOCK, number // 254 % 256, number % 254 + 1)
        old = self.client.adapters.get("http://")
        self.client.mount("http://", SourceAdapter(source))
        if old is not None:
            old.close()
        self.client.cookies.clear()

    # --- one request, named by its route; a failure is counted by locust

    def page(self, path, name, expect=(200,)):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} on {path}")
                return None
            return response

    def post(self, path, data, name, expect):
        """POST a form, redirect not followed; ``expect``: {status: ok}."""
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code} on {path}: {_alert(response.text)}")
                return None
            response.success()
            return response

    def think(self):
        gevent.sleep(random.uniform(0.5 * THINK, 1.5 * THINK))

    # --- the visit

    @task
    def visit(self):
        self.new_citizen()
        home = self.page("/rdv", "GET /rdv")
        if home is None:
            return
        types = sorted(set(TYPE_RE.findall(home.text)))
        if not types:
            return
        booking = random.random() < BOOKING_SHARE
        if booking:  # among the types this load can book
            types = [t for t in types if t not in ASKS_NUMBERS] or types
        self.think()
        type_id = random.choice(types)
        places = self.page(f"/rdv/type/{type_id}/places", "GET places")
        if places is None:
            return
        links = sorted(set(SLOTS_RE.findall(places.text)))
        if not links:
            return
        self.think()
        slots = random.choice(links)
        month = self.page(slots, "GET slots month")
        if month is None:
            return
        days = sorted(set(DAY_RE.findall(month.text)))
        if not days:
            return
        for day in random.sample(days[:10], min(len(days[:10]), 1 if booking else 2)):
            self.think()
            page = self.page(f"{slots}&day={day}", "GET slots day")
            if page is None:
                return
        if booking:
            self.book(type_id, page)

    def book(self, type_id, page):
        forms = _hold_forms(page.text)
        for _attempt in range(3):
            if not forms:
                return
            form = random.choice(forms)
            self.think()
            data = {**form, "csrf_token": _csrf(page.text), "website_url_hp": ""}
            held = self.post("/rdv/hold", data, "POST hold", {303, 409})
            if held is None:
                return
            if held.status_code == 303:
                break
            # Just taken: the page offers the next free times.
            page, forms = held, _hold_forms(held.text)
        else:
            return
        details = self.page("/rdv/booking/details", "GET details")
        if details is None:
            return
        if 'name="application_' in details.text:
            # A type asking ANTS pre-application numbers, which only ANTS
            # gives: not booked by this load (the hold expires).
            ASKS_NUMBERS.add(type_id)
            return
        self.think()
        number = next(_numbers)
        address = f"soak-{RUN}-{self.number}-{number}@example.com"
        data = {
            "csrf_token": _csrf(details.text),
            "website_url_hp": "",
            "lastname": f"Soak{number}",
            "firstname": "Camille",
            "email": address,
            "phone": "0612%02d%04d" % (int(RUN) % 100, number % 10000),
            "consent": "1",
            **_asked(details.text),
        }
        if self.post("/rdv/booking/details", data, "POST details", {303}) is None:
            return
        summary = self.page("/rdv/booking/summary", "GET summary")
        if summary is None:
            return
        self.think()
        data = {
            "csrf_token": _csrf(summary.text),
            "website_url_hp": "",
            "rdv_captcha": _solve(summary.text) or "",
        }
        if self.post("/rdv/booking/code", data, "POST code", {303}) is None:
            return
        verify = self.page("/rdv/booking/verify", "GET verify")
        if verify is None:
            return
        deadline = time.monotonic() + CODE_WAIT
        code = _code_for(address)
        while code is None and time.monotonic() < deadline:
            gevent.sleep(0.2)
            code = _code_for(address)
        if code is None:
            self.environment.events.request.fire(
                request_type="MAIL",
                name="code received",
                response_time=CODE_WAIT * 1000,
                response_length=0,
                exception=AssertionError(f"no code for {address}"),
            )
            return
        self.think()
        data = {"csrf_token": _csrf(verify.text), "website_url_hp": "", "code": code}
        if self.post("/rdv/booking/verify", data, "POST verify", {303}) is None:
            return
        if self.page("/rdv/booking/done", "GET done") is not None:
            self.bookings += 1
