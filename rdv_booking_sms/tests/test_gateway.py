import datetime
import json
import time

from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.rdv_booking_portal.tests.common import free_port, smtp_sink

from .common import NOW, TUESDAY_9, LogCapture, SmsCase, utc

FR_MOBILE = "+33612345678"


@tagged("post_install", "-at_install")
class TestHttpGateway(SmsCase):
    """The configurable HTTP gateway, in Odoo's sms.sms sending path, against a real stub."""

    def test_confirmation_goes_through_the_gateway(self):
        appointment = self.book(TUESDAY_9, email="")
        with LogCapture() as logs:
            self.deliver()
        [request] = self.stub.requests
        self.assertEqual(request["headers"]["Authorization"], "Bearer stub-token")
        payload = request["payload"]
        self.assertEqual((payload["to"], payload["from"]), (FR_MOBILE, "RDV"))
        self.assertIn(appointment.name, payload["text"])
        self.assertIn("Town hall", payload["text"])
        notification = appointment.notification_ids
        self.assertEqual((notification.channel, notification.state), ("sms", "done"))
        sms = notification.sms_id
        self.assertEqual(sms.state, "pending", "Odoo's 'Sent' state")
        self.assertEqual(sms.rdv_provider_id, "msg-1")
        self.assertEqual(payload["reference"], sms.uuid)
        self.assertEqual((sms.rdv_encoding, sms.rdv_segments), ("gsm7", 1))
        usage = self.env["rdv.sms.usage"].search([("appointment_id", "=", appointment.id)])
        self.assertEqual((usage.kind, usage.segments), ("booked", 1))
        self.assertAlmostEqual(usage.cost, 0.07)
        self.assertIn("06 •• •• •• 78", appointment.message_ids[0].body)
        for line in logs.lines:
            self.assertNotIn("612345678", line)
            self.assertNotIn(appointment.name, line)

    def test_an_sms_sent_again_after_a_lost_commit_carries_the_same_reference(self):
        """A process dying after the gateway took the SMS and before our commit
        (a cron node killed) sends it again: with the reference it had, so
        that a gateway keeping client references sends it once."""
        first = self.book(TUESDAY_9, email="")
        row = first.notification_ids
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.deliver()
            self.assertEqual(row.state, "done")
            raise RuntimeError("the process died before its commit")
        self.env.invalidate_all()
        self.assertEqual((row.state, row.sms_id.id), ("pending", False), "nothing was saved")
        self.deliver()
        self.assertEqual(row.state, "done")
        lost, kept = (request["payload"]["reference"] for request in self.stub.requests)
        self.assertEqual(lost, kept)
        self.assertEqual(row.sms_id.uuid, kept)
        # Each notification its own reference; an SMS made twice for one
        # notification (never by the outbox) gets a new one, not a clash.
        second = self.book(TUESDAY_9 + datetime.timedelta(hours=2), email="")
        self.deliver()
        self.assertNotEqual(second.notification_ids.sms_id.uuid, kept)
        self.assertNotEqual(row._rdv_sms_key(), kept)
        self.assertRegex(row._rdv_sms_key(), r"^[0-9a-f]{32}$")

    def test_transient_failures_are_retried_then_fall_back_to_email(self):
        appointment = self.book(TUESDAY_9, email="jules@example.com")
        sms_row = appointment.notification_ids.filtered(lambda n: n.channel == "sms")
        self.stub.mode = "down"
        self.deliver()
        self.assertEqual((sms_row.state, sms_row.attempts), ("pending", 1))
        self.assertIn("unavailable (HTTP 503)", sms_row.last_error)
        self.assertEqual(
            (sms_row.sms_id.state, sms_row.sms_id.failure_type), ("error", "sms_server")
        )
        first_sms = sms_row.sms_id
        with freeze_time(NOW + datetime.timedelta(minutes=1)):
            self.deliver()
        self.assertEqual(sms_row.sms_id, first_sms, "the same SMS is sent again")
        self.assertEqual(sms_row.attempts, 2)
        with freeze_time(NOW + datetime.timedelta(minutes=6)):
            self.deliver()
        self.assertEqual(
            sms_row.state, "fallback", "3 attempts (the company's setting), then e-mail"
        )
        self.assertEqual(len(self.stub.requests), 3)
        # The e-mail queued with the SMS covers it: no second e-mail.
        self.assertEqual(
            self.rows(appointment), [("booked", "email", "done"), ("booked", "sms", "fallback")]
        )

    def test_an_error_is_written_in_the_language_of_the_communes_office(self):
        """The cron runs in English; the agents of a French or an Arabic
        commune read what went wrong in their office's language."""
        for lang, text in (
            ("fr_FR", "La passerelle est indisponible (HTTP 503)."),
            ("ar_001", "البوابة غير متاحة (HTTP 503)."),
        ):
            with self.subTest(lang=lang):
                self.env["res.lang"]._activate_lang(lang)
                for module in ("rdv_booking", "rdv_booking_sms"):
                    self.env.ref(f"base.module_{module}")._update_translations([lang])
                self.company.partner_id.lang = lang
                appointment = self.book(TUESDAY_9, email="")
                self.stub.mode = "down"
                self.env["rdv.notification"].with_context(lang="en_US")._process()
                row = appointment.notification_ids
                self.assertEqual((row.state, row.attempts), ("pending", 1))
                self.assertEqual(row.last_error, text)
                appointment._cancel(by="agency", reason="test")

    def test_without_email_the_sms_is_retried_until_it_goes(self):
        appointment = self.book(TUESDAY_9, email="")
        row = appointment.notification_ids
        self.stub.mode = "garbage"
        self.deliver()
        self.assertIn("cannot be read (HTTP 200, not JSON)", row.last_error)
        for minutes in (1, 6, 21):
            with freeze_time(NOW + datetime.timedelta(minutes=minutes)):
                self.deliver()
        self.assertEqual((row.state, row.attempts), ("pending", 4))
        self.stub.mode = "ok"
        with freeze_time(NOW + datetime.timedelta(minutes=81)):
            self.deliver()
        self.assertEqual(row.state, "done")
        self.assertEqual(len(self.stub.messages), 1)

    def test_refused_number_falls_back_at_once(self):
        appointment = self.book(TUESDAY_9, email="jules@example.com")
        self.stub.mode = "reject"
        self.deliver()
        row = appointment.notification_ids.filtered(lambda n: n.channel == "sms")
        self.assertEqual(row.state, "fallback")
        self.assertIn("refused the message (HTTP 400)", row.last_error)
        self.assertEqual(row.sms_id.failure_type, "unknown")

    def test_gateway_timeout_is_an_error_with_a_reason(self):
        # Odoo's test runner raises any HTTP timeout below 10 s to 10 s.
        self.gateway.timeout = 10
        self.stub.mode, self.stub.delay = "slow", 11
        appointment = self.book(TUESDAY_9, email="")
        self.deliver()
        row = appointment.notification_ids
        self.assertEqual((row.state, row.attempts), ("pending", 1))
        self.assertIn("did not answer within 10 seconds", row.last_error)

    def test_switched_off_gateway_keeps_the_messages(self):
        self.gateway.active = False
        appointment = self.book(TUESDAY_9, email="")
        self.deliver()
        row = appointment.notification_ids
        self.assertEqual((row.state, row.attempts), ("pending", 0), "waiting, no attempt used")
        self.assertIn("switched off", row.last_error)
        self.assertFalse(self.stub.requests)
        self.gateway.active = True
        with freeze_time(NOW + datetime.timedelta(minutes=15)):
            self.deliver()
        self.assertEqual(row.state, "done")
        self.assertEqual(len(self.stub.messages), 1)
        # With an e-mail address, a switched-off gateway means e-mail at once.
        self.gateway.active = False
        other = self.book(utc(2026, 3, 3, 9, 0), lastname="Aulan", email="a@example.com")
        self.assertEqual(other._otp_destination()[0], "email")
        self.deliver()
        self.assertEqual(
            self.rows(other), [("booked", "email", "done"), ("booked", "sms", "fallback")]
        )

    def test_odoo_iap_stays_available(self):
        self.company.rdv_sms_gateway_id = False
        appointment = self.book(TUESDAY_9, email="")
        self.deliver()
        sms = appointment.notification_ids.sms_id
        self.assertFalse(sms.rdv_gateway_id, "sent through Odoo IAP's own path")
        # Odoo's test runner blocks IAP: its own error state, retried by the outbox.
        self.assertEqual((sms.state, sms.failure_type), ("error", "sms_server"))
        self.assertEqual(appointment.notification_ids.state, "pending")
        self.assertFalse(self.stub.requests)

    def test_form_and_get_payloads(self):
        self.gateway.write({"content_type": "form", "auth_type": "basic", "username": "u"})
        self.book(TUESDAY_9, email="")
        self.deliver()
        self.assertEqual(self.stub.requests[-1]["payload"]["to"], FR_MOBILE)
        self.assertTrue(self.stub.requests[-1]["headers"]["Authorization"].startswith("Basic "))
        self.gateway.write({"http_method": "GET", "number_format": "digits", "auth_type": "header"})
        self.book(utc(2026, 3, 3, 9, 0), lastname="Aulan", phone="0698765432", email="")
        self.deliver()
        request = self.stub.requests[-1]
        self.assertEqual(request["payload"]["to"], "33698765432")
        self.assertEqual(request["headers"]["X-API-Key"], "stub-token")

    def test_gateway_settings_are_checked(self):
        values = self.stub.gateway_values()
        for wrong, message in (
            ({"url": "ftp://x"}, "URL"),
            ({"payload_template": "{not json"}, "not valid JSON"),
            ({"payload_template": '["{number}"]'}, "JSON object"),
            ({"payload_template": '{"to": "{number}"}'}, "{number} and {message}"),
            ({"payload_template": '{"to": "{number}", "m": "{message}", "x": "{nope}"}'}, "{nope}"),
            ({"timeout": 0}, "Timeout"),
            ({"sender": "Far too long a name"}, "Sender name"),
            ({"success_value": False}, "Success value"),
            ({"status_url": "https://api.example/status"}, "Status URL"),
            ({"status_url": "ftp://api.example/{uuid}"}, "Status URL"),
            ({"status_url": "https://api.example/{uuid}?to={number}"}, "Status URL"),
        ):
            with self.subTest(wrong=wrong), self.assertRaisesRegex(ValidationError, message):
                self.env["rdv.sms.gateway"].create({**values, **wrong})


@tagged("post_install", "-at_install")
class TestInterruptedSend(SmsCase):
    """A process that dies between the gateway's acceptance and our commit
    leaves its row marked as under way (committed before the hand-off, by the
    cron's run): the next run asks the gateway, by the reference the SMS
    carried, before anything goes again. Exactly once where the gateway has a
    status URL."""

    def interrupted(self, reached_gateway=True):
        """A confirmation by SMS whose sending died: the gateway has it when
        ``reached_gateway``; nothing of it was saved but the mark."""
        appointment = self.book(TUESDAY_9, email="")
        row = appointment.notification_ids
        if reached_gateway:
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                self.deliver()
                raise RuntimeError("the process died before its commit")
            self.env.invalidate_all()
            self.assertEqual(len(self.stub.messages), 1)
        # What the cron's committed mark leaves behind.
        row.attempt_started_at = fields.Datetime.now()
        self.stub.requests.clear()
        return appointment, row

    def sends(self):
        return [r for r in self.stub.requests if r["path"].startswith("/send")]

    def usage(self, appointment):
        return self.env["rdv.sms.usage"].search([("appointment_id", "=", appointment.id)])

    def test_found_at_the_gateway_is_recorded_not_sent_again(self):
        appointment, row = self.interrupted()
        with LogCapture() as logs:
            self.deliver()
        self.assertFalse(self.sends(), "not sent again")
        self.assertEqual(self.stub.lookups, [self.stub.messages[0]["reference"]])
        self.assertEqual((row.state, row.status, row.attempt_started_at), ("done", "sent", False))
        self.assertEqual(row.sms_id.uuid, self.stub.messages[0]["reference"])
        self.assertEqual((row.sms_id.state, row.sms_id.rdv_provider_id), ("pending", "msg-1"))
        self.assertEqual(len(self.usage(appointment)), 1, "counted once in the budget")
        self.assertIn("Confirmation sent by SMS", appointment.message_ids[0].body)
        self.assertTrue([line for line in logs.lines if "not sent again" in line])
        self.deliver()
        self.assertEqual((len(self.stub.messages), len(self.usage(appointment))), (1, 1))

    def test_not_at_the_gateway_is_sent_once(self):
        appointment, row = self.interrupted(reached_gateway=False)
        self.deliver()
        self.assertEqual(len(self.sends()), 1)
        self.assertEqual(self.stub.lookups, [row.sms_id.uuid])
        self.assertEqual((row.state, row.status, row.attempt_started_at), ("done", "sent", False))
        self.assertEqual(self.stub.messages[0]["reference"], row.sms_id.uuid)

    def test_a_gateway_that_cannot_say_is_asked_again_later(self):
        """No answer: nothing is sent (it may have the message), the row stays
        in doubt and says so, and is settled when the gateway answers."""
        appointment, row = self.interrupted()
        self.stub.mode = "down"
        self.deliver()
        self.assertFalse(self.sends())
        self.assertEqual((row.state, row.status, row.attempts), ("pending", "queued", 1))
        self.assertTrue(row.attempt_started_at, "still in doubt")
        self.assertIn("could not say whether it has it", row.last_error)
        self.assertIn("HTTP 503", row.last_error)
        self.stub.mode = "ok"
        with freeze_time(fields.Datetime.now() + datetime.timedelta(minutes=2)):
            self.deliver()
        self.assertFalse(self.sends())
        self.assertEqual((row.state, row.status), ("done", "sent"))
        self.assertEqual(len(self.stub.messages), 1)

    def test_without_a_status_url_it_goes_again_with_its_reference(self):
        """At least once: the gateway that keeps client references drops it."""
        self.gateway.status_url = False
        appointment, row = self.interrupted()
        with LogCapture() as logs:
            self.deliver()
        self.assertFalse(self.stub.lookups)
        [again] = self.sends()
        self.assertEqual(again["payload"]["reference"], self.stub.messages[0]["reference"])
        self.assertEqual((row.state, row.status), ("done", "sent"))
        self.assertTrue([line for line in logs.lines if "delivering it again" in line])

    def test_a_send_with_no_answer_is_looked_up_before_it_goes_again(self):
        """The gateway took the SMS but answered after our timeout: the next
        attempt finds it at the status URL and does not send it again."""
        self.gateway.timeout = 10  # Odoo's test runner raises shorter ones to 10 s
        self.stub.mode, self.stub.delay = "slow", 11
        appointment = self.book(TUESDAY_9, email="")
        row = appointment.notification_ids
        self.deliver()
        self.assertEqual((row.state, row.sms_id.rdv_maybe_sent), ("pending", True))
        deadline = time.monotonic() + 10
        while not self.stub.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(len(self.stub.messages), 1, "the gateway took it after all")
        self.stub.mode = "ok"
        with freeze_time(fields.Datetime.now() + datetime.timedelta(minutes=2)):
            self.deliver()
        self.assertEqual(len(self.sends()), 1, "not sent again")
        self.assertEqual(self.stub.lookups, [row.sms_id.uuid])
        self.assertEqual((row.state, row.status), ("done", "sent"))
        self.assertEqual(len(self.usage(appointment)), 1)

    def test_what_the_gateway_surely_refused_goes_again_without_asking(self):
        """An HTTP 503, or no connection at all: the gateway has not got it;
        an answer that cannot be read: it may have, it is asked."""
        gateway = self.gateway
        self.stub.mode = "down"
        result = gateway._post_one(gateway._session(), "+33612345678", "x", "r" * 32)
        self.assertEqual((result.ok, result.maybe_sent), (False, False))
        closed = free_port()
        gateway.url = f"http://127.0.0.1:{closed}/send"
        result = gateway._post_one(gateway._session(), "+33612345678", "x", "r" * 32)
        self.assertEqual((result.ok, result.transient, result.maybe_sent), (False, True, False))
        gateway.url = self.stub.url + "/send"
        self.stub.mode = "garbage"
        result = gateway._post_one(gateway._session(), "+33612345678", "x", "r" * 32)
        self.assertEqual((result.ok, result.maybe_sent), (False, True))
        self.stub.mode = "ok"
        appointment = self.book(TUESDAY_9, email="")
        row = appointment.notification_ids
        self.stub.mode = "garbage"
        self.deliver()
        self.stub.mode = "ok"
        with freeze_time(fields.Datetime.now() + datetime.timedelta(minutes=2)):
            self.deliver()
        self.assertEqual(self.stub.lookups, [row.sms_id.uuid], "asked before sending again")
        self.assertEqual((row.state, row.status, len(self.stub.messages)), ("done", "sent", 1))

    def test_an_email_row_is_delivered_again(self):
        """An e-mail's hand-off (Odoo's mail queue) is in the same transaction:
        an interrupted attempt left nothing, it is delivered."""
        appointment = self.book(TUESDAY_9, email="jules@example.com", phone="04 50 12 34 56")
        row = appointment.notification_ids
        row.attempt_started_at = fields.Datetime.now()
        self.deliver()
        self.assertEqual(row.state, "done")
        self.assertTrue(row.mail_id)
        self.assertFalse(self.stub.lookups)

    @settings(max_examples=40, deadline=None)
    @given(
        status=st.sampled_from([200, 201, 204, 301, 400, 401, 404, 410, 429, 500, 503]),
        body=st.one_of(
            st.just("<html>Oops</html>"),
            st.just(""),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(
                        st.sampled_from(["id", "messages", "0", "x"]), inner, max_size=3
                    )
                ),
                max_leaves=6,
            ).map(json.dumps),
        ),
        found_path=st.sampled_from(["", "id", "messages.0.id", "messages"]),
    )
    def test_any_status_answer_is_read_or_unknown(self, status, body, found_path):
        """Whatever the operator answers, the lookup returns; "found" only for
        an HTTP 200 in JSON holding something at the found field (or any JSON
        200 without one), "absent" only for a JSON 404 without a found field
        or a JSON 200 with nothing there; the rest (an HTML page of a proxy
        or a login form, other statuses) is unknown: asked again, never sent,
        never said sent."""
        self.gateway.status_found_path = found_path or False
        self.stub.status_answer = (status, body)
        answer, _detail = self.gateway._lookup("a" * 32)
        try:
            value, is_json = json.loads(body), True
        except ValueError:
            value, is_json = None, False
        if not is_json or status not in (200, 404) or (status == 404 and found_path):
            expected = "unknown"  # only the operator's JSON API says anything
        elif status == 404:
            expected = "absent"
        elif not found_path:
            expected = "found"
        else:
            try:
                found = self.gateway._json_path(value, found_path)
            except KeyError:
                found = None
            expected = "absent" if found in (None, "", [], {}) else "found"
        self.assertEqual(answer, expected, (status, body, found_path))


@tagged("post_install", "-at_install")
class TestCodesBySms(SmsCase):
    """One-time codes of the website by SMS, never kept, never logged."""

    def hold(self, email=""):
        appointment = self.env["rdv.appointment"]._book(
            self.type_id, self.counter, TUESDAY_9, channel="web", hold=True
        )
        appointment._set_citizen({"lastname": "Bois", "phone": "0612345678", "email": email})
        return appointment

    def issue(self, appointment):
        return self.env["rdv.otp"]._issue(appointment, "booking", "127.0.0.1")

    def test_code_by_sms(self):
        appointment = self.hold()
        with LogCapture() as logs:
            otp = self.issue(appointment)
        self.assertEqual(otp.channel, "sms")
        code = self.stub.last_code(FR_MOBILE)
        self.assertRegex(self.stub.texts()[-1], r"^\d{6} is your code .* Valid 10 min\.")
        self.assertTrue(otp._verify(code))
        sms = appointment.sms_ids
        self.assertEqual(sms.rdv_kind, "code")
        self.assertNotIn(code, sms.body, "the code is not kept in the database")
        self.assertTrue(sms.to_delete)
        for line in logs.lines:
            self.assertNotIn(code, line)
            self.assertNotIn("612345678", line)

    def test_code_by_email_when_the_sms_fails(self):
        appointment = self.hold(email="jules@example.com")
        self.stub.mode = "down"
        with smtp_sink(self.env) as sink:
            otp = self.issue(appointment)
        self.assertEqual(otp.channel, "email")
        self.assertTrue(otp._verify(sink.last_code("jules@example.com")))

    def test_no_code_and_no_cooldown_when_nothing_could_be_sent(self):
        appointment = self.hold()
        self.stub.mode = "down"
        with self.assertRaisesRegex(UserError, "could not send the text message"):
            self.issue(appointment)
        self.assertFalse(self.env["rdv.otp"].search([("appointment_id", "=", appointment.id)]))
        self.stub.mode = "ok"
        self.assertEqual(self.issue(appointment).channel, "sms", "asked again at once")
