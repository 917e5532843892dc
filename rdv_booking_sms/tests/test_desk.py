"""The manager's desk with SMS: the notice after a change counts the SMS
queued and sent, and the dashboard's SMS tile counts what the gateways
accepted."""

import datetime

from odoo.tests import tagged

from .common import NOW, TUESDAY_9, SmsCase, utc


@tagged("post_install", "-at_install")
class TestDeskSms(SmsCase):
    def test_the_notice_counts_sms_and_e_mails_by_status(self):
        by_sms = self.book(TUESDAY_9, lastname="Texto", phone="06 11 22 33 44")
        by_mail = self.book(
            utc(2026, 3, 3, 9, 0),
            lastname="Courriel",
            phone="06 55 44 33 22",
            email="courriel@example.org",
        )
        moved = by_sms | by_mail
        self.counter.date_end = NOW.date()
        self.assertEqual(moved.mapped("state"), ["to_reschedule"] * 2)
        text, everyone = self.env["rdv.notification"]._moved_summary(moved)
        self.assertTrue(everyone)
        self.assertIn("Appointments moved to 'To reschedule': 2.", text)
        self.assertIn("SMS: 2 queued (not sent yet)", text)
        self.assertIn("E-mail: 1 queued (not sent yet)", text)
        self.deliver()
        text, everyone = self.env["rdv.notification"]._moved_summary(moved)
        self.assertIn("SMS: 2 sent", text, "the gateway stub accepted them")

    def test_the_dashboard_counts_the_sms_spent(self):
        Usage = self.env["rdv.sms.usage"]
        this_week = NOW + datetime.timedelta(hours=1)
        last_week = NOW - datetime.timedelta(days=7)
        for sent_at, segments, cost in (
            (this_week, 2, 0.1),
            (this_week, 1, 0.05),
            (last_week, 1, 0.05),
        ):
            Usage.create(
                {
                    "company_id": self.company.id,
                    "sent_at": sent_at,
                    "segments": segments,
                    "cost": cost,
                }
            )
        self.manager.tz = "Europe/Paris"
        figures = self.env["rdv.dashboard"].with_user(self.manager).get_figures("week")
        tile = {tile["key"]: tile for tile in figures["tiles"]}["sms"]
        self.assertEqual((tile["value"], tile["previous"]), (2, 1))
        self.assertIn("3 segments", tile["detail"])
        listed = self.env["rdv.sms.usage"].with_user(self.manager).search(tile["action"]["domain"])
        self.assertEqual(len(listed), 2)
        agent = self.env["rdv.dashboard"].with_user(self.agent_civil).get_figures("week")
        self.assertNotIn("sms", {tile["key"] for tile in agent["tiles"]}, "managers only")

    def test_a_phone_booking_by_an_agent_is_confirmed_by_sms(self):
        """An agent books on the phone for a citizen with a mobile and no
        e-mail (the booking dialog): the confirmation goes by SMS; cancelling
        it, the cancellation too (outside check: both stayed "not sent: no
        channel to citizens is installed")."""
        slot = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", TUESDAY_9)]
        )
        agent_env = self.env(user=self.agent_id)
        wizard = (
            agent_env["rdv.slot.assign"]
            .with_context(default_slot_id=slot.id)
            .create(
                {
                    "slot_id": slot.id,
                    "type_id": self.type_id.id,
                    "lastname": "Téléphone",
                    "firstname": "Léa",
                    "phone": "+33610000960",
                    "channel": "phone",
                }
            )
        )
        wizard.action_confirm()
        appointment = self.env["rdv.appointment"].search([("start", "=", TUESDAY_9)])
        self.assertEqual(len(appointment), 1)
        self.assertEqual(appointment.notification_ids.mapped("channel"), ["sms"])
        self.deliver()
        self.assertEqual(appointment.notification_ids.status, "sent")
        self.assertEqual(len(self.stub.messages), 1)
        cancel = (
            self.env["rdv.appointment.cancel"]
            .with_user(self.agent_id)
            .create({"appointment_ids": [(6, 0, appointment.ids)], "reason": "Fermeture"})
        )
        cancel.action_confirm()
        cancelled = appointment.notification_ids.filtered(lambda row: row.kind == "cancelled")
        self.assertEqual(cancelled.mapped("channel"), ["sms"])
        self.deliver()
        self.assertEqual(cancelled.status, "sent")
        self.assertEqual(len(self.stub.messages), 2)
