import datetime

from odoo.tests import Form, tagged

from .common import NOW, RdvCase, utc

MONDAY = NOW.date()
TUESDAY = MONDAY + datetime.timedelta(days=1)
WEDNESDAY = MONDAY + datetime.timedelta(days=2)


@tagged("post_install", "-at_install")
class TestSlotGeneration(RdvCase):
    def test_counter_creation_materialises_its_slots(self):
        tuesday = self.slots(day=TUESDAY)
        self.assertEqual(len(tuesday), 28, "08:30-12:00 and 13:30-17:00 in 15-minute slots")
        # Paris is UTC+1 in March: 08:30 local is 07:30 UTC; the lunch break is kept.
        self.assertEqual(tuesday[0].start, utc(2026, 3, 3, 7, 30))
        self.assertEqual(tuesday[13].stop, utc(2026, 3, 3, 11, 0))
        self.assertEqual(tuesday[14].start, utc(2026, 3, 3, 12, 30))
        self.assertTrue(all(slot.state == "free" for slot in tuesday))
        self.assertFalse(self.slots(day=MONDAY + datetime.timedelta(days=5)), "closed on Saturday")
        # Past slots are never created: Monday starts at 08:30 local, after "now" (08:00).
        self.assertEqual(len(self.slots(day=MONDAY)), 28)

    def test_horizon_and_daylight_saving_time(self):
        last = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id)], order="start desc", limit=1
        )
        # Horizon of 30 days: up to Wednesday 1 April, in summer time (UTC+2).
        self.assertEqual(last.start.date(), datetime.date(2026, 4, 1))
        self.assertEqual(last.stop, utc(2026, 4, 1, 15, 0), "17:00 in Paris is 15:00 UTC in April")
        first_after_dst = self.slots(day=datetime.date(2026, 3, 30))[0]
        self.assertEqual(first_after_dst.start, utc(2026, 3, 30, 6, 30))

    def test_company_horizon_change_regenerates(self):
        later = self.book(utc(2026, 3, 23, 8, 0))
        self.company.rdv_horizon_days = 10
        self.assertEqual(later.state, "planned", "bookings past a shorter horizon stay valid")
        self.assertEqual(len(later.slot_ids), 2)
        last = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "free")],
            order="start desc",
            limit=1,
        )
        self.assertEqual(last.start.date(), datetime.date(2026, 3, 12))
        self.company.rdv_horizon_days = 60
        last = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("state", "=", "free")],
            order="start desc",
            limit=1,
        )
        self.assertEqual(last.start.date(), datetime.date(2026, 5, 1))

    def test_generation_is_idempotent(self):
        before = self.slots()
        self.counter._generate_slots()
        self.counter._generate_slots()
        self.assertEqual(self.slots(), before, "the same rows, not new ones")

    def test_capacity_gives_one_slot_per_seat(self):
        self.counter.capacity = 2
        self.assertEqual(len(self.slots(day=TUESDAY)), 56)
        self.assertEqual(set(self.slots(day=TUESDAY).mapped("seat")), {1, 2})

    def test_one_booking_takes_one_seat_whatever_the_query_plan(self):
        # Regression: planned as a nested loop, the take re-ran its "first free
        # seat" subquery per row and gave one booking every seat of its times.
        self.counter.capacity = 3
        self.env.cr.execute(
            "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "
            "SET LOCAL enable_material = off"
        )
        try:
            appointment = self.book(utc(2026, 3, 3, 8, 0))
        finally:
            self.env.cr.execute(
                "RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_material"
            )
        self.assertEqual(len(appointment.slot_ids), 2)
        self.assertEqual(
            sorted(set(appointment.slot_ids.mapped("start"))),
            [utc(2026, 3, 3, 8, 0), utc(2026, 3, 3, 8, 15)],
        )
        self.assertEqual(len(self.slots(day=TUESDAY, state="free")), 28 * 3 - 2)

    def test_smaller_capacity_moves_bookings_to_a_free_seat(self):
        self.counter.capacity = 2
        start = utc(2026, 3, 3, 8, 0)
        first = self.book(start)
        second = self.book(start, lastname="Aulan", phone="0611111111")
        self.assertEqual(set((first.slot_ids | second.slot_ids).mapped("seat")), {1, 2})
        # Seat 1 is freed by a cancellation: reducing the capacity keeps the other booking.
        first._cancel(reason="Moved away")
        self.counter.capacity = 1
        self.assertEqual(second.state, "planned")
        self.assertEqual(second.slot_ids.mapped("seat"), [1, 1])
        self.assertEqual(len(self.slots(day=TUESDAY)), 28)

    def test_smaller_capacity_without_free_seat_reschedules(self):
        self.counter.capacity = 2
        start = utc(2026, 3, 3, 8, 0)
        first = self.book(start)
        second = self.book(start, lastname="Aulan", phone="0611111111")
        self.counter.capacity = 1
        states = sorted((first | second).mapped("state"))
        self.assertEqual(states, ["planned", "to_reschedule"])
        moved = (first | second).filtered(lambda a: a.state == "to_reschedule")
        self.assertFalse(moved.slot_ids)
        self.assertEqual(moved.reschedule_cause, "capacity")
        self.assertIn("fewer people", moved.reschedule_reason)

    def test_exception_range_closed_removes_free_slots_and_reschedules_booked(self):
        appointment = self.book(utc(2026, 3, 4, 8, 0))
        self.env["rdv.counter.exception"].create(
            {
                "counter_id": self.counter.id,
                "date_from": datetime.date(2026, 3, 4),
                "date_to": datetime.date(2026, 3, 5),
                "kind": "closed",
                "reason": "Training",
            }
        )
        self.assertFalse(self.slots(day=datetime.date(2026, 3, 4)))
        self.assertFalse(self.slots(day=datetime.date(2026, 3, 5)))
        self.assertEqual(len(self.slots(day=datetime.date(2026, 3, 6))), 28)
        self.assertEqual(appointment.state, "to_reschedule")
        self.assertEqual(appointment.reschedule_cause, "exception")
        self.assertIn("exception range", appointment.reschedule_reason)
        self.assertIn("Training", appointment.reschedule_reason)
        # Removing the exception brings the slots back, and the appointment
        # its own time.
        self.counter.exception_ids.unlink()
        self.assertEqual(len(self.slots(day=datetime.date(2026, 3, 4))), 28)
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(appointment.slot_ids[0].start, utc(2026, 3, 4, 8, 0))

    def test_exception_range_with_another_week(self):
        summer = self._make_week("Mornings only", [(0, 4, 9.0, 12.0)])
        self.counter.write(
            {
                "exception_ids": [
                    (
                        0,
                        0,
                        {
                            "date_from": datetime.date(2026, 3, 9),
                            "date_to": datetime.date(2026, 3, 13),
                            "kind": "week",
                            "reference_week_id": summer.id,
                        },
                    )
                ]
            }
        )
        day = self.slots(day=datetime.date(2026, 3, 10))
        self.assertEqual(len(day), 12)
        self.assertEqual(day[0].start, utc(2026, 3, 10, 8, 0))
        self.assertEqual(len(self.slots(day=datetime.date(2026, 3, 16))), 28)

    def test_reference_week_change_regenerates_counters(self):
        self.week.line_ids.filtered(
            lambda line: line.weekday == "1" and line.hour_from > 12
        ).unlink()
        self.assertEqual(len(self.slots(day=TUESDAY)), 14, "Tuesday afternoon is closed")
        self.week.write({"line_ids": [(0, 0, {"weekday": "5", "hour_from": 9, "hour_to": 12})]})
        self.assertEqual(len(self.slots(day=MONDAY + datetime.timedelta(days=5))), 12)

    def test_closures_whole_day_partial_and_scopes(self):
        other_place = self.env["rdv.place"].create({"name": "Annex", "tz": "Europe/Paris"})
        other = self._make_counter("Annex counter", place=other_place)
        Closure = self.env["rdv.closure"]
        Closure.create({"name": "Strike", "date_from": TUESDAY, "date_to": TUESDAY})
        self.assertFalse(self.slots(day=TUESDAY))
        self.assertFalse(self.slots(other, day=TUESDAY), "a company closure closes every place")
        Closure.create(
            {
                "name": "ID station broken",
                "place_id": self.place.id,
                "date_from": datetime.date(2026, 3, 4),
                "date_to": datetime.date(2026, 3, 4),
                "all_day": False,
                "hour_from": 14.0,
                "hour_to": 15.0,
            }
        )
        wednesday = datetime.date(2026, 3, 4)
        self.assertEqual(len(self.slots(day=wednesday)), 24, "14:00-15:00 removed")
        self.assertEqual(len(self.slots(other, day=wednesday)), 28, "the annex stays open")
        Closure.search([("name", "=", "Strike")]).active = False
        self.assertEqual(len(self.slots(day=TUESDAY)), 28, "an archived closure reopens")

    def test_public_holidays_of_alsace_moselle(self):
        self.company.write(
            {
                "rdv_holiday_country_id": self.env.ref("base.fr").id,
                "rdv_holiday_subdivision": "57",
                "rdv_horizon_days": 60,
            }
        )
        created = self.env["rdv.closure"]._import_public_holidays(self.company)
        good_friday = created.filtered(lambda c: c.date_from == datetime.date(2026, 4, 3))
        self.assertTrue(good_friday, "Good Friday is a holiday in Moselle only")
        self.assertEqual(good_friday.kind, "holiday")
        self.assertFalse(self.slots(day=datetime.date(2026, 4, 6)), "Easter Monday")
        self.assertFalse(self.slots(day=datetime.date(2026, 4, 3)))
        # Idempotent, even when an agent archived a holiday to open that day.
        good_friday.active = False
        self.assertEqual(len(self.slots(day=datetime.date(2026, 4, 3))), 28)
        self.assertFalse(self.env["rdv.closure"]._import_public_holidays(self.company))

    def test_end_of_validity_and_archiving(self):
        appointment = self.book(utc(2026, 3, 10, 8, 0))
        self.counter.date_end = datetime.date(2026, 3, 6)
        self.assertFalse(self.slots(day=datetime.date(2026, 3, 9)))
        self.assertEqual(len(self.slots(day=datetime.date(2026, 3, 6))), 28)
        self.assertEqual(appointment.state, "to_reschedule")
        self.counter.active = False
        self.assertFalse(self.slots(day=TUESDAY))

    def test_place_time_zone_moves_the_slots(self):
        self.place.tz = "Africa/Casablanca"
        # Casablanca is UTC+1 outside Ramadan, UTC+0 during it (18 Feb - 22 Mar 2026).
        self.assertEqual(self.slots(day=TUESDAY)[0].start, utc(2026, 3, 3, 8, 30))
        self.assertEqual(
            self.slots(day=datetime.date(2026, 3, 24))[0].start, utc(2026, 3, 24, 7, 30)
        )

    def test_impact_preview_counts_before_saving(self):
        self.book(utc(2026, 3, 3, 8, 0))
        self.book(utc(2026, 3, 3, 13, 0), lastname="Aulan", phone="0611111111")
        changed = self.counter.new({"date_end": MONDAY}, origin=self.counter)
        impact = self.counter._preview_impact(counter_overrides={self.counter.id: changed})
        self.assertEqual(len(impact), 2)
        self.assertEqual(len(self.slots(day=TUESDAY, state="booked")), 4, "the preview rolled back")
        self.assertEqual(self.counter.date_end, False)
        onchange = self.counter.new({"date_end": MONDAY}, origin=self.counter)
        onchange._onchange_schedule_impact()
        self.assertIn("removes the slots of 2 planned appointments", onchange.impact_preview)
        self.assertFalse(self.counter.impact_preview, "only while editing")

    def test_place_time_zone_change_announces_the_impact(self):
        """Another zone moves every slot of the place (hours are wall-clock
        times): its form says which planned appointments would lose theirs
        before saving, as the counter form does; nothing moves until then."""
        early = self.book(utc(2026, 3, 3, 8, 0))  # 09:00 in Paris, 05:00 in Cayenne
        form = Form(self.place)
        self.assertFalse(form.impact_preview)
        form.tz = "America/Cayenne"
        self.assertIn("removes the slot of 1 planned appointment", form.impact_preview)
        # The list is a field of its own, never cut (see test_impact).
        self.assertEqual(form.impact_appointment_ids[0].id, early.id)
        self.assertEqual(early.state, "planned", "only a preview")
        self.assertEqual(self.place.tz, "Europe/Paris")
        form.tz = "Europe/Paris"
        self.assertFalse(form.impact_preview, "back to the saved zone: no effect")

    def _new_tuesday_closure(self, name, **values):
        """A closure of the commune on Tuesday, as its form holds it before saving."""
        return self.env["rdv.closure"].new(
            {
                "name": name,
                "date_from": TUESDAY,
                "date_to": TUESDAY,
                "company_id": self.company.id,
                "active": True,
                **values,
            }
        )

    def test_closure_onchange_announces_the_impact(self):
        self.book(utc(2026, 3, 3, 8, 0))
        closure = self._new_tuesday_closure("Strike", all_day=True)
        closure._onchange_impact()
        self.assertIn("removes the slot of 1 planned appointment", closure.impact_preview)

    def test_impact_preview_ignores_values_being_typed(self):
        self.book(utc(2026, 3, 3, 8, 0))
        closure = self._new_tuesday_closure(
            "Half typed", all_day=False, hour_from=14.0, hour_to=0.0
        )
        closure.impact_preview = "from an earlier change"
        closure._onchange_impact()
        self.assertFalse(closure.impact_preview)

    def test_apply_one_exception_day_query_count(self):
        self.counter.capacity = 1
        exception = self.env["rdv.counter.exception"]
        with self.assertQueryCount(__system__=40):
            exception.create(
                {
                    "counter_id": self.counter.id,
                    "date_from": datetime.date(2026, 3, 11),
                    "date_to": datetime.date(2026, 3, 11),
                    "kind": "closed",
                }
            )
        self.assertFalse(self.slots(day=datetime.date(2026, 3, 11)))

    def test_a_closure_names_itself_and_deleting_it_gives_the_time_back(self):
        appointment = self.book(utc(2026, 3, 4, 8, 0), persons=2)
        sent = appointment.notification_ids
        closure = self.env["rdv.closure"].create(
            {
                "name": "ID station broken",
                "counter_id": self.counter.id,
                "date_from": datetime.date(2026, 3, 4),
                "date_to": datetime.date(2026, 3, 4),
                "all_day": False,
                "hour_from": 9.0,
                "hour_to": 10.0,
            }
        )
        self.assertEqual(appointment.state, "to_reschedule")
        self.assertEqual(
            (appointment.reschedule_cause, appointment.reschedule_detail),
            ("closure", "ID station broken"),
        )
        self.assertEqual(
            appointment.reschedule_reason,
            "The counter is closed at that time: ID station broken.",
        )
        self.assertEqual((appointment.notification_ids - sent).mapped("kind"), ["to_reschedule"])
        # Agents read it in their language, whoever caused it.
        self._load_french()
        self.assertEqual(
            appointment.with_context(lang="fr_FR").reschedule_reason,
            "Le guichet est fermé à cet horaire : ID station broken.",
        )
        # Deleted by mistake: the appointment is back at its own time and the
        # citizen is told.
        sent = appointment.notification_ids
        closure.unlink()
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(
            appointment.slot_ids.mapped("start"),
            [utc(2026, 3, 4, 8, minute) for minute in (0, 15, 30, 45)],
            "2 persons of 30 minutes",
        )
        self.assertFalse(appointment.reschedule_cause)
        self.assertFalse(appointment.reschedule_reason)
        self.assertEqual((appointment.notification_ids - sent).mapped("kind"), ["changed"])
        self.assertIn("Back at its own time", appointment.message_ids[0].body)

    def test_a_time_taken_meanwhile_stays_to_reschedule(self):
        appointment = self.book(utc(2026, 3, 4, 8, 0), persons=2)  # 09:00 and 09:15
        closure = self.env["rdv.closure"].create(
            {
                "name": "Short meeting",
                "counter_id": self.counter.id,
                "date_from": WEDNESDAY,
                "date_to": WEDNESDAY,
                "all_day": False,
                "hour_from": 9.0,
                "hour_to": 9.25,
            }
        )
        self.assertEqual(appointment.state, "to_reschedule")
        # Its second slot, freed, goes to someone else.
        other = self.book(utc(2026, 3, 4, 8, 15), lastname="Aulan", phone="0611111111")
        closure.active = False
        self.assertEqual(appointment.state, "to_reschedule", "09:15 is no longer its")
        self.assertFalse(appointment.slot_ids)
        self.assertEqual(other.state, "planned")
        other._cancel(reason="Moved away")
        self.assertEqual(
            appointment.state, "to_reschedule", "a cancellation is not a schedule change"
        )

    def test_ending_the_counter_and_changing_its_hours_say_so(self):
        late = self.book(utc(2026, 3, 10, 8, 0))
        afternoon = self.book(utc(2026, 3, 4, 13, 0), lastname="Aulan", phone="0611111111")
        self.counter.date_end = datetime.date(2026, 3, 9)
        self.assertEqual(late.reschedule_cause, "counter")
        self.assertIn("no longer opens that day", late.reschedule_reason)
        self.week.line_ids.filtered(lambda line: line.hour_from > 12).unlink()
        self.assertEqual(
            (afternoon.reschedule_cause, afternoon.reschedule_detail),
            ("hours", self.counter.display_name),
        )
        self.assertIn(f"opening hours of {self.counter.display_name}.", afternoon.reschedule_reason)
