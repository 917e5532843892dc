from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import NOW, RdvCase, utc

TODAY_14H = utc(2026, 3, 2, 13, 0)  # Monday 14:00 in Paris; now is 08:00
TOMORROW_9H = utc(2026, 3, 3, 8, 0)


@tagged("post_install", "-at_install")
class TestCheckIn(RdvCase):
    """The reception desk: the citizen's summary scanned (or its reference
    typed), the appointment shown, the citizen checked in."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.book(TODAY_14H, lastname="Aulan")
        cls.today.comment = "Brings the old passport"
        cls.tomorrow = cls.book(TOMORROW_9H, lastname="Morel", phone="0644444444")

    def scan(self, reference, user=None):
        """The reception wizard after ``reference`` was scanned or typed."""
        form = Form(self.env["rdv.check.in"].with_user(user or self.agent_id))
        form.reference = reference
        return form

    def test_check_in_by_the_reference_as_typed(self):
        self.assertTrue(self.today.can_check_in, "the form's Check in button")
        self.assertFalse(self.tomorrow.can_check_in)
        typed = self.today.name.lower().replace("-", " ")  # "k7mq 4xr2"
        form = self.scan(typed)
        self.assertEqual(form.appointment_id, self.today)
        self.assertEqual(form.citizen_name, "AULAN Jules")
        self.assertEqual(form.comment, "Brings the old passport", "the note for agents shows")
        self.assertFalse(form.message)
        action = form.save().action_check_in()
        self.assertEqual(self.today.arrival_time, NOW)
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("AULAN Jules checked in: 14:00", action["params"]["message"])
        self.assertEqual(
            action["params"]["next"]["res_model"], "rdv.check.in", "ready for the next citizen"
        )
        self.assertFalse(self.today.can_check_in)
        again = self.scan(self.today.name)
        self.assertEqual(again.message, "AULAN Jules already checked in at 08:00.")
        with self.assertRaisesRegex(UserError, "already checked in"):
            self.today.action_check_in()
        waiting = self.env["rdv.appointment"].search(
            [
                ("arrival_time", ">=", "2026-03-02"),
                ("state", "=", "planned"),
                ("company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(waiting, self.today, "the 'Checked in today, waiting' filter's domain")

    def test_what_cannot_be_checked_in_says_why(self):
        self.assertRegex(
            self.scan(self.tomorrow.name).message,
            r"This appointment is on Tuesday 3 March 2026, 09:00, not today\.",
        )
        with self.assertRaisesRegex(UserError, "not today"):
            self.tomorrow.with_user(self.agent_id).action_check_in()
        self.tomorrow._cancel(by="citizen")
        self.assertEqual(
            self.scan(self.tomorrow.name).message,
            "This appointment is Cancelled: there is nothing to check in.",
        )
        self.assertEqual(
            self.scan("zzzz-2222").message,
            "No appointment has the reference ZZZZ-2222 in your services.",
        )
        self.assertEqual(
            self.scan("not a reference").message,
            "No appointment has the reference not a reference in your services.",
        )
        other_service = self.scan(self.today.name, user=self.agent_civil)
        self.assertFalse(other_service.appointment_id, "agents see their services' only")
        self.assertIn("No appointment has the reference", other_service.message)
        self.assertFalse(self.scan("").message, "nothing said before a scan")

    def test_a_scan_appended_to_the_last_one_and_buttons_without_appointment(self):
        form = self.scan(self.tomorrow.name + self.today.name)  # the field kept its text
        self.assertEqual(form.appointment_id, self.today)
        Wizard = self.env["rdv.check.in"].with_user(self.agent_id)
        with self.assertRaisesRegex(UserError, "Scan the summary's QR code or type a reference"):
            Wizard.create({}).action_check_in()
        with self.assertRaisesRegex(UserError, "No appointment has the reference ZZZZ-2222"):
            Wizard.create({"reference": "ZZZZ2222"}).action_open_appointment()
        # Another reference typed while the dialog showed this appointment.
        changed = Wizard.create({"reference": "ZZZZ2222", "appointment_id": self.today.id})
        with self.assertRaisesRegex(UserError, "The reference changed"):
            changed.action_check_in()
        self.assertFalse(self.today.arrival_time)
        shown = Wizard.create({"reference": self.today.name})
        self.assertEqual(shown.action_open_appointment()["res_id"], self.today.id)

    def test_served_before_their_time_once_checked_in(self):
        with self.assertRaisesRegex(UserError, "has not started yet"):
            self.today.action_done()
        self.today.with_user(self.agent_id).action_check_in()
        with self.assertRaisesRegex(UserError, "checked in at 08:00: they came"):
            self.today.action_no_show()
        self.today.with_user(self.agent_id).action_done()
        self.assertEqual(self.today.state, "done")
        self.assertEqual(self.today.arrival_time, NOW, "kept: they came")
        # Marked done by mistake, the citizen was another: undo, then absent
        # once the time has come.
        self.today.action_undo_check_in()
        self.assertFalse(self.today.arrival_time)
        with self.assertRaisesRegex(UserError, "has not started yet"):
            self.today.action_no_show()
        self.today.state = "no_show"
        self.assertEqual(
            self.scan(self.today.name).message,
            "This appointment was marked absent: if the citizen came, use Back to planned first.",
        )

    def test_a_move_or_a_lost_slot_forgets_the_check_in(self):
        self.today.action_check_in()
        self.today._change_slot(self.counter, utc(2026, 3, 2, 14, 0))
        self.assertEqual(self.today.start, utc(2026, 3, 2, 14, 0))
        self.assertFalse(self.today.arrival_time, "checked in for the old time")
        self.today.action_check_in()
        self.today._lose_slots("hours", self.today.counter_id.display_name)
        self.assertEqual(self.today.state, "to_reschedule")
        self.assertFalse(self.today.arrival_time)

    def test_check_in_undone(self):
        self.today.action_check_in()
        self.today.action_undo_check_in()
        self.assertFalse(self.today.arrival_time)
        self.assertFalse(self.scan(self.today.name).message, "can check in again")

    def test_day_sheet_shows_the_arrival_time(self):
        self.today.action_check_in()
        day_sheet = self.env["report.rdv_booking.report_rdv_day_sheet"]
        (row,) = day_sheet._get_pages(self.today)[0]["rows"]
        self.assertEqual(row["arrived"], "08:00")
        (row,) = day_sheet._get_pages(self.tomorrow)[0]["rows"]
        self.assertFalse(row["arrived"], "a box to tick")
