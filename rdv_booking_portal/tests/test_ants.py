"""The three endpoints the ANTS hub calls, through HTTP as the hub calls them."""

import datetime
import json
from urllib.parse import urlencode, urlsplit

import pytz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.rdv_booking.tests.common import NOW, RdvCase
from odoo.addons.rdv_booking.tools.ants import hub_datetime, normalize_application_id

from .common import RdvPortalCase

TOKEN_HEADER = "X-HUB-RDV-AUTH-TOKEN"


def hub_examples(count):
    """Hypothesis settings of the HTTP examples: reproducible, no deadline
    (each example is a request to the test server)."""
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


SLOTS = "/api/ants/availableTimeSlots"
POINTS = "/api/ants/getManagedMeetingPoints"
SEARCH = "/api/ants/searchApplicationIds"


class AntsCase(RdvPortalCase):
    """The portal's commune with its identity-card type published to the hub,
    and a neighbouring commune with a token and a place of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rdv_type.write({"ants_reason": "CNI", "max_persons": 4})
        cls.token = cls.company._rdv_ants_new_token()
        other = cls._make_commune(
            "Commune Voisine",
            appointment_type={
                "name": "Passeport",
                "duration": 30,
                "max_persons": 4,
                "min_notice_hours": 0,
                "is_published": True,
                "ants_reason": "CNI-PASSPORT",
            },
            place={"name": "Mairie voisine", "city": "Voisine", "zip": "74200"},
            week=("Tous les jours", [(0, 6, 8.0, 20.0)]),
        )
        cls.other_place, cls.other_type = other.place, other.type
        cls.other_company = other.company
        cls.other_token = other.company._rdv_ants_new_token()

    def ants(self, path, params=(), token=None):
        """GET ``path`` as the hub does: ``params`` as (name, value) pairs, lists
        repeated without brackets; the commune's token unless told otherwise."""
        headers = {} if token is False else {TOKEN_HEADER: self.token if token is None else token}
        query = urlencode(list(params))
        return self.url_open(path + ("?" + query if query else ""), headers=headers)

    def slots_params(self, places=None, first=None, last=None, reason="CNI", persons=1):
        today = self._today_paris()
        first = first or today + datetime.timedelta(days=1)
        return [
            *(("meeting_point_ids", place.id) for place in places or self.place),
            ("start_date", first.isoformat()),
            ("end_date", (last or first).isoformat()),
            ("reason", reason),
            ("documents_number", persons),
        ]

    @staticmethod
    def _today_paris():
        return datetime.datetime.now(pytz.timezone("Europe/Paris")).date()


@tagged("post_install", "-at_install")
class TestAntsToken(AntsCase, HttpCase):
    """The token says which commune answers; any other request is refused alike."""

    def test_missing_or_wrong_token_is_refused_alike(self):
        answers = set()
        for token in (False, "", "x" * 43, self.token[:-1] + "!", self.token + " ", "é" * 30):
            for path in (POINTS, SLOTS, SEARCH):
                response = self.ants(path, self.slots_params(), token=token)
                self.assertEqual(response.status_code, 401, (path, token))
                self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
                answers.add(response.text)
        self.assertEqual(len(answers), 1, "the same answer whatever is wrong")
        self.assertIn(TOKEN_HEADER, json.loads(answers.pop())["error"]["message"])

    def test_token_kept_hashed_and_set_by_the_administrator(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT rdv_ants_token_hash, rdv_ants_token_hint FROM res_company WHERE id = %s",
            [self.company.id],
        )
        digest, hint = self.env.cr.fetchone()
        self.assertNotIn(self.token, digest)
        self.assertEqual(hint, self.token[:4] + "…")
        settings_form = (
            self.env["res.config.settings"]
            .with_company(self.company)
            .create({"rdv_ants_hub_token": "pasted-token-of-the-commune-0123456789"})
        )
        settings_form.execute()
        self.assertEqual(self.ants(POINTS).status_code, 401, "the old token stops working")
        response = self.ants(POINTS, token="pasted-token-of-the-commune-0123456789")
        self.assertEqual(response.status_code, 200)
        with self.assertRaises(ValidationError):
            self.company._rdv_ants_set_token("short")
        with self.assertRaises(ValidationError):
            self.company._rdv_ants_set_token("a token with spaces in it, too many")
        with self.assertRaises(ValidationError):
            self.company._rdv_ants_set_token(self.other_token)

    def test_the_two_ants_tokens_are_two_settings(self):
        """The hub's token (it calls us) and the coordination API's (we call
        it) are set on one page: each is its own field, and saving the page
        for another setting changes neither."""
        Settings = self.env["res.config.settings"].with_company(self.company)
        hub, coordination = "hub-token-of-the-commune-0123456789", "coordination-token-0123456789"
        Settings.create({"rdv_ants_hub_token": hub, "rdv_ants_token": coordination}).execute()
        self.assertEqual(self.company.rdv_ants_token, coordination)
        self.assertEqual(self.ants(POINTS, token=hub).status_code, 200)
        Settings.create({"rdv_ants_timeout": 2.0}).execute()
        self.assertEqual(self.company.rdv_ants_token, coordination)
        self.assertEqual(self.ants(POINTS, token=hub).status_code, 200)
        self.assertEqual(self.ants(POINTS, token=coordination).status_code, 401)

    def test_generated_token_is_shown_once_and_opens_the_commune(self):
        settings_form = self.env["res.config.settings"].with_company(self.company).create({})
        action = settings_form.action_rdv_ants_generate_token()
        token = action["params"]["message"].split()[-1]
        self.assertEqual(self.ants(POINTS, token=token).status_code, 200)
        self.assertEqual(self.ants(POINTS).status_code, 401, "the old token stops working")
        self.assertEqual(self.company.rdv_ants_token_hint, token[:4] + "…")
        self.assertFalse(settings_form.rdv_ants_hub_token, "not kept in the form")

    def test_other_communes_token_answers_for_its_own_places_only(self):
        mine = self.ants(POINTS).json()
        theirs = self.ants(POINTS, token=self.other_token).json()
        self.assertEqual([p["id"] for p in mine], [str(self.place.id)])
        self.assertEqual([p["id"] for p in theirs], [str(self.other_place.id)])
        # Asked for the other commune's place with this commune's token: no entry.
        params = self.slots_params(places=self.place | self.other_place)
        answer = self.ants(SLOTS, params).json()
        self.assertEqual(list(answer), [str(self.place.id)])
        answer = self.ants(SLOTS, self.slots_params(places=self.other_place)).json()
        self.assertEqual(answer, {})


@tagged("post_install", "-at_install")
class TestAntsMeetingPoints(AntsCase, HttpCase):
    def test_shape(self):
        self.company.write({"website": "https://www.portail.example", "logo": False})
        response = self.ants(POINTS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            [
                {
                    "id": str(self.place.id),
                    "name": "Mairie du Portail",
                    "longitude": 6.23,
                    "latitude": 46.19,
                    "public_entry_address": "1 rue de la Mairie",
                    "zip_code": "74100",
                    "city_name": "Portail",
                    "website": "https://www.portail.example",
                    "city_logo": None,
                }
            ],
        )

    def test_odoos_placeholder_logo_is_no_logo(self):
        self.company.logo = self.company._get_logo()
        self.assertTrue(self.company.uses_default_logo)
        (point,) = self.ants(POINTS).json()
        self.assertIsNone(point["city_logo"])

    def test_place_without_coordinates_says_so(self):
        self.place.write({"latitude": 0, "longitude": 0})
        (point,) = self.ants(POINTS).json()
        self.assertEqual((point["latitude"], point["longitude"]), (None, None))

    def test_logo_is_served_publicly(self):
        png = (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
            "AAAABJRU5ErkJggg=="
        )
        self.company.logo = png
        (point,) = self.ants(POINTS).json()
        self.assertTrue(point["city_logo"].startswith("http"))
        self.authenticate(None, None)
        logo = self.url_open(point["city_logo"])
        self.assertEqual(logo.status_code, 200)
        self.assertEqual(logo.headers["Content-Type"], "image/png")

    def test_only_places_of_a_published_ants_type_online(self):
        self.rdv_type.ants_reason = False
        self.assertEqual(self.ants(POINTS).json(), [])
        self.rdv_type.ants_reason = "PASSPORT"
        self.counter.website_published = False
        self.assertEqual(self.ants(POINTS).json(), [])


@tagged("post_install", "-at_install")
class TestAntsTimeSlots(AntsCase, HttpCase):
    def _free_local(self, counter, first, last, persons, tz="Europe/Paris", notice_hours=0):
        """The brute-force reference: the free starts of ``counter`` (its
        slots read one by one) followed by the consecutive free slots of
        ``persons``, as the hub reads them."""
        zone = pytz.timezone(tz)
        self.env.flush_all()
        now = fields.Datetime.now()
        slots = self.env["rdv.slot"].search([("counter_id", "=", counter.id)])
        free = {
            slot.start
            for slot in slots
            if slot.state == "free" or (slot.state == "held" and slot.hold_expiry < now)
        }
        step = datetime.timedelta(minutes=counter.slot_duration)
        needed = persons * self.rdv_type.duration // counter.slot_duration
        horizon = now + datetime.timedelta(days=self.rdv_type.max_horizon_days)
        found = []
        for start in sorted(free):
            local = pytz.utc.localize(start).astimezone(zone).replace(tzinfo=None)
            if (
                first <= local.date() <= last
                and start >= max(now, now + datetime.timedelta(hours=notice_hours))
                and start < horizon
                and all(start + k * step in free for k in range(needed))
            ):
                found.append(hub_datetime(local))
        return found

    def test_shape_and_callback_opens_that_time(self):
        first = self._today_paris() + datetime.timedelta(days=2)
        response = self.ants(SLOTS, self.slots_params(first=first))
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(list(answer), [str(self.place.id)])
        slots = answer[str(self.place.id)]
        self.assertEqual(slots[0]["datetime"], "%sT08:00Z" % first.isoformat())
        self.assertEqual(slots[-1]["datetime"], "%sT19:30Z" % first.isoformat())
        self.assertEqual(len(slots), 47, "08:00 to 19:30 by quarter hours")
        self.assertEqual(
            [slot["datetime"] for slot in slots], sorted(slot["datetime"] for slot in slots)
        )
        url = slots[4]["callback_url"]
        self.assertTrue(url.startswith(self.website.get_base_url()), url)
        parts = urlsplit(url)
        self.authenticate(None, None)
        page = self.url_open(parts.path + "?" + parts.query)
        self.assertEqual(page.status_code, 200)
        self.assertRegex(page.text, r'aria-current="true"[^>]*>\s*09:00')
        self.assertFalse(
            self.env["rdv.slot"].search_count(
                [("counter_id", "=", self.counter.id), ("state", "=", "held")]
            ),
            "opening the link holds nothing",
        )

    def test_website_rules_notice_and_horizon(self):
        self.rdv_type.write({"min_notice_hours": 48, "max_horizon_days": 5})
        today = self._today_paris()
        answer = self.ants(
            SLOTS, self.slots_params(first=today, last=today + datetime.timedelta(days=9))
        ).json()
        days = {slot["datetime"][:10] for slot in answer[str(self.place.id)]}
        self.assertNotIn(today.isoformat(), days)
        self.assertNotIn((today + datetime.timedelta(days=1)).isoformat(), days)
        self.assertIn((today + datetime.timedelta(days=3)).isoformat(), days)
        self.assertNotIn((today + datetime.timedelta(days=6)).isoformat(), days)

    def test_reasons(self):
        for reason, expected in (("CNI", True), ("PASSPORT", False), ("CNI-PASSPORT", False)):
            answer = self.ants(SLOTS, self.slots_params(reason=reason)).json()
            self.assertEqual(bool(answer.get(str(self.place.id))), expected, reason)
        for reason in ("CNI", "PASSPORT", "CNI-PASSPORT"):
            answer = self.ants(
                SLOTS, self.slots_params(places=self.other_place, reason=reason), self.other_token
            ).json()
            self.assertTrue(answer[str(self.other_place.id)], "a CNI-PASSPORT type gets " + reason)

    def test_validation_errors_name_the_field(self):
        today = self._today_paris()
        good = dict(self.slots_params())
        cases = [
            ({"reason": "VISA"}, "reason"),
            ({"reason": ""}, "reason"),
            ({"start_date": "2026-02-30"}, "start_date"),
            ({"start_date": "tomorrow"}, "start_date"),
            ({"end_date": "٢٠٢٦-٠١-٠١"}, "end_date"),
            ({"start_date": (today + datetime.timedelta(days=3)).isoformat()}, "start_date"),
            ({"end_date": (today + datetime.timedelta(days=400)).isoformat()}, "end_date"),
            ({"end_date": "9999-12-31"}, "end_date"),
            ({"documents_number": "0"}, "documents_number"),
            ({"documents_number": "21"}, "documents_number"),
            ({"documents_number": "two"}, "documents_number"),
            ({"documents_number": "1.5"}, "documents_number"),
        ]
        for change, field in cases:
            params = {**good, **change}
            response = self.ants(SLOTS, params.items())
            self.assertEqual(response.status_code, 400, change)
            error = response.json()["error"]
            self.assertEqual(error["field"], field, change)
            self.assertTrue(error["message"].startswith(field), error)
        for missing in ("reason", "start_date", "end_date"):
            params = {k: v for k, v in good.items() if k != missing}
            response = self.ants(SLOTS, params.items())
            self.assertEqual(response.status_code, 400, missing)
            self.assertEqual(response.json()["error"]["field"], missing)
        many = [("meeting_point_ids", i) for i in range(1, 202)] + list(good.items())[1:]
        response = self.ants(SLOTS, many)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["field"], "meeting_point_ids")
        # More persons than the type receives at once: no time, no error.
        response = self.ants(SLOTS, {**good, "documents_number": "5"}.items())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(set(map(len, response.json().values())), {0})
        # Odd ids are no place: no entry, no error.
        odd = [("meeting_point_ids", v) for v in ("abc", "-1", "0", "99999999999", "")]
        response = self.ants(SLOTS, odd + list(good.items())[1:])
        self.assertEqual((response.status_code, response.json()), (200, {}))

    def test_failure_of_ours_is_a_json_503_not_a_traceback(self):
        Place = type(self.env["rdv.place"])

        def broken(self, *args):
            raise RuntimeError("boom")

        original = Place._ants_available_time_slots
        Place._ants_available_time_slots = broken
        try:
            with self.assertLogs("odoo.addons.rdv_booking_portal.controllers.ants", "ERROR"):
                response = self.ants(SLOTS, self.slots_params())
        finally:
            Place._ants_available_time_slots = original
        self.assertEqual(response.status_code, 503)
        self.assertNotIn("boom", response.text)
        self.assertTrue(response.json()["error"]["message"])

    def test_place_in_another_zone_gets_its_wall_clock(self):
        """A place in Cayenne (UTC-3, no DST) and one in Réunion (UTC+4), the
        server in Paris: each shows the hours of its own town hall."""
        for tz, city in (("America/Cayenne", "Cayenne"), ("Indian/Reunion", "Saint-Denis")):
            place = self._make_place(
                "Mairie de %s" % city, tz=tz, city=city, company_id=self.company.id
            )
            self._make_counter(
                "Guichet %s" % city, place, self.rdv_type, self.week, date_start=place._today()
            )
            today = datetime.datetime.now(pytz.timezone(tz)).date()
            first = today + datetime.timedelta(days=2)
            answer = self.ants(SLOTS, self.slots_params(places=place, first=first)).json()
            times = [slot["datetime"] for slot in answer[str(place.id)]]
            self.assertEqual(times[0], "%sT08:00Z" % first.isoformat(), tz)
            self.assertEqual(times[-1], "%sT19:30Z" % first.isoformat(), tz)
            self.assertEqual(
                times,
                self._free_local(
                    self.env["rdv.counter"].search([("place_id", "=", place.id)]),
                    first,
                    first,
                    1,
                    tz=tz,
                ),
            )

    @hub_examples(30)
    @given(
        persons=st.integers(1, 4),
        taken=st.sets(st.integers(0, 47), max_size=24),
        day=st.integers(1, 3),
    )
    def test_documents_number_needs_consecutive_free_slots(self, persons, taken, day):
        """documents_number N: the starts followed by N x (30 min) of free
        slots, as read one by one from the slots (brute force)."""
        first = self._today_paris() + datetime.timedelta(days=day)
        slots = self.env["rdv.slot"].search(
            [
                ("counter_id", "=", self.counter.id),
                ("start", ">=", self._utc(first, 8)),
                ("start", "<", self._utc(first, 20)),
            ],
            order="start",
        )
        chosen = slots.filtered(lambda slot: slots.ids.index(slot.id) in taken)
        self.env.cr.execute(
            "UPDATE rdv_slot SET state = 'suspended' WHERE id = ANY(%s)", [chosen.ids]
        )
        try:
            answer = self.ants(SLOTS, self.slots_params(first=first, persons=persons)).json()
            got = [slot["datetime"] for slot in answer[str(self.place.id)]]
            self.assertEqual(got, self._free_local(self.counter, first, first, persons))
        finally:
            self.env.cr.execute(
                "UPDATE rdv_slot SET state = 'free' WHERE id = ANY(%s)", [chosen.ids]
            )

    @staticmethod
    def _utc(day, hour):
        local = pytz.timezone("Europe/Paris").localize(
            datetime.datetime.combine(day, datetime.time(hour))
        )
        return local.astimezone(pytz.utc).replace(tzinfo=None)


@tagged("post_install", "-at_install")
class TestAntsSearch(AntsCase, HttpCase):
    def _booked(self, number, days=3, hour=10, **values):
        appointment = self.book_by_phone(
            self._future_start(days=days, hour=hour), lastname="Bois", phone="0612345678"
        )
        appointment.write(
            {
                "application_ids": [
                    Command.create({"person": 1, "number": normalize_application_id(number)})
                ],
                **values,
            }
        )
        return appointment

    def test_shape_links_and_normalisation(self):
        appointment = self._booked("ab12cd34ef")
        response = self.ants(
            SEARCH,
            [
                ("application_ids", " AB12-CD34EF "),
                ("application_ids", "ZZZZZZZZZZ"),
                ("application_ids", "not a number"),
            ],
        )
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(list(answer), [" AB12-CD34EF ", "ZZZZZZZZZZ", "not a number"])
        self.assertEqual(answer["ZZZZZZZZZZ"], [])
        self.assertEqual(answer["not a number"], [])
        (entry,) = answer[" AB12-CD34EF "]
        self.assertEqual(set(entry), {"meeting_point", "datetime", "management_url", "cancel_url"})
        self.assertEqual(entry["meeting_point"], "Mairie du Portail")
        local = pytz.utc.localize(appointment.start).astimezone(pytz.timezone("Europe/Paris"))
        self.assertEqual(entry["datetime"], local.strftime("%Y-%m-%dT%H:%MZ"))
        # The link declared to the hub (it withdraws a declaration with it):
        # managing by reference, which carries no token another system keeps.
        self.assertEqual(entry["management_url"], appointment._ants_management_url())
        self.assertEqual(entry["cancel_url"], entry["management_url"])
        self.authenticate(None, None)
        parts = urlsplit(entry["management_url"])
        page = self.url_open(parts.path + "?" + parts.query)
        self.assertEqual(page.status_code, 200)
        self.assertIn('value="%s"' % appointment.name, page.text)
        self.assertEqual(appointment.state, "planned", "a GET cancels nothing")

    def test_only_planned_to_come_of_this_commune_and_an_ants_type(self):
        cancelled = self._booked("CANCEL0001", days=4)
        cancelled._cancel(by="agency")
        self._booked("OTHERTYPE1", days=5).type_id.ants_reason = "CNI"
        answer = self.ants(
            SEARCH, [("application_ids", "CANCEL0001"), ("application_ids", "OTHERTYPE1")]
        ).json()
        self.assertEqual(answer["CANCEL0001"], [])
        self.assertEqual(len(answer["OTHERTYPE1"]), 1)
        other = self.ants(
            SEARCH, [("application_ids", "OTHERTYPE1")], token=self.other_token
        ).json()
        self.assertEqual(other, {"OTHERTYPE1": []}, "never another commune's")
        self.rdv_type.ants_reason = False
        answer = self.ants(SEARCH, [("application_ids", "OTHERTYPE1")]).json()
        self.assertEqual(answer, {"OTHERTYPE1": []})

    @hub_examples(40)
    @given(
        ids=st.lists(
            st.one_of(
                st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
                st.sampled_from(
                    ["\x00", "AB12CD34EF\x00", "٣" * 10, "ＡＢ１２ＣＤ３４ＥＦ", "é" * 500]
                ),
            ),
            max_size=6,
        )
    )
    def test_never_fails(self, ids):
        """Whatever the hub sends: 200, a JSON list for each id."""
        response = self.ants(SEARCH, [("application_ids", value) for value in ids])
        self.assertEqual(response.status_code, 200, ids)
        answer = response.json()
        self.assertTrue(all(isinstance(value, list) for value in answer.values()))
        self.assertLessEqual(len(answer), len(set(ids)))

    def test_too_many_numbers_still_answers(self):
        self._booked("AB12CD34EF")
        numbers = ["AB12CD34EF"] + ["X%09d" % i for i in range(300)]
        response = self.ants(SEARCH, [("application_ids", number) for number in numbers])
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(len(answer), 301)
        self.assertEqual(len(answer["AB12CD34EF"]), 1)

    def test_failure_inside_still_answers(self):
        self._booked("AB12CD34EF")
        Appointment = type(self.env["rdv.appointment"])

        def broken(self):
            raise RuntimeError("boom")

        original = Appointment._ants_management_url
        Appointment._ants_management_url = broken
        try:
            with self.assertLogs("odoo.addons.rdv_booking_portal.controllers.ants", "ERROR"):
                response = self.ants(SEARCH, [("application_ids", "AB12CD34EF")])
        finally:
            Appointment._ants_management_url = original
        self.assertEqual((response.status_code, response.json()), (200, {"AB12CD34EF": []}))


@tagged("post_install", "-at_install")
class TestAntsRules(RdvCase):
    """The model's rules, at a frozen time: a change of the clocks, the ids."""

    def test_dst_boundary_keeps_the_wall_clock(self):
        """Europe/Paris goes to summer time on Sunday 29 March 2026: 08:30 on
        the Saturday and on the Monday are both 08:30 for the hub, an hour
        apart in UTC."""
        self.type_id.write({"ants_reason": "PASSPORT", "min_notice_hours": 0})
        self.env["website"].browse(1).rdv_company_ids = self.company
        answer = self.env["rdv.place"]._ants_available_time_slots(
            self.company, [str(self.place.id)], "2026-03-27", "2026-03-30", "PASSPORT", "1"
        )
        times = [slot["datetime"] for slot in answer[str(self.place.id)]]
        self.assertIn("2026-03-27T08:30Z", times)
        self.assertIn("2026-03-30T08:30Z", times)
        self.assertNotIn("2026-03-28T08:30Z", times, "the standard week is Monday to Friday")
        friday = self.slots(day=datetime.date(2026, 3, 27)).sorted("start")[0]
        monday = self.slots(day=datetime.date(2026, 3, 30)).sorted("start")[0]
        self.assertEqual(friday.start.time(), datetime.time(7, 30), "UTC+1")
        self.assertEqual(monday.start.time(), datetime.time(6, 30), "UTC+2")
        self.assertEqual(NOW, datetime.datetime(2026, 3, 2, 7, 0))

    @given(value=st.text(max_size=30))
    @settings(max_examples=60, deadline=None)
    def test_application_id_is_ten_capitals_or_digits(self, value):
        number = normalize_application_id(value)
        if number is not None:
            self.assertRegex(number, r"\A[A-Z0-9]{10}\Z")
            self.assertEqual(normalize_application_id(number), number, "stable")
            self.assertEqual(normalize_application_id(number.lower()), number)

    @given(token=st.text(max_size=60))
    @settings(max_examples=60, deadline=None)
    def test_any_token_is_refused_with_a_message_or_opens_its_commune_only(self, token):
        Company = self.env["res.company"]
        try:
            with self.env.cr.savepoint():
                self.company._rdv_ants_set_token(token)
        except ValidationError as error:
            self.assertIn("ANTS hub token", str(error))
            self.assertNotEqual(Company._rdv_ants_from_token(token), self.company)
        else:
            self.assertEqual(Company._rdv_ants_from_token(token.strip()), self.company)
            self.assertFalse(Company._rdv_ants_from_token(token.strip() + "x"))

    def test_hub_datetime(self):
        self.assertEqual(hub_datetime(datetime.datetime(2026, 7, 1, 9, 5)), "2026-07-01T09:05Z")
