import datetime

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)


@tagged("post_install", "-at_install")
class TestAgentWizards(RdvCase):
    """The agent's screens of seed 002: assign a slot, change it, cancel, the queues."""

    def _slot_at(self, start):
        return self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", start)], limit=1
        )

    def test_assign_a_free_slot_from_the_calendar(self):
        slot = self._slot_at(TUESDAY_9)
        action = slot.with_user(self.agent_id).action_assign()
        wizard_env = (
            self.env["rdv.slot.assign"].with_user(self.agent_id).with_context(action["context"])
        )
        with Form(wizard_env) as form:
            self.assertEqual(form.type_id, self.type_id, "the counter's only type is preset")
            form.lastname = "Bois"
            form.firstname = "Jules"
            form.phone = "06 12 34 56 78"
            form.comment = "Brings the old passport"
            form.channel = "phone"
        result = form.record.action_confirm()
        appointment = self.env["rdv.appointment"].browse(result["res_id"])
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(appointment.channel, "phone")
        self.assertEqual(appointment.comment, "Brings the old passport")
        self.assertEqual(appointment.booked_by_id, self.agent_id)
        self.assertEqual(slot.state, "booked")

    def test_book_without_a_slot_preselected(self):
        with Form(self.env["rdv.slot.assign"]) as form:
            form.type_id = self.type_id
            form.slot_id = self._slot_at(utc(2026, 3, 4, 13, 0))
            form.persons = 2
            form.lastname = "Aulan"
            form.phone = "0611111111"
        appointment = self.env["rdv.appointment"].browse(form.record.action_confirm()["res_id"])
        self.assertEqual(len(appointment.slot_ids), 4)

    def test_slot_label_shows_time_and_counter_in_pickers(self):
        slot = self._slot_at(TUESDAY_9).with_context(rdv_slot_label="time")
        self.assertEqual(slot.display_name, "Tue 3 Mar 09:00 · Counter 1")
        slot.action_reserve()
        slot.invalidate_recordset(["display_name"])
        self.assertEqual(
            slot.display_name, "Tue 3 Mar 09:00 · Counter 1 (Reserved for the administration)"
        )
        # Calendars: the local time and who, as short events show only their title.
        calendar_slot = self._slot_at(TUESDAY_9 + datetime.timedelta(minutes=15))
        self.assertEqual(calendar_slot.display_name, "09:15 Free")
        appointment = self.book(TUESDAY_9 + datetime.timedelta(minutes=15))
        calendar_slot.invalidate_recordset(["display_name"])
        self.assertEqual(calendar_slot.display_name, "09:15 BOIS Jules")
        self.assertEqual(
            appointment.with_context(rdv_calendar_label=1).display_name, "09:15 BOIS Jules"
        )

    def test_change_slot_wizard(self):
        appointment = self.book(TUESDAY_9)
        action = appointment.action_change_slot()
        with Form(self.env["rdv.appointment.reschedule"].with_context(action["context"])) as form:
            self.assertEqual(form.place_id, self.place)
            form.slot_id = self._slot_at(utc(2026, 3, 6, 9, 0))
        form.record.action_confirm()
        self.assertEqual(appointment.start, utc(2026, 3, 6, 9, 0))
        self.assertEqual(self._slot_at(TUESDAY_9).state, "free")

    def test_cancel_wizard_with_reason(self):
        appointment = self.book(TUESDAY_9)
        action = appointment.action_cancel()
        with Form(self.env["rdv.appointment.cancel"].with_context(action["context"])) as form:
            form.reason = "The mayor is away"
        form.record.action_confirm()
        self.assertEqual(appointment.state, "cancelled")
        self.assertEqual(appointment.cancelled_by, "agency")
        self.assertEqual(appointment.cancel_reason, "The mayor is away")
        self.assertIn("The mayor is away", appointment.message_ids[0].body)

    def test_slot_actions_suspend_reserve_release(self):
        slot = self._slot_at(TUESDAY_9)
        slot.action_suspend()
        self.assertEqual(slot.state, "suspended")
        slot.action_release()
        self.assertEqual(slot.state, "free")
        slot.action_reserve()
        self.assertEqual(slot.state, "reserved")
        slot.action_release()
        self.assertEqual(slot.state, "free")
        with self.assertRaisesRegex(Exception, "Only suspended or reserved"):
            slot.action_release()

    def test_queues_to_reschedule_and_past_without_status(self):
        Appointment = self.env["rdv.appointment"]
        lost = self.book(TUESDAY_9)
        self._slot_at(TUESDAY_9).action_suspend()
        kept = self.book(utc(2026, 3, 2, 9, 0), lastname="Aulan", phone="0611111111")
        queue = Appointment.search(
            [("state", "=", "to_reschedule"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(queue, lost)
        with freeze_time(datetime.datetime(2026, 3, 2, 12, 0)):
            past = Appointment.search(
                [
                    ("state", "in", ("planned", "to_reschedule")),
                    ("is_past", "=", True),
                    ("company_id", "=", self.company.id),
                ]
            )
            self.assertEqual(past, kept)
            kept.action_no_show()
        self.assertEqual(kept.state, "no_show")

    def test_partner_appointments_tab(self):
        appointment = self.book(TUESDAY_9)
        appointment._link_partners()
        partner = appointment.partner_id
        self.assertEqual(partner.rdv_appointment_count, 1)
        self.assertEqual(partner.rdv_appointment_ids, appointment)
        upcoming = partner.action_rdv_view_upcoming()
        self.assertEqual(upcoming["context"]["search_default_upcoming"], 1)
        self.assertEqual(upcoming["context"]["search_default_group_type"], 1)
        everything = partner.action_rdv_view_all()
        self.assertEqual(everything["domain"], [("partner_id", "=", partner.id)])
        self.assertEqual(self.env["rdv.appointment"].search(everything["domain"]), appointment)

    def test_statistics_rates_average_in_pivots(self):
        first = self.book(TUESDAY_9)
        self.book(utc(2026, 3, 4, 8, 0), lastname="Aulan", phone="0611111111")
        first._cancel(reason="Moved")
        groups = self.env["rdv.appointment"]._read_group(
            [("company_id", "=", self.company.id)],
            ["type_id"],
            ["cancel_rate:avg", "__count", "duration:avg"],
        )
        ((type_, rate, count, duration),) = groups
        self.assertEqual((type_, rate, count, duration), (self.type_id, 50.0, 2, 30.0))
        fill = self.env["rdv.slot.report"]._read_group(
            [
                ("counter_id", "=", self.counter.id),
                ("start", ">=", utc(2026, 3, 4)),
                ("start", "<", utc(2026, 3, 5)),
            ],
            [],
            ["fill_rate:avg", "booked_count:sum"],
        )
        self.assertEqual(fill[0][1], 2)
        self.assertAlmostEqual(fill[0][0], 100.0 * 2 / 28)
