import html
import re

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import RdvPortalCase, smtp_sink, solve_captcha


def text_of(response):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


@tagged("post_install", "-at_install")
class TestTruthfulStatus(RdvPortalCase, HttpCase):
    """The booking pages say what is true: how long a time stays held, and
    where a code was really sent."""

    def details(self, response, email):
        data = {
            "lastname": "Bois",
            "firstname": "Jules",
            "phone": "06 12 34 56 78",
            "email": email,
            "consent": "1",
        }
        return self.post("/rdv/booking/details", data, response)

    def captcha(self, response):
        challenge = html.unescape(re.search(r'data-challenge="([^"]+)"', response.text).group(1))
        return solve_captcha(challenge)

    def test_the_hold_says_how_long_not_a_clock_time_of_another_zone(self):
        self.place.tz = "America/Cayenne"
        held = self.hold(self._future_start(days=3, hour=10))
        appointment = self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "pending")]
        )
        minutes = self.company.rdv_hold_minutes
        self.assertEqual(appointment._hold_minutes_left(), minutes)
        self.assertIn("This time is held for you for %s more minutes." % minutes, text_of(held))
        self.assertNotIn("held for you until", text_of(held))
        appointment.hold_expiry = fields.Datetime.add(fields.Datetime.now(), seconds=50)
        again = self.url_open("/rdv/booking/details")
        self.assertIn("This time is held for you for 1 more minute.", text_of(again))

    def test_the_code_page_names_only_where_a_code_was_sent(self):
        with smtp_sink(self.env) as sink:
            summary = self.details(
                self.hold(self._future_start(days=3, hour=11)), "jules@example.com"
            )
            verify = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(summary)}, summary)
            self.assertIn("We sent a 6-digit code to jules@example.com", text_of(verify))
            # "Change my details": another e-mail, no new code asked for.
            details = self.url_open("/rdv/booking/details")
            self.details(details, "victim@example.fr")
            page = self.url_open("/rdv/booking/verify")
            self.assertNotIn("We sent a 6-digit code", text_of(page))
            self.assertIn("No code has been sent to victim@example.fr yet.", text_of(page))
            self.assertIn("Send me a code", text_of(page))
            self.assertFalse(sink.texts("victim@example.fr"), "indeed none was sent")
            # Asked for, it is sent, and the page says so.
            sent = self.post("/rdv/booking/code", {"rdv_captcha": self.captcha(page)}, page)
            self.assertIn("We sent a 6-digit code to victim@example.fr", text_of(sent))
            self.assertTrue(sink.last_code("victim@example.fr"))
