from unittest.mock import patch

import odoo
from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import RdvPortalCase


@tagged("post_install", "-at_install")
class TestHoldLimits(RdvPortalCase, HttpCase):
    """Nobody can hold every free time of a day from one connection by opening
    new browser sessions: a browser holds one booking, a connection a few."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"rdv_live_holds_per_ip": 3, "rdv_holds_per_ip_hour": 30})

    def held(self):
        return self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "pending")]
        )

    def assertRefused(self, response):
        self.assertEqual(response.status_code, 429)
        self.assertIn("Too many times are already held from your connection", response.text)
        self.assertNotIn("Traceback", response.text)

    def test_new_sessions_of_one_connection_hold_a_few_times_only(self):
        starts = [self._future_start(days=3, hour=hour) for hour in range(9, 16)]
        for start in starts[:3]:
            self.opener.cookies.clear()  # a new browser session each time
            response = self.hold(start)
            self.assertEqual(response.status_code, 200)
            self.assertTrue(response.url.endswith("/rdv/booking/details"), response.url)
        for start in starts[3:5]:
            self.opener.cookies.clear()
            self.assertRefused(self.hold(start))
        self.assertEqual(len(self.held()), 3, "the refused holds took nothing")
        self.assertFalse(self.held().filtered(lambda a: a.start in starts[3:5]))
        # X-Forwarded-For is the client's word: only trusted behind a proxy.
        forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "localhost"}
        self.opener.cookies.clear()
        self.assertRefused(self.hold(starts[5], headers=forwarded))
        # Another connection (behind the trusted proxy) still books.
        with patch.dict(odoo.tools.config.options, {"proxy_mode": True}):
            self.opener.cookies.clear()
            response = self.hold(starts[5], headers=forwarded)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.held()), 4)
        # An expired hold no longer counts.
        self.held().filtered(lambda a: a.start == starts[0]).hold_expiry = fields.Datetime.now()
        self.opener.cookies.clear()
        self.assertEqual(self.hold(starts[6]).status_code, 200)

    def test_a_browser_holds_one_booking_at_a_time(self):
        starts = [self._future_start(days=4, hour=hour) for hour in range(9, 15)]
        for start in starts:  # one session: each hold gives back the previous one
            self.assertEqual(self.hold(start).status_code, 200)
        self.assertEqual(self.held().mapped("start"), [starts[-1]])

    def test_new_holds_per_connection_per_hour(self):
        self.company.rdv_holds_per_ip_hour = 4
        starts = [self._future_start(days=5, hour=hour) for hour in range(9, 15)]
        for start in starts[:4]:
            self.assertEqual(self.hold(start).status_code, 200)
        refused = self.hold(starts[4])
        self.assertEqual(refused.status_code, 429)
        self.assertIn("Too many times were held from your connection", refused.text)
        self.assertEqual(self.held().mapped("start"), [starts[3]], "the held time is kept")
