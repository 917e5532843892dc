"""The public API as client systems use it: giving back a hold and asking a
new code, truthful codes and answers, the API's own channel, signed links the
website opens, distances, validation errors in the caller's language, and
its documentation page served from here."""

import html
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged

from ..models.rdv_api_client import ApiRefusal
from .common import smtp_sink
from .test_api import RdvApiCase


@tagged("post_install", "-at_install")
class TestApiHoldsGivenBack(RdvApiCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"rdv_otp_resend_seconds": 0, "rdv_holds_per_ip_hour": 10000})
        Client = cls.env["rdv.api.client"].with_company(cls.company)
        cls.other_server = Client.create({"name": "Autre serveur", "company_id": cls.company.id})
        cls.other_key = cls.other_server._rdv_new_key()

    def test_a_client_gives_back_its_own_hold(self):
        held, _code = self.hold_with_code(self.phone_key)
        appointment = self.env["rdv.appointment"].search([("name", "=", held["reference"])])
        slots = appointment.slot_ids
        path = "/appointments/%s/release" % held["reference"]
        unknown = self.api("POST", "/appointments/ZZZZZZ/release", self.phone_key)
        # Another client's hold, even for a client that identifies citizens:
        # not found, as an unknown reference.
        for key in (self.other_key, self.case_key):
            status, body, _response = self.api("POST", path, key)
            self.assertEqual((status, body), unknown[:2])
        self.assertEqual(appointment.state, "pending")
        status, body, _response = self.api("POST", path, self.phone_key)
        self.assertEqual(
            (status, body), (200, {"reference": held["reference"], "state": "released"})
        )
        self.assertFalse(appointment.exists())
        self.assertEqual(set(slots.mapped("state")), {"free"})
        self.assertEqual(self.api("POST", path, self.phone_key)[:2], unknown[:2])

    def test_a_confirmed_appointment_is_not_released(self):
        held, code = self.hold_with_code(self.phone_key)
        reference = held["reference"]
        status, body, _response = self.api(
            "POST", "/appointments/%s/confirm" % reference, self.phone_key, {"code": code}
        )
        self.assertEqual((status, body["state"]), (200, "planned"), body)
        unknown = self.api("POST", "/appointments/ZZZZZZ/release", self.phone_key)
        for operation in ("release", "resend-code"):
            status, body, _response = self.api(
                "POST", "/appointments/%s/%s" % (reference, operation), self.phone_key
            )
            self.assertEqual((status, body), unknown[:2], operation)
        self.assertEqual(body["detail"]["code"], "not_found")

    def test_a_new_code_within_the_limits(self):
        """A new code replaces the old one; the codes' limit per hour says
        its own code (not 'limit', the citizen's appointments)."""
        self.company.rdv_otp_sends_per_hour = 2
        held, old_code = self.hold_with_code(self.phone_key)
        path = "/appointments/%s/resend-code" % held["reference"]
        self.assertEqual(self.api("POST", path, self.other_key)[0], 404)
        with smtp_sink(self.env) as sink:
            status, body, _response = self.api("POST", path, self.phone_key)
            self.assertEqual((status, body["state"]), (200, "pending"), body)
            sink.flush(self.env)
            new_code = sink.last_code("jeanne.martin@example.com")
        self.assertTrue(body["code_sent_to"])
        status, body, _response = self.api("POST", path, self.phone_key)
        self.assertEqual((status, body["detail"]["code"]), (429, "code_limit"), body)
        if new_code != old_code:
            status, body, _response = self.api(
                "POST",
                "/appointments/%s/confirm" % held["reference"],
                self.phone_key,
                {"code": old_code},
            )
            self.assertEqual(status, 400, body)
        status, body, _response = self.api(
            "POST",
            "/appointments/%s/confirm" % held["reference"],
            self.phone_key,
            {"code": new_code},
        )
        self.assertEqual((status, body["state"]), (200, "planned"), body)


@tagged("post_install", "-at_install")
class TestApiTruthfulAnswers(RdvApiCase, HttpCase):
    def test_a_detail_the_type_does_not_ask_is_refused(self):
        times = self.free_times()
        count = self.env["rdv.appointment"].search_count([])
        status, body, _response = self.book(self.case_key, times[0], file_number="DS-2026-1")
        self.assertEqual(status, 422, body)
        (error,) = body["detail"]
        self.assertEqual(error["loc"], ["body", "citizen", "file_number"])
        self.assertEqual((error["field"], error["type"]), ("citizen.file_number", "not_asked"))
        self.assertIn("does not ask for it", error["msg"])
        self.assertEqual(self.env["rdv.appointment"].search_count([]), count)

    def test_api_bookings_have_their_channel_and_client(self):
        times = self.free_times()
        status, booked, _response = self.book(self.case_key, times[0])
        self.assertEqual(status, 201, booked)
        appointment = self.env["rdv.appointment"].search([("name", "=", booked["reference"])])
        self.assertEqual(
            (appointment.channel, appointment.api_client_id), ("api", self.case_system)
        )
        status, body, _response = self.api(
            "POST", "/appointments/%s/cancel" % booked["reference"], self.case_key, {}
        )
        self.assertEqual(
            (status, body["cancelled_by"], body["cancelled_by_client"]),
            (200, "client", "Démarches"),
            body,
        )
        self.assertEqual(appointment.cancelled_by_client_id, self.case_system)

    def test_the_document_lists_each_refusal(self):
        document = self.url_open("/api/v1/openapi.json").json()
        for path in ("/appointments/{reference}/done", "/appointments/{reference}/absent"):
            self.assertIn("403", document["paths"][path]["post"]["responses"])
        for operations in document["paths"].values():
            for operation in operations.values():
                self.assertIn("422", operation["responses"])
        item = document["components"]["schemas"]["ValidationErrorItem"]
        self.assertEqual(set(item["required"]), {"loc", "field", "msg", "type"})
        for path in ("release", "resend-code"):
            self.assertIn("/appointments/{reference}/%s" % path, document["paths"])


@tagged("post_install", "-at_install")
class TestApiValidationLanguage(RdvApiCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("fr_FR", "ar_001"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env.ref("base.module_rdv_booking_portal")._update_translations(["fr_FR", "ar_001"])

    def refused(self, headers):
        status, body, _response = self.api(
            "POST",
            "/appointments",
            self.case_key,
            {"type_id": self.rdv_type.id, "counter_id": 1, "citizen": {"lastname": "é" * 300}},
            headers=headers,
        )
        self.assertEqual(status, 422, body)
        return {error["field"]: error for error in body["detail"]}

    def test_validation_errors_in_the_callers_language(self):
        english = self.refused({"Accept-Language": "en-US"})
        self.assertEqual(english["start"]["msg"], "This field is required.")
        self.assertEqual(english["start"]["loc"], ["body", "start"])
        self.assertEqual(english["citizen.lastname"]["msg"], "At most 200 characters.")
        french = self.refused({"Accept-Language": "fr-FR,fr;q=0.9"})
        self.assertEqual(french["start"]["msg"], "Ce champ est obligatoire.")
        self.assertEqual(french["citizen.lastname"]["msg"], "200 caractères au plus.")
        arabic = self.refused({"Accept-Language": "ar"})
        self.assertEqual(arabic["start"]["msg"], "هذا الحقل إلزامي.")

    @settings(max_examples=50, deadline=None)
    @given(
        errors=st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.one_of(
                        st.sampled_from(["missing", "string_too_long", "int_parsing", "odd"]),
                        st.text(max_size=20),
                    ),
                    "loc": st.lists(
                        st.one_of(st.sampled_from(["body", "query", "citizen"]), st.integers()),
                        max_size=4,
                    ),
                    "msg": st.text(max_size=20),
                    "ctx": st.dictionaries(
                        st.sampled_from(["max_length", "ge", "le"]), st.integers(), max_size=2
                    ),
                }
            ),
            max_size=4,
        )
    )
    def test_every_validation_error_has_its_place_and_reason(self, errors):
        """Whatever pydantic reports, each error keeps its place and type
        and gets a dotted field and a reason in the caller's language."""
        answers = self.case_system.with_context(lang="fr_FR")._api_validation_errors(errors)
        self.assertEqual(len(answers), len(errors))
        for error, answer in zip(errors, answers, strict=True):
            self.assertEqual(answer["loc"], error["loc"])
            self.assertEqual(answer["type"], error["type"] or "invalid")
            self.assertIsInstance(answer["field"], str)
            self.assertTrue(answer["field"])
            if error["type"] not in ("not_asked", "invalid"):
                self.assertTrue(answer["msg"].strip())
                self.assertNotEqual(answer["msg"], error["msg"])  # ours, translated

    def test_no_language_asked_is_the_communes(self):
        self.website.default_lang_id = self.env.ref("base.lang_fr")
        self.website.language_ids |= self.env.ref("base.lang_fr")
        errors = self.refused({"Accept-Language": ""})
        self.assertEqual(errors["start"]["msg"], "Ce champ est obligatoire.")


@tagged("post_install", "-at_install")
class TestSignedLinkOpens(RdvApiCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "rdv_holds_per_ip_hour": 10000,
                "rdv_live_holds_per_ip": 10000,
                "rdv_posts_per_ip_minute": 100000,
            }
        )

    def test_a_link_the_website_would_refuse_is_not_made(self):
        for field, value, code in (
            ("lastname", "Dur\x00and", "invalid"),
            ("firstname", "Pa\x1bul", "invalid"),
            ("email", "paul@", "invalid"),
            ("phone", "12", "invalid"),
            ("file_number", "DS-1", "not_asked"),
        ):
            status, body, _response = self.api(
                "POST",
                "/booking-links",
                self.case_key,
                {"type_id": self.rdv_type.id, "lastname": "Durand", field: value},
            )
            self.assertEqual(status, 422, (field, body))
            (error,) = body["detail"]
            self.assertEqual((error["loc"], error["type"]), (["body", field], code), body)

    @settings(max_examples=30, deadline=None)
    @given(
        lastname=st.text(max_size=210),
        firstname=st.one_of(st.none(), st.text(max_size=30)),
        email=st.one_of(st.none(), st.emails(), st.text(max_size=20)),
        phone=st.one_of(
            st.none(), st.sampled_from(["0612345678", "+33 6 12 34 56 78", "04 50"]), st.text()
        ),
    )
    @example(lastname="Du\x00rand", firstname=None, email=None, phone=None)
    @example(lastname="Durand", firstname="Paul", email="paul@example.com", phone="0612345678")
    def test_every_link_signed_opens_the_prefilled_form(self, lastname, firstname, email, phone):
        details = {"lastname": lastname, "firstname": firstname, "email": email, "phone": phone}
        try:
            url = self.case_system._api_booking_link(self.rdv_type.id, details, 60)
        except ApiRefusal:
            return
        response = self.url_open("/rdv/link?" + url.split("?", 1)[1], allow_redirects=False)
        self.assertEqual(response.status_code, 303, response.text[:300])
        self.assertTrue(response.headers["Location"].endswith("/rdv/type/%s" % self.rdv_type.id))
        self.assertEqual(self.hold().status_code, 200)
        page = self.url_open("/rdv/booking/details").text
        for name, value in details.items():
            if value:
                shown = re.search(r'name="%s"[^>]*? value="([^"]*)"' % name, page)
                self.assertTrue(shown, name)
                self.assertEqual(html.unescape(shown[1]), value)


@tagged("post_install", "-at_install")
class TestPlacesByDistance(RdvApiCase, HttpCase):
    def test_distances_are_true_or_null(self):
        """A place without coordinates has no distance and comes last; a
        postcode known only by its département gives no distance (measured
        from one of its places, that place read 0 km)."""
        Place = self.env["rdv.place"]
        near = self.place  # 74100, 46.19 / 6.23
        far = Place.create(
            {
                "name": "Mairie annexe",
                "zip": "74500",
                "city": "Évian",
                "tz": "Europe/Paris",
                "latitude": 46.40,
                "longitude": 6.59,
            }
        )
        unknown = Place.create({"name": "Sans carte", "zip": "74100", "tz": "Europe/Paris"})
        places = near | far | unknown
        Locality = self.env["rdv.locality"]
        by_postcode = Locality._place_distances(places, "74100")
        self.assertEqual(by_postcode[unknown.id], (None, None))
        self.assertEqual(by_postcode[near.id][0], 0.0)
        self.assertGreater(by_postcode[far.id][0], 30)
        by_departement = Locality._place_distances(places, "74999")
        self.assertEqual([by_departement[p.id][0] for p in places], [None, None, None])
        self.assertIsNotNone(by_departement[near.id][1])
        from_point = Locality._place_distances(places, "", 46.40, 6.59)
        self.assertEqual(from_point[far.id][0], 0.0)
        self.assertEqual(from_point[unknown.id][0], None)
        # The API: a place of the type without coordinates, listed last.
        self.place.write({"latitude": 0, "longitude": 0})
        status, listed, _response = self.api(
            "GET", "/places", self.case_key, type_id=self.rdv_type.id, postcode="74999"
        )
        self.assertEqual(status, 200, listed)
        self.assertEqual([row["distance_km"] for row in listed], [None] * len(listed))


@tagged("post_install", "-at_install")
class TestApiDocsOffline(RdvApiCase, HttpCase):
    def test_the_docs_pages_load_nothing_from_another_host(self):
        for page, marker in (("/api/v1/docs", "SwaggerUIBundle"), ("/api/v1/redoc", "redoc")):
            response = self.url_open(page)
            self.assertEqual(response.status_code, 200, page)
            self.assertIn(marker, response.text)
            links = re.findall(r'(?:src|href|url)\s*[=:(]\s*[\'"]([^\'"]+)', response.text)
            self.assertTrue(links, page)
            for link in links:
                self.assertTrue(link.startswith("/api/v1/"), (page, link))
            self.assertNotRegex(response.text, r"https?://")
        for asset in (
            "swagger-ui-bundle.js",
            "swagger-ui.css",
            "redoc.standalone.js",
            "favicon.png",
        ):
            loaded = self.url_open("/api/v1/docs/assets/" + asset)
            self.assertEqual(loaded.status_code, 200, asset)
            self.assertGreater(len(loaded.content), 500)
        status, body, _response = self.api("GET", "/docs/assets/..%2F..%2Fsetup.py")
        self.assertEqual((status, body["detail"]["code"]), (404, "not_found"))
        self.assertEqual(self.api("GET", "/docs/assets/index.html")[0], 404)

    def test_swagger_ui_shows_the_document(self):
        """In a browser, Swagger UI renders the API's operations (an
        OpenAPI 3.1 document: Swagger UI 4 could not)."""
        self.browser_js(
            "/api/v1/docs",
            """
            const wait = (left) => {
                const paths = [...document.querySelectorAll(".opblock-summary-path")];
                const release = "/appointments/{reference}/release";
                if (paths.some((p) => p.textContent.includes(release))) {
                    console.log("test successful");
                } else if (left > 0) {
                    setTimeout(() => wait(left - 1), 100);
                } else {
                    const text = document.body.innerText.slice(0, 300);
                    console.error("Swagger UI shows no operation: " + text);
                }
            };
            wait(200);
            """,
            timeout=60,
        )
