"""The public booking API through HTTP (OCA fastapi under /api/v1): keys,
scope, the website's rules through the booking service, codes, errors."""

import datetime
import json
import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.rdv_booking.tests.ants_stub import AntsStub

from .common import RdvPortalCase, smtp_sink


class RdvApiCase(RdvPortalCase):
    """A trusted client (a case-management system) and a phone server of the
    commune, each with its key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Client = cls.env["rdv.api.client"].with_company(cls.company)
        cls.case_system = Client.create(
            {"name": "Démarches", "company_id": cls.company.id, "trusted": True}
        )
        cls.case_key = cls.case_system._rdv_new_key()
        cls.phone_server = Client.create(
            {
                "name": "Serveur vocal",
                "company_id": cls.company.id,
                "type_ids": [(6, 0, cls.rdv_type.ids)],
            }
        )
        cls.phone_key = cls.phone_server._rdv_new_key()
        # The first free times are within the hour: no deadline in the way.
        cls.rdv_type.change_deadline_hours = 0

    def api(self, method, path, key=None, body=None, headers=None, **params):
        """Call the API; return (status, JSON body)."""
        all_headers = {"Accept-Language": "en-US", **(headers or {})}
        if key:
            all_headers["X-API-Key"] = key
        url = self.base_url() + "/api/v1" + path
        response = self.opener.request(
            method, url, params=params, json=body, headers=all_headers, timeout=60
        )
        self.assertNotIn(response.status_code, range(500, 600), response.text)
        self.assertTrue(
            response.headers.get("Content-Type", "").startswith("application/json"), response.text
        )
        return response.status_code, response.json(), response

    def free_times(self, key=None, **params):
        status, times, _response = self.api(
            "GET", "/availability", key or self.case_key, type_id=self.rdv_type.id, **params
        )
        self.assertEqual(status, 200, times)
        return times

    def book(self, key, time, **citizen):
        body = {
            "type_id": self.rdv_type.id,
            "counter_id": time["counter_id"],
            "start": time["start"],
            "citizen": {
                "lastname": "Martin",
                "email": "jeanne.martin@example.com",
                "phone": "+33612345678",
                **citizen,
            },
        }
        return self.api("POST", "/appointments", key, body)

    def hold_with_code(self, key):
        """Book the first free time with ``key`` (a client that holds), and
        read the code the citizen received: (answer, code)."""
        times = self.free_times(key)
        with smtp_sink(self.env) as sink:
            status, held, _response = self.book(key, times[0])
            self.assertEqual(status, 201, held)
            sink.flush(self.env)
            code = sink.last_code("jeanne.martin@example.com")
        return held, code


@tagged("post_install", "-at_install")
class TestApi(RdvApiCase, HttpCase):
    def test_key_required(self):
        """No key, a wrong key, an archived client: 401, the header named."""
        for headers in ({}, {"X-API-Key": "rdv_wrong"}, {"Authorization": "Bearer nope"}):
            status, body, response = self.api("GET", "/types", headers=headers)
            self.assertEqual(status, 401)
            self.assertEqual(body["detail"]["field"], "X-API-Key")
            self.assertEqual(body["detail"]["code"], "unauthorized")
        status, body, _response = self.api(
            "GET", "/types", headers={"Authorization": "Bearer %s" % self.case_key}
        )
        self.assertEqual(status, 200)
        self.case_system.active = False
        self.assertEqual(self.api("GET", "/types", self.case_key)[0], 401)

    def test_types_and_documents(self):
        """The client's types, the details they ask and the documents as plain text."""
        status, types, _response = self.api("GET", "/types", self.phone_key)
        self.assertEqual(status, 200)
        self.assertEqual([t["id"] for t in types], self.rdv_type.ids)
        self.assertEqual(types[0]["documents_to_bring"], "Une photo d'identité")
        self.assertEqual(types[0]["asks"]["email"], "required")

    def test_openapi_document(self):
        """The API serves its OpenAPI 3 document and its docs page."""
        response = self.url_open("/api/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assertTrue(document["openapi"].startswith("3."))
        for path in ("/types", "/places", "/availability", "/appointments/{reference}/confirm"):
            self.assertIn(path, document["paths"])
        self.assertEqual(self.url_open("/api/v1/docs").status_code, 200)

    def test_availability_is_the_websites(self):
        """The same free times as the website's engine, and its notice rule."""
        times = self.free_times(limit=500)
        now = fields.Datetime.now()
        expected = (
            self.env["rdv.slot"]
            .sudo()
            ._free_starts(
                self.rdv_type,
                now - datetime.timedelta(days=1),
                now + datetime.timedelta(days=16),
                places=self.place,
                website=True,
                limit=500,
            )
        )
        self.assertTrue(times)
        self.assertEqual(
            [t["start"] for t in times][:20],
            [start.strftime("%Y-%m-%dT%H:%M:%SZ") for _c, start, _s in expected][:20],
        )
        self.rdv_type.min_notice_hours = 72
        later = self.free_times()
        self.assertGreaterEqual(
            datetime.datetime.fromisoformat(later[0]["start"]).replace(tzinfo=None),
            now + datetime.timedelta(hours=72),
        )
        status, body, _response = self.api(
            "GET", "/availability", self.case_key, type_id=self.rdv_type.id, persons=3
        )
        self.assertEqual((status, body["detail"]["field"]), (400, "persons"))

    def test_trusted_books_at_once_and_limits_apply(self):
        """A trusted client books at once; the per-person limit of the type
        applies as on the website (rdv.person)."""
        self.rdv_type.max_active_per_person = 1
        times = self.free_times()
        status, booked, _response = self.book(self.case_key, times[0])
        self.assertEqual(status, 201, booked)
        self.assertEqual(booked["state"], "planned")
        appointment = self.env["rdv.appointment"].search([("name", "=", booked["reference"])])
        self.assertEqual(appointment.api_client_id, self.case_system)
        self.assertEqual(appointment.channel, "api")  # its own channel, not the website's
        status, refused, _response = self.book(self.case_key, times[5])
        self.assertEqual(status, 409, refused)
        self.assertEqual(refused["detail"]["code"], "limit")
        # The same time again: taken.
        status, taken, _response = self.book(
            self.case_key, times[0], phone="+33698765432", email="x@example.com"
        )
        self.assertEqual((status, taken["detail"]["code"]), (409, "taken"))
        self.assertEqual(taken["detail"]["field"], "start")
        # Read back, then every call was logged with its client (refused ones
        # too, in a transaction of their own: tests/test_api_schema.py, on a
        # live server; here the test's one transaction rolls them back).
        status, read, _response = self.api(
            "GET", "/appointments/%s" % booked["reference"], self.case_key
        )
        self.assertEqual((status, read["state"]), (200, "planned"))
        logs = self.env["rdv.api.log"].search([("client_id", "=", self.case_system.id)])
        self.assertEqual(set(logs.mapped("status")), {200, 201})
        self.assertTrue(all(log.route.startswith("/api/v1/") for log in logs))

    def test_citizen_errors_name_the_field(self):
        """Bad citizen data: 400 naming the field; nothing is held."""
        times = self.free_times()
        status, body, _response = self.book(self.case_key, times[0], email="not-an-email")
        self.assertEqual(status, 400, body)
        self.assertEqual(body["detail"]["field"], "citizen.email")
        self.assertFalse(self.env["rdv.appointment"].search([("api_client_id", "!=", False)]))
        status, body, _response = self.api("POST", "/appointments", self.case_key, {"type_id": "x"})
        self.assertEqual(status, 422)
        self.assertIn("type_id", json.dumps(body["detail"]))
        # A body that is no JSON is said so, not a field named by a character's position.
        for text in ("{", '{"type_id": 1,', "[1, 2", "nul", "\u00e9"):
            with self.subTest(text=text):
                response = self.opener.post(
                    self.base_url() + "/api/v1/appointments",
                    data=text.encode(),
                    headers={
                        "X-API-Key": self.case_key,
                        "Content-Type": "application/json",
                        "Accept-Language": "fr-FR",
                    },
                    timeout=60,
                )
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.json()["detail"]["field"], "body")

    def test_phone_server_books_with_a_code(self):
        """A client that does not identify citizens holds, the citizen gets a
        code, the booking counts once the code is given; cancelling needs the
        citizen's phone."""
        held, code = self.hold_with_code(self.phone_key)
        self.assertEqual(held["state"], "pending")
        self.assertTrue(held["code_sent_to"])
        path = "/appointments/%s/confirm" % held["reference"]
        wrong = "000000" if code != "000000" else "111111"
        status, body, _response = self.api("POST", path, self.phone_key, {"code": wrong})
        self.assertEqual((status, body["detail"]["code"]), (400, "wrong_code"))
        status, body, _response = self.api("POST", path, self.phone_key, {"code": code})
        self.assertEqual((status, body["state"]), (200, "planned"), body)
        hook = self.env["rdv.webhook.subscription"].create(
            {"client_id": self.phone_server.id, "url": "https://partner.example.fr/hook"}
        )
        cancel = "/appointments/%s/cancel" % held["reference"]
        status, body, _response = self.api(
            "POST", cancel, self.phone_key, {"contact": "0600000000"}
        )
        self.assertEqual((status, body["detail"]["code"]), (404, "not_found"))
        status, body, _response = self.api(
            "POST", cancel, self.phone_key, {"contact": "06 12 34 56 78"}
        )
        # Its answer says who cancelled as its webhooks do: this client, named.
        self.assertEqual(
            (status, body["state"], body["cancelled_by"], body["cancelled_by_client"]),
            (200, "cancelled", "client", "Serveur vocal"),
        )
        # Cancelled already: a client that identifies citizens is told so
        # (one that does not proves nothing of a cancelled appointment: 404).
        status, body, _response = self.api("POST", cancel, self.case_key, {})
        self.assertEqual((status, body["detail"]["code"]), (409, "state"), body)
        # Its webhooks say the client cancelled, and which.
        delivery = self.env["rdv.webhook.delivery"].search(
            [("subscription_id", "=", hook.id), ("event", "=", "cancelled")]
        )
        sent = json.loads(delivery.payload)["appointment"]
        self.assertEqual(
            (sent["cancelled_by"], sent["cancelled_by_client"]), ("client", "Serveur vocal")
        )
        # The outcome is for clients that receive citizens themselves.
        status, body, _response = self.api(
            "POST", "/appointments/%s/done" % held["reference"], self.phone_key
        )
        self.assertEqual(status, 403)

    def test_what_a_phone_server_may_read_and_change(self):
        """A client that does not identify citizens reads the appointments it
        booked only; it cancels another (booked elsewhere: its reference is
        given to whoever types a number at ANTS) only with the one-time code
        sent to that appointment's own phone or e-mail, within the type's
        deadline, as the website's "manage by reference" does; a contact
        alone, or guessed, is the answer to an unknown reference."""
        times = self.free_times()
        _status, booked, _response = self.book(self.case_key, times[0])
        path = "/appointments/%s" % booked["reference"]
        self.assertEqual(self.api("GET", path, self.phone_key)[0], 404)
        self.assertEqual(self.api("GET", path, self.case_key)[0], 200)
        unknown = "/appointments/ZZZZ-ZZZZ"
        for contact in ("+33612345678", "+33600000000"):
            for where in (path, unknown):
                status, body, _response = self.api(
                    "POST", where + "/cancel", self.phone_key, {"contact": contact}
                )
                self.assertEqual((status, body["detail"]["code"]), (404, "not_found"), body)
        # The same answer whether the pair matches or not; a code to a match only.
        with smtp_sink(self.env) as sink:
            answers = [
                self.api("POST", where + "/code", self.phone_key, {"contact": contact})[:2]
                for where, contact in (
                    (unknown, "+33612345678"),
                    (path, "+33600000000"),
                    (path, "06 12 34 56 78"),
                )
            ]
            self.assertEqual({str(answer) for answer in answers}, {str(answers[0])})
            self.assertEqual(answers[0], (202, {"sent_if_found": True}))
            self.env["rdv.otp"]._cron_send_codes()
            sink.flush(self.env)
            code = sink.last_code("jeanne.martin@example.com")
            codes = [t for t in sink.texts() if re.match(r"\d{6} ", t["subject"])]
            self.assertEqual(len(codes), 1, "one code, to the match only")
        wrong = "000000" if code != "000000" else "111111"
        status, body, _response = self.api(
            "POST", path + "/cancel", self.phone_key, {"contact": "+33612345678", "code": wrong}
        )
        self.assertEqual((status, body["detail"]["code"]), (400, "wrong_code"), body)
        self.rdv_type.change_deadline_hours = 24 * 30
        status, body, _response = self.api(
            "POST", path + "/cancel", self.phone_key, {"contact": "+33612345678", "code": code}
        )
        self.assertEqual((status, body["detail"]["code"]), (409, "deadline"), body)
        self.rdv_type.change_deadline_hours = 0
        status, body, _response = self.api(
            "POST", path + "/cancel", self.phone_key, {"contact": "+33612345678", "code": code}
        )
        self.assertEqual((status, body["state"]), (200, "cancelled"), body)

    def test_move(self):
        times = self.free_times()
        status, booked, _response = self.book(self.case_key, times[0])
        path = "/appointments/%s/move" % booked["reference"]
        status, moved, _response = self.api(
            "POST",
            path,
            self.case_key,
            {"counter_id": times[3]["counter_id"], "start": times[3]["start"]},
        )
        self.assertEqual((status, moved["start"]), (200, times[3]["start"]), moved)
        status, body, _response = self.api(
            "POST",
            path,
            self.case_key,
            {"counter_id": times[3]["counter_id"], "start": "2001-01-01T10:00:00Z"},
        )
        self.assertEqual((status, body["detail"]["field"]), (400, "start"))

    def test_a_time_without_its_offset_is_refused(self):
        """A start without offset could be any clock (the place's? UTC?): a
        422 naming it, never booked an hour off."""
        (first, *_rest) = self.free_times()
        naive = first["start"].replace("Z", "").replace("+00:00", "")
        body = {
            "type_id": self.rdv_type.id,
            "counter_id": first["counter_id"],
            "start": naive,
            "citizen": {"lastname": "Martin", "phone": "+33612345678"},
        }
        status, answer, _response = self.api("POST", "/appointments", self.case_key, body)
        self.assertEqual(status, 422, answer)
        (error,) = answer["detail"]
        self.assertEqual((error["field"], error["type"]), ("start", "timezone_aware"))
        self.assertIn("offset", error["msg"])
        self.assertFalse(self.env["rdv.appointment"].search([("api_client_id", "!=", False)]))

    def test_no_accept_language_is_the_communes_language(self):
        """A client that sends no Accept-Language (a phone server rarely
        does) is answered in the commune's language, every operation working
        as with the header: making a link and asking a code read a country."""
        no_header = {"Accept-Language": None}
        status, link, _response = self.api(
            "POST",
            "/booking-links",
            self.case_key,
            {"type_id": self.rdv_type.id, "lastname": "Martin"},
            headers=no_header,
        )
        self.assertEqual(status, 200, link)
        times = self.free_times()
        _status, booked, _response = self.book(self.case_key, times[0])
        status, body, _response = self.api(
            "POST",
            "/appointments/%s/code" % booked["reference"],
            self.phone_key,
            {"contact": "06 12 34 56 78"},
            headers=no_header,
        )
        self.assertEqual(status, 202, body)

    def test_a_date_out_of_range_is_named(self):
        for name in ("date_from", "date_to"):
            status, body, _response = self.api(
                "GET",
                "/availability",
                self.case_key,
                type_id=self.rdv_type.id,
                **{name: "9999-12-31"},
            )
            self.assertEqual((status, body["detail"]["field"]), (400, name))

    def test_rate_limit(self):
        """Beyond the key's calls per minute: 429 with Retry-After."""
        self.phone_server.rate_limit = 2
        statuses = [self.api("GET", "/types", self.phone_key)[0] for _i in range(3)]
        self.assertEqual(statuses, [200, 200, 429])
        _status, body, response = self.api("GET", "/types", self.phone_key)
        self.assertTrue(1 <= int(response.headers["Retry-After"]) <= 60)
        self.assertEqual(body["detail"]["code"], "rate_limited")

    def test_other_commune_is_not_found(self):
        """A key never sees another commune: its types, places and
        appointments answer as things that do not exist."""
        other = self._make_commune(
            "Commune Voisine",
            appointment_type={"name": "Passeport", "is_published": True, "max_horizon_days": 20},
            place={"name": "Mairie voisine", "city": "Voisine", "zip": "74200", "street": "2 rue"},
        )
        other_client = self.env["rdv.api.client"].create(
            {"name": "Voisin", "company_id": other.company.id, "trusted": True}
        )
        other_key = other_client._rdv_new_key()
        times = self.free_times()
        _status, booked, _response = self.book(self.case_key, times[0])
        unknown = self.api("GET", "/appointments/ZZZZ-ZZZZ", other_key)
        foreign = self.api("GET", "/appointments/%s" % booked["reference"], other_key)
        self.assertEqual((unknown[0], unknown[1]), (foreign[0], foreign[1]))
        self.assertEqual(foreign[0], 404)
        status, types, _response = self.api("GET", "/types", other_key)
        self.assertEqual([t["id"] for t in types], other.type.ids)
        status, body, _response = self.api(
            "GET", "/availability", other_key, type_id=self.rdv_type.id
        )
        self.assertEqual((status, body["detail"]["field"]), (404, "type_id"))
        # The phone server is given one type: the commune's others are unknown to it.
        status, body, _response = self.api("GET", "/places", self.phone_key, type_id=other.type.id)
        self.assertEqual(status, 404)

    @settings(max_examples=40, deadline=None)
    @given(
        params=st.dictionaries(
            st.sampled_from(["type_id", "place_id", "persons", "date_from", "date_to", "limit"]),
            st.one_of(
                st.integers(-(2**40), 2**40).map(str),
                st.text(max_size=20),
                st.dates().map(str),
            ),
        )
    )
    def test_availability_any_input(self, params):
        """Whatever the parameters: a JSON answer, never a server error."""
        params.setdefault("type_id", str(self.rdv_type.id))
        status, body, _response = self.api("GET", "/availability", self.case_key, **params)
        self.assertIn(status, (200, 400, 404, 422))


@tagged("post_install", "-at_install")
class TestBookingLink(RdvApiCase, HttpCase):
    """The signed pre-filled booking link of a case system."""

    def link(self, **details):
        status, body, _response = self.api(
            "POST",
            "/booking-links",
            self.case_key,
            {"type_id": self.rdv_type.id, **details},
        )
        self.assertEqual(status, 200, body)
        return "/rdv/link?" + body["url"].split("?", 1)[1]

    def test_link_fills_the_details(self):
        """The link opens the type; once a time is held, the details step is
        filled in with the link's name and contact."""
        url = self.link(lastname="Durand", email="paul.durand@example.com", phone="0612345678")
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/rdv/type/%s" % self.rdv_type.id))
        self.assertEqual(self.hold().status_code, 200)
        details = self.url_open("/rdv/booking/details")
        self.assertIn('value="Durand"', details.text)
        self.assertIn('value="paul.durand@example.com"', details.text)

    def test_altered_or_expired_link_is_refused(self):
        url = self.link(lastname="Durand")
        altered = url.replace("Durand", "Dupont")
        response = self.url_open(altered)
        self.assertEqual(response.status_code, 400)
        self.assertIn("altered", response.text)
        self.assertNotIn("Dupont", self.url_open("/rdv/type/%s" % self.rdv_type.id).text)
        # Well signed, but out of date.
        client = self.case_system
        values = {"client": client.id, "type": self.rdv_type.id, "exp": 1000, "lastname": "X"}
        signature = client._link_signature(client._link_payload(values))
        response = self.url_open(
            "/rdv/link?client=%s&type=%s&exp=1000&lastname=X&sig=%s"
            % (client.id, self.rdv_type.id, signature)
        )
        self.assertEqual(response.status_code, 410)
        self.assertIn("expired", response.text)

    @settings(max_examples=40, deadline=None)
    @given(
        field=st.sampled_from(["client", "type", "exp", "lastname", "email", "sig"]),
        value=st.text(max_size=40),
    )
    def test_any_change_is_refused(self, field, value):
        """Whatever field of a signed link is changed, the link is refused."""
        from ..models.rdv_api_client import ApiRefusal

        client = self.case_system
        values = {
            "client": client.id,
            "type": self.rdv_type.id,
            "exp": int(time.time()) + 3600,
            "lastname": "Durand",
            "email": "paul@example.com",
        }
        params = {k: str(v) for k, v in values.items()}
        params["sig"] = client._link_signature(client._link_payload(values))
        self.assertEqual(client._from_booking_link(params)[0], self.rdv_type.id)
        if params[field] == value:
            return
        with self.assertRaises(ApiRefusal):
            client._from_booking_link({**params, field: value})


@tagged("post_install", "-at_install")
class TestApiKeyButton(RdvApiCase, HttpCase):
    def test_new_key_is_shown_once_and_replaces_the_old(self):
        action = self.phone_server.with_user(self.manager).action_new_key()
        key = action["context"]["default_key"]
        secret = action["context"]["default_secret"]
        self.assertTrue(key.startswith("rdv_"))
        self.assertNotIn(key, str(self.phone_server.sudo().read()))
        self.assertEqual(self.phone_server.sudo().secret, secret)
        # shown once: a manager cannot read it again (it would forge the
        # client's signed links)
        with self.assertRaises(AccessError):
            self.phone_server.with_user(self.manager).read(["secret"])
        self.assertEqual(self.api("GET", "/types", key)[0], 200)
        self.assertEqual(self.api("GET", "/types", self.phone_key)[0], 401)


@tagged("post_install", "-at_install")
class TestApiLanguage(RdvApiCase, HttpCase):
    def test_malformed_accept_language(self):
        """A malformed Accept-Language header is read as none (the default
        language), not answered with a server error."""
        for header in ("fr;q=abc", "u;Xb#.y", ";;;"):
            status, _body, _response = self.api(
                "GET", "/types", self.case_key, headers={"Accept-Language": header}
            )
            self.assertEqual(status, 200, header)

    def test_refusal_in_the_callers_language(self):
        self.env.ref("base.lang_fr").active = True
        status, body, _response = self.api(
            "GET", "/types", headers={"Accept-Language": "fr-FR", "X-API-Key": "rdv_nope"}
        )
        self.assertEqual(status, 401)
        self.assertEqual(body["detail"]["field"], "X-API-Key")


@tagged("post_install", "-at_install")
class TestApiHolds(RdvApiCase, HttpCase):
    def test_a_client_holds_within_its_own_limit(self):
        """A client that does not identify citizens holds times while they
        give their codes: at most its own number at once, counted for it
        (not for its address, which other clients may share)."""
        self.phone_server.max_live_holds = 2
        times = self.free_times(self.phone_key)[::8][:4]  # far apart: no shared slot
        answers = []
        with smtp_sink(self.env):
            for number, time in enumerate(times[:3]):
                status, body, _response = self.book(
                    self.phone_key,
                    time,
                    email="caller%s@example.com" % number,
                    phone="+3361234560%s" % number,
                )
                answers.append((status, body.get("state") or body["detail"]["code"]))
                reason = body.get("detail", {}).get("reason", "")
        self.assertEqual(answers, [(201, "pending"), (201, "pending"), (429, "hold_limit")])
        self.assertIn("client system", reason)
        other = self.env["rdv.api.client"].create(
            {"name": "Autre serveur", "company_id": self.company.id}
        )
        with smtp_sink(self.env):
            status, body, _response = self.book(other._rdv_new_key(), times[3])
        self.assertEqual((status, body["state"]), (201, "pending"), body)


@tagged("post_install", "-at_install")
class TestApiAnts(RdvApiCase, HttpCase):
    """An ID-card type through the API: the persons' pre-application numbers
    are checked with the ANTS hub (a stub on loopback) by the booking service,
    exactly as on the website, and declared after the booking."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stub = AntsStub.plug(cls, cls.company, cls.rdv_type)
        cls.company.rdv_ants_timeout = 1.0

    def setUp(self):
        super().setUp()
        self.stub.reset()

    def book_numbers(self, numbers, persons=None, **extra):
        time = self.free_times(persons=persons or len(numbers))[0]
        status, body, _response = self.api(
            "POST",
            "/appointments",
            self.case_key,
            {
                "type_id": self.rdv_type.id,
                "counter_id": time["counter_id"],
                "start": time["start"],
                "persons": persons or len(numbers),
                "citizen": {
                    "lastname": "Martin",
                    "phone": "+33612345678",
                    "email": "jeanne.martin@example.com",
                },
                "application_ids": numbers,
                **extra,
            },
        )
        return status, body

    def test_each_persons_number_is_checked_and_named(self):
        self.stub.numbers["AB12345678"] = {"status": "validated", "appointments": []}
        self.stub.numbers["ZZ12345678"] = {"status": "unknown", "appointments": []}
        status, body = self.book_numbers(["ab 1234 5678", "zz-1234-5678"])
        self.assertEqual(status, 400, body)
        self.assertEqual(body["detail"]["field"], "application_ids[1]")
        self.assertIn("Person 2", body["detail"]["reason"])
        self.assertFalse(self.env["rdv.appointment"]._ants_by_application_ids(["AB12345678"]))

    def test_a_number_booked_elsewhere_is_the_clients_decision(self):
        elsewhere = {
            "management_url": "https://autre-mairie.example/rdv/42",
            "meeting_point": "Mairie d'Ailleurs",
            "meeting_point_id": "7",
            "appointment_date": "2026-12-20T10:00:00",
        }
        self.stub.numbers["AB12345678"] = {"status": "declared", "appointments": [elsewhere]}
        status, body = self.book_numbers(["AB12345678"])
        self.assertEqual((status, body["detail"]["code"]), (409, "ants_elsewhere"), body)
        self.assertIn("Mairie d'Ailleurs", body["detail"]["reason"])
        status, body = self.book_numbers(["AB12345678"], ants_confirmed=True)
        self.assertEqual(status, 201, body)
        appointment = self.env["rdv.appointment"]._ants_by_application_ids(["AB12345678"])
        self.assertEqual(appointment.name, body["reference"])
        # Declared to the hub after the booking, from the outbox.
        self.env["rdv.ants.declaration"]._process()
        (declared,) = self.stub.calls("POST", "/api/appointments")
        self.assertIn(("application_id", "AB12345678"), declared["query"])

    def test_hub_down_refuses_with_a_retry(self):
        self.stub.numbers["AB12345678"] = {"status": "validated", "appointments": []}
        self.stub.mode = "down"
        status, body = self.book_numbers(["AB12345678"])
        self.assertEqual((status, body["detail"]["code"]), (409, "ants_unavailable"), body)
        self.assertEqual(body["detail"]["field"], "application_ids")
