"""A change that moves planned appointments: the list shown before saving,
and the notice after it, counted from the messages queued."""

import datetime
from collections import Counter

import psycopg2
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import MANAGER, NOW, RdvCase, utc

MONDAY = NOW.date()
# Tuesday 3 March 2026, from 09:00 in Paris, every half hour.
TUESDAY_TIMES = [utc(2026, 3, 3, 8, 0) + datetime.timedelta(minutes=30 * i) for i in range(6)]


class Rollback(Exception):
    """Undo one example."""


@tagged("post_install", "-at_install")
class TestImpact(RdvCase):
    def _book_tuesday(self, emails):
        """One appointment on Tuesday per entry of ``emails`` (whether the
        citizen gave an e-mail address)."""
        appointments = self.env["rdv.appointment"]
        for index, email in enumerate(emails):
            appointments |= self.book(
                TUESDAY_TIMES[index],
                lastname="Citoyen%s" % index,
                phone="06 11 22 33 %02d" % index,
                email=email and "citoyen%s@example.org" % index,
            )
        return appointments

    def test_the_form_lists_every_appointment_saving_moves(self):
        """The banner counts them and no longer cuts their names: the whole
        list is a field of the form, as saving will move them."""
        booked = self._book_tuesday([False] * 6)
        form = Form(self.counter)
        self.assertFalse(form.impact_preview)
        self.assertEqual(len(form.impact_appointment_ids), 0)
        form.date_end = MONDAY
        self.assertIn("removes the slots of 6 planned appointments", form.impact_preview)
        self.assertNotIn("…", form.impact_preview, "nothing cut")
        self.assertEqual(
            {form.impact_appointment_ids[i].id for i in range(len(form.impact_appointment_ids))},
            set(booked.ids),
        )
        self.assertEqual(set(booked.mapped("state")), {"planned"}, "only a preview")
        form.date_end = False
        self.assertEqual(len(form.impact_appointment_ids), 0)
        self.assertFalse(form.impact_preview)

    def test_closure_and_week_list_them_too(self):
        booked = self._book_tuesday([False, False])
        closure = self.env["rdv.closure"].new(
            {
                "name": "Strike",
                "date_from": booked[0].start.date(),
                "date_to": booked[0].start.date(),
                "company_id": self.company.id,
                "active": True,
                "all_day": True,
            }
        )
        closure._onchange_impact()
        self.assertEqual(closure.impact_appointment_ids._origin, booked)
        self.assertIn("removes the slots of 2 planned appointments", closure.impact_preview)

    def test_one_appointment_is_spoken_of_in_the_singular(self):
        """One appointment: "1 rendez-vous planifié. Il passera…", in French
        as in English, not the plural with a count of one."""
        self._book_tuesday([False])
        self._load_french()
        form = Form(self.counter.with_context(lang="fr_FR"))
        form.date_end = MONDAY
        self.assertIn("1 rendez-vous planifié. Il passera", form.impact_preview)
        self.assertIn("son usager", form.impact_preview)
        english = Form(self.counter.with_context(lang="en_US"))
        english.date_end = MONDAY
        self.assertIn("the slot of 1 planned appointment. It will", english.impact_preview)

    @settings(max_examples=30, deadline=None)
    @given(emails=st.lists(st.booleans(), min_size=1, max_size=6))
    def test_notice_counts_the_messages_queued(self, emails):
        """After saving, the notice counts what was queued, per channel and
        status, and names each citizen nobody can reach, as a brute-force
        count of the messages says."""
        try:
            with self.env.cr.savepoint():
                self._check_notice(self._book_tuesday(emails))
                raise Rollback
        except Rollback:
            pass

    def _check_notice(self, booked):
        self.counter.date_end = MONDAY
        self.assertEqual(set(booked.mapped("state")), {"to_reschedule"})
        text, everyone = self.env["rdv.notification"]._moved_summary(booked)
        self.assertIn("Appointments moved to 'To reschedule': %s." % len(booked), text)
        silent = booked.filtered(lambda appointment: appointment._rdv_silence())
        self.assertEqual(everyone, not silent)
        if silent:
            self.assertIn(
                "1 citizen cannot be told, call them"
                if len(silent) == 1
                else "%s citizens cannot be told, call them" % len(silent),
                text,
            )
            self.assertNotIn("no contact", text, "their phone is a contact: they are to call")
        for appointment in booked:
            self.assertEqual(appointment.name in text, appointment in silent)
        # Brute force: every message of the move, per channel and status.
        expected = Counter()
        for appointment in booked - silent:
            channels = {}
            for row in appointment.notification_ids.filtered(
                lambda row: row.kind == "to_reschedule"
            ):
                channels[row._channel_name()] = row  # the last one per channel
            for channel, row in channels.items():
                expected[channel, row.status] += 1
        statuses = dict(
            self.env["rdv.notification"]._fields["status"]._description_selection(self.env)
        )
        for (channel, status), count in expected.items():
            self.assertIn(channel, text)
            self.assertIn("%s %s" % (count, statuses[status].lower()), text)
        if not expected:
            self.assertNotIn("Messages to their citizens", text)

    def test_notice_says_queued_until_sent(self):
        """Queued is not sent: the notice says what the messages are."""
        booked = self._book_tuesday([True, True])
        self.counter.date_end = MONDAY
        rows = booked.notification_ids.filtered(lambda row: row.kind == "to_reschedule")
        if booked[0]._rdv_silence():
            # No channel installed (the back office alone): both are to call.
            text, everyone = self.env["rdv.notification"]._moved_summary(booked)
            self.assertFalse(everyone)
            self.assertIn("2 citizens cannot be told", text)
            return
        text, everyone = self.env["rdv.notification"]._moved_summary(booked)
        self.assertTrue(everyone)
        self.assertIn("2 queued (not sent yet)", text)
        rows[:1]._set_status("sent")
        text, _everyone = self.env["rdv.notification"]._moved_summary(booked)
        self.assertIn("1 queued (not sent yet)", text)
        self.assertIn("1 sent", text)

    def test_notice_of_appointments_not_moved(self):
        """Appointments still planned (the change was not saved) are not counted."""
        booked = self._book_tuesday([False])
        text, everyone = self.env["rdv.notification"]._moved_summary(booked)
        self.assertIn("Appointments moved to 'To reschedule': 0.", text)
        self.assertTrue(everyone)

    def test_notice_respects_access(self):
        """The notice reads appointments as the user: not those of another commune."""
        booked = self._book_tuesday([False])
        other = self._make_commune("Autre commune", users=[("rdv_other_manager", MANAGER, {})])
        stranger = other.users[0]
        with self.assertRaises(AccessError):
            booked.with_user(stranger).action_moved_notice()
        notice = booked.with_user(self.manager).action_moved_notice()
        self.assertEqual(notice["tag"], "display_notification")

    @settings(max_examples=40, deadline=None)
    @given(duration=st.integers(min_value=-5, max_value=120))
    def test_banner_counts_only_what_can_be_saved(self, duration):
        """The banner counts moved appointments only for a slot duration that
        saving accepts; for one it refuses it gives the refusal and counts
        nobody (saving could not move them)."""
        try:
            with self.env.cr.savepoint():
                self._book_tuesday([False, False])
                form = Form(self.counter)
                form.slot_duration = duration
                preview = form.impact_preview or ""
                counted = len(form.impact_appointment_ids)
                try:
                    with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                        self.counter.slot_duration = duration
                        self.counter.flush_recordset()
                    refused = False
                except (ValidationError, psycopg2.IntegrityError):
                    refused = True
                if refused:
                    self.assertIn("cannot be saved", preview)
                    self.assertNotIn("planned appointment", preview)
                    self.assertEqual(counted, 0)
                else:
                    self.assertNotIn("cannot be saved", preview)
                raise Rollback
        except Rollback:
            pass

    def test_refused_hours_are_not_counted(self):
        """A week whose hours the counters' slots do not divide: the banner
        says so, counts nobody; corrected, it counts again."""
        self._book_tuesday([False])
        week = self.counter.reference_week_id
        form = Form(week)
        with form.line_ids.edit(0) as line:
            line.hour_to = line.hour_to - 0.1  # six minutes off the grid
        self.assertIn("cannot be saved", form.impact_preview)
        self.assertIn("do not divide", form.impact_preview)
        self.assertEqual(len(form.impact_appointment_ids), 0)
        with form.line_ids.edit(0) as line:
            line.hour_to = line.hour_to + 0.1
        self.assertFalse(form.impact_preview)

    def test_refused_slot_then_corrected(self):
        """A refused slot duration, then a good one: saved, nothing stale."""
        form = Form(self.counter)
        form.slot_duration = 45
        self.assertIn("cannot be saved", form.impact_preview)
        form.slot_duration = 5
        self.assertFalse(form.impact_preview)
        form.save()
        self.assertEqual(self.counter.slot_duration, 5)

    def test_refusal_of_a_record_not_yet_named(self):
        """A new counter or week not yet named: the refusal says "this
        counter" / "this reference week", never "False"."""
        form = Form(self.env["rdv.counter"])
        self.assertIn("this counter must serve at least one type", form.impact_preview)
        self.assertNotIn("False", form.impact_preview)
        form = Form(self.env["rdv.reference.week"])
        for start, end in ((9.0, 12.0), (11.0, 13.0)):
            with form.line_ids.new() as line:
                line.weekday = "0"
                line.hour_from, line.hour_to = start, end
        self.assertIn("Opening hours of this reference week", form.impact_preview)
        self.assertNotIn("False", form.impact_preview)
