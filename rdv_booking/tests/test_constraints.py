import datetime

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import NOW, RdvCase


@tagged("post_install", "-at_install")
class TestConstraints(RdvCase):
    """Bad input is refused with a message naming the field, and nothing is half-saved."""

    def test_overlapping_opening_hours(self):
        with self.assertRaisesRegex(
            ValidationError, r"on Monday, 08:30-12:00 overlaps 11:00-14:00"
        ):
            self._make_week("Broken", [(0, 0, 8.5, 12.0), (0, 0, 11.0, 14.0)])
        # Touching intervals are fine (no gap, no overlap).
        week = self._make_week("Touching", [(0, 0, 8.0, 10.0), (0, 0, 10.0, 12.0)])
        self.assertEqual(len(week.line_ids), 2)
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            week.line_ids[1].hour_from = 9.5

    def test_opening_interval_must_start_before_it_ends(self):
        with self.assertRaisesRegex(ValidationError, "must start before it ends"):
            self._make_week("Backwards", [(0, 0, 12.0, 8.0)])

    def test_slot_duration_must_divide_the_intervals(self):
        odd = self._make_week("Odd", [(0, 0, 8.0, 9.25)])  # 75 minutes
        with self.assertRaisesRegex(
            ValidationError, r"30-minute slots .* do not divide .* 08:00-09:15"
        ):
            self.env["rdv.counter"].create(
                {
                    "name": "Counter 2",
                    "place_id": self.place.id,
                    "type_ids": [(6, 0, self.type_id.ids)],
                    "reference_week_id": odd.id,
                    "slot_duration": 30,
                }
            )
        with self.assertRaisesRegex(ValidationError, "do not divide"):
            self.week.line_ids[0].hour_to = 11.9  # 08:30-11:54 on the counter's 15-minute grid

    def test_type_duration_must_be_a_multiple_of_the_slots(self):
        with self.assertRaisesRegex(ValidationError, "Duration: ID card lasts 20 minutes"):
            self.type_id.duration = 20
        with self.assertRaisesRegex(ValidationError, "Slot duration"):
            self.counter.slot_duration = 20

    def test_validity_end_before_start(self):
        with self.assertRaisesRegex(ValidationError, "Valid until"):
            self.counter.date_end = NOW.date() - datetime.timedelta(days=1)

    def test_counter_without_reference_week(self):
        form = Form(self.env["rdv.counter"])
        form.name = "Counter 3"
        form.place_id = self.place
        form.type_ids.add(self.type_id)
        with self.assertRaisesRegex(AssertionError, "reference_week_id"):
            form.save()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["rdv.counter"].create(
                {
                    "name": "Counter 3",
                    "place_id": self.place.id,
                    "type_ids": [(6, 0, self.type_id.ids)],
                }
            )

    def test_counter_without_types(self):
        with self.assertRaisesRegex(ValidationError, "at least one type"):
            self.counter.type_ids = [(5, 0, 0)]

    def test_exception_ranges(self):
        Exception_ = self.env["rdv.counter.exception"]
        with self.assertRaisesRegex(ValidationError, "'Until' .* is before 'From'"):
            Exception_.create(
                {
                    "counter_id": self.counter.id,
                    "date_from": datetime.date(2026, 3, 10),
                    "date_to": datetime.date(2026, 3, 9),
                    "kind": "closed",
                }
            )
        with self.assertRaisesRegex(ValidationError, "choose the reference week"):
            Exception_.create(
                {
                    "counter_id": self.counter.id,
                    "date_from": datetime.date(2026, 3, 10),
                    "date_to": datetime.date(2026, 3, 11),
                    "kind": "week",
                }
            )
        Exception_.create(
            {
                "counter_id": self.counter.id,
                "date_from": datetime.date(2026, 3, 10),
                "date_to": datetime.date(2026, 3, 12),
                "kind": "closed",
            }
        )
        with self.assertRaisesRegex(ValidationError, "overlaps"):
            Exception_.create(
                {
                    "counter_id": self.counter.id,
                    "date_from": datetime.date(2026, 3, 12),
                    "date_to": datetime.date(2026, 3, 14),
                    "kind": "closed",
                }
            )

    def test_closures(self):
        with self.assertRaisesRegex(ValidationError, "'Until' .* is before 'From'"):
            self.env["rdv.closure"].create(
                {
                    "name": "Oops",
                    "date_from": datetime.date(2026, 3, 10),
                    "date_to": datetime.date(2026, 3, 9),
                }
            )
        with self.assertRaisesRegex(ValidationError, "closing hours must start before"):
            self.env["rdv.closure"].create(
                {
                    "name": "Oops",
                    "date_from": datetime.date(2026, 3, 10),
                    "date_to": datetime.date(2026, 3, 10),
                    "all_day": False,
                    "hour_from": 15,
                    "hour_to": 14,
                }
            )
        annex = self.env["rdv.place"].create({"name": "Annex"})
        with self.assertRaisesRegex(ValidationError, "is not at Annex"):
            self.env["rdv.closure"].create(
                {
                    "name": "Oops",
                    "date_from": datetime.date(2026, 3, 10),
                    "date_to": datetime.date(2026, 3, 10),
                    "place_id": annex.id,
                    "counter_id": self.counter.id,
                }
            )

    def test_type_rules(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.type_id.max_persons = 0
        with self.assertRaisesRegex(ValidationError, "at least a mobile phone or an e-mail"):
            self.type_id.write({"ask_phone": "no", "ask_email": "no"})

    def test_company_settings(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 730 days"):
            self.company.rdv_horizon_days = 0
        with self.assertRaisesRegex(ValidationError, "Unknown holiday subdivision 99"):
            self.company.write(
                {
                    "rdv_holiday_country_id": self.env.ref("base.fr").id,
                    "rdv_holiday_subdivision": "99",
                }
            )

    def test_place_coordinates(self):
        with self.assertRaisesRegex(ValidationError, "Latitude"):
            self.place.latitude = 91
