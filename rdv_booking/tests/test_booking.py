import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.rdv_appointment import BookingError, CitizenInputError, SlotTakenError
from .common import NOW, SEYNOD_TOWN_HALL, RdvCase, load_migration, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris


@tagged("post_install", "-at_install")
class TestBookingService(RdvCase):
    def _hold(self, start, phone=None):
        """Hold ``start`` as the website does, for Mr Aulan of ``phone`` (no
        details yet without one)."""
        return self.env["rdv.appointment"]._book(
            self.type_id,
            self.counter,
            start,
            citizen={"lastname": "Aulan", "phone": phone} if phone else None,
            channel="web",
            hold=True,
        )

    def test_book_takes_consecutive_slots_and_plans(self):
        appointment = self.book(TUESDAY_9)
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(len(appointment.slot_ids), 2, "a 30-minute type on 15-minute slots")
        self.assertEqual(set(appointment.slot_ids.mapped("state")), {"booked"})
        self.assertEqual(appointment.start, TUESDAY_9)
        self.assertEqual(appointment.stop, utc(2026, 3, 3, 8, 30))
        self.assertEqual(appointment.duration, 30)
        self.assertRegex(appointment.name, r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
        self.assertEqual(appointment.citizen_name, "BOIS Jules")
        self.assertEqual(appointment.phone, "+33612345678", "stored in E.164")
        # The contact is linked by a cron woken when the booking commits.
        self.assertFalse(appointment.partner_id)
        link_cron = self.env.ref("rdv_booking.ir_cron_rdv_link_partners")
        self.env.cr.flush()
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", link_cron.id)]))
        self.env["res.partner"]._cron_rdv_link_appointments()
        self.assertEqual(appointment.partner_id.name, "BOIS Jules")
        self.assertEqual(appointment.partner_id.phone, "+33612345678")
        self.assertEqual(
            appointment.start_local, "Tuesday 3 March 2026, 09:00", "shown in the place's time zone"
        )
        self.env["res.lang"]._activate_lang("ar_001")
        arabic = appointment.with_context(lang="ar_001").start_local
        self.assertTrue(arabic.endswith("، 09:00"), f"the Arabic comma: {arabic}")
        self.assertEqual(
            (appointment.channel, appointment.booked_by_id), ("counter", self.env.user)
        )

    def test_link_cron_runs_from_its_record_and_update_points_it_there(self):
        """The cron record runs the contacts' method; a database installed when
        the method was the appointments' gets its (noupdate) cron pointed at
        it by the 18.0.1.1.0 update, and an edited cron is left alone."""
        cron = self.env.ref("rdv_booking.ir_cron_rdv_link_partners")
        appointment = self.book(TUESDAY_9)
        cron.method_direct_trigger()
        self.assertEqual(appointment.partner_id.name, "BOIS Jules")
        migration = load_migration("rdv_booking", "18.0.1.1.0")
        old_model = self.env.ref("rdv_booking.model_rdv_appointment")
        for code, expected in (
            ("model._cron_link_partners()", ("res.partner", migration.NEW_CODE)),
            ("model._cron_link_partners(batch=50)", ("rdv.appointment", None)),
        ):
            with self.subTest(code=code):
                cron.write({"model_id": old_model.id, "code": code})
                migration.migrate(self.env.cr, "18.0.1.0.0")
                self.assertEqual(
                    (cron.model_id.model, cron.code), (expected[0], expected[1] or code)
                )

    def test_a_reference_drawn_twice_is_drawn_again(self):
        first = self.book(TUESDAY_9)
        with (
            patch(
                "odoo.addons.rdv_booking.models.rdv_appointment.new_reference",
                side_effect=[first.name, "ZZZZ-2222"],
            ),
            mute_logger("odoo.sql_db"),
        ):
            second = self.book(utc(2026, 3, 4, 8, 0), lastname="Twice", phone="0611111111")
        self.assertEqual(second.name, "ZZZZ-2222")
        self.assertEqual(len(second.slot_ids), 2)
        self.assertEqual(self.env["rdv.appointment"].search_count([("lastname", "=", "Twice")]), 1)

    def test_a_booking_reads_its_type_and_counter_once(self):
        """What the booking reads of them is fetched in one narrow query each
        (_booking_fnames): a field missing there would cost a second one."""
        queries = []
        execute = Cursor.execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(getattr(query, "code", query))
            return execute(cr, query, params, log_exceptions)

        self.env.invalidate_all()
        with patch.object(Cursor, "execute", spy):
            self.book(TUESDAY_9)
        for table in ("rdv_appointment_type", "rdv_counter"):
            reads = [q for q in queries if q.startswith(f'SELECT "{table}"."id"')]
            self.assertEqual(len(reads), 1, table)
            self.assertNotIn(f'"{table}"."name"', reads[0], "not the whole record")

    def test_stored_computed_values_of_a_booking_are_those_of_the_computes(self):
        """The appointment and its notification get their stored computed
        fields from the values at creation (_add_precomputed_values), not
        from the computes: both ways must agree."""
        family = self.book(TUESDAY_9, persons=2, id_number="x4rt-bpfw 4")
        notification = family.notification_ids
        self.assertEqual(
            (family.service_id, family.place_id, family.company_id, family.duration),
            (self.service_id, self.counter.place_id, self.company, 60),
        )
        self.assertEqual(family.identity_key, "X4RTBPFW4")
        self.assertEqual(notification.company_id, self.company)
        for records in (family, notification):
            precomputed = [name for name, field in records._fields.items() if field.precompute]
            stored = records.read(precomputed)
            for name in precomputed:
                self.env.add_to_compute(records._fields[name], records)
            records._recompute_recordset(precomputed)
            self.assertEqual(records.read(precomputed), stored, records._name)
        # A plain create (an import, a call from outside): times as text, the
        # type by default, a state that counts in the rates.
        other = (
            self.env["rdv.appointment"]
            .with_context(default_type_id=self.type_id.id)
            .create(
                {
                    "counter_id": self.counter.id,
                    "start": "2026-03-05 08:00:00",
                    "stop": "2026-03-05 08:15:00",
                    "state": "cancelled",
                    "lastname": "Aulan",
                }
            )
        )
        self.assertEqual(
            (other.service_id, other.company_id, other.duration, other.cancel_rate),
            (self.service_id, self.company, 15, 100.0),
        )

    def test_archived_type_or_counter_takes_no_booking(self):
        self.type_id.active = False
        with self.assertRaisesRegex(BookingError, "does not receive"):
            self.book(TUESDAY_9)
        self.type_id.active = True
        self.counter.active = False
        with self.assertRaisesRegex(BookingError, "does not receive"):
            self.book(TUESDAY_9)

    def test_several_persons_take_consecutive_slots_all_or_nothing(self):
        family = self.book(TUESDAY_9, persons=3)
        self.assertEqual(len(family.slot_ids), 6)
        self.assertEqual(family.stop, utc(2026, 3, 3, 9, 30))
        # 10:30-12:00 leaves 90 minutes before lunch; 3 persons from 11:30 would cross it.
        with self.assertRaises(BookingError) as closed:
            self.book(utc(2026, 3, 3, 10, 30), persons=3, lastname="Aulan", phone="0611111111")
        self.assertEqual(closed.exception.code, "not_offered", "nobody took it")
        self.assertFalse(
            self.slots(day=TUESDAY_9.date(), state="booked").filtered(
                lambda s: s.start >= utc(2026, 3, 3, 10, 30)
            ),
            "nothing half-booked",
        )

    def test_slot_taken_meanwhile_offers_the_next_free_ones(self):
        self.book(TUESDAY_9)
        with self.assertRaises(SlotTakenError) as caught:
            self.book(TUESDAY_9, lastname="Aulan", phone="0611111111")
        alternatives = caught.exception.alternatives
        self.assertEqual(len(alternatives), 5)
        self.assertEqual(alternatives[0][1], utc(2026, 3, 3, 8, 30), "right after the taken one")
        self.assertFalse(
            self.env["rdv.appointment"].search(
                [("lastname", "=", "Aulan"), ("company_id", "=", self.company.id)]
            ),
            "the refused booking left nothing behind",
        )

    def test_rules_persons_past_and_suspended(self):
        with self.assertRaisesRegex(BookingError, "1 to 3 persons"):
            self.book(TUESDAY_9, persons=4)
        with self.assertRaisesRegex(BookingError, "already passed"):
            self.book(utc(2026, 3, 2, 6, 30))
        self.slots(day=TUESDAY_9.date()).filtered(lambda s: s.start == TUESDAY_9).action_suspend()
        with self.assertRaises(BookingError) as suspended:
            self.book(TUESDAY_9)
        self.assertEqual(suspended.exception.code, "not_offered", "no longer offered, not taken")
        with self.assertRaisesRegex(BookingError, "does not receive"):
            self.book(TUESDAY_9, appointment_type=self.type_civil)

    def test_website_rules_notice_horizon_publication(self):
        self.type_id.write({"min_notice_hours": 24, "max_horizon_days": 10})
        with self.assertRaisesRegex(BookingError, "24 hours in advance"):
            self.book(utc(2026, 3, 2, 13, 0), channel="web")
        with self.assertRaisesRegex(BookingError, "10 days in advance"):
            self.book(utc(2026, 3, 20, 8, 0), channel="web")
        # Agents are not bound by the notice: a walk-in is served at once.
        self.assertEqual(self.book(utc(2026, 3, 2, 13, 0)).state, "planned")
        self.counter.website_visible = False
        with self.assertRaisesRegex(BookingError, "cannot be booked online"):
            self.book(TUESDAY_9, channel="web")

    def test_citizen_input_errors_name_their_fields(self):
        self.type_id.write({"ask_email": "required", "ask_birthdate": "required"})
        with self.assertRaises(CitizenInputError) as caught:
            self.book(
                TUESDAY_9,
                channel="web",
                phone="01 23",
                email="not-an-email",
                lastname="",
                birthdate="2090-01-01",
            )
        errors = caught.exception.errors
        self.assertEqual(set(errors), {"lastname", "phone", "email", "birthdate"})
        self.assertIn("Mobile phone", errors["phone"])
        self.assertIn("not a valid e-mail", errors["email"])
        self.assertIn("Birth date", errors["birthdate"])
        # Odoo's own parser takes these (as '@exemple.fr', and a local domain).
        for email in ("jeanne@@exemple.fr", "jeanne@exemple", "@exemple.fr"):
            with self.assertRaisesRegex(CitizenInputError, "not a valid e-mail"):
                self.book(TUESDAY_9, channel="web", email=email)
        with self.assertRaisesRegex(CitizenInputError, "not a mobile number"):
            self.book(
                TUESDAY_9,
                channel="web",
                phone="01 45 67 89 10",
                email="a@example.com",
                birthdate="1980-05-01",
            )
        self.assertFalse(self.slots(state="booked"), "nothing saved")

    def test_foreign_number_in_international_format(self):
        appointment = self.book(TUESDAY_9, phone="+212 6 61 23 45 67")
        self.assertEqual(appointment.phone, "+212661234567")

    def test_per_person_limit_counts_active_bookings_of_the_type(self):
        self.type_id.max_active_per_person = 2
        first = self.book(TUESDAY_9, id_number="ab 123 456")
        self.book(utc(2026, 3, 4, 8, 0), id_number="AB123456", phone="0622222222")
        with self.assertRaisesRegex(BookingError, "2 upcoming appointments"):
            self.book(utc(2026, 3, 5, 8, 0), id_number="AB-123-456", phone="0633333333")
        first._cancel(by="citizen", reason="Not needed")
        self.assertTrue(self.book(utc(2026, 3, 5, 8, 0), id_number="AB123456"))

    def test_per_person_limit_counts_appointments_to_reschedule_not_holds(self):
        """Active: a planned appointment not over, one to reschedule even when
        its time has passed. A website hold does not count (its details are
        not proven yet): it is checked when it is confirmed."""
        self.type_id.max_active_per_person = 2
        held = self.book(TUESDAY_9)
        held.write({"state": "pending", "hold_expiry": NOW + datetime.timedelta(minutes=5)})
        moved = self.book(utc(2026, 3, 4, 8, 0))
        moved.write({"state": "to_reschedule"})
        self.assertTrue(self.book(utc(2026, 3, 5, 8, 0)), "the hold does not count")
        with self.assertRaisesRegex(BookingError, "2 upcoming appointments"):
            self.book(utc(2026, 3, 5, 9, 0))
        with self.assertRaisesRegex(BookingError, "2 upcoming appointments"):
            held._confirm_hold()
        self.assertEqual(held.state, "pending", "refused, the hold stays as it was")

    def test_same_procedure_in_another_commune_is_refused(self):
        self.type_id.procedure_code = "cni-passport"
        other = self._make_commune(
            "Seynod",
            appointment_type={"name": "CNI", "duration": 30, "procedure_code": "cni-passport"},
            place=SEYNOD_TOWN_HALL,
            week=("Week", [(1, 1, 9, 12)]),
            counter={"name": "G1"},
        )
        other_counter, other_type = other.counter, other.type
        self.book(TUESDAY_9, email="jules@example.com")
        with self.assertRaisesRegex(BookingError, "another place"):
            self.book(
                TUESDAY_9,
                counter=other_counter,
                appointment_type=other_type,
                email="jules@example.com",
                phone="0699999999",
            )

    def test_partner_is_reused_for_the_same_person(self):
        first = self.book(TUESDAY_9, email="jules@example.com")
        second = self.book(utc(2026, 3, 4, 8, 0), email="JULES@example.com")
        sister = self.book(utc(2026, 3, 5, 8, 0), firstname="Lea", email="jules@example.com")
        self.env["res.partner"]._cron_rdv_link_appointments()
        self.assertTrue(first.partner_id)
        self.assertEqual(first.partner_id, second.partner_id)
        self.assertNotEqual(sister.partner_id, first.partner_id, "same e-mail, another person")

    def test_hold_then_confirm(self):
        appointment = self.book(TUESDAY_9, channel="web", email="a@example.com")
        self.assertEqual(appointment.state, "planned")
        held = self._hold(utc(2026, 3, 4, 8, 0), "0611111111")
        self.assertEqual(held.state, "pending")
        self.assertEqual(set(held.slot_ids.mapped("state")), {"held"})
        self.assertEqual(held.hold_expiry, NOW + datetime.timedelta(minutes=15))
        held._confirm_hold()
        self.assertEqual(held.state, "planned")
        self.assertEqual(set(held.slot_ids.mapped("state")), {"booked"})
        with self.assertRaises(BookingError):
            held._confirm_hold()

    def test_website_holds_first_then_takes_the_details(self):
        self.type_id.max_active_per_person = 1
        self.book(utc(2026, 3, 5, 8, 0), phone="0611111111")
        held = self._hold(TUESDAY_9)
        self.assertEqual((held.state, held.partner_id.id), ("pending", False))
        with self.assertRaises(CitizenInputError) as caught:
            held._set_citizen({"lastname": "", "phone": "12"})
        self.assertEqual(set(caught.exception.errors), {"lastname", "phone"})
        # The limit is not told at this step (it would tell anyone whether a
        # phone has appointments): it refuses at the confirmation.
        held._set_citizen({"lastname": "Aulan", "phone": "06 11 11 11 11"})
        with self.assertRaisesRegex(BookingError, "already have an upcoming appointment for"):
            held._confirm_hold()
        held._set_citizen({"lastname": "Aulan", "phone": "06 22 22 22 22"})
        # Correcting the details again does not count the booking against itself.
        held._set_citizen({"lastname": "Aulan", "firstname": "Gilles", "phone": "0622222222"})
        self.assertEqual(held.citizen_name, "AULAN Gilles")
        # An unconfirmed hold leaves no contact behind.
        self.env["res.partner"]._cron_rdv_link_appointments()
        self.assertFalse(held.partner_id)
        held._confirm_hold()
        self.assertEqual(held.state, "planned")
        self.env["res.partner"]._cron_rdv_link_appointments()
        self.assertEqual(held.partner_id.name, "AULAN Gilles")

    def test_a_hold_without_details_cannot_be_confirmed(self):
        held = self._hold(TUESDAY_9)
        with self.assertRaisesRegex(ValidationError, "has no citizen"):
            held._confirm_hold()

    def test_expired_hold_is_free_for_others_and_cannot_be_confirmed(self):
        start = utc(2026, 3, 4, 8, 0)
        held = self._hold(start, "0611111111")
        with freeze_time(NOW + datetime.timedelta(minutes=16)):
            other = self.book(start, lastname="Other", phone="0622222222")
            self.assertEqual(other.state, "planned", "an expired hold never blocks anyone")
            with self.assertRaises(SlotTakenError):
                held._confirm_hold()
            self.assertEqual(self.env["rdv.appointment"]._expire_holds(), 1)
        self.assertFalse(held.exists(), "the unverified booking is gone")

    def test_expire_holds_releases_slots(self):
        held = self._hold(TUESDAY_9, "0611111111")
        slots = held.slot_ids
        with freeze_time(NOW + datetime.timedelta(minutes=20)):
            self.env["rdv.appointment"]._expire_holds()
        self.assertEqual(set(slots.mapped("state")), {"free"})
        self.assertFalse(slots.appointment_id)

    def test_hold_cleaner_wakes_at_the_first_expiry_then_plans_the_next(self):
        release = self.env.ref("rdv_booking.ir_cron_release_holds")
        Trigger = self.env["ir.cron.trigger"].sudo()

        def hold(start, phone, minutes_later):
            with freeze_time(NOW + datetime.timedelta(minutes=minutes_later)):
                self._hold(start, phone)
                self.env.cr.flush()  # crons are woken at commit

        def planned():
            return Trigger.search([("cron_id", "=", release.id)]).mapped("call_at")

        Trigger.search([("cron_id", "=", release.id)]).unlink()
        hold(TUESDAY_9, "0611111111", 0)
        hold(utc(2026, 3, 4, 8, 0), "0622222222", 5)
        first, second = (NOW + datetime.timedelta(minutes=m) for m in (15, 20))
        self.assertEqual(planned(), [first], "the first expiry covers the second hold")
        with freeze_time(first + datetime.timedelta(seconds=30)):
            # The cron runs on the trigger at `first`, deleted only once it ends.
            self.assertEqual(self.env["rdv.appointment"]._expire_holds(), 1)
            self.env.cr.flush()
        self.assertEqual(sorted(planned()), [first, second], "the next run is planned")

    def test_change_slot_takes_new_before_freeing_old(self):
        appointment = self.book(TUESDAY_9)
        old = appointment.slot_ids
        appointment._change_slot(self.counter, utc(2026, 3, 5, 13, 0))
        self.assertEqual(appointment.start, utc(2026, 3, 5, 13, 0))
        self.assertEqual(set(old.mapped("state")), {"free"})
        # The history names the channel as agents read it, not its code.
        moved = appointment.message_ids.filtered(lambda m: "Moved from" in (m.body or ""))
        self.assertIn("(At the counter)", moved.body)
        self.assertEqual(len(appointment.slot_ids), 2)
        blocker = self.book(TUESDAY_9, lastname="Aulan", phone="0611111111")
        with self.assertRaises(SlotTakenError):
            appointment._change_slot(self.counter, TUESDAY_9)
        self.assertEqual(appointment.start, utc(2026, 3, 5, 13, 0), "unchanged when refused")
        self.assertEqual(len(appointment.slot_ids), 2)
        self.assertTrue(blocker.slot_ids)

    def test_move_to_the_same_time_again_changes_nothing(self):
        """A move sent twice (a page reloaded): one move, one message."""
        appointment = self.book(TUESDAY_9)
        Notification = self.env["rdv.notification"]
        appointment._change_slot(self.counter, utc(2026, 3, 5, 13, 0))
        queued = Notification.search_count([("appointment_id", "=", appointment.id)])
        messages = len(appointment.message_ids)
        appointment._change_slot(self.counter, utc(2026, 3, 5, 13, 0))
        self.assertEqual(
            Notification.search_count([("appointment_id", "=", appointment.id)]), queued
        )
        self.assertEqual(len(appointment.message_ids), messages)
        self.assertEqual(len(appointment.slot_ids), 2)

    def test_move_by_a_few_minutes_reuses_its_own_slots(self):
        appointment = self.book(TUESDAY_9)  # 09:00-09:30
        appointment._change_slot(self.counter, TUESDAY_9 + datetime.timedelta(minutes=15))
        self.assertEqual(
            appointment.slot_ids.mapped("start"),
            [
                TUESDAY_9 + datetime.timedelta(minutes=15),
                TUESDAY_9 + datetime.timedelta(minutes=30),
            ],
        )
        self.assertEqual(
            self.slots(day=TUESDAY_9.date()).filtered(lambda s: s.start == TUESDAY_9).state, "free"
        )

    def test_to_reschedule_then_change_slot_plans_again(self):
        appointment = self.book(TUESDAY_9)
        appointment.slot_ids[0].action_reserve()
        self.assertEqual(appointment.state, "to_reschedule")
        self.assertFalse(appointment.slot_ids, "a to-reschedule appointment holds no slot")
        self.assertIn("reserved for the administration", appointment.reschedule_reason)
        appointment._change_slot(self.counter, utc(2026, 3, 6, 8, 0))
        self.assertEqual(appointment.state, "planned")
        self.assertFalse(appointment.reschedule_reason)

    def test_releasing_a_suspended_slot_gives_the_appointment_its_time_back(self):
        appointment = self.book(TUESDAY_9)
        slot = appointment.slot_ids[0]
        slot.action_suspend()
        self.assertEqual(appointment.reschedule_cause, "suspended")
        self.assertEqual(
            appointment.reschedule_reason, f"Its slot was suspended by {self.env.user.name}."
        )
        action = slot.action_release()
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(
            appointment.slot_ids.mapped("start"),
            [TUESDAY_9, TUESDAY_9 + datetime.timedelta(minutes=15)],
        )
        self.assertIn(appointment.name, action["params"]["message"])
        # Nothing to give back: a plain release, nothing to tell.
        free = self.slots(day=TUESDAY_9.date(), state="free")[:1]
        free.action_suspend()
        self.assertFalse(free.action_release())
        self.assertEqual(free.state, "free")

    def test_cancel_frees_the_slots(self):
        appointment = self.book(TUESDAY_9)
        slots = appointment.slot_ids
        appointment._cancel(by="citizen", reason="Found another date")
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.cancelled_by, "citizen")
        self.assertEqual(appointment.cancel_rate, 100.0)
        self.assertEqual(set(slots.mapped("state")), {"free"})
        with self.assertRaises(BookingError):
            appointment._cancel()

    def test_done_and_no_show_only_once_started(self):
        appointment = self.book(TUESDAY_9)
        with self.assertRaisesRegex(UserError, "not started yet"):
            appointment.action_done()
        with freeze_time(TUESDAY_9 + datetime.timedelta(minutes=5)):
            appointment.action_no_show()
            self.assertEqual(appointment.no_show_rate, 100.0)
            appointment.action_reset_planned()
            appointment.action_done()
        self.assertEqual(appointment.state, "done")
        self.assertEqual(appointment.no_show_rate, 0.0)
        with self.assertRaises(UserError):
            appointment._cancel()

    def test_bulk_done_and_absent_from_a_list(self):
        first = self.book(TUESDAY_9)
        second = self.book(TUESDAY_9 + datetime.timedelta(hours=1), lastname="Aulan")
        later = self.book(TUESDAY_9 + datetime.timedelta(days=1), lastname="Coste")

        def run(xmlid, appointments):
            action = self.env.ref(xmlid).with_user(self.agent_id)
            return action.with_context(
                active_model="rdv.appointment", active_ids=appointments.ids
            ).run()

        with freeze_time(TUESDAY_9 + datetime.timedelta(hours=2)):
            with self.assertRaisesRegex(UserError, "not started yet"):
                run("rdv_booking.rdv_appointment_action_mark_done", first | second | later)
            self.assertEqual(set((first | second).mapped("state")), {"planned"}, "all or nothing")
            run("rdv_booking.rdv_appointment_action_mark_done", first | second)
            self.assertEqual(set((first | second).mapped("state")), {"done"})
            run("rdv_booking.rdv_appointment_action_mark_no_show", second)
            self.assertEqual(second.state, "no_show")
            later._cancel(reason="Moved away")
            with self.assertRaisesRegex(UserError, f"{later.name} in their current state"):
                run("rdv_booking.rdv_appointment_action_mark_no_show", first | later)
        self.assertEqual(first.state, "done")

    def test_appointments_are_kept_for_history(self):
        appointment = self.book(TUESDAY_9)
        with self.assertRaisesRegex(UserError, "kept for history"):
            appointment.unlink()

    def test_reserved_slot_only_for_agents(self):
        slot = self.slots(day=TUESDAY_9.date()).filtered(lambda s: s.start == TUESDAY_9)
        (
            slot
            | slot.search(
                [
                    ("counter_id", "=", self.counter.id),
                    ("start", "=", TUESDAY_9 + datetime.timedelta(minutes=15)),
                ]
            )
        ).action_reserve()
        with self.assertRaises(BookingError) as reserved:
            self.book(TUESDAY_9, channel="web", email="a@example.com")
        self.assertEqual(reserved.exception.code, "not_offered", "not offered to citizens")
        appointment = self.env["rdv.appointment"]._book(
            self.type_id,
            self.counter,
            TUESDAY_9,
            citizen={"lastname": "Bois", "phone": "0612345678"},
            channel="phone",
            allow_reserved=True,
        )
        self.assertEqual(appointment.state, "planned")
        slot.invalidate_recordset()
        self.assertEqual(slot.state, "booked")


@tagged("post_install", "-at_install")
class TestAvailability(RdvCase):
    def test_free_starts_need_consecutive_free_slots(self):
        Slot = self.env["rdv.slot"]
        day_from, day_to = utc(2026, 3, 3), utc(2026, 3, 4)
        starts = Slot._free_starts(self.type_id, day_from, day_to, persons=1)
        # 28 slots of 15 minutes, 30-minute type: every start but the last of each half-day.
        self.assertEqual(len(starts), 26)
        self.assertNotIn(utc(2026, 3, 3, 10, 45), [s[1] for s in starts], "would cross lunch")
        self.book(utc(2026, 3, 3, 8, 15))
        starts = Slot._free_starts(self.type_id, day_from, day_to, persons=1)
        self.assertNotIn(utc(2026, 3, 3, 8, 0), [s[1] for s in starts])
        # 3 persons need 6 free slots in a row: 4 starts before lunch, 9 after.
        self.assertEqual(len(Slot._free_starts(self.type_id, day_from, day_to, persons=3)), 13)

    def test_free_starts_apply_web_rules(self):
        self.type_id.write({"min_notice_hours": 48, "max_horizon_days": 7})
        starts = self.env["rdv.slot"]._free_starts(
            self.type_id,
            utc(2026, 3, 1),
            utc(2026, 4, 1),
            website=True,
        )
        self.assertGreaterEqual(starts[0][1], NOW + datetime.timedelta(hours=48))
        self.assertLessEqual(starts[-1][1], NOW + datetime.timedelta(days=7))
        self.counter.website_visible = False
        self.assertFalse(
            self.env["rdv.slot"]._free_starts(
                self.type_id, utc(2026, 3, 1), utc(2026, 4, 1), website=True
            )
        )

    def test_earliest_free_start_of_each_place(self):
        annex = self.env["rdv.place"].create({"name": "Annex", "tz": "Europe/Paris"})
        self._make_counter(
            "Annex counter", place=annex, week=self._make_week("Thursdays", [(3, 3, 14.0, 16.0)])
        )
        self.book(utc(2026, 3, 2, 7, 30))  # the town hall's first slot is taken
        earliest = self.env["rdv.slot"]._earliest_by_place(
            self.type_id, utc(2026, 3, 1), utc(2026, 4, 1), website=False
        )
        self.assertEqual(earliest[self.place.id][:2], (utc(2026, 3, 2, 8, 0), self.counter.id))
        self.assertEqual(earliest[annex.id][0], utc(2026, 3, 5, 13, 0))
        self.type_id.is_published = False
        self.assertFalse(
            self.env["rdv.slot"]._earliest_by_place(
                self.type_id, utc(2026, 3, 1), utc(2026, 4, 1), website=True
            ),
            "unpublished types are not offered online",
        )

    def test_month_of_availability_is_one_query(self):
        Slot = self.env["rdv.slot"]
        self.env.invalidate_all()
        # One query for the slots, one to read the type's rules.
        with self.assertQueryCount(__system__=2):
            starts = Slot._free_starts(
                self.type_id,
                utc(2026, 3, 1),
                utc(2026, 4, 1),
                places=self.place,
            )
        self.assertGreater(len(starts), 500)
