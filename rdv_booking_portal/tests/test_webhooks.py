"""Webhooks from the citizen website: what a citizen does through HTTP reaches a
client system's receiver on loopback, signed, once the change is saved."""

import json

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.rdv_booking.tests.webhook_receiver import WebhookReceiver

from . import test_routes
from .common import RdvPortalCase, smtp_sink

Routes = test_routes.TestCitizenRoutes


@tagged("post_install", "-at_install")
class TestWebhooksFromTheWebsite(RdvPortalCase, HttpCase):
    # The citizen's steps, as the route tests post them.
    details = Routes.details
    captcha = Routes.captcha
    book = Routes.book
    book_and_manage_link = Routes.book_and_manage_link

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = WebhookReceiver().start()
        cls.addClassCleanup(cls.receiver.stop)
        client = cls.env["rdv.api.client"].create(
            {
                "name": "Case system",
                "company_id": cls.company.id,
                "type_ids": [(6, 0, cls.rdv_type.ids)],
            }
        )
        cls.subscription = cls.env["rdv.webhook.subscription"].create(
            {"client_id": client.id, "url": cls.receiver.url}
        )
        cls.receiver.secret = cls.subscription.sudo().secret

    def test_booked_moved_and_cancelled_by_the_citizen(self):
        with smtp_sink(self.env) as sink:
            appointment, link = self.book_and_manage_link(sink, self._future_start(days=3, hour=11))
        manage = self.url_open(link)
        move = {
            "counter_id": self.counter.id,
            "start": fields.Datetime.to_string(self._future_start(days=6, hour=14)),
        }
        sure = self.post("/rdv/manage/reschedule", move, manage)
        self.post("/rdv/manage/reschedule", {**move, "confirmed": "1"}, sure)
        sure = self.url_open("/rdv/manage/cancel")
        self.assertEqual(self.receiver.calls, [], "a GET changes nothing, nothing is sent yet")
        self.post("/rdv/manage/cancel", {}, sure)
        self.assertEqual(appointment.state, "cancelled")

        self.env["rdv.webhook.delivery"]._process()
        calls = self.receiver.calls
        self.assertEqual(
            [call["headers"]["X-RDV-Event"] for call in calls], ["booked", "moved", "cancelled"]
        )
        self.assertTrue(all(call["valid"] for call in calls), "signed with the secret")
        bodies = [json.loads(call["body"]) for call in calls]
        self.assertEqual({body["appointment"]["reference"] for body in bodies}, {appointment.name})
        self.assertEqual(bodies[0]["appointment"]["channel"], "web")
        self.assertEqual(bodies[1]["appointment"]["start"], move["start"].replace(" ", "T") + "Z")
        self.assertEqual(bodies[2]["appointment"]["cancelled_by"], "citizen")
        for body in bodies:
            self.assertNotIn("jules@example.com", json.dumps(body))
