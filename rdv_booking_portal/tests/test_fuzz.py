"""Fuzz every public route of the RDV addons, every parameter, GET and POST.

The routes come from Odoo's routing map (a new route joins by itself, and
:meth:`TestFuzzRoutes.test_every_route_has_its_parameters` fails until its
form fields are declared in :data:`FORM_FIELDS`); the values from hypothesis
strategies (any unicode with control characters and NUL, very long texts,
non-ASCII digits, non-finite and huge numbers, dates out of range or
malformed, ids of another commune, of a past or closed time, or of nothing,
missing or stale CSRF tokens), in four sessions: a visitor, a booking in
progress (a held time), an appointment opened to manage it, and a logged-in
citizen. It allows no HTTP 500, no traceback text in any page, and no error
page (4xx) that does not say what was wrong.

Reproducible: hypothesis is derandomized (a fixed seed, no example
database), so that CI runs the same requests each time.
"""

import collections
import datetime
import hashlib
import hmac
import html
import inspect
import re
import time
from urllib.parse import quote, urlencode, urljoin

import pytz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import odoo.http
from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.rdv_booking.models.rdv_appointment_type import IDENTITY_FIELDS

from ..controllers.base import SESSION_DONE, SESSION_FIND, SESSION_MANAGE, SESSION_PENDING
from .common import RdvPortalCase

OUR_MODULES = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")

# What each route reads beyond its signature (``**post`` / ``**kwargs``),
# by function name. A route of ours missing here fails the harness.
FORM_FIELDS = {
    "rdv_types": [],
    "rdv_type": [],
    "rdv_places": [],
    "rdv_slots": [],
    "rdv_post_only_get": [],
    "rdv_hold": ["website_url_hp"],
    "rdv_details": [],
    "rdv_details_post": ["lastname", "firstname"]
    + [name for name, _setting in IDENTITY_FIELDS]
    + ["application_number_1", "application_number_2", "ants_confirmed"]
    + ["consent", "website_url_hp"],
    "rdv_summary": [],
    "rdv_send_code": ["rdv_captcha", "from", "website_url_hp"],
    "rdv_verify": [],
    "rdv_verify_post": ["website_url_hp"],
    "rdv_done": [],
    "rdv_pdf": [],
    "rdv_ics": [],
    "rdv_manage_token": [],
    "rdv_manage": [],
    "rdv_manage_cancel": [],
    "rdv_manage_cancel_post": ["website_url_hp"],
    "rdv_manage_reschedule": [],
    "rdv_manage_reschedule_post": ["confirmed", "website_url_hp"],
    "rdv_manage_find": [],
    "rdv_manage_find_post": ["rdv_captcha", "website_url_hp"],
    "rdv_manage_verify": ["website_url_hp"],
    "portal_my_appointments": [],
    "portal_my_appointment": [],
    "portal_my_appointment_change": [],
    "rdv_method_not_allowed": [],
    "ants_meeting_points": [],
    "ants_available_time_slots": [
        "meeting_point_ids",
        "start_date",
        "end_date",
        "reason",
        "documents_number",
    ],
    "ants_search_application_ids": ["application_ids"],
    "rdv_link": ["client", "type", "exp", "sig", "lastname", "firstname", "email", "phone"]
    + ["file_number"],
}
# Names no form sends, and one that clashes with Python's (``self``).
STRAY_FIELDS = ["id", "\x00", "self"]

# The sessions each route is tried in: the citizen's pages in the three
# states of the booking flow, "My appointments" as a visitor and as its user.
SESSIONS = {
    "/rdv": ("visitor", "booking", "managing"),
    "/my": ("visitor", "user"),
    # The ANTS hub with its token, and anyone without.
    "/api/ants": ("hub", "visitor"),
}
EXAMPLES = 4  # per route, method and session, and 2 more per parameter

NON_ASCII_DIGITS = ["²", "٣", "١٢", "５", "߁", "𝟗", "१२३", "³⁴", "⁰"]
NUMBERS = [
    "inf",
    "-Infinity",
    "nan",
    "NaN",
    "1e309",
    "-1e309",
    "1e308",
    "-0",
    "0",
    "-1",
    "2147483648",
    "-2147483649",
    "9" * 30,
    "9" * 5000,
    "0x1A",
    "1_000",
    " 1 ",
    "+1",
    "1.5",
    "91",
    "-181",
]
DATES = [
    "9999-12-31",
    "9999-12-31 23:59:59",
    "9999-12",
    "0001-01-01",
    "0001-01-01 00:00:00",
    "0001-01",
    "0000-00-00",
    "0000-01",
    "2026-02-30",
    "2026-13-01",
    "2026-12-32 25:61:61",
    "99999-01-01",
    "-2026-01-01",
    "2026-1-1",
    "2026-W05",
    "²⁰²⁶-٠١-٠١",
    "1970-01",
    "today",
    "2026-01-01T10:00:00+99:00",
    "",
    " ",
]
TRACEBACK = re.compile(r'Traceback|File "|\b[A-Z][A-Za-z]*(?:Error|Exception)\b')
ALERT = re.compile(r'<(p|div)\b[^>]*\brole="alert"[^>]*>(.*?)</\1>', re.S)
# One value of each class of odd input, tried on every parameter.
CLASSES = ["Bo\x00is", "²", "inf", "9999-12-31 23:59:59"]
# In a path, percent signs reach the route percent-encoded ("/rdv/manage/%2500"):
# Odoo's canonical-URL check once answered them with a redirect to the same URL.
PATH_CLASSES = ["%00", "%ff", "a%20b", "%2F"]
CSRF_MODES = ("valid", "valid", "valid", "missing", "expired", "other session", "garbage")


def any_text(max_size=30):
    """Any unicode but lone surrogates (which no UTF-8 form carries)."""
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=max_size)


def human_message(body):
    """The text of the page's alerts (what was wrong), if any."""
    texts = (re.sub(r"<[^>]+>|\s+", " ", found).strip() for _tag, found in ALERT.findall(body))
    return " ".join(text for text in texts if text)


def our_routes(env):
    """[(url rule, endpoint, methods)] of the routes our addons declare."""
    found = []
    for rule in env["ir.http"].routing_map().iter_rules():
        endpoint = rule.endpoint
        module = getattr(endpoint, "__module__", "") or ""
        if module.split(".")[2:3] and module.split(".")[2] in OUR_MODULES:
            found.append((rule, endpoint, endpoint.routing.get("methods")))
    return found


@tagged("post_install", "-at_install")
class TestFuzzRoutes(RdvPortalCase, HttpCase):
    """0 HTTP 500, 0 traceback, and error pages that say what was wrong."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # No rate limit in the way of a few thousand requests from one address.
        env["res.company"].search([]).write(
            {
                "rdv_posts_per_ip_minute": 1000000,
                "rdv_otp_sends_per_ip_hour": 1000000,
                "rdv_otp_sends_per_hour": 1000000,
            }
        )
        # Every identity field asked: every one is read from the form.
        cls.rdv_type.write(
            {
                setting: "optional"
                for name, setting in IDENTITY_FIELDS
                if name not in ("email", "phone")
            }
        )
        # Another commune, not offered by this website, with the same type.
        (type_values,) = cls.rdv_type.copy_data()
        other = cls._make_commune(
            "Commune Voisine",
            appointment_type={
                key: value
                for key, value in type_values.items()
                if key not in ("company_id", "service_id", "counter_ids")
            },
            place={"name": "Mairie voisine"},
            week=("Semaine voisine", [(0, 0, 8.0, 12.0)]),
        )
        cls.other_type, cls.other_counter, other_place = other.type, other.counter, other.place
        cls.hidden_counter = cls.counter.copy({"name": "Guichet caché", "website_visible": False})
        cls.user = new_test_user(env, "rdv_fuzz", groups="base.group_portal", name="Fuzz Portal")
        cls.user_appointment = cls._book(days=5, hour=10, partner=cls.user.partner_id)
        paris = pytz.timezone("Europe/Paris")
        soon = datetime.date.today() + datetime.timedelta(days=3)

        def utc(day, hour, minute=0):
            local = paris.localize(datetime.datetime.combine(day, datetime.time(hour, minute)))
            return fields.Datetime.to_string(local.astimezone(pytz.utc).replace(tzinfo=None))

        cls.starts = [
            fields.Datetime.to_string(cls._future_start(days=2)),
            utc(soon, 3),  # closed at that hour
            utc(soon, 9, 7),  # not a slot's start
            utc(datetime.date.today() - datetime.timedelta(days=2), 9),  # past
            utc(soon + datetime.timedelta(days=400), 9),  # beyond the horizon
        ]
        cls.ids = {
            "type": [cls.rdv_type.id, cls.other_type.id],
            "counter": [cls.counter.id, cls.other_counter.id, cls.hidden_counter.id],
            "place": [cls.place.id, other_place.id],
            "appointment": [cls.user_appointment.id],
        }
        # The commune's type is the ANTS procedure, and the hub has its token.
        cls.rdv_type.ants_reason = "CNI"
        cls.ants_token = cls.company._rdv_ants_new_token()
        cls.stats = collections.Counter()
        cls.failures = []

    @classmethod
    def _book(cls, days, hour, partner=None, hold=False):
        """An appointment (a held one if ``hold``) for a person of its own."""
        cls._people = getattr(cls, "_people", 0) + 1
        number = cls._people
        citizen = {
            "lastname": "Fuzz%s" % number,
            "phone": "06 12 %02d %02d %02d" % (number // 10000, number // 100 % 100, number % 100),
            "email": "fuzz%s@example.com" % number,
        }
        if cls.rdv_type.ants_reason:
            # The ID-card procedure: the person's own pre-application number.
            citizen["application_numbers"] = ["FZ%08d" % number]
        Appointment = cls.env["rdv.appointment"].sudo()
        start = cls._future_start(days=days, hour=hour)
        if hold:
            appointment = Appointment._book(
                cls.rdv_type, cls.counter, start, channel="web", hold=True
            )
            appointment._set_citizen(citizen)
            return appointment
        return Appointment._book(
            cls.rdv_type, cls.counter, start, channel="phone", citizen=citizen, partner=partner
        )

    # ------------------------------------------------------------------
    # Sessions and values
    # ------------------------------------------------------------------

    def _session(self, kind, hour):
        """A browser session of ``kind`` (see SESSIONS); returns its CSRF secret inputs."""
        if kind == "user":
            self.authenticate("rdv_fuzz", "rdv_fuzz")
        elif kind == "hub":
            self.authenticate(None, None)
        else:
            self.authenticate(None, None)
        if kind == "booking":
            appointment = self._book(days=2 + hour % 10, hour=8 + hour % 11, hold=True)
            self.session[SESSION_PENDING] = appointment.id
            self.own_appointment = appointment
        elif kind == "managing":
            appointment = self._book(days=2 + hour % 10, hour=8 + hour % 11)
            self.session[SESSION_MANAGE] = [appointment.id, appointment._manage_key()]
            self.session[SESSION_DONE] = [appointment.id]
            self.session[SESSION_FIND] = {"id": appointment.id, "attempts": 0}
            self.own_appointment = appointment
        else:
            self.own_appointment = self.user_appointment
        self.env.flush_all()
        odoo.http.root.session_store.save(self.session)

    def _csrf(self, mode, sid=None):
        """A CSRF token for this session (``valid``), or one of the wrong kinds."""
        if mode == "missing":
            return None
        if mode == "garbage":
            return "é\x00" + "0" * 40 + "o٣"
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        max_ts = int(time.time()) + (-3600 if mode == "expired" else 3600)
        sid = self.session.sid if mode != "other session" else "x" * len(self.session.sid)
        digest = hmac.new(secret.encode(), f"{sid}{max_ts}".encode(), hashlib.sha1).hexdigest()
        return f"{digest}o{max_ts}"

    def _valid(self, name):
        """Right values of the parameter ``name`` in this session."""
        # A held booking is gone once another time is held.
        own = self.own_appointment.exists() or self.user_appointment
        return {
            "type_id": [self.rdv_type.id],
            "appointment_id": [own.id],
            "page": [1],
            "action": ["cancel", "reschedule"],
            "token": ["a" * 43],
            "counter_id": [self.counter.id],
            "place": [self.place.id, "any"],
            "start": self.starts[:1],
            "persons": [1, 2],
            "month": [datetime.date.today().strftime("%Y-%m")],
            "day": [(datetime.date.today() + datetime.timedelta(days=2)).isoformat()],
            "where": ["74100", "Portail"],
            "lat": ["46.2"],
            "lon": ["6.1"],
            "code": ["123456"],
            "reference": [own.name],
            "contact": [own.phone or "0612345678", own.email or "a@example.com"],
            "lastname": ["Bois"],
            "firstname": ["Jules"],
            "email": ["jules@example.com"],
            "phone": ["06 12 34 56 78"],
            "country_id": [self.env.ref("base.fr").id],
            "birthdate": ["1990-05-04"],
            "id_type": ["id_card"],
            "consent": ["1"],
            "confirmed": ["", "1"],  # not yet, then yes
            "next": ["reschedule"],
            "from": ["verify"],
            "website_url_hp": [""],
            "meeting_point_ids": [self.place.id],
            "start_date": [(datetime.date.today() + datetime.timedelta(days=1)).isoformat()],
            "end_date": [(datetime.date.today() + datetime.timedelta(days=3)).isoformat()],
            "reason": ["CNI", "CNI-PASSPORT"],
            "documents_number": [1, 2],
            "application_ids": ["AB12CD34EF", own.file_number or "ZZ99ZZ99ZZ"],
        }.get(name, ["1"])

    def _wrong(self, name, long_size):
        """Wrong values for the parameter ``name``: those of its kind (numbers
        for a number, dates for a date...) more often than any other."""
        own = self.own_appointment.exists() or self.user_appointment
        ids = [*self.ids["type"], *self.ids["counter"], *self.ids["place"], own.id]
        ids += [0, 999999, 2**31, 10**20, -1]
        texts = st.one_of(
            any_text(),
            any_text().map(lambda text: "Bo" + text + "\x00is"),
            st.sampled_from(["\x00", "a\x01b", "\x7f", "\u202e", "\ufeff", "\r\n\t"]),
            st.just("é" * long_size),
        )
        numbers = st.one_of(st.sampled_from(NON_ASCII_DIGITS), st.sampled_from(NUMBERS))
        dates = st.sampled_from(DATES + self.starts)
        generic = st.one_of(texts, numbers, dates, st.sampled_from(ids).map(str))
        if name in ("start", "month", "day", "birthdate", "start_date", "end_date"):
            kind = dates
        elif name in (
            "lat",
            "lon",
            "persons",
            "page",
            "documents_number",
            "meeting_point_ids",
        ) or name.endswith("_id"):
            kind = st.one_of(numbers, st.sampled_from(ids).map(str))
        else:
            kind = texts
        return st.one_of(kind, kind, kind, generic)

    def _path(self, rule, values):
        """The URL of ``rule`` with the arguments in ``values`` (taken out)."""
        url = rule.rule
        for name in rule._converters:
            value = quote(str(values.pop(name, None) or "x"), safe="") or "x"
            url = re.sub(r"<[^>]*\b%s>" % re.escape(name), value.replace("\\", "\\\\"), url)
        return url

    # ------------------------------------------------------------------
    # The harness
    # ------------------------------------------------------------------

    def _parameters(self, endpoint):
        """The route's parameters: its signature's, then its form fields."""
        signature = inspect.signature(endpoint)
        names = [
            name
            for name, param in signature.parameters.items()
            # (the signature is the decorated function's: with ``self``)
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL) and name != "self"
        ]
        return names + FORM_FIELDS[endpoint.__name__]

    def _check(self, label, response):
        status = response.status_code
        self.stats[status] += 1
        body = response.text if "text" in response.headers.get("Content-Type", "") else ""
        problem = None
        location = response.headers.get("Location")
        if status >= 500:
            problem = "HTTP %s" % status
        elif (
            300 <= status < 400
            and location
            and urljoin(response.request.url, location) == response.request.url
        ):
            problem = "HTTP %s to itself (endless redirect)" % status
        elif TRACEBACK.search(body):
            problem = "traceback text: %r" % TRACEBACK.search(body).group(0)
        elif response.headers.get("Content-Type", "").startswith("application/json"):
            problem = self._json_problem(response)
        elif 400 <= status < 500 and not human_message(body):
            title = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
            problem = "HTTP %s without a message (%s)" % (
                status,
                title and re.sub(r"<[^>]+>|\s+", " ", title.group(1)).strip(),
            )
        if problem:
            self.failures.append("%s: %s" % (label, problem))

    def _json_problem(self, response):
        """What is wrong with a JSON answer (another system's): not JSON, or an
        error without its message."""
        try:
            body = response.json()
        except ValueError:
            return "HTTP %s: not JSON" % response.status_code
        if response.status_code >= 400:
            error = isinstance(body, dict) and body.get("error")
            if not (isinstance(error, dict) and error.get("message")):
                return "HTTP %s: JSON error without a message" % response.status_code
        return None

    def _fuzz(self, rule, endpoint, method, session):
        names = self._parameters(endpoint)
        # A URL has room for some 64 kB (the request line): long, not huge.
        long_size = 100000 if method == "POST" else 1000

        @settings(
            max_examples=EXAMPLES + 2 * len(names),
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def run(data):
            # Mostly one parameter wrong and the others right, so that the
            # wrong one goes as deep as the route reads it; else anything.
            one = data.draw(st.sampled_from(names or [None]), label="wrong one")
            values, csrf = {}, "valid"
            # (hypothesis draws small integers most: "anything" is the 3)
            if one is None or data.draw(st.integers(0, 3), label="mode") == 3:
                one, csrf = None, data.draw(st.sampled_from(CSRF_MODES), label="csrf")
            for name in names:
                right = st.sampled_from(self._valid(name))
                # In the URL (query or path): long, but within a request line.
                size = long_size if name not in rule._converters else 1000
                if name == one:
                    value = data.draw(self._wrong(name, size), label=name)
                elif one or name in rule._converters:
                    value = data.draw(right, label=name)
                else:
                    value = data.draw(
                        st.one_of(st.none(), right, self._wrong(name, size)), label=name
                    )
                if value is not None:
                    values[name] = str(value)
            if data.draw(st.integers(0, 9), label="stray") == 9:
                values[data.draw(st.sampled_from(STRAY_FIELDS))] = "1"
            self._send(rule, method, session, values, csrf)

        run()
        # Then each parameter once with each kind of wrong value the issue met
        # (NUL, non-ASCII digits, infinity, year 9999), the others right: the
        # classes are looked for everywhere, whatever the draws above.
        for one in names:
            for wrong in CLASSES + (PATH_CLASSES if one in rule._converters else []):
                values = {name: str(self._valid(name)[0]) for name in names}
                values[one] = wrong
                self._send(rule, method, session, values, "valid")

    def _send(self, rule, method, session, values, csrf):
        """Send one request of ``rule`` (its path arguments in ``values``) and check the answer."""
        values = dict(values)
        url = self._path(rule, values)
        self.stats["requests"] += 1
        headers = {"X-HUB-RDV-AUTH-TOKEN": self.ants_token} if session == "hub" else None
        if method == "GET":
            query = urlencode(values)
            response = self.url_open(
                url + ("?" + query if query else ""),
                allow_redirects=False,
                timeout=60,
                headers=headers,
            )
        else:
            token = self._csrf(csrf)
            if token is not None:
                values["csrf_token"] = token
            response = self.url_open(url, data=values, allow_redirects=False, timeout=60)
        label = "%s %s [%s] %r" % (
            method,
            url[:80],
            session,
            {k: (v[:40] + "…" if len(v) > 40 else v) for k, v in values.items()},
        )
        self._check(label, response)

    def test_every_route_has_its_parameters(self):
        """A new route of ours must declare its form fields here (or []),
        and no declaration outlives its route."""
        names = {endpoint.__name__ for _rule, endpoint, _methods in our_routes(self.env)}
        self.assertEqual(names - set(FORM_FIELDS), set(), "routes missing from FORM_FIELDS")
        self.assertEqual(set(FORM_FIELDS) - names, set(), "FORM_FIELDS of routes that are gone")
        json_routes = [
            rule.rule
            for rule, endpoint, _methods in our_routes(self.env)
            if endpoint.routing.get("type") != "http"
        ]
        self.assertEqual(json_routes, [], "JSON routes need a JSON harness")

    def test_fuzz_every_route(self):
        """Every route x method x session: no 500, no traceback, a message on 4xx."""
        routes = our_routes(self.env)
        self.assertTrue(routes)
        started = time.time()
        parameters = set()
        for rule, endpoint, methods in sorted(routes, key=lambda r: r[0].rule):
            parameters.update((endpoint.__name__, p) for p in self._parameters(endpoint))
            for method in ("GET", "POST"):
                if methods and method not in methods:
                    continue
                sessions = SESSIONS[
                    next((p for p in SESSIONS if rule.rule.startswith(p + "/")), "/rdv")
                ]
                if "<int:appointment_id>" in rule.rule and "user" not in sessions:
                    sessions += ("user",)  # the files of one's appointments
                for hour, session in enumerate(sessions):
                    self._session(session, hour + len(parameters))
                    if rule.rule.endswith("/pdf"):
                        # Rendered beforehand, as the confirmation's job does:
                        # wkhtmltopdf's requests for the styles would wait for
                        # the test's cursor.
                        self.env["report.rdv_booking_portal.report_rdv_appointment"]._get_pdf(
                            self.own_appointment
                        )
                    self._fuzz(rule, endpoint, method, session)
        statuses = sorted((k, v) for k, v in self.stats.items() if k != "requests")
        print(
            "\nFuzz harness: %s routes, %s parameters, %s requests in %.0f s; statuses %s; "
            "%s failures"
            % (
                len(routes),
                len(parameters),
                self.stats["requests"],
                time.time() - started,
                ", ".join("%s: %s" % item for item in statuses),
                len(self.failures),
            )
        )
        self.assertFalse(
            self.failures,
            "%s bad answers:\n%s" % (len(self.failures), "\n".join(self.failures[:60])),
        )


@tagged("post_install", "-at_install")
class TestFuzzApi(RdvPortalCase, HttpCase):
    """The public API (OCA fastapi: its routes are not in Odoo's routing
    map, its OpenAPI document lists them): every operation, every parameter
    and body field, in the path too, gets the same odd values as the
    website's routes. No 5xx, always JSON, and every refusal names its
    reason. (tests/test_api_schema.py adds schemathesis on a live server.)"""

    def test_fuzz_every_api_operation(self):
        client = self.env["rdv.api.client"].create(
            {"name": "Fuzz", "company_id": self.company.id, "trusted": True, "rate_limit": 100000}
        )
        headers = {"X-API-Key": client._rdv_new_key()}
        document = self.url_open("/api/v1/openapi.json").json()
        schemas = document["components"]["schemas"]
        values = [*CLASSES, *NUMBERS[:12], *DATES[:10], *NON_ASCII_DIGITS[:4], "\n", "é" * 300]
        started, requests_sent, failures, statuses = time.time(), 0, [], collections.Counter()
        for path, operations in sorted(document["paths"].items()):
            for method, operation in operations.items():
                query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
                body_ref = (
                    operation.get("requestBody", {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema", {})
                    .get("$ref", "")
                )
                body = schemas[body_ref.rsplit("/", 1)[-1]] if body_ref else {}
                fields = list(body.get("properties", {}))
                for value in values:
                    url = "/api/v1" + path.replace("{reference}", quote(value, safe="") or "x")
                    response = self.opener.request(
                        method.upper(),
                        self.base_url() + url,
                        params=dict.fromkeys(query, value),
                        json=dict.fromkeys(fields, value) if fields else None,
                        headers=headers,
                        timeout=60,
                    )
                    requests_sent += 1
                    statuses[response.status_code] += 1
                    label = "%s %s %r" % (method.upper(), path, value[:40])
                    if response.status_code >= 500:
                        failures.append("%s: HTTP %s" % (label, response.status_code))
                    elif not response.headers.get("Content-Type", "").startswith(
                        "application/json"
                    ):
                        failures.append("%s: not JSON" % label)
                    elif response.status_code >= 400 and not response.json().get("detail"):
                        failures.append("%s: a refusal without its reason" % label)
                if method != "post":
                    continue
                # Bodies JSON cannot carry back (numbers out of range, NaN),
                # bytes that are no UTF-8, under either content type: the
                # refusal must still be JSON (it quoted them: a 500).
                raw_bodies = [
                    b'{"%s": 1e400}' % (fields[0] if fields else "x").encode(),
                    b'{"%s": NaN}' % (fields[0] if fields else "x").encode(),
                    b'{"%s": -Infinity, "x": 1}' % (fields[0] if fields else "x").encode(),
                    b"\xff\xfe{}",
                    b'{"%s": "\xff"}' % (fields[0] if fields else "x").encode(),
                ]
                for raw in raw_bodies:
                    for content_type in ("application/json", "text/plain"):
                        url = "/api/v1" + path.replace("{reference}", "ABCD-EFGH")
                        response = self.opener.request(
                            "POST",
                            self.base_url() + url,
                            data=raw,
                            headers={**headers, "Content-Type": content_type},
                            timeout=60,
                        )
                        requests_sent += 1
                        statuses[response.status_code] += 1
                        label = "POST %s %r (%s)" % (path, raw[:30], content_type)
                        if response.status_code >= 500:
                            failures.append("%s: HTTP %s" % (label, response.status_code))
                        elif not response.headers.get("Content-Type", "").startswith(
                            "application/json"
                        ):
                            failures.append("%s: not JSON" % label)
        print(
            "\nAPI fuzz: %s operations, %s requests in %.0f s; statuses %s"
            % (
                sum(len(ops) for ops in document["paths"].values()),
                requests_sent,
                time.time() - started,
                dict(sorted(statuses.items())),
            )
        )
        self.assertFalse(failures, "\n".join(failures[:40]))


@tagged("post_install", "-at_install")
class TestErrorPages(RdvPortalCase, HttpCase):
    """The error pages of our routes say what was wrong, in the page's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("fr_FR", "ar_001"):
            cls.website.language_ids |= cls.env["res.lang"]._activate_lang(lang)
        cls.env.ref("base.module_rdv_booking_portal")._update_translations(["fr_FR", "ar_001"])

    def test_missing_or_stale_csrf_token(self):
        self.authenticate(None, None)
        expected = {
            "": "This page has expired (security check)",
            "/fr": "Cette page a expiré (contrôle de sécurité)",
            "/ar": "انتهت صلاحية هذه الصفحة (فحص أمني)",
        }
        for prefix, text in expected.items():
            for token in (None, "0" * 40 + "o1", "é" * 10):
                data = {"reference": "RDV-1", "contact": "a@example.com"}
                if token:
                    data["csrf_token"] = token
                response = self.url_open(prefix + "/rdv/manage/find", data=data)
                self.assertEqual(response.status_code, 400, (prefix, token))
                self.assertIn(text, human_message(response.text), (prefix, token))
                self.assertIn('href="%s/rdv"' % prefix, response.text, "a way back")

    def test_not_found_says_so(self):
        for url in ("/rdv/type/99999", "/rdv/type/99999999999/places", "/rdv/appointment/0/pdf"):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertIn("This page does not exist", human_message(response.text), url)

    def test_link_with_percent_encoded_bytes_is_no_longer_valid(self):
        """A token with characters no token has ("%00", "%ff", a space, a
        slash, percent-encoded) is an invalid link, as a wrong token: not a
        redirect to itself (the browser gave up: "too many redirects")."""
        messages = {"": "This link is no longer valid", "/fr": "Ce lien n'est plus valable"}
        for prefix, message in messages.items():
            for token in ("%2500", "%25ff", "a%2520b", "%252F", "invalidtoken123"):
                url = "%s/rdv/manage/%s" % (prefix, token)
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 404, (url, response.headers))
                self.assertIn(message, html.unescape(human_message(response.text)), url)

    def test_odd_numbers_and_dates_are_read_strictly(self):
        """Non-finite coordinates are no position; a start out of range is
        no time offered (each was an HTTP 500)."""
        url = "/rdv/type/%s/places?lat=%s&lon=%s"
        for lat, lon in (("inf", "1"), ("-Infinity", "nan"), ("1e309", "2"), ("٣", "²")):
            response = self.url_open(url % (self.rdv_type.id, lat, lon))
            self.assertEqual(response.status_code, 200, (lat, lon))
            self.assertIn("Mairie du Portail", response.text)
        page = self.url_open("/rdv/manage/find")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        for start in ("9999-12-31 23:59:59", "0001-01-01 00:00:00", "²⁰٢٦-01-01 10:00:00"):
            response = self.url_open(
                "/rdv/hold",
                data={
                    "csrf_token": token,
                    "type_id": self.rdv_type.id,
                    "counter_id": self.counter.id,
                    "start": start,
                },
            )
            self.assertEqual(response.status_code, 400, start)
            self.assertIn("This time is not one we offer", human_message(response.text))

    def test_control_characters_are_dropped_and_the_rest_kept(self):
        """A NUL in the details form: what was typed around it is kept."""
        page = self.url_open("/rdv/manage/find")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.url_open(
            "/rdv/hold",
            data={
                "csrf_token": token,
                "type_id": self.rdv_type.id,
                "counter_id": self.counter.id,
                "start": fields.Datetime.to_string(self._future_start()),
            },
        )
        self.rdv_type.ask_country_id = "optional"
        data = {
            "csrf_token": token,
            "lastname": "Bo\x00is",
            "firstname": "Ju\x1bles",
            "phone": "06 12 34 56 78\x00",
            "email": "jules@example.com",
            "country_id": "²",
            "consent": "1",
        }
        response = self.url_open("/rdv/booking/details", data=data)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Country: choose one from the list", human_message(response.text))
        self.assertIn('value="Bois"', response.text, "what was typed is kept")
        data["country_id"] = str(self.env.ref("base.fr").id)
        response = self.url_open("/rdv/booking/details", data=data)
        self.assertEqual(response.status_code, 200, human_message(response.text))
        appointment = self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "pending")]
        )
        self.assertEqual(appointment.lastname, "Bois")
        self.assertEqual(appointment.firstname, "Jules")
        self.assertEqual(appointment.phone, "+33612345678")
