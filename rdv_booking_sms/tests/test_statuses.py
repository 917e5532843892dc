from odoo import fields
from odoo.tests import Form, tagged
from odoo.tools import html2plaintext, mute_logger

from odoo.addons.rdv_booking_portal.tests.common import RefusingSmtpSink, free_port, smtp_sink

from .common import TUESDAY_9, SmsCase, utc

LANDLINE = "04 50 12 34 56"
MOBILE = "06 12 34 56 78"


@tagged("post_install", "-at_install")
class TestStatusesTellTheTruth(SmsCase):
    """A message is "sent" only once the mail server or the SMS gateway took it;
    one that could not go says "not sent" and why, to the agent who must then
    call the citizen. Real SMTP server and SMS gateway on loopback."""

    def status(self, notification):
        return (notification.status, notification.status_reason or False)

    def booked_and_delivered(self, email, phone):
        """An appointment on Tuesday 09:00 for ``email`` and ``phone``, its
        confirmation through the outbox once."""
        appointment = self.book(TUESDAY_9, email=email, phone=phone)
        self.deliver()
        return appointment

    def history(self, appointment):
        return [html2plaintext(message.body) for message in appointment.message_ids]

    def test_no_address_and_sms_off_is_not_sent(self):
        self.company.rdv_sms_enabled = False
        appointment = self.booked_and_delivered("", MOBILE)
        notification = appointment.notification_ids
        self.assertEqual(self.status(notification), ("not_sent", "sms_off"))
        self.assertIn(
            "Confirmation (E-mail): not sent: no e-mail address, and SMS are off.",
            self.history(appointment),
        )
        self.assertFalse(
            [text for text in self.history(appointment) if " sent by " in text],
            "no history note says it was sent",
        )

    def test_no_address_and_no_mobile_is_not_sent(self):
        appointment = self.booked_and_delivered("", LANDLINE)
        self.assertEqual(self.status(appointment.notification_ids), ("not_sent", "no_contact"))
        self.assertFalse(self.stub.requests, "nothing went to the SMS gateway")

    def test_mail_server_accepts_then_sent(self):
        with smtp_sink(self.env) as sink:
            appointment = self.booked_and_delivered("jules@example.com", LANDLINE)
            notification = appointment.notification_ids
            self.assertEqual(
                self.status(notification), ("queued", False), "handed to the mail queue only"
            )
            self.assertTrue(notification.mail_id)
            self.assertFalse(sink.messages)
            # The queue's run for this message (a database of other apps has
            # their demo e-mails in the queue too).
            self.env["mail.mail"].sudo().process_email_queue(ids=notification.mail_id.ids)
        self.assertEqual([item["to"] for item in sink.messages], [["jules@example.com"]])
        self.assertEqual(self.status(notification), ("sent", False))
        self.assertIn("Confirmation (E-mail): Sent.", self.history(appointment))

    def test_mail_server_down_then_back_is_sent_once(self):
        """A mail server that cannot be reached says nothing of the message:
        the e-mail waits in the queue (Odoo's would leave it failed, never
        sent) and goes once the server is back; given up after the back-off."""
        with (
            smtp_sink(self.env) as sink,
            mute_logger(
                "odoo.addons.mail.models.mail_mail", "odoo.addons.base.models.ir_mail_server"
            ),
        ):
            server = self.env["ir.mail_server"].sudo().search([("active", "=", True)])
            port, server.smtp_port = server.smtp_port, free_port()  # nothing listens there
            appointment = self.booked_and_delivered("jules@example.com", LANDLINE)
            notification = appointment.notification_ids
            mail = notification.mail_id
            queue = self.env["mail.mail"].sudo()
            queue.process_email_queue(ids=mail.ids)
            self.assertEqual(mail.state, "outgoing", "back in the queue")
            self.assertGreater(mail.scheduled_date, fields.Datetime.now())
            self.assertEqual(self.status(notification), ("queued", False))
            self.assertEqual(notification.attempts, 2)
            queue.process_email_queue(ids=mail.ids)
            self.assertEqual(mail.state, "outgoing", "not due yet: not tried again")
            self.assertEqual(notification.attempts, 2)

            server.smtp_port = port  # back
            mail.scheduled_date = fields.Datetime.now()
            queue.process_email_queue(ids=mail.ids)
        self.assertEqual([item["to"] for item in sink.messages], [["jules@example.com"]])
        self.assertEqual(self.status(notification), ("sent", False))

        # Down for longer than the back-off: failed, and the agent reads why.
        with (
            smtp_sink(self.env) as sink,
            mute_logger(
                "odoo.addons.mail.models.mail_mail", "odoo.addons.base.models.ir_mail_server"
            ),
        ):
            self.env["ir.mail_server"].sudo().search(
                [("active", "=", True)]
            ).smtp_port = free_port()
            appointment = self.book(utc(2026, 3, 4, 8, 0), email="ines@example.com", phone=LANDLINE)
            self.deliver()
            notification = appointment.notification_ids
            for _attempt in range(len(notification._outbox_retry_delays()) + 1):
                notification.mail_id.scheduled_date = fields.Datetime.now()
                self.env["mail.mail"].sudo().process_email_queue(ids=notification.mail_id.ids)
        self.assertEqual(notification.mail_id.state, "exception")
        self.assertEqual(self.status(notification), ("failed", "mail_unreachable"))
        self.assertIn(
            "Confirmation (E-mail): failed: the mail server could not be reached.",
            self.history(appointment),
        )

    def test_mail_server_refuses_then_failed(self):
        with (
            smtp_sink(self.env, RefusingSmtpSink()) as sink,
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            appointment = self.booked_and_delivered("nobody@example.com", LANDLINE)
            notification = appointment.notification_ids
            self.env["mail.mail"].sudo().process_email_queue(ids=notification.mail_id.ids)
        self.assertFalse(sink.messages)
        self.assertEqual(self.status(notification), ("failed", "mail_refused"))
        self.assertIn("550", notification.last_error)
        self.assertIn(
            "Confirmation (E-mail): failed: the mail server refused it.", self.history(appointment)
        )

    def test_sms_accepted_by_the_gateway_is_sent(self):
        appointment = self.booked_and_delivered("", MOBILE)
        self.assertEqual(len(self.stub.messages), 1)
        self.assertEqual(self.status(appointment.notification_ids), ("sent", False))

    def test_sms_refused_by_the_gateway_without_address_failed(self):
        self.stub.mode = "reject"
        appointment = self.booked_and_delivered("", MOBILE)
        notification = appointment.notification_ids
        self.assertEqual(self.status(notification), ("failed", "sms_gateway"))
        self.assertIn(
            "Confirmation (SMS): failed: the SMS gateway refused it or did not answer.",
            self.history(appointment),
        )

    def test_sms_off_with_an_address_goes_by_mail_only(self):
        self.company.rdv_sms_enabled = False
        appointment = self.booked_and_delivered("jules@example.com", MOBILE)
        self.assertEqual(
            [(n.channel, n.status) for n in appointment.notification_ids], [("email", "queued")]
        )
        self.assertFalse(self.stub.requests)

    # --- what the agent is told

    def _three_to_reschedule(self):
        """Three appointments whose slots were suspended: by e-mail, by SMS, and
        one citizen with neither e-mail nor mobile."""
        by_mail = self.book(TUESDAY_9, email="a@example.com", phone=LANDLINE, lastname="Aulan")
        by_sms = self.book(utc(2026, 3, 3, 9, 0), email="", phone=MOBILE, lastname="Sarda")
        silent = self.book(utc(2026, 3, 3, 10, 0), email="", phone=LANDLINE, lastname="Muet")
        appointments = by_mail | by_sms | silent
        slots = appointments.slot_ids
        notice = slots.action_suspend()["params"]
        self.assertEqual(set(appointments.mapped("state")), {"to_reschedule"})
        self.assertIn("Appointments moved to 'To reschedule': 3.", notice["message"])
        self.assertIn("2 citizens are being told by message.", notice["message"])
        self.assertIn("1 citizen cannot be told, call them: %s" % silent.name, notice["message"])
        return appointments, slots, silent

    def test_release_notice_counts_who_is_told(self):
        _appointments, slots, silent = self._three_to_reschedule()
        result = slots.action_release()
        params = result["params"]
        self.assertIn("2 citizens are being told by message.", params["message"])
        self.assertIn(
            "1 citizen cannot be told, call them: %s – MUET Jules (04 50 12 34 56): "
            "no e-mail address and no mobile phone." % silent.name,
            params["message"],
        )
        self.assertNotIn("the citizens are told", params["message"])
        self.assertEqual((params["type"], params.get("sticky")), ("warning", True))

    def test_cancel_notice_says_who_cannot_be_told(self):
        self.company.rdv_sms_enabled = False
        silent = self.book(TUESDAY_9, email="", phone=MOBILE, lastname="Muet")
        wizard = self.env["rdv.appointment.cancel"].create(
            {"appointment_ids": [(6, 0, silent.ids)], "reason": "Closed"}
        )
        params = wizard.action_confirm()["params"]
        self.assertEqual(
            params["message"],
            "Cancelled: %s. 1 citizen cannot be told, call them: %s – MUET Jules "
            "(06 12 34 56 78): no e-mail address, and SMS are off." % (silent.name, silent.name),
        )
        self.assertEqual(params["type"], "warning")

    def test_impact_notice_counts_who_is_told(self):
        by_mail = self.book(TUESDAY_9, email="a@example.com", phone=LANDLINE, lastname="Aulan")
        silent = self.book(utc(2026, 3, 3, 9, 0), email="", phone=LANDLINE, lastname="Muet")
        preview = self.env["rdv.slot.block"].create(
            {"slot_ids": [(6, 0, (by_mail | silent).slot_ids.ids)], "block_state": "suspended"}
        )
        self.assertIn(
            "1 of them cannot be told (no e-mail address, and no mobile phone SMS can reach): "
            "%s – MUET Jules (%s). Call them." % (silent.name, silent.phone_display),
            preview.impact,
            "said before the agent confirms",
        )
        wizard = self.env["rdv.slot.block"].create(
            {"slot_ids": [(6, 0, by_mail.slot_ids.ids)], "block_state": "suspended"}
        )
        message = wizard.action_confirm()["params"]["message"]
        self.assertIn("Appointments moved to 'To reschedule': 1.", message)
        self.assertIn("1 citizen is being told by message.", message)

    # --- the booking dialog, before saving

    def test_booking_dialog_warns_when_the_citizen_gets_nothing(self):
        slot = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", TUESDAY_9)], limit=1
        )
        warning = (
            "This citizen will receive no confirmation: %s. Give them the reference and "
            "the time now."
        )
        self.company.rdv_sms_enabled = False
        form = Form(self.env["rdv.slot.assign"].with_context(default_slot_id=slot.id))
        form.lastname = "Muet"
        form.phone = MOBILE
        self.assertEqual(form.silence_warning, warning % "no e-mail address, and SMS are off")
        form.email = "muet@example.com"
        self.assertFalse(form.silence_warning)
        self.company.rdv_sms_enabled = True
        form = Form(self.env["rdv.slot.assign"].with_context(default_slot_id=slot.id))
        form.lastname = "Muet"
        form.phone = MOBILE
        self.assertFalse(form.silence_warning, "told by SMS")
        form.phone = LANDLINE
        self.assertEqual(form.silence_warning, warning % "no e-mail address and no mobile phone")
        form.phone = ""
        self.assertEqual(form.silence_warning, warning % "no e-mail address and no mobile phone")
