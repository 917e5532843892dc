"""Signed webhooks: events of the appointment life cycle, queued in the
transaction of the change, sent after it to a real receiver on loopback that
checks the signatures and fails on purpose."""

import datetime
import json
import uuid

import psycopg2
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import webhook
from .common import MANAGER, NOW, SEYNOD_TOWN_HALL, RdvCase, utc
from .webhook_receiver import WebhookReceiver

TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris
DELIVERY_LOGGER = "odoo.addons.rdv_booking.models.rdv_outbox"


@tagged("post_install", "-at_install")
class TestWebhooks(RdvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receiver = WebhookReceiver().start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.client = cls.env["rdv.api.client"].create(
            {"name": "Démarches simplifiées", "type_ids": [(6, 0, cls.type_id.ids)]}
        )
        cls.subscription = cls.env["rdv.webhook.subscription"].create(
            {"client_id": cls.client.id, "url": cls.receiver.url}
        )
        cls.receiver.secret = cls.subscription.sudo().secret

    def setUp(self):
        super().setUp()
        self.receiver.modes = []
        self.receiver.calls = []

    # --- helpers

    def deliveries(self, appointment=None, event=None):
        domain = [("subscription_id", "=", self.subscription.id)]
        if appointment:
            domain.append(("appointment_id", "=", appointment.id))
        if event:
            domain.append(("event", "=", event))
        return self.env["rdv.webhook.delivery"].search(domain, order="id")

    def send(self):
        """What the cron does after the commit."""
        return self.env["rdv.webhook.delivery"]._process()

    def events(self, appointment):
        return self.deliveries(appointment).mapped("event")

    def body(self, delivery):
        return json.loads(delivery.payload)

    # --- events of the life cycle

    def test_booked_at_the_counter_is_sent_signed_exactly_once(self):
        self.type_id.ask_file_number = "optional"
        appointment = self.book(TUESDAY_9, file_number="DS-2026-0042")
        delivery = self.deliveries(appointment)
        self.assertEqual(delivery.mapped("event"), ["booked"])
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 0))
        body = self.body(delivery)
        self.assertEqual(body["event"], "booked")
        self.assertEqual(body["id"], delivery.event_id)
        self.assertEqual(str(uuid.UUID(body["id"])), body["id"])
        self.assertEqual(body["timestamp"], "2026-03-02T07:00:00Z")
        data = body["appointment"]
        self.assertEqual(data["reference"], appointment.name)
        self.assertEqual(data["start"], "2026-03-03T08:00:00Z")
        self.assertEqual(data["start_local"], "2026-03-03T09:00:00+01:00")
        self.assertEqual(data["stop"], "2026-03-03T08:30:00Z")
        self.assertEqual(data["place"]["timezone"], "Europe/Paris")
        self.assertEqual(data["type"]["name"], "ID card")
        self.assertEqual(data["counter"]["name"], "Counter 1")
        self.assertEqual(
            (data["persons"], data["state"], data["channel"]), (1, "planned", "counter")
        )
        self.assertEqual(data["file_number"], "DS-2026-0042")
        # No more personal data than needed.
        for personal in ("Bois", "Jules", "612345678"):
            self.assertNotIn(personal, delivery.payload)
        self.assertEqual(self.receiver.calls, [], "nothing is sent before the commit")

        self.assertEqual(self.send(), 1)
        self.assertEqual(len(self.receiver.calls), 1)
        call = self.receiver.calls[0]
        self.assertTrue(call["valid"], "the receiver verified the signature")
        self.assertEqual(call["body"], delivery.payload.encode())
        self.assertEqual(call["headers"]["X-RDV-Event"], "booked")
        self.assertEqual(call["headers"]["X-RDV-Delivery"], delivery.event_id)
        self.assertEqual(call["headers"]["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(
            (delivery.state, delivery.attempts, delivery.http_status), ("done", 1, 200)
        )
        self.assertEqual(delivery.delivered_at, NOW)
        self.assertIn("received", delivery.response_excerpt)
        # Exactly once: later runs send nothing again.
        self.send()
        with freeze_time(NOW + datetime.timedelta(days=1)):
            self.send()
        self.assertEqual(len(self.receiver.calls), 1)

    def test_an_event_is_queued_once_per_subscription(self):
        delivery = self.deliveries(self.book(TUESDAY_9))
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            delivery.copy()

    def hold(self, citizen=None):
        """Hold Tuesday 9:00 as the website does."""
        return self.env["rdv.appointment"]._book(
            self.type_id, self.counter, TUESDAY_9, citizen=citizen, channel="web", hold=True
        )

    def test_booked_on_the_website_when_the_code_is_verified(self):
        hold = self.hold()
        hold._set_citizen({"lastname": "Aulan", "phone": "0611223344"})
        self.assertFalse(self.deliveries(hold), "a hold is nobody's appointment yet")
        hold._confirm_hold()
        delivery = self.deliveries(hold)
        self.assertEqual(delivery.mapped("event"), ["booked"])
        self.assertEqual(self.body(delivery)["appointment"]["channel"], "web")

    def test_a_hold_given_up_tells_nothing(self):
        hold = self.hold({"lastname": "Aulan", "phone": "0611223344"})
        hold._cancel(by="citizen")
        self.assertFalse(self.deliveries(hold))

    def test_moved(self):
        appointment = self.book(TUESDAY_9)
        appointment._change_slot(self.counter, TUESDAY_9 + datetime.timedelta(hours=1))
        moved = self.deliveries(appointment, "moved")
        self.assertEqual(len(moved), 1)
        self.assertEqual(
            self.body(moved)["appointment"]["start_local"], "2026-03-03T10:00:00+01:00"
        )

    def test_cancelled_says_by_whom(self):
        by_citizen, by_agency, by_client = (
            self.book(TUESDAY_9 + datetime.timedelta(hours=hours)) for hours in (0, 1, 2)
        )
        by_citizen._cancel(by="citizen", reason="Not needed")
        by_agency._cancel(by="agency", reason="Closed")
        by_client._cancel(by="citizen", client=self.client)
        who = {
            appointment: self.body(self.deliveries(appointment, "cancelled"))["appointment"]
            for appointment in (by_citizen, by_agency, by_client)
        }
        self.assertEqual(who[by_citizen]["cancelled_by"], "citizen")
        self.assertEqual(who[by_agency]["cancelled_by"], "agency")
        self.assertEqual(who[by_client]["cancelled_by"], "client")
        self.assertEqual(who[by_client]["cancelled_by_client"], "Démarches simplifiées")
        self.assertNotIn("Not needed", self.deliveries(by_citizen, "cancelled").payload)
        self.assertEqual(who[by_agency]["state"], "cancelled")

    def test_done_and_absent(self):
        came, absent = self.book(TUESDAY_9), self.book(TUESDAY_9 + datetime.timedelta(hours=1))
        with freeze_time(TUESDAY_9 + datetime.timedelta(hours=3)):
            came.action_done()
            absent.action_no_show()
            absent.action_reset_planned()  # a mistake undone: no event
        self.assertEqual(self.events(came), ["booked", "done"])
        self.assertEqual(self.events(absent), ["booked", "absent"])
        self.assertEqual(
            self.body(self.deliveries(absent, "absent"))["appointment"]["state"], "absent"
        )

    def test_to_reschedule_from_a_counter_change(self):
        appointment = self.book(TUESDAY_9)
        self.env["rdv.closure"].create(
            {
                "name": "Broken ID station",
                "date_from": TUESDAY_9.date(),
                "date_to": TUESDAY_9.date(),
            }
        )
        self.assertEqual(appointment.state, "to_reschedule")
        delivery = self.deliveries(appointment, "to_reschedule")
        self.assertEqual(len(delivery), 1)
        self.assertEqual(self.body(delivery)["appointment"]["reschedule_cause"], "closure")

    # --- whom the events go to

    def test_scope_commune_type_and_events(self):
        other_type = self.book(
            TUESDAY_9,
            counter=self._make_counter("Counter 2", types=self.type_civil),
            appointment_type=self.type_civil,
        )
        self.assertFalse(self.deliveries(other_type), "a type the client was not given")
        seynod = self._make_commune(
            "Seynod",
            appointment_type={"name": "ID card", "duration": 15},
            place=SEYNOD_TOWN_HALL,
        )
        elsewhere = seynod.env["rdv.appointment"]._book(
            seynod.type,
            seynod.counter,
            TUESDAY_9,
            citizen={"lastname": "Bois", "phone": "0612345678"},
        )
        self.assertFalse(
            self.env["rdv.webhook.delivery"].sudo().search([("appointment_id", "=", elsewhere.id)]),
            "another commune's appointment",
        )
        self.subscription.on_moved = False
        appointment = self.book(TUESDAY_9)
        appointment._change_slot(self.counter, TUESDAY_9 + datetime.timedelta(hours=1))
        self.assertEqual(self.events(appointment), ["booked"], "an event not subscribed to")
        self.client.active = False
        self.assertFalse(self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=2))))

    def test_a_client_given_no_type_hears_of_every_type_of_its_commune(self):
        """As the API reads it: no type given is every type of the commune."""
        self.client.type_ids = False
        other_type = self.book(
            TUESDAY_9,
            counter=self._make_counter("Counter 2", types=self.type_civil),
            appointment_type=self.type_civil,
        )
        self.assertEqual(self.events(other_type), ["booked"])

    def test_deactivated_subscription_sends_nothing_more(self):
        first = self.deliveries(self.book(TUESDAY_9))
        self.subscription.active = False
        self.assertEqual(first.state, "failed")
        self.assertIn("deactivated", first.last_error)
        self.assertFalse(self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=1))))
        self.send()
        self.assertEqual(self.receiver.calls, [])
        with self.assertRaisesRegex(UserError, "deactivated"):
            first.action_retry()
        self.subscription.active = True
        # Deactivated between the queuing and the sending (the client system).
        second = self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=2)))
        self.client.active = False
        self.send()
        self.assertEqual(self.receiver.calls, [])
        self.assertEqual(second.state, "failed")

    # --- failures of the receiver

    @mute_logger(DELIVERY_LOGGER)
    def test_retried_with_back_off_then_given_up(self):
        delivery = self.deliveries(self.book(TUESDAY_9))
        self.receiver.modes = ["500"] * 6
        at = NOW
        for attempt, minutes in enumerate((1, 5, 15, 60, 240), start=1):
            with freeze_time(at):
                self.send()
            self.assertEqual((delivery.state, delivery.attempts), ("pending", attempt))
            self.assertEqual(delivery.http_status, 500)
            self.assertEqual(delivery.next_attempt_at, at + datetime.timedelta(minutes=minutes))
            with freeze_time(delivery.next_attempt_at - datetime.timedelta(seconds=1)):
                self.send()  # not due yet
            self.assertEqual(len(self.receiver.calls), attempt)
            at = delivery.next_attempt_at
        with freeze_time(at):
            self.send()
        self.assertEqual((delivery.state, delivery.attempts), ("failed", 6))
        self.assertEqual(
            {call["headers"]["X-RDV-Delivery"] for call in self.receiver.calls}, {delivery.event_id}
        )
        self.assertTrue(all(call["valid"] for call in self.receiver.calls))
        # Retry now: a fresh back-off, sent by the cron.
        delivery.action_retry()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 0))
        with freeze_time(at):
            self.send()
        self.assertEqual((delivery.state, len(self.receiver.calls)), ("done", 7))
        with self.assertRaisesRegex(UserError, "not sent again"):
            delivery.action_retry()

    @mute_logger(DELIVERY_LOGGER)
    def test_500_connection_refused_timeout_then_ok(self):
        delivery = self.deliveries(self.book(TUESDAY_9))
        # 500
        self.receiver.modes = ["500"]
        self.send()
        self.assertEqual(
            (delivery.state, delivery.attempts, delivery.http_status), ("pending", 1, 500)
        )
        # Connection refused
        self.receiver.stop()
        try:
            with freeze_time(NOW + datetime.timedelta(minutes=1)):
                self.send()
        finally:
            self.receiver.start()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 2))
        self.assertIn("cannot be reached", delivery.last_error)
        self.assertFalse(delivery.http_status)
        self.assertEqual(len(self.receiver.calls), 1)
        # A timeout: the receiver got the call, its answer was lost.
        self.receiver.modes = ["slow"]
        with freeze_time(NOW + datetime.timedelta(minutes=6)):
            self.send()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 3))
        self.assertIn("No answer within", delivery.last_error)
        # Then OK.
        with freeze_time(NOW + datetime.timedelta(minutes=21)):
            self.send()
        self.assertEqual(
            (delivery.state, delivery.attempts, delivery.http_status), ("done", 4, 200)
        )
        calls = self.receiver.calls
        self.assertEqual([call["mode"] for call in calls], ["500", "slow", "ok"])
        self.assertTrue(all(call["valid"] for call in calls))
        # The same event each time: the receiver keeps the one it already had
        # (the timed out call) by its id.
        self.assertEqual({call["body"] for call in calls}, {delivery.payload.encode()})
        self.assertEqual(len({call["headers"]["X-RDV-Delivery"] for call in calls}), 1)
        self.assertEqual(len({call["headers"]["X-RDV-Timestamp"] for call in calls}), 3)

    @mute_logger(DELIVERY_LOGGER)
    def test_429_is_retried_other_4xx_and_redirects_are_given_up(self):
        throttled = self.deliveries(self.book(TUESDAY_9))
        self.receiver.modes = ["429"]
        self.send()
        self.assertEqual((throttled.state, throttled.http_status), ("pending", 429))
        self.receiver.modes = ["404"]
        with freeze_time(throttled.next_attempt_at):
            self.send()
        self.assertEqual(
            (throttled.state, throttled.attempts, throttled.http_status), ("failed", 2, 404)
        )
        self.assertIn("refused", throttled.last_error)
        moved = self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=1)))
        self.receiver.modes = ["302"]
        self.send()
        self.assertEqual((moved.state, moved.attempts, moved.http_status), ("failed", 1, 302))
        self.assertEqual(len(self.receiver.calls), 3, "a redirect is not followed")

    def test_retry_after_is_respected(self):
        delivery = self.deliveries(self.book(TUESDAY_9))
        waiting = self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=1)))
        self.receiver.modes = ["429", "503", "503"]
        self.receiver.retry_after = "3600"
        self.addCleanup(setattr, self.receiver, "retry_after", "")
        self.send()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 1))
        self.assertEqual(delivery.next_attempt_at, NOW + datetime.timedelta(hours=1))
        self.assertEqual(waiting.next_attempt_at, delivery.next_attempt_at, "its queue waits")
        waiting.unlink()
        self.receiver.retry_after = "10"  # sooner than the back-off: the back-off
        at = delivery.next_attempt_at
        with freeze_time(at):
            self.send()
        self.assertEqual(delivery.next_attempt_at, at + datetime.timedelta(minutes=5))
        self.receiver.retry_after = "9999999"  # at most a day
        at = delivery.next_attempt_at
        with freeze_time(at):
            self.send()
        self.assertEqual(delivery.next_attempt_at, at + datetime.timedelta(days=1))
        self.assertEqual(delivery.attempts, 3)

    @mute_logger(DELIVERY_LOGGER)
    def test_a_receiver_down_costs_one_call_per_run(self):
        first = self.deliveries(self.book(TUESDAY_9))
        second = self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=1)))
        self.receiver.modes = ["503"]
        self.send()
        self.assertEqual(len(self.receiver.calls), 1)
        self.assertEqual((first.attempts, second.attempts), (1, 0))
        self.assertEqual(second.next_attempt_at, first.next_attempt_at)
        with freeze_time(first.next_attempt_at):
            self.send()
        self.assertEqual((first.state, second.state), ("done", "done"))
        self.assertEqual(len(self.receiver.calls), 3)

    def test_old_calls_are_forgotten(self):
        done, failed, pending = (
            self.deliveries(self.book(TUESDAY_9 + datetime.timedelta(hours=hours)))
            for hours in (0, 1, 2)
        )
        done.write({"state": "done"})
        failed.write({"state": "failed"})
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rdv_webhook_delivery SET write_date = %s WHERE id IN %s",
            (NOW - datetime.timedelta(days=91), tuple((done | failed | pending).ids)),
        )
        self.env.invalidate_all()
        Delivery = self.env["rdv.webhook.delivery"]
        Delivery._gc_delivered()
        Delivery._gc_given_up()
        self.assertEqual((done | failed | pending).exists(), pending, "a call still to send stays")

    # --- configuration and access

    def test_new_secret_signs_the_next_calls(self):
        old = self.subscription.sudo().secret
        self.subscription.action_new_secret()
        new = self.subscription.sudo().secret
        self.assertNotEqual(old, new)
        self.assertGreaterEqual(len(new), 40)
        self.receiver.secret = new
        try:
            self.book(TUESDAY_9)
            self.send()
        finally:
            self.receiver.secret = old
        self.assertTrue(self.receiver.calls[0]["valid"])

    def test_the_back_office_views_open(self):
        manager = self.env(user=self.manager)
        for model in ("rdv.webhook.subscription", "rdv.webhook.delivery", "rdv.api.client"):
            views = manager[model].get_views([(False, "list"), (False, "form"), (False, "search")])
            self.assertEqual(set(views["views"]), {"list", "form", "search"}, model)
        form = manager["rdv.appointment"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("search_default_appointment_id", form, "the appointment's calls")
        agent_form = self.env(user=self.agent_id)["rdv.appointment"].get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        self.assertNotIn("search_default_appointment_id", agent_form, "managers only")
        action = self.subscription.with_user(self.manager).action_view_deliveries()
        self.assertEqual(action["domain"], [("subscription_id", "=", self.subscription.id)])

    def test_secrets_are_their_own(self):
        other = self.env["rdv.webhook.subscription"].create(
            {"client_id": self.client.id, "url": "https://partner.example.fr/hook"}
        )
        self.assertNotEqual(other.sudo().secret, self.subscription.sudo().secret)

    @settings(max_examples=40, deadline=None)
    @given(
        url=st.one_of(
            st.text(max_size=60), st.from_regex(r"https?://[a-z0-9.:/@#-]{0,30}", fullmatch=True)
        )
    )
    def test_url_rule(self, url):
        problem = webhook.url_problem(url)
        try:
            with self.env.cr.savepoint():
                self.subscription.url = url
                self.subscription.flush_recordset()
        except ValidationError as error:
            self.assertTrue(problem, url)
            self.assertTrue(str(error).startswith("URL:"))
        else:
            self.assertFalse(problem, url)

    def test_access(self):
        agent = self.agent_id
        delivery = self.deliveries(self.book(TUESDAY_9))
        with self.assertRaises(AccessError):
            self.subscription.with_user(agent).read(["url"])
        with self.assertRaises(AccessError):
            delivery.with_user(agent).read(["payload"])
        # A manager of another commune sees neither.
        seynod = self._make_commune(
            "Seynod", users=[("seynod_manager", MANAGER, {})], place=SEYNOD_TOWN_HALL
        )
        stranger = self.env(
            user=seynod.users[0], context={"allowed_company_ids": seynod.company.ids}
        )
        self.assertFalse(stranger["rdv.webhook.subscription"].search([]))
        self.assertFalse(stranger["rdv.webhook.delivery"].search([]))
        with self.assertRaises(AccessError):
            stranger["rdv.webhook.delivery"].browse(delivery.id).action_retry()
        # The commune's manager reads the secret and the log, and retries; the
        # log itself is not edited.
        manager = self.manager
        self.assertTrue(self.subscription.with_user(manager).secret)
        self.assertEqual(self.env["rdv.webhook.delivery"].with_user(manager).search([]), delivery)
        with self.assertRaises(AccessError):
            delivery.with_user(manager).write({"state": "pending", "payload": "{}"})
        delivery.write({"state": "failed"})
        delivery.with_user(manager).action_retry()
        self.assertEqual(delivery.state, "pending")

    def test_the_servers_own_networks_are_an_administrators_choice(self):
        """A manager cannot point events at this server or a private network
        (its services would answer, and the delivery log would show their
        answer); an administrator can (an intranet's case system); link-local
        addresses (a cloud's metadata service) nobody."""
        manager = self.subscription.with_user(self.manager)
        for url in ("http://localhost:8877/api", "https://10.1.2.3/hook", "http://[::1]:9/"):
            with self.assertRaises(ValidationError, msg=url), self.env.cr.savepoint():
                manager.write({"url": url})
                manager.flush_recordset()
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.subscription.write({"url": "https://169.254.169.254/latest"})
            self.subscription.flush_recordset()
        # nor can a manager give itself the right
        manager.write({"internal_allowed": True, "timeout": 5})
        self.assertTrue(self.subscription.internal_allowed)  # set by the class's administrator
        manager.write({"url": "https://partner.example.fr/hook"})
        self.assertFalse(self.subscription.internal_allowed)
        manager.write({"internal_allowed": True})
        self.assertFalse(self.subscription.internal_allowed)

    def test_a_name_leading_to_this_server_sends_nothing_unless_an_administrator_chose_it(self):
        """A public-looking name that resolves to this machine (this host's
        own name here) is not a way round the rule: nothing is sent."""
        import socket  # noqa: PLC0415

        url = self.receiver.url.replace("http://127.0.0.1", "https://" + socket.gethostname())
        self.assertEqual(webhook.host_kind(url), "name")
        self.assertEqual(webhook.resolved_kind(url), "internal")
        self.subscription.with_user(self.manager).write({"url": url})
        delivery = self.deliveries(self.book(TUESDAY_9))
        self.send()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("administrator", delivery.last_error)
        self.assertFalse(self.receiver.calls)
        # saved by an administrator: tried (the loopback receiver speaks plain
        # http, so the TLS handshake fails: a network error, tried again later)
        self.subscription.write({"url": url})
        delivery.action_retry()
        with mute_logger(DELIVERY_LOGGER):
            self.send()
        self.assertEqual(delivery.state, "pending")
        self.assertIn("cannot be reached", delivery.last_error)
