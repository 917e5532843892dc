"""The citizen's booking in a real browser, the code read from the SMS gateway stub."""

from odoo.tests import HttpCase, tagged

from odoo.addons.rdv_booking_portal.tests.common import RdvPortalCase

from .common import plug_gateway_stub


@tagged("post_install", "-at_install")
class TestSmsBookingTour(RdvPortalCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plug_gateway_stub(cls, shared=True)
        # A domestic mobile is enough: no e-mail asked for.
        cls.rdv_type.ask_email = "optional"

    def test_booking_with_the_code_received_by_sms(self):
        start = self._future_start(days=2, hour=10)
        local_day = start.date().isoformat()
        url = "/rdv/type/%s/slots?place=any&month=%s&day=%s&stub=%s" % (
            self.rdv_type.id,
            local_day[:7],
            local_day,
            self.stub.url,
        )
        self.start_tour(url, "rdv_booking_sms_tour", login=None)
        appointment = self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)])
        self.assertEqual((appointment.state, appointment.phone), ("planned", "+33612345678"))
        self.assertFalse(appointment.email)
        [code_sms] = [t for t in self.stub.texts("+33612345678") if "is your code" in t]
        self.assertTrue(code_sms[:6].isdigit())
        otp = self.env["rdv.otp"].search([("appointment_id", "=", appointment.id)])
        self.assertEqual((otp.channel, bool(otp.consumed_at)), ("sms", True))
        # The confirmation is queued for the SMS channel only (no e-mail given).
        self.assertEqual(appointment.notification_ids.mapped("channel"), ["sms"])
        self.env["rdv.notification"]._process()
        self.assertTrue(
            any(appointment.name in t for t in self.stub.texts("+33612345678")),
            "the confirmation SMS",
        )
