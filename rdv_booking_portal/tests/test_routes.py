import base64
import datetime
import html
import re
import subprocess
import unicodedata
from urllib.parse import urlparse

import pytz
import vobject

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import file_open
from odoo.tools.translate import code_translations

from ..tools.geo import haversine_km
from .common import RdvPortalCase, read_qr_codes, smtp_sink, solve_captcha


def page_h1(response):
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def main_part(response):
    """The page's content, without the header and footer (whose links repeat the URL)."""
    found = re.search(r"<main>(.*)</main>", response.text, re.S)
    return found.group(1) if found else response.text


def field_errors(response):
    return re.findall(r'id="rdv_(\w+)_error"[^>]*>([^<]*)<', response.text)


@tagged("post_install", "-at_install")
class TestCitizenRoutes(RdvPortalCase, HttpCase):
    """Every route of the citizen flow at the HTTP level, as a browser posts it."""

    # --- helpers

    def details(self, response, **values):
        data = {
            "lastname": "Bois",
            "firstname": "Jules",
            "phone": "06 12 34 56 78",
            "email": "jules@example.com",
            "consent": "1",
        }
        data.update(values)
        return self.post("/rdv/booking/details", data, response)

    def _phone_booking(self, **citizen):
        """An appointment booked by phone in four days, for Haddad."""
        return self.book_by_phone(
            self._future_start(days=4), **{"lastname": "Haddad", "phone": "0611111111", **citizen}
        )

    def captcha(self, response):
        challenge = html.unescape(re.search(r'data-challenge="([^"]+)"', response.text).group(1))
        return solve_captcha(challenge)

    def book(self, sink, start=None, email="jules@example.com", phone="06 12 34 56 78"):
        """The whole flow; returns the confirmation page."""
        summary = self.details(self.hold(start), email=email, phone=phone)
        verify = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(summary)}, summary)
        return self.post("/rdv/booking/verify", {"code": sink.last_code(email)}, verify)

    def book_and_manage_link(self, sink, start):
        """The whole flow for ``start``; the appointment and the link of its
        confirmation e-mail."""
        self.book(sink, start=start)
        appointment = self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)])
        confirmation = [
            m
            for m in sink.flush(self.env).texts()
            if appointment.name in m["subject"] and "confirmed" in m["subject"]
        ]
        link = re.search(r'href="[^"]*(/rdv/manage/[\w-]+)"', confirmation[0]["html"]).group(1)
        return appointment, link

    # --- the pages

    def test_types_places_and_days(self):
        hidden = self.rdv_type.copy({"name": "Unpublished type", "is_published": False})
        page = self.url_open("/rdv")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Carte d&#39;identité", page.text)
        self.assertNotIn("Unpublished type", page.text)
        self.assertEqual(self.url_open("/rdv/type/%s" % hidden.id).status_code, 404)
        info = self.url_open("/rdv/type/%s" % self.rdv_type.id)
        self.assertIn("Une photo d'identité", info.text)
        self.assertIn("Vos données servent", info.text)
        self.company.rdv_retention_months = 18
        info = self.url_open("/rdv/type/%s" % self.rdv_type.id)
        self.assertIn("They are erased 18 months after your appointment.", info.text)
        places = self.url_open("/rdv/type/%s/places?persons=2&where=74100" % self.rdv_type.id)
        self.assertIn("Mairie du Portail", places.text)
        self.assertIn("0.0 km", places.text, "the typed postcode is matched to the place")
        self.website.language_ids |= self.env["res.lang"]._activate_lang("fr_FR")
        french = self.url_open("/fr/rdv/type/%s/places?where=74100" % self.rdv_type.id)
        self.assertIn("0,0 km", french.text, "a French decimal comma")
        self.opener.cookies.clear()  # back to the default language
        # A town typed, from GeoNames: Annecy is about 32 km from the place;
        # "st julien en genevois" is how some type Saint-Julien-en-Genevois.
        self.place.country_id = self.env.ref("base.fr")
        self.env["rdv.locality"]._import_countries(self.place.country_id)
        for town, lat, lon in (
            ("Annecy", 45.90878, 6.12565),
            ("st julien en genevois", 46.14434, 6.08256),
        ):
            near = self.url_open(
                "/rdv/type/%s/places?where=%s" % (self.rdv_type.id, town.replace(" ", "+"))
            )
            expected = haversine_km(lat, lon, self.place.latitude, self.place.longitude)
            self.assertIn("%.1f km" % expected, near.text, town)
        Locality = self.env["rdv.locality"]
        self.assertEqual(
            Locality._locate("VALMONT", self.place),
            (49.0843, 6.69781),
            "of two French Valmont, the one nearer the places (Moselle, not Normandy)",
        )
        self.assertEqual(
            Locality._normalize("Saint-Julien-en-Genevois"),
            Locality._normalize("st julien en genevois"),
        )
        unknown = self.url_open("/rdv/type/%s/places?where=zzz" % self.rdv_type.id)
        self.assertIn("We do not know", unknown.text)
        days = self.url_open("/rdv/type/%s/slots?place=%s" % (self.rdv_type.id, self.place.id))
        self.assertTrue(
            re.search(r'<span class="visually-hidden">\w+ \d+ \w+:\s+\d+ free times?\s', days.text),
            "days say how many times",
        )
        # Another commune's type is not offered by this website.
        other_company = self.env["res.company"].create({"name": "Ailleurs"})
        elsewhere = self.rdv_type.copy({"company_id": other_company.id, "service_id": False})
        self.assertEqual(self.url_open("/rdv/type/%s" % elsewhere.id).status_code, 404)

    def test_an_archived_commune_is_offered_nowhere(self):
        """A commune archived on a shared website: neither the pages nor
        website._rdv_companies() offer its types, whatever the context."""
        other = self.env["res.company"].create(
            {"name": "Commune Archivée", "country_id": self.env.ref("base.fr").id}
        )
        other_type = self.rdv_type.copy(
            {
                "company_id": other.id,
                "service_id": False,
                "name": "Passeport de la voisine",
                "is_published": True,
            }
        )
        other_place = self.place.copy({"company_id": other.id, "name": "Mairie voisine"})
        other_week = self.week.copy({"company_id": other.id})
        self.counter.copy(
            {
                "place_id": other_place.id,
                "reference_week_id": other_week.id,
                "type_ids": [(6, 0, other_type.ids)],
            }
        )
        self.website.rdv_company_ids = [(4, other.id)]
        self.assertEqual(set(self.website._rdv_companies().ids), {self.company.id, other.id})
        self.assertEqual(self.url_open("/rdv/type/%s" % other_type.id).status_code, 200)
        self.assertIn("Passeport de la voisine", self.url_open("/rdv").text)
        other.active = False
        for website in (self.website, self.website.with_context(active_test=False)):
            self.assertEqual(website._rdv_companies(), self.company)
            self.assertNotIn(other_type.id, website._rdv_offer())
        self.assertEqual(self.url_open("/rdv/type/%s" % other_type.id).status_code, 404)
        self.assertNotIn("Passeport de la voisine", self.url_open("/rdv").text)

    def test_towns_of_a_new_country_are_loaded(self):
        """A place in a country new to the places: its towns load by cron."""
        Locality = self.env["rdv.locality"]
        morocco = self.env.ref("base.ma")
        self.env["ir.cron.trigger"].search([]).unlink()
        place = self.place.copy(
            {"name": "Arrondissement Anfa", "country_id": morocco.id, "latitude": 33.59}
        )
        cron = self.env.ref("rdv_booking_portal.ir_cron_rdv_localities")
        self.env.flush_all()  # the precommit adds the trigger
        self.env.cr.precommit.run()
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        Locality._cron_import()
        self.assertTrue(Locality.search_count([("country_id", "=", morocco.id)]) > 100)
        self.assertEqual(Locality._locate("casablanca", place), (33.58831, -7.61138))

    def test_a_day_at_any_place_offers_each_time_once(self):
        """Two places open at the same hours: each time once, with its place."""
        other_place = self.place.copy({"name": "Mairie annexe"})
        self.counter.copy({"name": "Guichet annexe", "place_id": other_place.id})
        day = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
        url = "/rdv/type/%s/slots?place=%%s&day=%s" % (self.rdv_type.id, day)
        anywhere = self.url_open(url % "any")
        labels = re.findall(
            r'<button type="submit" class="btn btn-outline-primary">\s*(\d\d:\d\d)', anywhere.text
        )
        self.assertTrue(labels)
        self.assertEqual(len(labels), len(set(labels)), "each time once")
        ids = re.findall(r'\sid="([^"]+)"', main_part(anywhere))
        self.assertEqual(len(ids), len(set(ids)), "no id twice (one form per time)")
        here = self.url_open(url % other_place.id)
        self.assertIn("Mairie annexe", here.text)
        self.assertEqual(
            len(re.findall(r'name="start"', here.text)), len(labels), "same hours at each place"
        )

    def test_days_of_another_month(self):
        """A day without its month (a bookmark, a shared link) opens in its
        month; a month with nothing left gives way to the next one."""
        self.company.rdv_horizon_days = self.rdv_type.max_horizon_days = 62
        self.counter._generate_slots()
        next_first = (datetime.date.today().replace(day=28) + datetime.timedelta(days=4)).replace(
            day=1
        )
        day = next_first + datetime.timedelta(days=2)
        url = "/rdv/type/%s/slots?place=%s" % (self.rdv_type.id, self.place.id)
        page = self.url_open("%s&day=%s" % (url, day))
        self.assertIn("%s %s %s" % (day.strftime("%A"), day.day, day.strftime("%B %Y")), page.text)
        self.assertIn(day.isoformat(), re.search(r'name="start" value="([^"]+)"', page.text)[1])
        # Nothing left this month: the next one opens, not an empty calendar
        # (the hour's notice hides the slots too close to suspend).
        self.rdv_type.min_notice_hours = 1
        self.env["rdv.slot"].search(
            [
                ("counter_id", "=", self.counter.id),
                ("start", ">", fields.Datetime.now() + datetime.timedelta(minutes=1)),
                ("start", "<", datetime.datetime.combine(next_first, datetime.time())),
            ]
        ).action_suspend()
        page = self.url_open(url)
        self.assertIn(next_first.strftime("%B %Y"), main_part(page))
        self.assertTrue(re.search(r'href="[^"]*day=%s' % day.isoformat(), page.text))

    def test_no_month_beyond_the_horizon(self):
        today = datetime.date.today()
        next_first = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        # The type books until the 5th of next month.
        self.rdv_type.max_horizon_days = (next_first - today).days + 4
        url = "/rdv/type/%s/slots?place=%s" % (self.rdv_type.id, self.place.id)
        this_month = self.url_open("%s&month=%s" % (url, today.strftime("%Y-%m")))
        self.assertIn("month=%s" % next_first.strftime("%Y-%m"), this_month.text)
        far = (next_first + datetime.timedelta(days=100)).strftime("%Y-%m")
        for page in (
            self.url_open("%s&month=%s" % (url, next_first.strftime("%Y-%m"))),
            self.url_open("%s&month=%s" % (url, far)),
        ):
            self.assertIn(next_first.strftime("%B %Y"), main_part(page), "the horizon's month")
            self.assertNotIn("o_rdv_next_month", page.text, "no month after the horizon's")

    def test_summary_pdf_in_the_citizen_language(self):
        """Made by a cron, with no page language to follow: in the citizen's."""
        appointment = self._phone_booking(email="h@example.com")
        for lang, expected in (
            ("fr_FR", "Présentez ce code à l'accueil"),
            ("ar_001", "يرجى تقديم هذا الرمز في الاستقبال"),
        ):
            with self.subTest(lang=lang):
                self.env["res.lang"]._activate_lang(lang)
                appointment.citizen_lang = lang
                pdf = self.env["report.rdv_booking_portal.report_rdv_appointment"]._get_pdf(
                    appointment, refresh=True
                )
                text = subprocess.run(
                    ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
                ).stdout.decode()
                # Arabic comes out as shaped glyphs (presentation forms).
                self.assertIn(expected, unicodedata.normalize("NFKC", text))
                self.assertNotIn("Show this code", text)

    def test_summary_pdf_in_arabic_gives_wkhtmltopdf_words_it_can_wrap(self):
        """Unpatched wkhtmltopdf draws a wrapping Arabic paragraph over itself:
        in Arabic, the paragraphs are right to left, a span per word."""
        appointment = self._phone_booking()
        self.place.access_info = "<p>المدخل الرئيسي، الحافلة 2، محطة «Hôtel de Ville».</p>"
        self.env["res.lang"]._activate_lang("ar_001")
        report = "rdv_booking_portal.action_report_rdv_appointment"
        for lang, right_to_left in (("ar_001", True), ("fr_FR", False)):
            with self.subTest(lang=lang):
                appointment.citizen_lang = lang
                html = (
                    self.env["ir.actions.report"]
                    ._render_qweb_html(report, appointment.ids)[0]
                    .decode()
                )
                nowrap = '<span style="white-space: nowrap">%s</span>'
                self.assertEqual(nowrap % "الرئيسي" in html, right_to_left)
                self.assertEqual(nowrap % "«" in html, right_to_left, "its mark apart")
                self.assertEqual('dir="rtl"' in html, right_to_left)
                # The text is the same once the spans are gone.
                self.assertIn("محطة «Hôtel de Ville».", re.sub(r"<[^>]+>", "", html))

    def test_summary_pdf_prints_the_commune_logo_not_odoo_placeholder(self):
        appointment = self._phone_booking()
        report = "rdv_booking_portal.action_report_rdv_appointment"
        Report = self.env["ir.actions.report"]
        company = appointment.company_id
        company.logo = company._get_logo()  # Odoo's "Your logo" of a new company
        self.assertNotIn('alt="Logo"', str(Report._render_qweb_html(report, appointment.ids)[0]))
        with file_open("rdv_booking_portal/static/img/demo_logo.png", "rb") as logo:
            company.logo = base64.b64encode(logo.read())
        self.assertIn('alt="Logo"', str(Report._render_qweb_html(report, appointment.ids)[0]))

    def test_arabic_pages_are_laid_out_right_to_left(self):
        """Odoo turns the style sheets with rtlcss (scripts/node-packages.txt)."""
        self.website.language_ids |= self.env["res.lang"]._activate_lang("ar_001")
        page = self.url_open("/ar/rdv")
        self.assertIn('dir="rtl"', page.text)
        sheet = re.search(r'href="([^"]*web\.assets_frontend[^"]*\.css)"', page.text)[1]
        self.assertIn(".rtl.", sheet)
        css = self.url_open(sheet)
        self.assertEqual(css.status_code, 200)
        turned = re.search(r"\.text-start\s*\{\s*text-align:\s*right", css.text)
        self.assertTrue(turned, "Bootstrap's start is on the right")

    def test_links_in_messages_open_in_the_citizen_language(self):
        appointment = self._phone_booking()
        base = appointment.get_base_url()
        arabic = self.env["res.lang"]._activate_lang("ar_001")
        appointment.citizen_lang = "ar_001"
        # Not offered by the website: the page would not exist.
        self.website.language_ids -= arabic
        self.assertEqual(
            self.env["rdv.access.token"]._book_again_url(appointment),
            base + "/rdv/type/%s" % self.rdv_type.id,
        )
        self.website.language_ids |= arabic
        self.assertEqual(
            self.env["rdv.access.token"]._book_again_url(appointment),
            base + "/ar/rdv/type/%s" % self.rdv_type.id,
        )
        self.assertTrue(
            self.env["rdv.access.token"]
            ._manage_url(appointment)
            .startswith(base + "/ar/rdv/manage/")
        )
        appointment.citizen_lang = self.website.default_lang_id.code
        self.assertTrue(
            self.env["rdv.access.token"]._manage_url(appointment).startswith(base + "/rdv/manage/")
        )

    def test_links_keep_the_language_of_the_page(self):
        """The links of places and days, built without the website's post-processing."""
        self.website.language_ids |= self.env["res.lang"]._activate_lang("fr_FR")
        slots = "/fr/rdv/type/%s/slots" % self.rdv_type.id
        places = self.url_open("/fr/rdv/type/%s/places" % self.rdv_type.id)
        self.assertIn('href="%s?place=%s&amp;persons=1"' % (slots, self.place.id), places.text)
        days = self.url_open("%s?place=%s" % (slots, self.place.id))
        links = re.findall(r'href="([^"]*day=[^"]*)"', days.text)
        self.assertTrue(links)
        for link in links:
            self.assertTrue(link.startswith(slots + "?place="), link)
        day = self.url_open(html.unescape(links[0]))
        self.assertIn('lang="fr-FR"', day.text)
        self.assertTrue(re.search(r'action="/fr/rdv/hold"', day.text))

    def test_whole_booking_with_the_code_from_the_smtp_sink(self):
        start = self._future_start(days=3, hour=10)
        with smtp_sink(self.env) as sink:
            held = self.hold(start)
            self.assertEqual(page_h1(held), "Your details")
            bad = self.details(held, lastname="", phone="12", email="nope", consent="")
            self.assertEqual(bad.status_code, 400)
            self.assertEqual(
                {name for name, _msg in field_errors(bad)},
                {"lastname", "phone", "email", "consent"},
            )
            self.assertIn('value="nope"', bad.text, "what the citizen typed is kept")
            ticked = self.details(bad, email="nope")
            self.assertTrue(
                re.search(r'<input[^>]*name="consent"[^>]*checked', ticked.text),
                "the consent given stays ticked after an error",
            )
            summary = self.details(ticked)
            self.assertEqual(page_h1(summary), "Check your appointment")
            # The contact as typed, so that a typo is seen before the code goes.
            self.assertIn("jules@example.com", summary.text)
            self.assertIn("06 12 34 56 78", summary.text)
            # Left to right on an Arabic page too; and never kept by the browser.
            self.assertIn('<bdi dir="ltr">06 12 34 56 78</bdi>', summary.text)
            self.assertEqual(summary.headers.get("Cache-Control"), "no-store")
            self.assertNotEqual(self.url_open("/rdv").headers.get("Cache-Control"), "no-store")
            no_robot = self.post("/rdv/booking/code", {"rdv_captcha": ""}, summary)
            self.assertIn("anti-robot check failed", no_robot.text)
            self.assertEqual(no_robot.status_code, 400, "a refusal, as on every form")
            verify = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(summary)}, summary)
            self.assertEqual(page_h1(verify), "Type the code you received")
            self.assertIn("jules@example.com", verify.text)
            self.assertIn('href="/rdv/booking/details"', verify.text, "a typo can be fixed")
            code = sink.last_code("jules@example.com")
            # Back on the summary, "send me the code" again at once: the page
            # to type the code just sent, not an error on the summary.
            resent = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(verify)}, summary)
            self.assertEqual(resent.status_code, 200)
            self.assertEqual(page_h1(resent), "Type the code you received")
            self.assertIn("A code was just sent", resent.text)
            self.assertEqual(sink.last_code("jules@example.com"), code, "no second code")
            # A typo is not a guess: no attempt used.
            typo = self.post("/rdv/booking/verify", {"code": code[:2]}, resent)
            self.assertEqual(typo.status_code, 400)
            self.assertIn("The code has 6 digits", typo.text)
            wrong = self.post(
                "/rdv/booking/verify", {"code": "%06d" % ((int(code) + 1) % 10**6)}, typo
            )
            self.assertEqual(wrong.status_code, 400)
            self.assertIn("Attempts left: 4.", wrong.text)
            done = self.post("/rdv/booking/verify", {"code": code}, wrong)
            self.assertEqual(page_h1(done), "Your appointment is confirmed")
            # Back to a step, or the code sent again: the confirmation, not
            # "expired".
            for step in ("/rdv/booking/details", "/rdv/booking/summary", "/rdv/booking/verify"):
                self.assertEqual(page_h1(self.url_open(step)), "Your appointment is confirmed")
            again = self.post("/rdv/booking/verify", {"code": code}, wrong)
            self.assertEqual(page_h1(again), "Your appointment is confirmed")
            mails = sink.flush(self.env).texts("jules@example.com")
        appointment = self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)])
        self.assertEqual(
            (appointment.state, appointment.channel, appointment.start), ("planned", "web", start)
        )
        self.assertIn(appointment.name, done.text)
        self.assertFalse(appointment.booked_by_id)
        # The citizen's contact, linked once the booking is confirmed, speaks
        # the website's language.
        self.env["res.partner"]._cron_rdv_link_appointments()
        self.assertEqual(appointment.partner_id.name, "BOIS Jules")
        self.assertEqual(appointment.partner_id.lang, appointment.citizen_lang)
        confirmation = [m for m in mails if appointment.name + " is confirmed" in m["subject"]]
        self.assertEqual(len(confirmation), 1)
        self.assertIn(appointment.name, confirmation[0]["body"])
        self.assertIn("1 rue de la Mairie", confirmation[0]["body"], "the place's address")
        self.assertIn("openstreetmap.org", confirmation[0]["html"])
        self.assertIn("/rdv/manage/", confirmation[0]["html"])
        self.assertNotIn("0612345678", confirmation[0]["body"], "no personal data beyond need")
        names = sorted(name for name, _ctype, _data in confirmation[0]["attachments"])
        self.assertEqual(names, sorted([appointment.name + ".ics", appointment.name + ".pdf"]))

        # The PDF and the calendar file of the confirmation page.
        pdf = self.url_open("/rdv/appointment/%s/pdf" % appointment.id)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        for expected in (
            appointment.name,
            "Carte d'identité",
            "Mairie du Portail",
            "1 rue de la Mairie",
            "Une photo d'identité",
            "BOIS Jules",
            "j•••s@example.com",
            "06 •• •• •• 78",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("0612345678", text)
        # The QR code the reception scans (Reception: check-in) reads back
        # as the reference, from the PDF as from the confirmation page.
        self.assertEqual(read_qr_codes(pdf.content), [appointment.name])
        self.assertIn('alt="QR code of the reference"', done.text)
        self.assertIn(appointment._reference_qr_src(), done.text)
        ics = self.url_open("/rdv/appointment/%s/ics" % appointment.id)
        event = vobject.readOne(ics.text).vevent
        self.assertEqual(event.dtstart.value.replace(tzinfo=None), appointment.start)
        self.assertEqual(event.dtend.value.replace(tzinfo=None), appointment.stop)
        self.assertIn("Mairie du Portail", event.location.value)

    def test_slot_taken_meanwhile_shows_the_next_times(self):
        start = self._future_start(days=4, hour=9)
        self.book_by_phone(start, lastname="Rapide", phone="0699999999")
        taken = self.hold(start)
        self.assertEqual(taken.status_code, 409)
        self.assertEqual(page_h1(taken), "This time was just taken")
        self.assertEqual(len(re.findall(r'action="/rdv/hold"', taken.text)), 5)
        self.assertNotIn("Traceback", taken.text)

    def test_tampered_requests(self):
        page = self.url_open("/rdv/type/%s/slots" % self.rdv_type.id)
        start = fields.Datetime.to_string(self._future_start())
        hidden_counter = self.counter.copy({"name": "Back office only", "website_visible": False})
        archived_counter = self.counter.copy({"name": "Closed", "active": False})
        for data, status in [
            ({"counter_id": hidden_counter.id}, 404),  # not offered online
            ({"counter_id": archived_counter.id}, 404),
            ({"counter_id": 999999}, 404),
            # Malformed: a bad request, which says so.
            ({"counter_id": "abc"}, 400),
            ({"start": "not-a-date"}, 400),
            ({"start": "9999-12-31 23:59:59"}, 400),
            ({"type_id": 999999}, 404),
        ]:
            values = {
                "type_id": self.rdv_type.id,
                "counter_id": self.counter.id,
                "start": start,
                "persons": 1,
                **data,
            }
            with self.subTest(data=data):
                response = self.post("/rdv/hold", values, page)
                self.assertEqual(response.status_code, status)
                self.assertNotIn("Traceback", response.text)
        # Without the CSRF token: refused, nothing held.
        response = self.url_open(
            "/rdv/hold",
            data={"type_id": self.rdv_type.id, "counter_id": self.counter.id, "start": start},
        )
        self.assertEqual(response.status_code, 400)
        # The honeypot filled in: refused.
        response = self.post(
            "/rdv/hold",
            {
                "type_id": self.rdv_type.id,
                "counter_id": self.counter.id,
                "start": start,
                "website_url_hp": "http://spam.example",
            },
            page,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)]))
        # Other people's files, and steps without a booking in progress.
        other = self.book_by_phone(self._future_start(days=5), lastname="Autre", phone="0611111111")
        self.assertEqual(self.url_open("/rdv/appointment/%s/pdf" % other.id).status_code, 404)
        self.assertEqual(self.url_open("/rdv/appointment/%s/ics" % other.id).status_code, 404)
        # Nothing held in this browser: not "expired", and a way to start.
        nothing = self.url_open("/rdv/booking/details")
        self.assertEqual(nothing.status_code, 404)
        self.assertIn("You have no booking in progress.", nothing.text)
        self.assertNotIn("expired", nothing.text)
        self.assertIn(">Book an appointment</a>", nothing.text)
        self.assertEqual(self.url_open("/rdv/manage", allow_redirects=False).status_code, 303)
        # Held, then gone (its time ran out): expired.
        self.hold(self._future_start(days=6))
        self.env["rdv.appointment"].search([("state", "=", "pending")]).unlink()
        expired = self.url_open("/rdv/booking/details")
        self.assertEqual(expired.status_code, 410)
        self.assertIn("Your booking has expired", expired.text)

    def test_holds_prove_nothing_and_count_for_no_one(self):
        """Someone's phone typed in holds never confirmed keeps nobody from
        booking; the details step answers alike whether a phone has
        appointments or not; the limit refuses at the code, and frees the time."""
        self.rdv_type.max_active_per_person = 1
        victim = "06 99 88 77 66"
        for day, email in ((3, "a@example.org"), (4, "b@example.org"), (5, "c@example.org")):
            self.opener.cookies.clear()  # another browser each time
            typed = self.details(self.hold(self._future_start(days=day)), phone=victim, email=email)
            self.assertTrue(typed.url.endswith("/rdv/booking/summary"), typed.text[:300])
        with smtp_sink(self.env) as sink:
            self.opener.cookies.clear()
            done = self.book(
                sink, self._future_start(days=6), email="owner@example.org", phone=victim
            )
            self.assertIn("/rdv/booking/done", done.url)
            # The limit reached: the details step says nothing of it...
            self.opener.cookies.clear()
            start = self._future_start(days=7)
            summary = self.details(self.hold(start), email="owner@example.org", phone=victim)
            self.assertTrue(summary.url.endswith("/rdv/booking/summary"))
            self.assertNotIn("already have", summary.text)
            # ...the code proves the contact, then the limit refuses, and the time is free.
            verify = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(summary)}, summary)
            refused = self.post(
                "/rdv/booking/verify", {"code": sink.last_code("owner@example.org")}, verify
            )
        self.assertEqual(refused.status_code, 409)
        self.assertIn("You already have an upcoming appointment", refused.text)
        slots = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", start)]
        )
        self.assertEqual(set(slots.mapped("state")), {"free"}, "the time is free again")

    def test_a_phone_typed_by_someone_else_neither_reveals_nor_blocks(self):
        """The code proves the e-mail address only (no SMS here): the phone
        typed beside it does not make its owner's appointments the booker's.
        Before, a stranger typing someone's phone with their own address was
        told "you already have an appointment ... with the same phone number",
        and a booking made that way kept the phone's owner from booking."""
        self.rdv_type.max_active_per_person = 1
        # Many bookings from this test's one address: not what is tested here.
        self.company.write({"rdv_posts_per_ip_minute": 1000, "rdv_otp_sends_per_ip_hour": 1000})
        owner = "06 99 88 77 66"
        # The owner's appointment booked at the counter: both contacts count.
        self.env["rdv.appointment"]._book(
            self.rdv_type,
            self.counter,
            self._future_start(days=3),
            citizen={"lastname": "Owner", "phone": owner, "email": "owner@example.org"},
            channel="counter",
        )
        with smtp_sink(self.env) as sink:
            for day, email in ((4, "stranger@example.org"), (5, "other.stranger@example.org")):
                with self.subTest(email=email):
                    self.opener.cookies.clear()
                    done = self.book(sink, self._future_start(days=day), email=email, phone=owner)
                    self.assertIn("/rdv/booking/done", done.url, done.text[:300])
                    self.assertNotIn("already have", done.text)
            booked = self.env["rdv.appointment"].search([("email", "=", "stranger@example.org")])
            self.assertEqual(booked.contact_proven, "email")
            # A stranger's booking with another's phone, then that phone's owner books.
            other_phone = "06 55 44 33 22"
            self.opener.cookies.clear()
            self.book(
                sink, self._future_start(days=7), email="third@example.org", phone=other_phone
            )
            self.opener.cookies.clear()
            done = self.book(
                sink, self._future_start(days=8), email="phone.owner@example.org", phone=other_phone
            )
            self.assertIn("/rdv/booking/done", done.url, done.text[:300])
            # The owner's own address is proven: one appointment, the limit.
            self.opener.cookies.clear()
            start = self._future_start(days=6)
            summary = self.details(self.hold(start), email="owner@example.org", phone=owner)
            verify = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(summary)}, summary)
            refused = self.post(
                "/rdv/booking/verify", {"code": sink.last_code("owner@example.org")}, verify
            )
            self.assertEqual(refused.status_code, 409)

    def test_a_hold_for_more_persons_than_allowed_is_refused_not_cut(self):
        """A form changed by hand to ask for more persons than the type allows
        is told so; nothing is held for fewer."""
        for persons in (3, 50, 0, -1, "abc", "4.5"):
            with self.subTest(persons=persons):
                self.opener.cookies.clear()
                refused = self.hold(persons=persons)
                self.assertEqual(refused.status_code, 400)
                self.assertIn("can be booked for 1 to 2 persons", refused.text)
        self.assertFalse(self.env["rdv.appointment"].search([("state", "=", "pending")]))

    def test_steps_after_the_details_need_the_details(self):
        """Held but no details given yet: the summary, the code and the
        verification (page or form) lead to the details, never to a page
        naming an empty address."""
        held = self.hold()
        for method, url in (
            ("GET", "/rdv/booking/summary"),
            ("GET", "/rdv/booking/verify"),
            ("POST", "/rdv/booking/verify"),
            ("POST", "/rdv/booking/code"),
        ):
            with self.subTest(method=method, url=url):
                if method == "GET":
                    response = self.url_open(url, allow_redirects=False)
                else:
                    response = self.post(url, {"code": "123456"}, held, allow_redirects=False)
                self.assertEqual(response.status_code, 303)
                self.assertTrue(response.headers["Location"].endswith("/rdv/booking/details"))

    def test_messages_never_come_from_the_url(self):
        """A link cannot make our pages say something (e.g. a phone number to call)."""
        for url in (
            "/rdv/manage/find?error=Call+0899+123456",
            "/rdv/manage/find?values=x",
            "/rdv/manage/find?values=%7B%7D",
        ):
            with self.subTest(url=url):
                page = self.url_open(url)
                self.assertEqual(page.status_code, 200)
                self.assertNotIn("Call 0899", main_part(page))
                self.assertNotIn("Traceback", page.text)
        appointment = self.book_by_phone(
            self._future_start(days=5), lastname="Autre", phone="0611111111", email="a@example.com"
        )
        token = self.env["rdv.access.token"]._new_token(appointment)
        self.url_open("/rdv/manage/%s" % token)
        page = self.url_open("/rdv/manage?message=Call+0899+123456")
        self.assertEqual(page_h1(page), "Your appointment")
        self.assertNotIn("Call 0899", main_part(page))
        held = self.details(self.hold())
        page = self.url_open("/rdv/booking/summary?error=Call+0899+123456")
        self.assertEqual(page_h1(held), page_h1(page))
        self.assertNotIn("Call 0899", main_part(page))

    def test_posts_are_rate_limited_per_ip(self):
        self.website.company_id.rdv_posts_per_ip_minute = 3
        page = self.url_open("/rdv/manage/find")
        statuses = [
            self.post("/rdv/manage/find", {"reference": "X", "contact": "y"}, page).status_code
            for _i in range(4)
        ]
        self.assertEqual(statuses, [400, 400, 400, 429])

    def test_links_sent_to_a_corrected_contact_no_longer_open(self):
        """An agent corrects an e-mail address typed wrong: the link the
        confirmation took to the wrong mailbox opens nothing any more (a move
        keeps the earlier links: they went to the same mailbox)."""
        with smtp_sink(self.env) as sink:
            appointment, link = self.book_and_manage_link(sink, self._future_start(days=3, hour=11))
            self.opener.cookies.clear()
            self.assertEqual(page_h1(self.url_open(link)), "Your appointment")
            appointment.write({"phone": appointment.phone})  # the same: nothing changes
            self.opener.cookies.clear()
            self.assertEqual(page_h1(self.url_open(link)), "Your appointment")
            appointment.write({"email": "right.address@example.com"})
            # The browser that opened it before the correction is closed too.
            self.assertEqual(self.url_open("/rdv/manage", allow_redirects=False).status_code, 303)
            cancel = self.url_open("/rdv/manage/cancel", allow_redirects=False)
            self.assertEqual(cancel.status_code, 303)
            self.assertEqual(appointment.state, "planned")
            self.opener.cookies.clear()
            page = self.url_open(link)
            self.assertEqual(page.status_code, 404)
            self.assertIn("no longer valid", page.text)
            self.assertEqual(self.url_open("/rdv/manage", allow_redirects=False).status_code, 303)

    def test_manage_by_link_cancel_and_reschedule(self):
        with smtp_sink(self.env) as sink:
            appointment, link = self.book_and_manage_link(sink, self._future_start(days=3, hour=11))
            self.opener.cookies.clear()  # another browser: only the link opens it
            self.assertEqual(self.url_open("/rdv/manage", allow_redirects=False).status_code, 303)
            manage = self.url_open(link)
            self.assertEqual(page_h1(manage), "Your appointment")
            self.assertTrue(manage.url.endswith("/rdv/manage"), "the token leaves the URL")
            for keep in ("/pdf", "/ics", "openstreetmap.org"):
                self.assertIn(keep, main_part(manage), "as on the confirmation page")
            # Reschedule: same type, same place.
            new_start = self._future_start(days=6, hour=14)
            old_start = appointment.start
            move = {"counter_id": self.counter.id, "start": fields.Datetime.to_string(new_start)}
            # A counter of the same place that does not serve this type (a
            # form changed by hand): not offered, not even asked.
            other_type = self.rdv_type.copy({"name": "Other procedure"})
            civil = self._make_counter("Civil status", self.place, other_type, self.week)
            for counter in (civil, self.counter.copy({"website_published": False})):
                with self.subTest(counter=counter.name):
                    tampered = self.post(
                        "/rdv/manage/reschedule", {**move, "counter_id": counter.id}, manage
                    )
                    self.assertEqual(tampered.status_code, 400)
                    self.assertIn("not one we offer", tampered.text)
            # Times that could not be confirmed are not asked about: off the
            # grid (02:00, 11:07), within the notice, beyond the horizon.
            for label, when in (
                ("off the grid", new_start.replace(hour=1)),
                ("between slots", new_start + datetime.timedelta(minutes=7)),
                ("within the notice", fields.Datetime.now() + datetime.timedelta(hours=2)),
                ("beyond the horizon", new_start + datetime.timedelta(days=400)),
            ):
                with self.subTest(label):
                    refused = self.post(
                        "/rdv/manage/reschedule",
                        {**move, "start": fields.Datetime.to_string(when)},
                        manage,
                    )
                    self.assertEqual(refused.status_code, 400)
                    self.assertNotIn("Move your appointment to this time?", refused.text)
            # Its own time: nothing to move, said so.
            same = self.post(
                "/rdv/manage/reschedule",
                {"counter_id": self.counter.id, "start": fields.Datetime.to_string(old_start)},
                manage,
            )
            self.assertEqual(same.status_code, 400)
            self.assertIn("already at this time", same.text)
            sure = self.post("/rdv/manage/reschedule", move, manage)
            self.assertEqual(page_h1(sure), "Move your appointment to this time?")
            self.assertIn("<del>%s</del>" % appointment.when_local, sure.text)
            self.assertIn(" to ", appointment.when_local, "from the start to the end")
            self.assertEqual(appointment.start, old_start, "not moved before it is confirmed")
            moved = self.post("/rdv/manage/reschedule", {**move, "confirmed": "1"}, sure)
            self.assertIn("Your appointment was moved", moved.text)
            self.assertEqual(appointment.start, new_start)
            self.assertTrue(
                [
                    m
                    for m in sink.flush(self.env).texts()
                    if appointment.name + " has a new time" in m["subject"]
                ]
            )
            # Cancel: the GET asks, only the POST cancels.
            sure = self.url_open("/rdv/manage/cancel")
            self.assertIn("Are you sure", sure.text)
            self.assertEqual(appointment.state, "planned")
            cancelled = self.post("/rdv/manage/cancel", {}, sure)
            self.assertEqual(page_h1(cancelled), "Your appointment is cancelled")
            self.assertEqual(
                (appointment.state, appointment.cancelled_by), ("cancelled", "citizen")
            )
            mail = [
                m
                for m in sink.flush(self.env).texts()
                if appointment.name + " is cancelled" in m["subject"]
            ]
            self.assertTrue(mail)
            self.assertIn("/rdv/type/%s" % self.rdv_type.id, mail[0]["html"], "book again")
        # Nothing left to show at the reception: the page offers no summary,
        # and the PDF (an old link) says the appointment is cancelled.
        manage = self.url_open("/rdv/manage")
        self.assertNotIn("/pdf", main_part(manage))
        self.assertIn("This appointment is cancelled.", manage.text)
        report = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rdv_booking_portal.action_report_rdv_appointment", appointment.ids)[
                0
            ]
            .decode()
        )
        self.assertIn("This appointment is cancelled.", report)
        self.assertNotIn("QR code of the reference", report)
        self.assertEqual(self.url_open("/rdv/manage/not-a-token").status_code, 404)

    def test_citizen_deadline_for_changes(self):
        appointment = self.book_by_phone(
            self._future_start(days=1, hour=9),
            lastname="Tard",
            phone="0611111111",
            email="tard@example.com",
        )
        self.rdv_type.change_deadline_hours = 24 * 3
        token = self.env["rdv.access.token"]._new_token(appointment)
        manage = self.url_open("/rdv/manage/%s" % token)
        self.assertNotIn("/rdv/manage/cancel", manage.text)
        refused = self.post("/rdv/manage/cancel", {}, manage)
        self.assertIn("can no longer be changed online", refused.text)
        self.assertEqual(appointment.state, "planned")

    def test_manage_by_reference_answers_the_same_either_way(self):
        with smtp_sink(self.env) as sink:
            self.book(
                sink,
                start=self._future_start(days=3, hour=15),
                email="lea@example.com",
                phone="06 22 33 44 55",
            )
            appointment = self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)])
            sent_before = len(sink.messages)
            answers = []
            for reference, contact in [
                (appointment.name, "lea@example.com"),  # right
                (appointment.name, "someone@example.com"),  # wrong contact
                ("ZZZZ-ZZZZ", "lea@example.com"),  # no such reference
            ]:
                self.opener.cookies.clear()
                page = self.url_open("/rdv/manage/find")
                before = len(sink.messages)
                answer = self.post(
                    "/rdv/manage/find",
                    {
                        "reference": reference.lower().replace("-", " "),
                        "contact": contact,
                        "rdv_captcha": self.captcha(page),
                    },
                    page,
                )
                answers.append((answer.status_code, page_h1(answer)))
                self.assertEqual(len(sink.messages), before, "nothing sent in the request")
                # The code goes after the answer (the cron woken by the request).
                self.env["rdv.otp"]._cron_send_codes()
                # The page says when a new code can be asked for, in the same
                # words for everyone.
                self.assertIn("A new code can be asked for 60 seconds after", answer.text)
                wrong = self.post("/rdv/manage/verify", {"code": "000000"}, answer)
                answers.append(
                    (
                        wrong.status_code,
                        re.findall(r'id="rdv_code_error"[^>]*>([^<]*)<', wrong.text),
                    )
                )
            self.assertEqual(answers[0], answers[2])
            self.assertEqual(answers[0], answers[4])
            self.assertEqual(answers[1], answers[3])
            self.assertEqual(answers[1], answers[5])
            self.assertEqual(len(sink.messages), sent_before + 1, "one code, for the real match")
            # The real one opens with its code, by phone as well.
            self.opener.cookies.clear()
            page = self.url_open("/rdv/manage/find")
            answer = self.post(
                "/rdv/manage/find",
                {
                    "reference": appointment.name,
                    "contact": "+33 6 22 33 44 55",
                    "rdv_captcha": self.captcha(page),
                },
                page,
            )
            self.env["rdv.otp"]._cron_send_codes()
            opened = self.post(
                "/rdv/manage/verify", {"code": sink.last_code("lea@example.com")}, answer
            )
            self.assertEqual(page_h1(opened), "Your appointment")
            self.assertIn(appointment.name, opened.text)

    def test_urls_of_forms_opened_again_lead_to_the_booking(self):
        """The language switcher (or the history) opens by GET the URL a form
        was posted to: the booking goes on at its step, never a bare 405, and
        the GET does nothing."""
        for url in ("/rdv/hold", "/rdv/booking/code"):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 303)
                self.assertEqual(urlparse(response.headers["Location"]).path, "/rdv")
        held = self.hold()
        pending = self.env["rdv.appointment"].search([("state", "=", "pending")])
        self.assertEqual(len(pending), 1)
        for url in ("/rdv/hold", "/rdv/booking/code"):
            with self.subTest(url=url):
                self.assertEqual(page_h1(self.url_open(url)), "Your details")
        self.details(held)
        self.website.language_ids |= self.env["res.lang"]._activate_lang("fr_FR")
        french = self.url_open("/fr/rdv/booking/code")
        self.assertEqual(french.status_code, 200)
        self.assertIn('lang="fr-FR"', french.text)
        self.assertIn('action="/fr/rdv/booking/code"', french.text, "the summary, in French")
        self.assertEqual(self.env["rdv.appointment"].search([("state", "=", "pending")]), pending)
        self.assertFalse(
            self.env["rdv.otp"].search([("appointment_id", "=", pending.id)]), "no code sent"
        )

    def test_calendar_files_follow_the_appointment_in_the_citizen_language(self):
        """The calendar file of each message: in the citizen's language, one
        version more at each move, and a cancellation that removes the event."""
        self.env["res.lang"]._activate_lang("fr_FR")
        appointment = self._phone_booking(email="h@example.com")
        appointment.citizen_lang = "fr_FR"
        with smtp_sink(self.env) as sink:
            sink.flush(self.env)
            appointment._change_slot(self.counter, self._future_start(days=5, hour=10))
            sink.flush(self.env)
            appointment._cancel(by="citizen")
            sink.flush(self.env)
        events = []
        for item in [item for item in sink.messages if "h@example.com" in item["to"]]:
            # Calendar files are UTF-8 (RFC 5545), a charset the part does not name.
            files = [
                part.get_payload(decode=True).decode()
                for part in item["message"].iter_attachments()
                if part.get_content_type() == "text/calendar"
            ]
            self.assertEqual(len(files), 1, item["message"]["subject"])
            calendar = vobject.readOne(files[0])
            events.append((calendar.method.value, calendar.vevent))
        self.assertEqual(
            [(method, event.sequence.value, event.status.value) for method, event in events],
            [
                ("PUBLISH", "0", "CONFIRMED"),
                ("PUBLISH", "1", "CONFIRMED"),
                ("CANCEL", "2", "CANCELLED"),
            ],
        )
        self.assertEqual(len({event.uid.value for _m, event in events}), 1, "one event")
        self.assertEqual(events[1][1].dtstart.value.replace(tzinfo=None), appointment.start)
        description = events[0][1].description.value
        self.assertIn("Référence : %s." % appointment.name, description)
        self.assertNotIn("Reference", description)
        self.assertEqual(events[0][1].organizer.value, "mailto:mairie@portail.example")
        self.env["res.lang"]._activate_lang("ar_001")
        arabic = vobject.readOne(appointment.with_context(lang="ar_001")._ics().decode())
        self.assertIn("Mairie du Portail، ", arabic.vevent.location.value, "the Arabic comma")
        # A list of documents: one per line, in the calendar as on the pages.
        self.rdv_type.documents_to_bring = (
            "<p>Apportez :</p><ul><li>une photo</li><li>un <b>justificatif</b></li></ul>"
            "<p>Merci.</p>"
        )
        description = vobject.readOne(appointment._ics().decode()).vevent.description.value
        self.assertIn("Apportez :\n- une photo\n- un *justificatif*\nMerci.", description)

    def test_practical_information_on_the_confirmation_and_manage_pages(self):
        """The place's phone and how to get there, and what to bring: the
        type's documents, not a fixed "ID document" beside them."""
        self.place.access_info = "<p>Entrée côté parc, accessible en fauteuil roulant.</p>"
        with smtp_sink(self.env) as sink:
            done = self.book(sink, start=self._future_start(days=3, hour=16))
            mails = sink.flush(self.env).texts("jules@example.com")
        appointment = self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)])
        (confirmation,) = [m for m in mails if appointment.name + " is confirmed" in m["subject"]]
        manage = self.url_open(
            "/rdv/manage/%s" % self.env["rdv.access.token"]._new_token(appointment)
        )
        self.assertEqual(page_h1(manage), "Your appointment")
        for where, text in (
            ("confirmation page", main_part(done)),
            ("manage page", main_part(manage)),
            ("confirmation e-mail", confirmation["html"]),
        ):
            with self.subTest(where):
                self.assertIn("Entrée côté parc", text)
                self.assertIn("+33 4 50 00 00 00", text)
                self.assertIn("Une photo d'identité", text)
                self.assertIn("Documents to bring", text)
                self.assertNotIn("ID document", text)
        event = vobject.readOne(appointment._ics().decode()).vevent
        self.assertIn("Une photo d'identité", event.description.value)
        self.assertNotIn("ID document", event.description.value)
        # A type that lists no document: an ID document, everywhere; a place
        # whose directions an editor emptied: no heading over nothing.
        self.rdv_type.documents_to_bring = "<p><br></p>"
        self.place.access_info = "<p><br></p>"
        done = main_part(self.url_open("/rdv/booking/done"))
        self.assertIn("Bring your ID document", done)
        self.assertNotIn("How to get there", done)
        pdf_html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("rdv_booking_portal.action_report_rdv_appointment", appointment.ids)[
                0
            ]
            .decode()
        )
        self.assertNotIn("How to get there", pdf_html)
        event = vobject.readOne(appointment._ics().decode()).vevent
        self.assertIn("Bring your ID document", event.description.value)

    def test_month_calendar_marks_today(self):
        today = datetime.datetime.now(pytz.timezone("Europe/Paris")).date()
        chosen = today + datetime.timedelta(days=2)
        page = self.url_open(
            "/rdv/type/%s/slots?place=%s&month=%s&day=%s"
            % (self.rdv_type.id, self.place.id, chosen.strftime("%Y-%m"), chosen.isoformat())
        )
        marked = re.findall(r'aria-current="date"[^>]*>\s*(?:<span[^>]*>)?(\d+)', page.text)
        expected = [str(today.day)] if today.month == chosen.month else []
        self.assertEqual(marked, expected, "today, not the day open")
        self.assertIn("o_rdv_day_free", page.text)

    def test_arabic_lists_use_the_arabic_comma(self):
        self.website.language_ids |= self.env["res.lang"]._activate_lang("ar_001")
        url = "/rdv/type/%s/slots?place=%s" % (self.rdv_type.id, self.place.id)
        arabic = self.url_open("/ar" + url)
        self.assertIn("Carte d&#39;identité، Mairie du Portail، ", arabic.text)
        self.opener.cookies.clear()
        self.assertIn("Carte d&#39;identité, Mairie du Portail, ", self.url_open(url).text)

    def test_wrong_code_messages_use_the_same_words(self):
        """ "Code erroné" or "Code incorrect", not both, one message after the other."""
        for lang in ("fr_FR", "ar_001"):
            with self.subTest(lang=lang):
                translations = code_translations.get_python_translations("rdv_booking_portal", lang)
                openings = {
                    re.split(r"[.,،]", translations[message])[0]
                    for message in (
                        "Wrong code. Attempts left: %s.",
                        "Wrong code, and no attempt left. Ask for a new code.",
                    )
                }
                self.assertEqual(len(openings), 1, openings)

    def test_demo_site_advertises_nobody_and_lists_its_cookies(self):
        """The demo commune's footer has no "Create a free website"; its privacy
        page names every cookie the site sets."""
        if not self.env.ref("rdv_booking_portal.demo_page_privacy", raise_if_not_found=False):
            self.skipTest("demo data not installed")
        page = self.url_open("/rdv")
        self.assertNotIn("o_brand_promotion", page.text)
        self.assertNotIn("free website", page.text)
        privacy = self.url_open("/donnees-personnelles")
        self.assertEqual(privacy.status_code, 200)
        for cookie in ("session_id", "frontend_lang", "tz"):
            self.assertIn("<code>%s</code>" % cookie, privacy.text)

    def test_demo_header_and_footer_speak_the_visitors_language(self):
        """The demo commune's header button and footer are in the page's
        language; links to its French-only legal pages say so."""
        if not self.env.ref("rdv_booking_portal.demo_footer", raise_if_not_found=False):
            self.skipTest("demo data not installed")
        expected = {
            "fr": ("Prendre rendez-vous</a>", "Mairie de Valmont", "Mentions légales</a>"),
            "en": ("Book an appointment</a>", "Valmont town hall", "Legal notice (in French)"),
            "ar": ("حجز موعد</a>", "بلدية فالمون", "الإشعار القانوني (بالفرنسية)"),
        }
        for lang, texts in expected.items():
            with self.subTest(lang=lang):
                page = self.url_open("/%s/rdv" % lang)
                self.assertEqual(page.status_code, 200)
                for text in texts:
                    self.assertIn(text, page.text)
                self.assertRegex(page.text, r'href="[/a-z]*/mentions-legales" hreflang="fr"')
                self.assertNotIn(' lang="fr"', page.text.split("<body", 1)[1])
