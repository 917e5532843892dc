"""The summary PDF as the website serves it, after what the citizen did.

Through the real route (``/rdv/appointment/<id>/pdf``, and ``/ar/...`` in
Arabic), printed by wkhtmltopdf, read back by poppler and zbar: a cancelled
appointment's PDF says so and has no code to scan, a moved one shows its new
time, an Arabic one keeps the phone numbers and the address left to right.
"""

import subprocess

from odoo.tests import HttpCase, tagged

from .common import RdvPortalCase, read_qr_codes
from .test_rtl_documents import pdf_pages, runs_in_reading_order

PHONE = "+33 4 50 12 34 50"
ADDRESS = "12 avenue des Pommaries, 74960 Valmont"


def pdf_text(pdf):
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


@tagged("post_install", "-at_install")
class TestSummaryPdfIsCurrent(RdvPortalCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ar_001")
        cls.place.write(
            {"street": "12 avenue des Pommaries", "zip": "74960", "city": "Valmont", "phone": PHONE}
        )

    def _appointment(self, days=4, phone="0612345632"):
        return self.env["rdv.appointment"]._book(
            self.rdv_type,
            self.counter,
            self._future_start(days=days),
            channel="phone",
            citizen={
                "lastname": "Bennali",
                "firstname": "Sara",
                "phone": phone,
                "email": "sara@example.com",
            },
        )

    def _route_pdf(self, appointment, prefix=""):
        """The PDF the website serves, once the notification job rendered it.

        (The route renders a missing or stale one itself; not under the test
        server, whose requests share one cursor: wkhtmltopdf's request for
        the report's styles would wait for the request that renders.)
        """
        self.env["report.rdv_booking_portal.report_rdv_appointment"]._get_pdf(appointment)
        # The manage link opens the appointment in this browser.
        self.assertEqual(
            self.url_open(self.env["rdv.access.token"]._manage_url(appointment)).status_code, 200
        )
        response = self.url_open("%s/rdv/appointment/%s/pdf" % (prefix, appointment.id))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("no-store", response.headers.get("Cache-Control", ""))
        return response.content

    def test_cancelled_after_first_download_says_cancelled(self):
        appointment = self._appointment()
        before = self._route_pdf(appointment)
        self.assertEqual(read_qr_codes(before), [appointment.name])
        self.assertNotIn("cancelled", pdf_text(before))
        appointment._cancel(by="citizen", reason="test")
        after = self._route_pdf(appointment)
        self.assertIn("This appointment is cancelled.", pdf_text(after))
        self.assertEqual(read_qr_codes(after), [], "no code to scan")
        self.assertNotIn("Show this code at the reception", pdf_text(after))

    def test_moved_after_first_download_shows_new_time(self):
        appointment = self._appointment(days=4)
        old_when = appointment.when_local
        self.assertIn(old_when.split(",")[0], pdf_text(self._route_pdf(appointment)))
        appointment._change_slot(self.counter, self._future_start(days=6, hour=11))
        new_when = appointment.when_local
        self.assertNotEqual(old_when, new_when)
        text = " ".join(pdf_text(self._route_pdf(appointment)).split())
        self.assertIn(" ".join(new_when.split()), text)
        self.assertNotIn(" ".join(old_when.split()), text)

    def test_arabic_pdf_through_the_route_keeps_numbers_in_order(self):
        appointment = self._appointment()
        appointment.citizen_lang = "ar_001"
        pdf = self._route_pdf(appointment, prefix="/ar")
        runs = runs_in_reading_order(pdf_pages(pdf))
        for value in ("06 •• •• •• 32", PHONE, ADDRESS, appointment.name):
            self.assertTrue(any(value in run for run in runs), (value, runs))

    def test_a_visitor_request_renders_and_keeps_a_missing_pdf(self):
        """The route asks the report for the PDF as the website's visitor (the
        public user), with the appointment it checked: a missing PDF is
        rendered and kept all the same, and then served from the copy."""
        appointment = self._appointment()
        Report = self.env["report.rdv_booking_portal.report_rdv_appointment"]
        public = Report.with_user(self.env.ref("base.public_user"))
        pdf = public._get_pdf(appointment.sudo())
        self.assertIn(appointment.name, pdf_text(pdf))
        stored = self.env["ir.attachment"].search(
            [("res_model", "=", "rdv.appointment"), ("res_id", "=", appointment.id)]
        )
        self.assertEqual(stored.mapped("name"), ["%s.pdf" % appointment.name])
        self.assertEqual(public._get_pdf(appointment.sudo()), pdf, "served from the copy")
