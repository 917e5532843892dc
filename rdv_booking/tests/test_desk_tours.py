"""The manager's and the agent's desk in Chromium: a change that moves
appointments asks first and says who is told, the manager's dashboard, and
axe-core on our dialogs (tours in static/tests/tours/rdv_booking_desk_tours.js).
"""

import datetime

from odoo.tests import HttpCase, tagged

from ..tools import clock
from .axe import AxeTourMixin
from .common import AGENT, MANAGER, RdvCommuneCase


@tagged("post_install", "-at_install")
class TestDeskTours(AxeTourMixin, RdvCommuneCase, HttpCase):
    browser_size = "1280x800"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        commune = cls._make_commune(
            "Commune du Bureau",
            company={"rdv_horizon_days": 14},
            users=[
                ("rdv_desk_agent", AGENT, {"name": "Agathe Agent", "tz": "Europe/Paris"}),
                ("rdv_desk_manager", MANAGER, {"name": "Manon Manager", "tz": "Europe/Paris"}),
            ],
            service="Tour ID documents",
            appointment_type={
                "name": "Tour ID card",
                "duration": 15,
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
        cls.agent, cls.manager = commune.users

    def _book_in(self, days, hour, lastname, **citizen):
        """Book ``days`` from today at ``hour`` o'clock in the place's time."""
        day = self.place._today() + datetime.timedelta(days=days)
        start = clock.to_utc(datetime.datetime.combine(day, datetime.time(hour)), self.place.tz)
        return self.env["rdv.appointment"]._book(
            self.appointment_type,
            self.counter,
            start,
            citizen={"lastname": lastname, **citizen},
        )

    def test_a_change_asks_first_and_says_who_is_told(self):
        """Ending the counter's validity: the banner lists both appointments;
        saving asks with their list; cancelling saves nothing; confirming
        moves them and the notice names the citizen to call."""
        told = self._book_in(3, 10, "Avecmail", phone="06 11 22 33 44", email="a@example.org")
        silent = self._book_in(3, 11, "Sansmail", phone="06 55 44 33 22")
        self.start_tour(
            f"/odoo/action-rdv_booking.rdv_counter_action/{self.counter.id}",
            "rdv_booking_impact_confirm_tour",
            login=self.manager.login,
        )
        self.assertEqual((told | silent).mapped("state"), ["to_reschedule"] * 2)
        self.assertEqual(self.counter.date_end, self.place._today() + datetime.timedelta(days=1))

    def test_dashboard(self):
        """The manager's dashboard: tiles, lead time, fill rate, axe-core, a
        tile opening its list."""
        self._book_in(1, 10, "Tableau", phone="06 11 22 33 44")
        # A slot of today's first minutes, as the past leaves them: the week so
        # far has the counter's fill rate at any hour and on any weekday (slots
        # are only made from now on: late in the evening, or on Sunday when
        # tomorrow's booking is next week, the tour found no row).
        start = clock.day_start_utc(self.place._today(), self.place.tz)
        self.env["rdv.slot"].sudo().create(
            {
                "counter_id": self.counter.id,
                "start": start,
                "stop": start + datetime.timedelta(minutes=15),
            }
        )
        self.start_tour(
            "/odoo/action-rdv_booking.rdv_dashboard_action",
            "rdv_booking_dashboard_tour",
            login=self.manager.login,
        )

    def test_our_dialogs_pass_axe(self):
        """Change slot, cancel, book, check in: no serious or critical
        violation of ours; Odoo's own are listed apart in the log."""
        appointment = self._book_in(2, 10, "Dialogue", phone="06 11 22 33 44")
        self.start_tour(
            f"/odoo/action-rdv_booking.rdv_appointment_action/{appointment.id}",
            "rdv_booking_dialogs_a11y_tour",
            login=self.agent.login,
        )
        self.assertEqual(appointment.state, "planned", "every dialog was discarded")

    def test_appointment_list(self):
        """The appointment list at 1280 px: row buttons named with their
        row's citizen, the status whole, the "Done" badge passes axe-core."""
        self._book_in(2, 10, "Prevu", firstname="Lou", phone="06 11 22 33 44")
        done = self._book_in(2, 11, "Fait", firstname="Lou", phone="06 55 44 33 22")
        done.state = "done"
        self.start_tour(
            "/odoo/action-rdv_booking.rdv_appointment_action",
            "rdv_booking_appointment_list_tour",
            login=self.agent.login,
        )

    def test_list_dates_are_whole(self):
        """All appointments, Today (its rows with their buttons), To
        reschedule, Past without status and Messages not sent at 1280 px, in
        French: each date and time is short and whole (it read "lun. 7
        dé…"), no cell is cut, each list and its row buttons fit the screen
        (Past without status was 1,610 px wide, its Done and Absent buttons
        off the screen)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.ref("base.module_rdv_booking")._update_translations(["fr_FR"])
        self.agent.lang = "fr_FR"
        self.appointment_type.name = "Carte nationale d'identité"
        later = self._book_in(2, 10, "Dupont-Lajoie", firstname="Marie-Christine")
        today = self._book_in(3, 11, "Aujourdhui", firstname="Lou", phone="06 11 22 33 44")
        start = clock.to_utc(
            datetime.datetime.combine(self.place._today(), datetime.time(9)), self.place.tz
        )
        today.write({"start": start, "stop": start + datetime.timedelta(minutes=15)})
        moved = self._book_in(4, 12, "Areplanifier", firstname="Jean-Baptiste")
        moved.write({"state": "to_reschedule", "reschedule_cause": "closure"})
        # Past without status: its rows carry the Done and Absent buttons.
        past = self._book_in(5, 9, "Passe-Sansstatut", firstname="Anne-Sophie")
        yesterday = clock.to_utc(
            datetime.datetime.combine(
                self.place._today() - datetime.timedelta(days=1), datetime.time(15)
            ),
            self.place.tz,
        )
        past.write({"start": yesterday, "stop": yesterday + datetime.timedelta(minutes=15)})
        # Messages not sent: a citizen no message reaches.
        self.env["rdv.notification"].search([("appointment_id", "=", moved.id)]).unlink()
        self.env["rdv.notification"].create(
            {"appointment_id": moved.id, "kind": "to_reschedule"}
        )._set_status("not_sent", "no_email")
        for action in (
            "rdv_appointment_action",
            "rdv_appointment_action_today",
            "rdv_appointment_action_to_reschedule",
            "rdv_appointment_action_past",
            "rdv_notification_action_not_sent",
        ):
            self.start_tour(
                f"/odoo/action-rdv_booking.{action}",
                "rdv_booking_list_dates_tour",
                login=self.agent.login,
            )
        self.assertEqual(later.state, "planned")
