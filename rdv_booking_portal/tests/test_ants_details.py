"""The website's details step of an ID-card or passport booking: one
pre-application number per person, checked with a stub of the ANTS
coordination API on loopback; the numbers on the summary, PDF and e-mail."""

import re
import subprocess

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.rdv_booking.tests.ants_stub import AntsStub
from odoo.addons.rdv_booking.tests.common import load_migration

from ..tools.template_source import ANTS_NUMBERS
from .common import RdvPortalCase

REPORT = "rdv_booking_portal.action_report_rdv_appointment"
ELSEWHERE = {
    "management_url": "https://other.example/rdv/42",
    "meeting_point": "Mairie de Seynod",
    "meeting_point_id": "77",
    "appointment_date": "2026-03-10 14:30:00",
}


@tagged("post_install", "-at_install")
class TestAntsDetails(RdvPortalCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stub = AntsStub.plug(cls, cls.company, cls.rdv_type, "PASSPORT")

    def setUp(self):
        super().setUp()
        self.stub.reset()

    def details(self, page, numbers, **extra):
        data = {
            "lastname": "Aulan",
            "firstname": "Léa",
            "phone": "06 12 34 56 78",
            "email": "lea@example.com",
            "consent": "1",
            **{"application_number_%s" % i: n for i, n in enumerate(numbers, 1)},
            **extra,
        }
        return self.post("/rdv/booking/details", data, page)

    def pending(self):
        return self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "pending")]
        )

    def test_two_persons_give_two_numbers(self):
        self.stub.numbers["AB1234567C"] = {"status": "validated", "appointments": []}
        self.stub.numbers["ZZ99887766"] = {"status": "declared", "appointments": [ELSEWHERE]}
        page = self.hold(persons=2)
        self.assertEqual(page.status_code, 200)
        # One labelled field per person, its help tied to it.
        for person in (1, 2):
            self.assertRegex(
                page.text,
                r'<label class="form-label" for="rdv_application_number_%s">\s*'
                r"Person %s: pre-application number" % (person, person),
            )
            self.assertRegex(
                page.text,
                r'id="rdv_application_number_%s"[^>]*aria-describedby="rdv_application_number_%s_help"'
                % (person, person),
            )
        # A number that is none: the error next to its field, nothing asked to the hub.
        refused = self.details(page, ["AB1234567C", "ZZ-998"])
        self.assertEqual(refused.status_code, 400)
        self.assertRegex(
            refused.text,
            r'id="rdv_application_number_2"[^>]*aria-invalid="true"'
            r'[^>]*aria-describedby="rdv_application_number_2_error',
        )
        self.assertIn("Person 2: the pre-application number has exactly 10", refused.text)
        self.assertFalse(self.stub.requests)
        self.assertFalse(self.pending().application_ids)
        # A number booked elsewhere: shown with its link; the citizen decides.
        elsewhere = self.details(page, ["ab 1234567c", "zz9988 7766"])
        self.assertEqual(elsewhere.status_code, 400)
        self.assertIn("Mairie de Seynod", elsewhere.text)
        self.assertIn("10/03/2026 14:30", elsewhere.text)
        self.assertIn('href="https://other.example/rdv/42"', elsewhere.text)
        self.assertIn('name="ants_confirmed"', elsewhere.text)
        self.assertIn('value="zz9988 7766"', elsewhere.text, "what was typed stays")
        self.assertFalse(self.pending().application_ids)
        done = self.details(page, ["ab 1234567c", "zz9988 7766"], ants_confirmed="1")
        self.assertTrue(done.url.endswith("/rdv/booking/summary"), done.url)
        appointment = self.pending()
        self.assertEqual(appointment.application_ids.mapped("number"), ["AB1234567C", "ZZ99887766"])
        self.assertIn("ZZ99887766", done.text, "the summary shows each number")
        # The details page shows them again.
        again = self.url_open("/rdv/booking/details")
        self.assertIn('value="ZZ99887766"', again.text)
        # Confirmed: declared after commit, and on the PDF and e-mail.
        appointment._confirm_hold()
        self.assertEqual(len(appointment.ants_declaration_ids), 2)
        report = self.env.ref(REPORT).with_context(force_report_rendering=True)
        pdf, _format = report._render_qweb_pdf(report.report_name, appointment.ids)
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        self.assertIn("Person 2: pre-application number", text)
        self.assertIn("ZZ99887766", text)
        body = self.env.ref("rdv_booking_portal.mail_template_rdv_confirmation")._render_field(
            "body_html", appointment.ids
        )[appointment.id]
        self.assertIn("Person 1: pre-application number AB1234567C", re.sub(r"<[^>]+>", "", body))

    def test_unknown_number_and_hub_down(self):
        page = self.hold()
        refused = self.details(page, ["UNKNOWN001"])
        self.assertEqual(refused.status_code, 400)
        self.assertIn("UNKNOWN001 is unknown to ANTS", refused.text)
        self.stub.mode = "down"
        with mute_logger("odoo.addons.rdv_booking.models.rdv_appointment"):
            down = self.details(page, ["AB1234567C"])
        self.assertEqual(down.status_code, 400)
        self.assertIn("try again in a few minutes", down.text)
        self.assertFalse(self.pending().lastname, "nothing kept")

    def test_ants_link_opens_manage_by_reference_filled_in(self):
        self.stub.numbers["AB1234567C"] = {"status": "validated", "appointments": []}
        appointment = self.book_by_phone(
            self._future_start(days=3),
            lastname="Aulan",
            phone="0612345678",
            application_numbers=["AB1234567C"],
        )
        url = appointment._ants_management_url()
        self.assertIn("/rdv/manage/find?reference=%s" % appointment.name, url)
        page = self.url_open(url[url.index("/rdv/") :])
        self.assertEqual(page.status_code, 200)
        self.assertIn('value="%s"' % appointment.name, page.text)

    def test_confirmation_of_an_older_install_lists_the_numbers(self):
        """An update adds the numbers to the confirmation a database kept
        (noupdate), in each language, once."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_rdv_booking_portal")._update_translations(["fr_FR"])
        confirmation = self.env.ref("rdv_booking_portal.mail_template_rdv_confirmation")
        ((old, new),) = ANTS_NUMBERS
        for lang in ("en_US", "fr_FR"):
            template = confirmation.with_context(lang=lang)
            template.body_html = str(template.body_html).replace(new, old)
            self.assertNotIn("_ants_numbers_text", template.body_html)
        self.env.flush_all()
        load_migration("rdv_booking_portal", "18.0.1.3.0").migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        for lang in ("en_US", "fr_FR"):
            body = confirmation.with_context(lang=lang).body_html
            self.assertEqual(body.count("_ants_numbers_text"), 1, lang)
        self.assertIn("Personnes", confirmation.with_context(lang="fr_FR").body_html)
