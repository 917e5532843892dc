"""The manager's dashboard: every figure against a brute-force count of the
records the manager can read."""

import datetime
import re
from collections import Counter

from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .common import MANAGER, NOW, RdvCase, utc

# Weekdays of the weeks of 2 and 9 March 2026 from Tuesday, 09:00 to 11:00 in Paris.
DAYS = [3, 4, 5, 6, 9, 10, 11, 12, 13]
TIMES = [(8, 0), (8, 30), (9, 0), (9, 30), (10, 0)]
STATES = ["planned", "done", "no_show", "cancelled", "to_reschedule"]


class Rollback(Exception):
    """Undo one example."""


@tagged("post_install", "-at_install")
class TestDashboard(RdvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager.tz = "Europe/Paris"
        # Another commune's appointment: never in this manager's figures.
        other = cls._make_commune(
            "Commune voisine",
            users=[("rdv_voisin_manager", MANAGER, {})],
            appointment_type={"name": "Passport", "duration": 30, "is_published": True},
        )
        other.env["rdv.appointment"]._book(
            other.type,
            other.counter,
            utc(2026, 3, 3, 9, 0),
            citizen={"lastname": "Voisin", "phone": "0699887766"},
        )

    def book_all(self, plan):
        """Book ``plan`` [(day index, time index, state)], each citizen their own."""
        appointments = self.env["rdv.appointment"]
        for index, (day, time, state) in enumerate(plan):
            appointment = self.book(
                utc(2026, 3, DAYS[day], *TIMES[time]),
                lastname="Tableau%s" % index,
                phone="06 55 00 00 %02d" % index,
            )
            if state != "planned":
                appointment.sudo().state = state
            appointments |= appointment
        return appointments

    def brute_force(self, start, end):
        """The figures of [start, end) counted one appointment and one slot
        at a time, as the manager reads them."""
        env = self.env(user=self.manager)
        states = Counter(
            appointment.state
            for appointment in env["rdv.appointment"].search([])
            if start <= appointment.start < end
        )
        fill = {}
        for slot in env["rdv.slot"].search([]):
            if start <= slot.start < end and slot.state != "suspended":
                slots, booked = fill.get(slot.counter_id.display_name, (0, 0))
                fill[slot.counter_id.display_name] = (
                    slots + 1,
                    booked + (slot.state == "booked"),
                )

        def rate(part, whole):
            return round(100.0 * part / whole, 1) if whole else None

        held = states["planned"] + states["done"] + states["no_show"]
        return {
            "appointments": held,
            "no_show": rate(states["no_show"], states["done"] + states["no_show"]),
            "cancelled": rate(
                states["cancelled"], held + states["cancelled"] + states["to_reschedule"]
            ),
            "fill": {name: (s, b, rate(b, s)) for name, (s, b) in fill.items()},
        }

    def check(self, period, current, previous):
        figures = self.env["rdv.dashboard"].with_user(self.manager).get_figures(period)
        tiles = {tile["key"]: tile for tile in figures["tiles"]}
        now, before = self.brute_force(*current), self.brute_force(*previous)
        for key in ("appointments", "no_show", "cancelled"):
            self.assertEqual(tiles[key]["value"], now[key], key)
            self.assertEqual(tiles[key]["previous"], before[key], key)
            # A trend only between two periods that both have something.
            nothing_before = before[key] is None or (key == "appointments" and before[key] == 0)
            self.assertEqual(
                tiles[key]["comparable"], now[key] is not None and not nothing_before, key
            )
            # The tile opens exactly the records it counts.
            action = tiles[key]["action"]
            listed = self.env[action["res_model"]].with_user(self.manager).search(action["domain"])
            if key == "appointments":
                self.assertEqual(len(listed), now[key])
        rows = {row["counter"]: row for row in figures["fill_rates"]}
        self.assertEqual(
            {name: (row["slots"], row["booked"], row["value"]) for name, row in rows.items()},
            now["fill"],
        )
        for name, row in rows.items():
            listed = self.env["rdv.slot"].with_user(self.manager).search(row["action"]["domain"])
            self.assertEqual(len(listed), now["fill"][name][0])
            self.assertEqual(row["previous"], before["fill"].get(name, (0, 0, None))[2])
        return figures

    @settings(max_examples=20, deadline=None)
    @given(
        plan=st.lists(
            st.tuples(
                st.integers(0, len(DAYS) - 1),
                st.integers(0, len(TIMES) - 1),
                st.sampled_from(STATES),
            ),
            max_size=8,
            unique_by=lambda item: item[:2],
        )
    )
    def test_figures_are_the_brute_force_count(self, plan):
        """This week and this month so far, each against the same days of the
        period before: every tile and every counter's fill rate is what
        counting the manager's records one by one gives, and the other
        commune is not in it."""
        try:
            with self.env.cr.savepoint():
                self.book_all(plan)
                # Paris is UTC+1 in March: its days begin at 23:00 UTC the day before.
                for now, week, before_week, month, before_month in (
                    # Monday 2 March: Monday against Monday 23 February.
                    (
                        NOW,
                        ((3, 1), (3, 2)),
                        ((2, 22), (2, 23)),
                        ((2, 28), (3, 2)),
                        ((1, 31), (2, 2)),
                    ),
                    # Wednesday 11 March: three days against three days.
                    (
                        datetime.datetime(2026, 3, 11, 12),
                        ((3, 8), (3, 11)),
                        ((3, 1), (3, 4)),
                        ((2, 28), (3, 11)),
                        ((1, 31), (2, 11)),
                    ),
                    # Friday 13 March, late: the last day counts until midnight.
                    (
                        datetime.datetime(2026, 3, 13, 22, 30),
                        ((3, 8), (3, 13)),
                        ((3, 1), (3, 6)),
                        ((2, 28), (3, 13)),
                        ((1, 31), (2, 13)),
                    ),
                ):
                    with freeze_time(now):
                        self.check("week", self._utc(*week), self._utc(*before_week))
                        self.check("month", self._utc(*month), self._utc(*before_month))
                raise Rollback
        except Rollback:
            pass

    @staticmethod
    def _utc(first, end):
        """(start, end) in UTC from ((month, day), (month, day)) at 23:00 UTC."""
        return tuple(datetime.datetime(2026, month, day, 23) for month, day in (first, end))

    @settings(max_examples=40, deadline=None)
    @given(day=st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)))
    def test_the_period_before_has_the_same_days(self, day):
        """Whatever today is, the period before counts as many days as this one
        so far (all of a shorter month), from its first day, and ends before
        this one begins."""
        Dashboard = self.env["rdv.dashboard"].with_user(self.manager)
        with freeze_time(datetime.datetime.combine(day, datetime.time(12))):
            for period in ("week", "month"):
                (first, last), (before, before_last) = Dashboard._days(period)
                self.assertEqual(last, day)
                self.assertLess(before_last, first)
                if period == "week":
                    self.assertEqual(first.weekday(), 0)
                    self.assertEqual(before, first - datetime.timedelta(days=7))
                    self.assertEqual(before_last, last - datetime.timedelta(days=7))
                else:
                    self.assertEqual((first.day, before.day), (1, 1))
                    self.assertEqual(before.month % 12 + 1, first.month)
                    self.assertEqual(
                        before_last.day,
                        min(day.day, (first - datetime.timedelta(days=1)).day),
                    )

    def test_the_tile_says_which_days_it_compares(self):
        """A month half gone is compared with the same days of the month
        before, and the dashboard names them."""
        with freeze_time(datetime.datetime(2026, 3, 11, 12)):
            figures = self.env["rdv.dashboard"].with_user(self.manager).get_figures("month")
            self.assertEqual(re.sub(r"\s", " ", figures["compared"]), "Feb 1 – 11")
            self.assertIn("so far", figures["label"])
            self.assertIn("Mar", figures["label"])
        with freeze_time(datetime.datetime(2026, 3, 31, 12)):
            figures = self.env["rdv.dashboard"].with_user(self.manager).get_figures("month")
            self.assertEqual(
                re.sub(r"\s", " ", figures["compared"]), "Feb 1 – 28", "all of February"
            )

    def test_lead_time_to_the_first_free_time_online(self):
        """From now to the first time bookable on the website, per type and
        place: Monday 08:00 in Paris, the first free slot is 08:30 today; once
        the morning is booked, the afternoon."""
        figures = self.env["rdv.dashboard"].with_user(self.manager).get_figures("week")
        rows = {(row["type"], row["place"]): row for row in figures["lead_times"]}
        row = rows[self.type_id.display_name, self.place.display_name]
        first = self.env["rdv.slot"]._earliest_by_place(
            self.type_id, NOW, NOW + datetime.timedelta(days=60), places=self.place
        )[self.place.id][0]
        self.assertEqual(row["hours"], round((first - NOW).total_seconds() / 3600, 1))
        self.assertNotIn("Passport", {row["type"] for row in figures["lead_times"]})
        # The list behind it: the free times of that type at that place.
        slots = self.env["rdv.slot"].with_user(self.manager).search(row["action"]["domain"])
        self.assertEqual(min(slots.mapped("start")), first)

    def test_unknown_period_is_the_week(self):
        figures = self.env["rdv.dashboard"].with_user(self.manager).get_figures("decade")
        self.assertEqual(figures["period"], "week")
