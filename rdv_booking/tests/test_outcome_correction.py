"""Who may correct an outcome, and when; the channels of the client systems;
details a type does not ask."""

import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.rdv_appointment import BookingError, CitizenInputError
from .common import RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris


@tagged("post_install", "-at_install")
class TestOutcomeCorrection(RdvCase):
    def test_corrected_on_its_day_then_by_a_manager_only(self):
        """An agent who clicked the wrong button corrects it the same day;
        a week later the outcome stands, except for a manager."""
        appointment = self.book(TUESDAY_9)
        as_agent = appointment.with_user(self.agent_id)
        with freeze_time(TUESDAY_9 + datetime.timedelta(hours=1)):
            as_agent.action_no_show()
            as_agent.action_done()  # the same day: a mistake corrected
            self.assertEqual(appointment.state, "done")
        # 23:30 in Paris, still its day (UTC is already 22:30).
        with freeze_time(utc(2026, 3, 3, 22, 30)):
            as_agent.action_no_show()
            as_agent.action_done()
        with freeze_time(TUESDAY_9 + datetime.timedelta(days=7)):
            for action in ("action_no_show", "action_reset_planned"):
                with self.assertRaises(BookingError) as caught:
                    getattr(as_agent, action)()
                self.assertEqual(caught.exception.code, "state")
                self.assertIn("only a manager", str(caught.exception))
            self.assertEqual(appointment.state, "done")
            appointment.with_user(self.manager).action_no_show()
            self.assertEqual(appointment.state, "no_show")

    def test_a_first_outcome_is_recorded_any_day(self):
        """Recording the outcome late is no correction: an agent may."""
        appointment = self.book(TUESDAY_9)
        with freeze_time(TUESDAY_9 + datetime.timedelta(days=7)):
            appointment.with_user(self.agent_id).action_no_show()
        self.assertEqual(appointment.state, "no_show")


@tagged("post_install", "-at_install")
class TestClientSystemChannel(RdvCase):
    def test_api_bookings_have_their_channel_and_online_rules(self):
        appointment = self.book(TUESDAY_9, channel="api", email="jules@example.com")
        self.assertEqual(appointment.channel, "api")
        self.assertFalse(appointment.booked_by_id)
        groups = dict(
            self.env["rdv.appointment"]._read_group(
                [("company_id", "=", self.company.id)], ["channel"], ["__count"]
            )
        )
        self.assertEqual(groups.get("api"), 1)
        # The website's rules: not published, not booked by a client system.
        self.type_id.is_published = False
        with self.assertRaises(BookingError) as caught:
            self.book(TUESDAY_9 + datetime.timedelta(hours=1), channel="api")
        self.assertEqual(caught.exception.code, "unpublished")

    def test_cancelled_by_a_client_system_names_it(self):
        client = self.env["rdv.api.client"].create(
            {"name": "Serveur vocal", "company_id": self.company.id}
        )
        appointment = self.book(TUESDAY_9)
        self.assertEqual(appointment._cancelled_by_public(), (None, None))
        appointment._cancel(by="citizen", client=client)
        self.assertEqual(
            (appointment.cancelled_by, appointment.cancelled_by_client_id), ("client", client)
        )
        self.assertEqual(appointment._cancelled_by_public(), ("client", "Serveur vocal"))
        other = self.book(TUESDAY_9 + datetime.timedelta(hours=1))
        other._cancel(by="agency")
        self.assertEqual(other._cancelled_by_public(), ("agency", None))

    def test_a_detail_not_asked_is_refused_online(self):
        """Online, a file number for a type that does not ask it is refused
        (not dropped); at the counter the dialog sends only what it shows."""
        self.assertEqual(self.type_id.ask_file_number, "no")
        for channel in ("web", "api"):
            with self.assertRaises(CitizenInputError) as caught:
                self.book(TUESDAY_9, channel=channel, file_number="DS-1", email="j@example.com")
            self.assertEqual(caught.exception.not_asked, {"file_number"})
            self.assertIn("does not ask for it", caught.exception.errors["file_number"])
        self.assertFalse(self.env["rdv.appointment"].search([("company_id", "=", self.company.id)]))
        self.type_id.ask_file_number = "optional"
        appointment = self.book(TUESDAY_9, channel="api", file_number="DS-1")
        self.assertEqual(appointment.file_number, "DS-1")
