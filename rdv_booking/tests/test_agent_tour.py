"""Browser tours of the agent's back office (seed "gestion des rendez-vous").

The tours run in a real browser against the server's clock, so the data is
built relative to the real now (no freezegun): a counter valid from today,
open every day 08:00-18:00, with a 14-day horizon, so that there are free
slots whatever the day and hour the test runs.
"""

import datetime
import subprocess

import pytz

from odoo.tests import HttpCase, tagged

from .common import AGENT, MANAGER, RdvCommuneCase

PARIS = pytz.timezone("Europe/Paris")


@tagged("post_install", "-at_install")
class TestAgentTour(RdvCommuneCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The agent works in that commune only: it is their active company.
        commune = cls._make_commune(
            "Commune du Tour",
            company={"rdv_horizon_days": 14},
            users=[("rdv_tour_agent", AGENT, {"name": "Agathe Agent", "tz": "Europe/Paris"})],
            service="Tour ID documents",
            appointment_type={
                "name": "Tour ID card",
                "duration": 15,
                "max_persons": 2,
                "is_published": True,
                "ask_phone": "required",
            },
            place={"name": "Tour town hall", "street": "1 rue de l'Hôtel de Ville"},
            week=("Tour week", [(0, 6, 8.0, 18.0)]),
            counter={"name": "Tour counter"},
        )
        cls.env = commune.env
        cls.company, cls.place, cls.counter = commune.company, commune.place, commune.counter
        cls.appointment_type = commune.type
        (cls.agent,) = commune.users
        # Tomorrow 08:00-08:45 (Paris) suspended: the "Free" filter must hide them.
        tomorrow_8 = PARIS.localize(
            datetime.datetime.combine(
                cls.place._today() + datetime.timedelta(days=1), datetime.time(8)
            )
        )
        tomorrow_8 = tomorrow_8.astimezone(pytz.utc).replace(tzinfo=None)
        cls.suspended = cls.env["rdv.slot"].search(
            [
                ("counter_id", "=", cls.counter.id),
                ("start", ">=", tomorrow_8),
                ("start", "<", tomorrow_8 + datetime.timedelta(minutes=45)),
            ]
        )
        cls.suspended.action_suspend()

    def _slots(self, **domain):
        return self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def test_agent_day(self):
        """Assign a free slot from the list, change the slot, cancel."""
        self.assertEqual(len(self.suspended), 3)
        self.assertFalse(self._slots(state="booked"))
        self.start_tour(
            "/odoo/action-rdv_booking.rdv_slot_action",
            "rdv_booking_agent_tour",
            login=self.agent.login,
        )
        appointment = self.env["rdv.appointment"].search(
            [("company_id", "=", self.company.id), ("lastname", "=", "Tourneur")]
        )
        self.assertEqual(len(appointment), 1, "the tour booked exactly one appointment")
        self.assertRecordValues(
            appointment,
            [
                {
                    "state": "cancelled",
                    "cancelled_by": "citizen",
                    "cancel_reason": "The citizen called: she found an earlier date elsewhere",
                    "channel": "counter",
                    "firstname": "Lucie",
                    "phone": "+33612345678",
                    "comment": "Brings the old ID card",
                    "type_id": self.appointment_type.id,
                    "counter_id": self.counter.id,
                    "booked_by_id": self.agent.id,
                }
            ],
        )
        self.assertEqual(appointment.partner_id.name, "TOURNEUR Lucie")
        # The slot was changed once: the tracking of 'start' gives the original time.
        tracking = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "rdv.appointment"),
                ("mail_message_id.res_id", "=", appointment.id),
                ("field_id.name", "=", "start"),
            ]
        )
        self.assertEqual(len(tracking), 1, "one change of slot")
        original_start = tracking.old_value_datetime
        self.assertTrue(original_start)
        self.assertNotEqual(original_start, appointment.start, "the appointment moved")
        self.assertGreater(original_start, datetime.datetime.now() - datetime.timedelta(hours=1))
        original_slot = self._slots(start=original_start)
        new_slot = self._slots(start=appointment.start)
        self.assertEqual(len(original_slot), 1)
        self.assertEqual(len(new_slot), 1)
        # Cancelled: both the original and the second slot are free again.
        self.assertEqual(original_slot.state, "free")
        self.assertFalse(original_slot.appointment_id)
        self.assertEqual(new_slot.state, "free")
        self.assertFalse(appointment.slot_ids)
        self.assertFalse(self._slots(state="booked"), "no slot of the counter is booked")
        self.assertEqual(self.suspended.mapped("state"), ["suspended"] * 3)
        bodies = " ".join(appointment.message_ids.mapped("body"))
        self.assertIn("Moved from", bodies)
        self.assertIn("Cancelled by", bodies)

    def test_slot_calendar(self):
        """The week calendar of slots renders events and its counter filters."""
        self.start_tour(
            "/odoo/action-rdv_booking.rdv_slot_action",
            "rdv_booking_slot_calendar_tour",
            login=self.agent.login,
        )

    def test_check_in_at_the_reception(self):
        """The agent scans a citizen's summary and checks them in."""
        tomorrow = self.place._today() + datetime.timedelta(days=1)
        appointment = (
            self.env["rdv.appointment"]
            .with_user(self.agent)
            ._book(
                self.appointment_type,
                self.counter,
                self._utc(tomorrow, 10),
                citizen={"lastname": "Arrivant", "firstname": "Lou", "phone": "0612345678"},
            )
        )
        # Today at noon, whatever the hour the test runs: the booking service
        # refuses times past, a citizen may check in late.
        noon = self._utc(self.place._today(), 12)
        appointment.write(
            {
                "name": "TOUR-2345",
                "start": noon,
                "stop": noon + datetime.timedelta(minutes=15),
                "comment": "Comes with an interpreter",
            }
        )
        self.assertFalse(appointment.arrival_time)
        self.start_tour(
            "/odoo/action-rdv_booking.rdv_slot_action",
            "rdv_booking_check_in_tour",
            login=self.agent.login,
        )
        self.assertTrue(appointment.arrival_time)
        self.assertEqual(appointment.state, "planned", "checked in, waiting to be served")

    @staticmethod
    def _utc(day, hour):
        """Naive UTC of ``hour`` o'clock in Paris on ``day``."""
        return (
            PARIS.localize(datetime.datetime.combine(day, datetime.time(hour)))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )

    def test_day_sheet_printed_by_the_agent(self):
        """The agent prints tomorrow's appointments (Print / Day sheet): a
        PDF by wkhtmltopdf, read back, with a page per counter and day."""
        tomorrow = self.place._today() + datetime.timedelta(days=1)
        starts = [self._utc(tomorrow, hour) for hour in (14, 10)]
        Appointment = self.env["rdv.appointment"].with_user(self.agent)
        appointments = Appointment.browse()
        for start, lastname in zip(starts, ("Tardif", "Matinal"), strict=True):
            appointments |= Appointment._book(
                self.appointment_type,
                self.counter,
                start,
                citizen={"lastname": lastname, "firstname": "Lou", "phone": "06 12 34 56 78"},
            )
        report = self.env.ref("rdv_booking.action_report_rdv_day_sheet")
        self.assertEqual(report.binding_model_id.model, "rdv.appointment", "in the Print menu")
        # Rendered by the agent in the test's thread: wkhtmltopdf's requests for
        # the style sheets could not be served while a test request holds the
        # cursor (the web client's /report/pdf route does the same call).
        pdf, _format = (
            report.with_user(self.agent)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report.report_name, appointments.ids)
        )
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()
        self.assertEqual(text.count("\f"), 1, "one counter, one day: one page")
        self.assertIn("Tour town hall - Tour counter", text)
        self.assertIn("2 appointments, 2 persons", text)
        self.assertIn("10:00 - 10:15", text)
        self.assertLess(text.index("MATINAL Lou"), text.index("TARDIF Lou"), "in time order")
        self.assertIn("06 12 34 56 78", text)

    def _manager_and_booking(self, lastname):
        """A manager of the commune, and an appointment in three days at 10:00."""
        manager = self._make_user(
            "rdv_tour_manager", self.company, groups=MANAGER, tz="Europe/Paris"
        )
        in_3_days = PARIS.localize(
            datetime.datetime.combine(
                self.place._today() + datetime.timedelta(days=3), datetime.time(10)
            )
        )
        appointment = self.env["rdv.appointment"]._book(
            self.appointment_type,
            self.counter,
            in_3_days.astimezone(pytz.utc).replace(tzinfo=None),
            citizen={"lastname": lastname, "phone": "0612345678"},
        )
        return manager, appointment

    def test_impact_banner(self):
        """Editing a counter's validity shows, while typing, which planned
        appointments saving would move; discarding changes nothing; archiving
        it from the list shows them first."""
        manager, appointment = self._manager_and_booking("Bannière")
        self.start_tour(
            f"/odoo/action-rdv_booking.rdv_counter_action/{self.counter.id}",
            "rdv_booking_impact_tour",
            login=manager.login,
        )
        self.assertEqual(appointment.state, "planned")
        self.assertFalse(self.counter.date_end)
        self.assertTrue(self.counter.active, "the archiving was discarded")

    def test_impact_not_saved_on_leaving(self):
        """Leaving the page with a change that moves an appointment: the page
        asks (the browser's question) and saves nothing, where Odoo's urgent
        save on leaving would have skipped the question and moved it."""
        manager, appointment = self._manager_and_booking("Départ")
        self.start_tour(
            f"/odoo/action-rdv_booking.rdv_counter_action/{self.counter.id}",
            "rdv_booking_impact_unload_tour",
            login=manager.login,
        )
        self.env.invalidate_all()
        self.assertFalse(self.counter.date_end, "not saved on leaving")
        self.assertEqual(appointment.state, "planned")

    def test_manager_creates_a_counter(self):
        """A manager creates a counter from the form: the place, type and week
        are offered (a new counter's empty company offered none)."""
        manager = self._make_user(
            "rdv_tour_manager", self.company, groups=MANAGER, tz="Europe/Paris"
        )
        self.start_tour(
            "/odoo/action-rdv_booking.rdv_counter_action/new",
            "rdv_booking_counter_create_tour",
            login=manager.login,
        )
        counter = self.env["rdv.counter"].search([("name", "=", "Guichet neuf")])
        self.assertEqual(counter.place_id, self.place)
        self.assertEqual(counter.type_ids, self.appointment_type)
        self.assertEqual(counter.company_id, self.company)
        self.assertTrue(counter.slot_ids, "its slots are made")

    def test_impact_refused_value(self):
        """A slot duration the rules refuse: the banner says why and counts no
        appointment (saving could not move them); corrected, the value saves
        with no stale error."""
        manager = self._make_user(
            "rdv_tour_manager", self.company, groups=MANAGER, tz="Europe/Paris"
        )
        self.start_tour(
            f"/odoo/action-rdv_booking.rdv_counter_action/{self.counter.id}",
            "rdv_booking_impact_refused_tour",
            login=manager.login,
        )
        self.assertEqual(self.counter.slot_duration, 5, "the corrected value is saved")
