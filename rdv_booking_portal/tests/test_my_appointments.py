import datetime
import html
import re
import subprocess

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import RdvPortalCase, smtp_sink, solve_captcha
from .test_routes import main_part, page_h1


@tagged("post_install", "-at_install")
class TestMyAppointments(RdvPortalCase, HttpCase):
    """ "My appointments" in /my: a user sees and acts on their own appointments only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jules = new_test_user(
            cls.env, "rdv_jules", groups="base.group_portal", name="Jules Bois", email="j@ex.com"
        )
        cls.lea = new_test_user(
            cls.env, "rdv_lea", groups="base.group_portal", name="Léa Autre", email="l@ex.com"
        )
        cls.mine = cls._book_for(cls.jules, 3, 10, email="j@ex.com")
        cls.mine_cancelled = cls._book_for(cls.jules, 4, 10)
        cls.mine_cancelled._cancel(by="citizen")
        # Same e-mail as Jules's account: e-mail alone does not make it his.
        cls.theirs = cls._book_for(cls.lea, 3, 14, email="j@ex.com")

    @classmethod
    def _book_for(cls, user, days, hour, email=None):
        """An appointment an agent booked by phone for ``user``'s contact."""
        return cls.env["rdv.appointment"]._book(
            cls.rdv_type,
            cls.counter,
            cls._future_start(days=days, hour=hour),
            channel="phone",
            partner=user.partner_id,
            citizen={"lastname": user.name.split()[-1], "phone": "0612345678", "email": email},
        )

    def test_list_and_home_counter(self):
        self.authenticate("rdv_jules", "rdv_jules")
        page = self.url_open("/my/appointments")
        self.assertEqual(page.status_code, 200)
        upcoming, past = main_part(page).split('id="rdv_past"')
        self.assertIn(self.mine.name, upcoming)
        self.assertIn(self.mine_cancelled.name, past)
        self.assertNotIn(self.theirs.name, page.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["rdv_appointment_count"]}
        )
        self.assertEqual(counters["rdv_appointment_count"], 2)
        home = self.url_open("/my")
        self.assertIn("/my/appointments", home.text)
        # A user without appointments, and the public.
        self.authenticate("rdv_lea", "rdv_lea")
        page = self.url_open("/my/appointments")
        self.assertIn(self.theirs.name, page.text)
        self.assertNotIn(self.mine.name, page.text)
        self.authenticate(None, None)
        page = self.url_open("/my/appointments", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
        self.assertIn("/web/login", page.headers["Location"])

    def test_another_users_appointment_is_not_found(self):
        self.authenticate("rdv_jules", "rdv_jules")
        for url in (
            "/my/appointments/%s" % self.theirs.id,
            "/my/appointments/%s/cancel" % self.theirs.id,
            "/my/appointments/%s/reschedule" % self.theirs.id,
            "/rdv/appointment/%s/pdf" % self.theirs.id,
            "/rdv/appointment/%s/ics" % self.theirs.id,
            "/my/appointments/999999",
        ):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(self.theirs.name, response.text)
        # Nothing was opened for managing either.
        self.assertEqual(self.url_open("/rdv/manage", allow_redirects=False).status_code, 303)
        # Portal users cannot read appointments through the ORM (agents' notes).
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/rdv.appointment/search_read",
                {
                    "model": "rdv.appointment",
                    "method": "search_read",
                    "args": [[]],
                    "kwargs": {"fields": ["name", "comment"]},
                },
            )

    def test_view_pdf_and_cancel(self):
        self.authenticate("rdv_jules", "rdv_jules")
        page = self.url_open("/my/appointments/%s" % self.mine.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.mine.name, page.text)
        self.assertIn("BOIS", page.text)
        # Rendered beforehand, as the confirmation's job does: wkhtmltopdf's own
        # requests could not be served while a test request holds the cursor.
        self.env["report.rdv_booking_portal.report_rdv_appointment"]._get_pdf(self.mine)
        pdf = self.url_open("/rdv/appointment/%s/pdf" % self.mine.id)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        self.assertIn(self.mine.name, text)
        # Cancel: through the citizen's "are you sure?" page, POST only.
        sure = self.url_open("/my/appointments/%s/cancel" % self.mine.id)
        self.assertIn("Are you sure", sure.text)
        self.assertEqual(self.mine.state, "planned")
        token = re.search(r'name="csrf_token" value="([^"]+)"', sure.text).group(1)
        done = self.url_open("/rdv/manage/cancel", data={"csrf_token": token})
        self.assertEqual(page_h1(done), "Your appointment is cancelled")
        self.assertIn("/my/appointments", main_part(done), "back to my appointments")
        self.assertEqual(self.mine.state, "cancelled")
        again = self.url_open("/my/appointments/%s/cancel" % self.mine.id)
        self.assertIn("no longer planned", again.text, "a cancelled one cannot be changed")
        page = self.url_open("/my/appointments")
        self.assertIn(self.mine.name, main_part(page).split('id="rdv_past"')[1])

    def test_reception_code_only_while_the_appointment_is_to_come(self):
        self.authenticate("rdv_jules", "rdv_jules")
        qr = 'alt="QR code of the reference"'
        self.assertIn(qr, self.url_open("/my/appointments/%s" % self.mine.id).text)
        cancelled = self.url_open("/my/appointments/%s" % self.mine_cancelled.id)
        self.assertNotIn(qr, cancelled.text)
        self.assertNotIn("/pdf", main_part(cancelled), "no summary to bring either")
        past = self.mine.start - datetime.timedelta(days=4)  # it was in 3 days
        self.mine.write({"start": past, "stop": past + datetime.timedelta(minutes=30)})
        self.assertNotIn(qr, self.url_open("/my/appointments/%s" % self.mine.id).text)

    def test_reschedule_and_deadline(self):
        self.authenticate("rdv_jules", "rdv_jules")
        page = self.url_open("/my/appointments/%s/reschedule" % self.mine.id)
        self.assertEqual(page_h1(page), "Move the appointment")
        self.rdv_type.change_deadline_hours = 24 * 10
        page = self.url_open("/my/appointments/%s" % self.mine.id)
        self.assertIn("can no longer be changed online", page.text)
        self.assertNotIn("/my/appointments/%s/cancel" % self.mine.id, page.text)
        refused = self.url_open("/my/appointments/%s/cancel" % self.mine.id)
        self.assertIn("can no longer be changed online", refused.text)
        self.assertEqual(self.mine.state, "planned")

    def _hold(self, start):
        """Hold ``start`` at the counter as the logged-in user: (CSRF token,
        the details page it leads to)."""
        slots = self.url_open("/rdv/type/%s/slots?place=any" % self.rdv_type.id)
        csrf = re.search(r'csrf_token: "([^"]+)"', slots.text).group(1)
        details = self.url_open(
            "/rdv/hold",
            data={
                "csrf_token": csrf,
                "type_id": self.rdv_type.id,
                "counter_id": self.counter.id,
                "start": str(start),
            },
        )
        return csrf, details

    def test_booking_while_logged_in_is_mine(self):
        """Booked on the website while logged in: in "My appointments" once verified."""
        self.authenticate("rdv_jules", "rdv_jules")
        csrf, details = self._hold(self._future_start(days=6, hour=9))
        self.url_open(
            "/rdv/booking/details",
            data={
                "csrf_token": csrf,
                "lastname": "Bois",
                "firstname": "Anna",  # his daughter
                "phone": "06 12 34 56 70",
                "email": "anna@example.com",
                "consent": "1",
            },
        )
        self.assertEqual(page_h1(details), "Your details")
        pending = self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "pending")]
        )
        self.assertEqual(pending.partner_id, self.jules.partner_id)
        self.assertEqual(self.jules.partner_id.name, "Jules Bois", "the account is unchanged")
        self.assertNotIn(pending.name, self.url_open("/my/appointments").text, "not verified")
        with smtp_sink(self.env) as sink:
            summary = self.url_open("/rdv/booking/summary")
            self.assertIn("BOIS Anna", summary.text, "the person the appointment is for")
            challenge = re.search(r'data-challenge="([^"]+)"', summary.text).group(1)
            self.url_open(
                "/rdv/booking/code",
                data={"csrf_token": csrf, "rdv_captcha": solve_captcha(html.unescape(challenge))},
            )
            self.url_open(
                "/rdv/booking/verify",
                data={"csrf_token": csrf, "code": sink.last_code("anna@example.com")},
            )
        self.assertEqual(pending.state, "planned")
        self.assertIn(pending.name, self.url_open("/my/appointments").text)

    def test_new_user_sees_the_entry_and_a_form_filled_in_from_the_account(self):
        """Before any appointment, /my leads to them; the details form of a new
        booking says what the account knows (no retyping)."""
        newcomer = new_test_user(
            self.env, "rdv_nour", groups="base.group_portal", name="Nour Haddad", email="n@ex.com"
        )
        newcomer.partner_id.write(
            {"mobile": "06 98 76 54 32", "street": "3 rue Haute", "zip": "74100", "city": "Portail"}
        )
        self.authenticate("rdv_nour", "rdv_nour")
        home = self.url_open("/my")
        entry = re.search(
            r'<div class="(o_portal_index_card [^"]*)">\s*<a href="/my/appointments"', home.text
        )
        self.assertTrue(entry, "the entry of the appointments is on /my")
        self.assertNotIn("d-none", entry.group(1), "shown with no appointment yet")
        csrf, details = self._hold(self._future_start(days=6, hour=11))
        self.assertEqual(page_h1(details), "Your details")
        for name, value in (
            ("lastname", "Nour Haddad"),
            ("email", "n@ex.com"),
            ("phone", "06 98 76 54 32"),
            ("city", "Portail"),
        ):
            self.assertTrue(
                re.search(r'<input[^>]*name="%s"[^>]*value="%s"' % (name, value), details.text),
                "%s filled in from the account" % name,
            )
        # Only what the type asks for: it does not ask for the street.
        self.assertNotIn("3 rue Haute", details.text)
        # Once the citizen gave their details, those are shown, not the account's.
        self.url_open(
            "/rdv/booking/details",
            data={
                "csrf_token": csrf,
                "lastname": "Haddad",
                "firstname": "Sami",  # his son
                "phone": "06 12 34 56 70",
                "email": "sami@example.com",
                "consent": "1",
            },
        )
        again = self.url_open("/rdv/booking/details")
        self.assertIn('value="sami@example.com"', again.text)
        self.assertNotIn('value="n@ex.com"', again.text)
