"""The hub's routes at the edges of HTTP: other methods, other paths, a URL
too long. The hub is another system: whatever it sends, it reads a JSON
answer naming the problem, never a web page or a closed connection."""

import datetime
import html
import json
import re
import socket
from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import HttpCase, TransactionCase, tagged

from .common import RdvPortalCase, smtp_sink, solve_captcha
from .test_ants import POINTS, SEARCH, SLOTS, TOKEN_HEADER, AntsCase, hub_examples

ROUTES = (POINTS, SLOTS, SEARCH)
# What a client may send with another method: nothing, JSON, a form, a form
# with a NUL (which Odoo refuses with a bare 400 once it reads the form),
# bytes that are no text.
BODIES = {
    "none": (None, {}),
    "empty": (b"", {}),
    "json": (json.dumps({"application_ids": ["AB1234567C"]}), {"Content-Type": "application/json"}),
    "form": (
        "application_ids=AB1234567C&csrf_token=x",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "form with NUL": (
        "application_ids=AB%00C&name=Bo%00is",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "bytes with NUL": (b"\x00\xff\x00garbage", {"Content-Type": "application/octet-stream"}),
}


@tagged("post_install", "-at_install")
class TestAntsHttpEdges(AntsCase, HttpCase):
    def send(self, method, path, body=None, headers=None, token=True):
        headers = dict(headers or {})
        if token:
            headers[TOKEN_HEADER] = self.token
        return self.opener.request(
            method, self.base_url() + path, data=body, headers=headers, timeout=30
        )

    def assertJsonError(self, response, status, *words):
        self.assertEqual(response.status_code, status, response.text[:300])
        self.assertTrue(
            response.headers["Content-Type"].startswith("application/json"),
            response.headers["Content-Type"],
        )
        error = response.json()["error"]
        self.assertEqual(error["code"], status)
        for word in words:
            self.assertIn(word, error["message"])
        return error

    def test_other_methods_get_a_json_405(self):
        """POST, PUT, DELETE, PATCH with any body, with the token or not: a
        JSON 405 saying which method the routes take."""
        for path in ROUTES:
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                for name, (body, headers) in BODIES.items():
                    for token in (True, False):
                        with self.subTest(path=path, method=method, body=name, token=token):
                            response = self.send(method, path, body, headers, token)
                            self.assertJsonError(response, 405, method, "GET")
                            self.assertIn("GET", response.headers["Allow"])
                            self.assertNotIn("POST", response.headers["Allow"])
        # GET still answers as before.
        self.assertEqual(self.send("GET", POINTS).status_code, 200)
        self.assertEqual(self.send("HEAD", POINTS).status_code, 200)

    @hub_examples(30)
    @given(
        method=st.sampled_from(["POST", "PUT", "DELETE", "PATCH"]),
        path=st.sampled_from(ROUTES),
        body=st.binary(max_size=2000),
        content_type=st.sampled_from(
            ["application/x-www-form-urlencoded", "application/json", "multipart/form-data"]
        ),
    )
    def test_any_body_of_another_method_is_a_json_405(self, method, path, body, content_type):
        response = self.send(method, path, body, {"Content-Type": content_type})
        self.assertJsonError(response, 405, method)

    def test_a_path_of_no_route_is_a_json_404(self):
        for path in ("/api/ants/nothing", "/api/ants/getManagedMeetingPoints/x", "/api/ants/%00"):
            with self.subTest(path=path):
                self.assertJsonError(self.send("GET", path), 404)

    def raw_get(self, target):
        """Send ``GET target`` on a socket of its own and read the whole answer
        (requests reports a closed connection, not what little came)."""
        host, port = self.base_url().split("//")[1].split(":")
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            connection.sendall(
                b"GET %s HTTP/1.1\r\nHost: %s\r\n%s: %s\r\n\r\n"
                % (target.encode(), host.encode(), TOKEN_HEADER.encode(), self.token.encode())
            )
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        head, _sep, body = b"".join(chunks).partition(b"\r\n\r\n")
        return head.decode("latin-1"), body

    def test_a_url_too_long_is_a_json_414(self):
        """80 kB of query string (more than the 65,536 bytes of a request line
        the server reads): answered, in JSON on the hub's routes."""
        query = urlencode([("meeting_point_ids", "1234567")] * 4000)
        self.assertGreater(len(query), 80000)
        for path in ROUTES:
            with self.subTest(path=path):
                head, body = self.raw_get("%s?%s" % (path, query))
                self.assertTrue(head.startswith("HTTP/1.0 414") or head.startswith("HTTP/1.1 414"))
                self.assertIn("application/json", head)
                error = json.loads(body)["error"]
                self.assertEqual(error["code"], 414)
                self.assertIn("65,536 bytes", error["message"])
        # Through an HTTP client as the hub's: a 414 it can read, not a closed connection.
        response = self.send("GET", "%s?%s" % (SLOTS, query))
        self.assertJsonError(response, 414, "meeting_point_ids")
        # The citizen's pages get a 414 too, not a closed connection.
        head, _body = self.raw_get("/rdv?%s" % query)
        self.assertIn(" 414 ", head.splitlines()[0])
        # The public API's refusal, in its own JSON shape.
        head, body = self.raw_get("/api/v1/types?%s" % query)
        self.assertIn(" 414 ", head.splitlines()[0])
        self.assertIn("application/json", head)
        self.assertEqual(json.loads(body)["detail"]["code"], "uri_too_long")

    def test_a_long_url_within_the_limit_is_read_and_refused_by_its_rule(self):
        """60 kB fits in a request line: the route reads it and says what is wrong."""
        params = self.slots_params() + [("meeting_point_ids", "9999999")] * 2400
        query = urlencode(params)
        self.assertGreater(len(query), 60000)
        self.assertLess(len(query), 65000)
        error = self.assertJsonError(self.send("GET", "%s?%s" % (SLOTS, query)), 400)
        self.assertEqual(error["field"], "meeting_point_ids")


@tagged("post_install", "-at_install")
class TestAntsCommuneUrls(AntsCase, HttpCase):
    """A shared instance: each commune's links, given to the hub and to its
    citizens, name its own website when it has a domain."""

    SHARED = "http://shared.example"
    VOISINE = "https://rdv.voisine.example"

    def _other_appointment(self):
        counter = self.env["rdv.counter"].search([("place_id", "=", self.other_place.id)], limit=1)
        slot = self.env["rdv.slot"].search(
            [("counter_id", "=", counter.id), ("start", ">", self._future_start(days=3))],
            order="start",
            limit=1,
        )
        return self.env["rdv.appointment"]._book(
            self.other_type,
            counter,
            slot.start,
            channel="phone",
            citizen={"lastname": "Bois", "phone": "0612345678"},
        )

    def test_each_commune_gives_its_own_websites_address(self):
        self.env["ir.config_parameter"].sudo().set_param("web.base.url", self.SHARED)
        self.env["website"].create(
            {"name": "RDV Voisine", "company_id": self.other_company.id, "domain": self.VOISINE}
        )
        Website = self.env["website"]
        self.assertEqual(Website._rdv_base_url(self.company), self.SHARED)
        self.assertEqual(Website._rdv_base_url(self.other_company), self.VOISINE)
        here = self.book_by_phone(self._future_start(days=3), lastname="Bois", phone="0612345678")
        there = self._other_appointment()
        first = self._today_paris() + datetime.timedelta(days=3)
        for appointment, token, place, base in (
            (here, self.token, self.place, self.SHARED),
            (there, self.other_token, self.other_place, self.VOISINE),
        ):
            with self.subTest(commune=appointment.company_id.name):
                # What the hub is given: the links of its times and appointments...
                answer = self.ants(SLOTS, self.slots_params([place], first=first), token=token)
                slots = answer.json()[str(place.id)]
                self.assertTrue(slots)
                self.assertTrue(slots[0]["callback_url"].startswith(base + "/rdv/type/"))
                self.assertTrue(
                    appointment._ants_management_url().startswith(base + "/rdv/manage/find?")
                )
                self.assertTrue(appointment._ants_params()["management_url"].startswith(base))
                # ...the endpoint the settings tell to register, and the
                # citizen's own links.
                settings = (
                    self.env["res.config.settings"].with_company(appointment.company_id).create({})
                )
                self.assertEqual(settings.rdv_ants_endpoint, base + "/api/ants/")
                self.assertTrue(
                    self.env["rdv.access.token"]._manage_url(appointment).startswith(base + "/")
                )
        # The commune's website given a domain: its links follow.
        self.website.domain = "rdv.portail.example"
        self.assertEqual(Website._rdv_base_url(self.company), "https://rdv.portail.example")
        self.assertEqual(Website._rdv_base_url(self.other_company), self.VOISINE)


@tagged("post_install", "-at_install")
class TestAntsWithoutCoordination(RdvPortalCase, HttpCase):
    """A commune whose type is the ANTS procedure but which has no
    coordination API set up (the demo's case): the website books it end to
    end, the numbers checked against the commune's own appointments only,
    the appointment flagged "not checked", nothing declared."""

    def test_website_books_two_persons_and_agents_see_not_checked(self):
        self.rdv_type.write({"ants_reason": "CNI-PASSPORT", "max_persons": 4})
        self.assertFalse(self.company._rdv_ants_client())
        page = self.hold(persons=2)
        data = {
            "lastname": "Aulan",
            "firstname": "Léa",
            "phone": "06 12 34 56 78",
            "email": "lea@example.com",
            "consent": "1",
            "application_number_1": "ab 1234 567c",
        }
        refused = self.post("/rdv/booking/details", data, page)
        self.assertEqual(refused.status_code, 400, "each person's number, on the website")
        self.assertIn("Person 2: the pre-application number is required.", refused.text)
        data["application_number_2"] = "ZZ99887766"
        with smtp_sink(self.env) as sink:
            summary = self.post("/rdv/booking/details", data, refused)
            self.assertTrue(summary.url.endswith("/rdv/booking/summary"), summary.url)
            challenge = html.unescape(re.search(r'data-challenge="([^"]+)"', summary.text).group(1))
            verify = self.post(
                "/rdv/booking/code", {"rdv_captcha": solve_captcha(challenge)}, summary
            )
            done = self.post(
                "/rdv/booking/verify", {"code": sink.last_code("lea@example.com")}, verify
            )
        self.assertEqual(done.status_code, 200)
        appointment = self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id), ("email", "=", "lea@example.com")]
        )
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(appointment.application_ids.mapped("number"), ["AB1234567C", "ZZ99887766"])
        self.assertTrue(appointment.ants_check_skipped)
        self.assertFalse(appointment.ants_declaration_ids, "no coordination API: nothing declared")
        self.assertEqual(appointment.ants_numbers_missing, 0)
        self.assertIn("ZZ99887766", done.text)


@tagged("post_install", "-at_install")
class TestAntsDemo(TransactionCase):
    """What make demo gives a new user to try the connection with."""

    def test_demo_commune_has_an_ants_type_online_and_a_client_system(self):
        rdv_type = self.env.ref("rdv_booking.demo_type_cni", raise_if_not_found=False)
        if not rdv_type:
            self.skipTest("installed without demo data")
        company = self.env.ref("base.main_company")
        self.assertEqual(rdv_type.ants_reason, "CNI-PASSPORT")
        self.assertTrue(rdv_type.is_published)
        self.assertIn(rdv_type.id, self.env.ref("website.default_website")._rdv_offer())
        self.assertTrue(self.env["rdv.place"]._ants_places(company, rdv_type))
        # Its appointments carry one number per person; some booked on the
        # phone lack one, and say so.
        booked = self.env["rdv.appointment"].search(
            [("type_id", "=", rdv_type.id), ("state", "=", "planned")]
        )
        self.assertTrue(booked.application_ids)
        web = booked.filtered(lambda appointment: appointment.channel == "web")
        self.assertFalse(web.filtered("ants_numbers_missing"), "the website asks every number")
        client = self.env.ref("rdv_booking.demo_api_client_ds")
        self.assertEqual((client.name, client.trusted), ("Démarches simplifiées (démo)", True))
        self.assertEqual(client.company_id, company)
        # Its key is made and printed by make demo, then kept as a hash only.
        self.assertFalse(client.sudo().key_hash)
