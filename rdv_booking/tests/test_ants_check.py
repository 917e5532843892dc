import datetime

from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..models.rdv_appointment import (
    AntsElsewhereError,
    BookingError,
    CitizenInputError,
)
from ..models.rdv_outbox import RETRY_DELAYS
from ..tools.ants import normalize_application_id
from .ants_stub import TOKEN, AntsStub
from .common import NOW, RdvCase, utc


class _Rollback(Exception):
    """Undoes one example of a property test (its savepoint)."""


# An appointment another editor declared for a number.
ELSEWHERE = {
    "management_url": "https://other.example/rdv/42",
    "meeting_point": "Mairie de Seynod",
    "meeting_point_id": "77",
    "appointment_date": "2026-03-10 14:30:00",
}
TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris
WEDNESDAY_10 = utc(2026, 3, 4, 9, 0)  # 10:00 in Paris
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@tagged("post_install", "-at_install")
class TestAntsCheck(RdvCase):
    """The pre-application numbers of an ID-card booking, checked with a stub
    of the ANTS coordination API on loopback, declared and withdrawn."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stub = AntsStub.plug(cls, cls.company, cls.type_id)
        cls.company.rdv_ants_timeout = 1.0

    def setUp(self):
        super().setUp()
        self.stub.reset()

    def valid(self, *numbers, status="validated", appointments=()):
        for number in numbers:
            self.stub.numbers[number] = {"status": status, "appointments": list(appointments)}

    def book_with(self, numbers, persons=None, start=TUESDAY_9, **citizen):
        return self.book(
            start,
            persons=persons or len(numbers),
            application_numbers=list(numbers),
            **citizen,
        )

    def deliver(self):
        return self.env["rdv.ants.declaration"]._process()

    # ------------------------------------------------------------------
    # Numbers: one per person, in normal form
    # ------------------------------------------------------------------

    @settings(max_examples=40, deadline=None)
    @given(
        number=st.text(ALNUM + ALNUM.lower(), min_size=10, max_size=10),
        separators=st.lists(st.sampled_from([" ", "-", "  ", "\u00a0", "–"]), max_size=4),
    )
    def test_numbers_are_normalised_however_typed(self, number, separators):
        typed = number
        for index, separator in enumerate(separators):
            cut = (index * 3) % 10
            typed = typed[:cut] + separator + typed[cut:]
        application = self.env["rdv.appointment.application"]
        self.assertEqual(application._normalize("  %s " % typed), number.upper())

    @settings(max_examples=40, deadline=None)
    @given(st.text(min_size=0, max_size=14))
    def test_anything_else_is_refused_naming_the_person(self, value):
        if normalize_application_id(value):
            return
        with self.assertRaises(ValidationError) as caught:
            self.env["rdv.appointment.application"]._normalize(value, person=2)
        self.assertIn("Person 2", str(caught.exception))
        self.assertIn("10 letters or digits", str(caught.exception))

    def test_two_persons_two_numbers_declared_after_booking(self):
        self.valid("AB1234567C", "ZZ99887766")
        appointment = self.book_with(["ab-123 4567c", "zz99887766"])
        self.assertEqual(appointment.application_ids.mapped("number"), ["AB1234567C", "ZZ99887766"])
        self.assertEqual(appointment.application_ids.mapped("person"), [1, 2])
        (status,) = self.stub.calls("GET", "/api/status")
        self.assertEqual(
            status["query"],
            [("application_ids", "AB1234567C"), ("application_ids", "ZZ99887766")],
        )
        self.assertEqual(status["token"], TOKEN)
        self.assertFalse(appointment.ants_check_skipped)
        # Nothing is sent inside the booking's transaction.
        self.assertFalse(self.stub.calls("POST"))
        self.assertEqual(appointment.application_ids.mapped("ants_state"), ["pending"] * 2)
        self.assertEqual(self.deliver(), 2)
        posts = self.stub.calls("POST", "/api/appointments")
        self.assertEqual(len(posts), 2)
        self.assertEqual(
            dict(posts[0]["query"]),
            {
                "application_id": "AB1234567C",
                "meeting_point_id": str(self.place.id),
                "meeting_point": "Town hall",
                # The place's wall-clock time, not UTC.
                "appointment_date": "2026-03-03 09:00:00",
                "management_url": appointment._ants_management_url(),
            },
        )
        appointment.application_ids.invalidate_recordset()
        self.assertEqual(appointment.application_ids.mapped("ants_state"), ["declared"] * 2)
        self.assertEqual(
            self.env["rdv.appointment"]._ants_by_application_ids(["zz-9988 7766", "nonsense"]),
            appointment,
        )
        self.assertEqual(
            self.env["rdv.appointment"]._ants_by_application_ids("AB1234567C"), appointment
        )

    def test_place_in_another_zone_declares_its_own_wall_clock(self):
        self.place.tz = "America/Guadeloupe"  # UTC-4, no daylight saving time
        self.valid("AB1234567C")
        self.book_with(["AB1234567C"], start=utc(2026, 3, 3, 13, 0))
        self.deliver()
        (post,) = self.stub.calls("POST")
        self.assertEqual(dict(post["query"])["appointment_date"], "2026-03-03 09:00:00")

    def test_each_person_gives_their_own_number(self):
        self.valid("AB1234567C")
        with self.assertRaises(CitizenInputError) as caught:
            self.book_with(["AB1234567C", "ab-1234567c"], channel="web")
        self.assertIn("Person 2", caught.exception.errors["application_number_2"])
        with self.assertRaises(CitizenInputError) as caught:
            self.book_with(["AB1234567C", ""], channel="web")
        self.assertIn("required", caught.exception.errors["application_number_2"])
        self.assertFalse(self.stub.calls("GET"), "nothing asked to the hub for a bad form")
        self.assertFalse(self.slots(state="booked"))

    def test_unknown_expired_consumed_numbers_are_refused(self):
        self.valid("EXPIRED001", status="expired")
        self.valid("CONSUMED01", status="consumed")
        with self.assertRaises(CitizenInputError) as caught:
            self.book_with(["UNKNOWN001", "EXPIRED001", "CONSUMED01"])
        errors = caught.exception.errors
        self.assertRegex(errors["application_number_1"], r"Person 1.*UNKNOWN001.*unknown")
        self.assertRegex(errors["application_number_2"], r"Person 2.*EXPIRED001.*expired")
        self.assertRegex(errors["application_number_3"], r"Person 3.*CONSUMED01.*already used")
        self.assertFalse(self.slots(state="booked"))
        self.assertFalse(self.env["rdv.ants.declaration"].search([]))

    def test_number_booked_elsewhere_asks_the_citizen(self):
        elsewhere = {
            "management_url": "https://other.example/rdv/42",
            "meeting_point": "Mairie de Seynod",
            "meeting_point_id": "77",
            "appointment_date": "2026-03-10 14:30:00",
        }
        self.valid("AB1234567C", status="declared", appointments=[elsewhere])
        with self.assertRaises(AntsElsewhereError) as caught:
            self.book_with(["AB1234567C"])
        self.assertEqual(caught.exception.code, "ants_elsewhere")
        self.assertIn("Mairie de Seynod", str(caught.exception))
        self.assertIn("10/03/2026 14:30", str(caught.exception))
        (item,) = caught.exception.elsewhere
        self.assertEqual(item["management_url"], "https://other.example/rdv/42")
        self.assertFalse(self.slots(state="booked"))
        # The citizen decides to book anyway.
        appointment = self.book_with(["AB1234567C"], ants_confirmed=True)
        self.assertEqual(appointment.state, "planned")

    def test_hub_unavailable_refuses_by_default(self):
        self.valid("AB1234567C")
        for mode in ("down", "garbage", "slow", "token"):
            with self.subTest(mode=mode):
                self.stub.mode = "ok" if mode == "token" else mode
                # Odoo's tests stretch any timeout to 10 s (tests/test_ants_client.py
                # checks the company's own, without Odoo).
                self.stub.delay = 10.5
                if mode == "token":
                    self.company.sudo().rdv_ants_token = "wrong"
                with (
                    mute_logger("odoo.addons.rdv_booking.models.rdv_appointment"),
                    self.assertRaises(BookingError) as caught,
                ):
                    self.book_with(["AB1234567C"])
                self.assertEqual(caught.exception.code, "ants_unavailable")
                self.assertIn("try again in a few minutes", str(caught.exception))
                self.assertFalse(self.slots(state="booked"))
        self.company.sudo().rdv_ants_token = TOKEN

    def test_hub_unavailable_open_policy_books_and_tells_agents(self):
        self.company.rdv_ants_when_down = "open"
        self.stub.mode = "down"
        with mute_logger("odoo.addons.rdv_booking.models.rdv_appointment"):
            appointment = self.book_with(["AB1234567C"])
        self.assertEqual(appointment.state, "planned")
        self.assertTrue(appointment.ants_check_skipped)
        # (the demo commune's, which has no coordination API, are flagged too)
        self.assertEqual(
            self.env["rdv.appointment"].search(
                [("ants_check_skipped", "=", True), ("company_id", "=", self.company.id)]
            ),
            appointment,
        )

    def test_no_token_no_check(self):
        self.company.sudo().rdv_ants_token = False
        appointment = self.book_with(["AB1234567C"])
        self.assertEqual(appointment.application_ids.number, "AB1234567C")
        self.assertFalse(self.stub.requests)
        self.assertFalse(appointment.ants_declaration_ids)
        # Agents see that they were not checked, as when the hub is down.
        self.assertTrue(appointment.ants_check_skipped)
        self.company.sudo().rdv_ants_token = TOKEN

    def test_other_types_keep_their_file_number(self):
        appointment = self.book(
            TUESDAY_9, appointment_type=self.type_civil, counter=self._civil_counter()
        )
        self.assertFalse(appointment.application_ids)
        self.assertFalse(self.stub.requests)

    def _civil_counter(self):
        return self._make_counter("Civil counter", types=self.type_civil)

    # ------------------------------------------------------------------
    # Declarations: after commit, retried, exactly once
    # ------------------------------------------------------------------

    def test_declaration_retried_with_back_off_then_made_once(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        (row,) = appointment.ants_declaration_ids
        self.stub.mode = "down"
        self.deliver()
        self.assertEqual((row.state, row.attempts), ("pending", 1))
        self.assertIn("500", row.last_error)
        self.assertEqual(appointment.application_ids.ants_state, "pending")
        self.assertEqual(self.deliver(), 0, "not due before its back-off delay")
        self.stub.mode = "ok"
        with freeze_time(NOW + datetime.timedelta(minutes=RETRY_DELAYS[0] + 1)):
            self.assertEqual(self.deliver(), 1)
            self.assertEqual(row.state, "done")
            self.assertEqual(self.deliver(), 0)
        self.assertEqual(
            [call["mode"] for call in self.stub.calls("POST")], ["down", "ok"], "one made"
        )
        # Run again by hand (a cron twice): the hub's "already declared" is done.
        row.write({"state": "pending", "next_attempt_at": NOW})
        self.deliver()
        self.assertEqual(row.state, "done")
        self.assertEqual(len(self.stub.numbers["AB1234567C"]["appointments"]), 1)

    def test_declaration_given_up_shows_the_error(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        (row,) = appointment.ants_declaration_ids
        self.company.sudo().rdv_ants_token = "wrong"
        moment = NOW
        for _attempt in range(len(RETRY_DELAYS) + 1):
            with freeze_time(moment):
                self.deliver()
            moment += datetime.timedelta(hours=5)
        self.assertEqual(row.state, "failed")
        appointment.application_ids.invalidate_recordset()
        self.assertEqual(appointment.application_ids.ants_state, "failed")
        self.assertIn("token", appointment.application_ids.ants_error)
        self.company.sudo().rdv_ants_token = TOKEN
        row.action_retry()
        self.deliver()
        self.assertEqual(row.state, "done")

    def test_cancel_withdraws_with_the_same_fields(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        self.deliver()
        appointment._cancel(by="citizen")
        self.assertFalse(self.stub.calls("DELETE"), "after the commit")
        self.deliver()
        (delete,) = self.stub.calls("DELETE", "/api/appointments")
        (post,) = self.stub.calls("POST")
        self.assertEqual(dict(delete["query"]), dict(post["query"]))
        self.assertEqual(self.stub.numbers["AB1234567C"]["appointments"], [])
        appointment.application_ids.invalidate_recordset()
        self.assertEqual(appointment.application_ids.ants_state, "withdrawn")
        self.assertFalse(self.env["rdv.appointment"]._ants_by_application_ids(["AB1234567C"]))

    def test_cancel_before_delivery_sends_nothing(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        appointment._cancel(by="citizen")
        self.deliver()
        self.assertFalse(self.stub.calls("POST") + self.stub.calls("DELETE"))

    def test_cancel_after_a_failed_attempt_withdraws_and_never_declares(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        self.stub.mode = "down"
        self.deliver()
        self.stub.mode = "ok"
        appointment._cancel(by="agency")
        with freeze_time(NOW + datetime.timedelta(hours=1)):
            self.deliver()
        self.assertEqual(len(self.stub.calls("POST")), 1, "only the failed attempt")
        self.assertEqual(len(self.stub.calls("DELETE")), 1, "in case the hub kept it")
        # The declaration was never made: it says so, it is not "processed".
        self.assertEqual(
            {row.action: row.state for row in appointment.ants_declaration_ids},
            {"declare": "superseded", "withdraw": "done"},
        )

    def test_declare_and_withdraw_both_failed_then_retried_tell_the_truth(self):
        """The hub down through the booking and its cancellation, both given
        up, then retried by an agent: the hub receives the DELETE only, and
        the declaration says it was never made, not "processed"."""
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        (declare,) = appointment.ants_declaration_ids
        self.stub.mode = "down"
        # Past the last back-off delay each time, the appointment still to come.
        moment, step = NOW, datetime.timedelta(minutes=RETRY_DELAYS[-1] + 1)
        for _attempt in range(len(RETRY_DELAYS) + 1):
            with freeze_time(moment):
                self.deliver()
            moment += step
        self.assertEqual(declare.state, "failed")
        with freeze_time(moment):
            appointment._cancel(by="agency")
        withdraw = appointment.ants_declaration_ids - declare
        self.assertEqual(withdraw.action, "withdraw")
        # Superseded at once: no agent is asked to retry a declaration of a
        # cancelled appointment.
        self.assertEqual(declare.state, "superseded")
        self.assertIn("cancelled or moved", declare.last_error)
        for _attempt in range(len(RETRY_DELAYS) + 1):
            with freeze_time(moment):
                self.deliver()
            moment += step
        self.assertEqual(withdraw.state, "failed")
        appointment.application_ids.invalidate_recordset()
        self.assertEqual(appointment.application_ids.ants_state, "failed")
        self.assertIn("500", appointment.application_ids.ants_error)
        self.stub.mode = "ok"
        self.stub.requests.clear()
        (declare | withdraw).action_retry()
        with freeze_time(moment):
            self.deliver()
        received = [
            (call["method"], dict(call["query"])["application_id"]) for call in self.stub.requests
        ]
        self.assertEqual(
            received,
            [("DELETE", "AB1234567C")],
            "the hub receives the withdrawal only",
        )
        self.assertEqual((declare.state, withdraw.state), ("superseded", "done"))
        self.assertEqual(declare.attempts, len(RETRY_DELAYS) + 1, "its real attempts, kept")
        appointment.application_ids.invalidate_recordset()
        self.assertEqual(appointment.application_ids.ants_state, "withdrawn")
        self.assertFalse(appointment.application_ids.ants_error)
        # What agents list: nothing failed, nothing pending, the declaration not "made".
        Declaration = self.env["rdv.ants.declaration"].with_user(self.agent_id)
        self.assertFalse(Declaration.search([("state", "in", ("failed", "pending"))]))
        self.assertEqual(Declaration.search([("state", "=", "done")]), withdraw)

    def test_move_withdraws_the_old_and_declares_the_new(self):
        self.valid("AB1234567C", "ZZ99887766")
        appointment = self.book_with(["AB1234567C", "ZZ99887766"])
        self.deliver()
        appointment._change_slot(self.counter, WEDNESDAY_10)
        self.deliver()
        deletes = self.stub.calls("DELETE")
        posts = self.stub.calls("POST")
        self.assertEqual(len(deletes), 2)
        self.assertEqual(len(posts), 4)
        self.assertEqual(
            {dict(d["query"])["appointment_date"] for d in deletes}, {"2026-03-03 09:00:00"}
        )
        self.assertEqual(
            {dict(p["query"])["appointment_date"] for p in posts[2:]}, {"2026-03-04 10:00:00"}
        )
        self.assertEqual(
            [a["appointment_date"] for a in self.stub.numbers["AB1234567C"]["appointments"]],
            ["2026-03-04 10:00:00"],
        )
        # And back to the first time: a new declaration, made once.
        appointment._change_slot(self.counter, TUESDAY_9)
        self.deliver()
        self.assertEqual(
            [a["appointment_date"] for a in self.stub.numbers["AB1234567C"]["appointments"]],
            ["2026-03-03 09:00:00"],
        )
        self.assertEqual(appointment.application_ids.mapped("ants_state"), ["declared"] * 2)

    def test_to_reschedule_is_withdrawn_then_declared_with_its_time(self):
        """An appointment that loses its time (a closure) is withdrawn from
        the hub; given its own time back, or another, it is declared again."""
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        self.deliver()
        self.assertEqual(len(self.stub.numbers["AB1234567C"]["appointments"]), 1)
        appointment._lose_slots("closure", "Inventaire")
        self.assertEqual(appointment.state, "to_reschedule")
        self.deliver()
        self.assertEqual(self.stub.numbers["AB1234567C"]["appointments"], [])
        self.assertEqual(len(self.stub.calls("DELETE")), 1)
        # back at its own time
        appointment._restore_own_time()
        self.assertEqual(appointment.state, "planned")
        self.deliver()
        self.assertEqual(
            [a["appointment_date"] for a in self.stub.numbers["AB1234567C"]["appointments"]],
            ["2026-03-03 09:00:00"],
        )
        # lost again, then moved elsewhere: the new time, once
        appointment._lose_slots("closure", "Inventaire")
        appointment._change_slot(self.counter, WEDNESDAY_10)
        self.deliver()
        self.assertEqual(
            [a["appointment_date"] for a in self.stub.numbers["AB1234567C"]["appointments"]],
            ["2026-03-04 10:00:00"],
        )
        self.assertEqual(appointment.application_ids.ants_state, "declared")

    def test_move_before_delivery_declares_the_new_time_only(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        appointment._change_slot(self.counter, WEDNESDAY_10)
        self.deliver()
        self.assertFalse(self.stub.calls("DELETE"), "the hub never saw the first time")
        (post,) = self.stub.calls("POST")
        self.assertEqual(dict(post["query"])["appointment_date"], "2026-03-04 10:00:00")
        self.assertEqual(appointment.application_ids.ants_state, "declared")

    # ------------------------------------------------------------------
    # The website's order: hold, details (checked), code, confirmation
    # ------------------------------------------------------------------

    def test_hold_then_details_checks_then_confirmation_declares(self):
        self.valid("AB1234567C", "ZZ99887766")
        hold = self.env["rdv.appointment"]._book(
            self.type_id, self.counter, TUESDAY_9, persons=2, channel="web", hold=True
        )
        self.assertFalse(self.stub.requests, "no number yet: nothing to check")
        with self.assertRaises(CitizenInputError) as caught:
            hold._set_citizen(
                {"lastname": "Aulan", "phone": "0612345678", "application_numbers": ["UNKNOWN001"]}
            )
        self.assertIn("application_number_2", caught.exception.errors)
        hold._set_citizen(
            {
                "lastname": "Aulan",
                "phone": "0612345678",
                "application_numbers": ["AB1234567C", "ZZ99887766"],
            }
        )
        self.assertEqual(len(hold.application_ids), 2)
        self.assertFalse(hold.ants_declaration_ids, "a hold is not declared")
        hold._confirm_hold()
        self.assertEqual(len(hold.ants_declaration_ids), 2)
        # Details given again replace the numbers.
        self.assertEqual(
            self.env["rdv.appointment.application"].search_count(
                [("appointment_id", "=", hold.id)]
            ),
            2,
        )

    def test_erasure_forgets_the_numbers(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        self.deliver()
        self.env["rdv.citizen"]._erase_personal_data(appointment)
        self.assertFalse(appointment.application_ids)
        self.assertFalse(appointment.ants_declaration_ids)

    # ------------------------------------------------------------------
    # The agents' booking dialog
    # ------------------------------------------------------------------

    def test_agent_dialog_asks_each_number_and_shows_where_else(self):
        self.valid("AB1234567C")
        self.valid("ZZ99887766", status="declared", appointments=[ELSEWHERE])
        slot = self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", TUESDAY_9)], limit=1
        )
        with Form(self.env["rdv.slot.assign"].with_user(self.agent_id)) as form:
            form.type_id = self.type_id
            form.slot_id = slot
            form.persons = 2
            form.lastname = "Aulan"
            form.phone = "0611111111"
            form.application_numbers = "ab 1234567c\nzz-9988-7766"
        wizard = form.record
        action = wizard.action_confirm()
        self.assertEqual((action["res_model"], action["res_id"]), ("rdv.slot.assign", wizard.id))
        self.assertIn("Mairie de Seynod", wizard.ants_elsewhere)
        self.assertIn("https://other.example/rdv/42", wizard.ants_elsewhere)
        self.assertIn("Person 2", wizard.ants_elsewhere)
        self.assertEqual(slot.state, "free")
        wizard.ants_confirmed = True
        appointment = self.env["rdv.appointment"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(appointment.application_ids.mapped("number"), ["AB1234567C", "ZZ99887766"])
        self.assertEqual(len(appointment.ants_declaration_ids), 2)

    def test_enter_books_without_waiting_for_a_box_of_lines(self):
        """The board's Enter books once the dialog's single-line needs are
        filled: it never sends the agent into the numbers' box, where Enter
        makes a new line (the numbers a caller lacks are added later)."""
        self.type_id.ask_email = "required"
        form = Form(self.env["rdv.slot.assign"].with_user(self.agent_id))
        form.type_id = self.type_id
        needs = form.enter_needs.split()
        self.assertIn("lastname", needs)
        # The e-mail the type requires online is one way to reach the
        # citizen: either it or the phone (an agent books with what the
        # caller can tell).
        self.assertIn("phone|email", needs)
        self.assertNotIn("application_numbers", needs)
        wizard = self.env["rdv.slot.assign"]
        names = [name for group in needs for name in group.split("|")]
        self.assertFalse([name for name in names if wizard._fields[name].type == "text"])

    # ------------------------------------------------------------------
    # Numbers a caller did not have at hand: flagged, added later
    # ------------------------------------------------------------------

    def numbers_wizard(self, appointment, text, user=None):
        """The dialog an agent opens with the appointment's "Add numbers"."""
        action = appointment.with_user(user or self.agent_id).action_add_application_numbers()
        return (
            self.env[action["res_model"]]
            .with_user(user or self.agent_id)
            .with_context(action["context"])
            .create({"application_numbers": text})
        )

    def add_numbers(self, appointment, text, user=None):
        """Add numbers as an agent does: the button, the dialog, "Check and add"."""
        wizard = self.numbers_wizard(appointment, text, user)
        return wizard, wizard.action_confirm()

    def test_numbers_missing_are_flagged_then_added_checked_and_declared(self):
        self.valid("AB1234567C", "ZZ99887766", "CD12345678")
        appointment = self.book_with(["AB1234567C"], persons=3)
        self.assertEqual(appointment.ants_numbers_missing, 2)
        self.assertEqual(appointment.ants_numbers_missing_text, "2 persons without their number.")
        self.assertIn(
            "ants_numbers_missing_text",
            appointment.get_views([(False, "form")])["views"]["form"]["arch"],
        )
        Appointment = self.env["rdv.appointment"].with_user(self.agent_id)
        self.assertEqual(Appointment.search([("ants_numbers_missing", ">", 0)]), appointment)
        self.deliver()
        self.stub.requests.clear()
        wizard = self.numbers_wizard(appointment, "")
        self.assertEqual(wizard.missing_persons, "Person 2, Person 3")
        # Refused as at booking, per person, and nothing is written.
        for text, words in (
            ("nonsense", ["Person 2", "10 letters or digits"]),
            ("ab-1234567c", ["Person 2", "number of Person 1"]),
            ("ZZ99887766\nzz 9988 7766", ["Person 3", "number of Person 2"]),
            ("ZZ99887766\nCD12345678\nEF12345678", ["3 pre-application numbers", "2 person"]),
        ):
            with self.subTest(text=text), self.assertRaises(CitizenInputError) as caught:
                self.add_numbers(appointment, text)
            for word in words:
                self.assertIn(word, str(caught.exception))
        with self.assertRaises(BookingError):
            self.add_numbers(appointment, "  ")
        self.assertEqual(appointment.application_ids.mapped("number"), ["AB1234567C"])
        self.assertFalse(self.stub.calls("GET"), "refused before asking the hub")
        # One number given now, checked with the hub (that one only) and declared.
        self.add_numbers(appointment, "zz-9988-7766")
        (status,) = self.stub.calls("GET", "/api/status")
        self.assertEqual(status["query"], [("application_ids", "ZZ99887766")])
        self.assertEqual(appointment.application_ids.mapped("person"), [1, 2])
        self.assertEqual(appointment.ants_numbers_missing, 1)
        # The form's warning counts in words, one person in the singular.
        self.assertEqual(appointment.ants_numbers_missing_text, "1 person without their number.")
        self.assertEqual(self.deliver(), 1)
        (post,) = self.stub.calls("POST")
        self.assertEqual(dict(post["query"])["application_id"], "ZZ99887766")
        # The hub refuses the last one: nothing added, the agent reads why.
        self.valid("CD12345678", status="expired")
        with self.assertRaises(CitizenInputError) as caught:
            self.add_numbers(appointment, "CD12345678")
        self.assertIn("Person 3", str(caught.exception))
        self.assertIn("expired", str(caught.exception))
        self.valid("CD12345678")
        self.add_numbers(appointment, "CD12345678")
        self.assertEqual(appointment.ants_numbers_missing, 0)
        self.assertEqual(
            appointment.application_ids.mapped("number"),
            ["AB1234567C", "ZZ99887766", "CD12345678"],
        )
        self.deliver()
        self.assertEqual(
            sorted(dict(call["query"])["application_id"] for call in self.stub.calls("POST")),
            ["CD12345678", "ZZ99887766"],
            "each number declared once, the first one not again",
        )
        self.assertIn("CD12345678", appointment.message_ids[:1].body)
        with self.assertRaises(BookingError):
            appointment._add_application_numbers(["EF12345678"])

    def test_a_number_added_with_an_appointment_elsewhere_is_the_citizens_decision(self):
        self.valid("AB1234567C")
        self.valid("ZZ99887766", status="declared", appointments=[ELSEWHERE])
        appointment = self.book_with(["AB1234567C"], persons=2)
        wizard, action = self.add_numbers(appointment, "ZZ99887766")
        self.assertEqual(action["res_id"], wizard.id)
        self.assertIn("Mairie de Seynod", wizard.ants_elsewhere)
        self.assertEqual(appointment.ants_numbers_missing, 1)
        wizard.ants_confirmed = True
        self.assertEqual(wizard.action_confirm()["res_id"], appointment.id)
        self.assertEqual(appointment.ants_numbers_missing, 0)

    def test_numbers_are_added_by_an_agent_of_the_service_only(self):
        self.valid("AB1234567C", "ZZ99887766")
        appointment = self.book_with(["AB1234567C"], persons=2)
        with self.assertRaises(AccessError):
            appointment.with_user(self.agent_civil)._add_application_numbers(["ZZ99887766"])
        self.assertEqual(appointment.ants_numbers_missing, 1)
        # The hub unreachable, the commune's policy closed: refused, nothing added.
        self.stub.mode = "down"
        with self.assertRaises(BookingError) as caught:
            self.add_numbers(appointment, "ZZ99887766")
        self.assertEqual(caught.exception.code, "ants_unavailable")
        self.assertEqual(appointment.ants_numbers_missing, 1)

    @settings(max_examples=30, deadline=None)
    @given(
        typed=st.lists(
            st.one_of(
                st.sampled_from(["AB1234567C", "ab 1234 567c", "ZZ99887766", "CD12345678"]),
                st.text(max_size=12),
            ),
            max_size=4,
        )
    )
    def test_adding_numbers_adds_the_valid_ones_or_nothing(self, typed):
        """Whatever is typed: every number added is in normal form, one per
        person, none twice; or the whole is refused and nothing changes."""
        self.valid("AB1234567C", "ZZ99887766", "CD12345678")
        try:
            with self.env.cr.savepoint():
                appointment = self.book_with(["AB1234567C"], persons=3)
                try:
                    added = appointment._add_application_numbers(typed)
                except (CitizenInputError, BookingError):
                    self.assertEqual(appointment.application_ids.mapped("number"), ["AB1234567C"])
                    added = None
                numbers = appointment.application_ids.mapped("number")
                self.assertEqual(len(numbers), len(set(numbers)))
                self.assertLessEqual(len(numbers), 3)
                self.assertEqual(appointment.ants_numbers_missing, 3 - len(numbers))
                if added:
                    self.assertTrue(all(normalize_application_id(n) == n for n in numbers))
                    self.assertEqual(added.mapped("person"), list(range(2, 2 + len(added))))
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()

    def test_a_number_booked_here_already_is_the_citizens_decision(self):
        """The hub may not know this commune's own appointment yet (its
        declaration pending, or the hub down then): the commune knows."""
        self.valid("AB1234567C")
        first = self.book_with(["AB1234567C"])
        for when_down in ("closed", "open"):
            with self.subTest(when_down=when_down):
                self.company.rdv_ants_when_down = when_down
                self.stub.mode = "ok" if when_down == "closed" else "down"
                with self.assertRaises(AntsElsewhereError) as caught:
                    self.book_with(["ab 1234 567c"], start=WEDNESDAY_10)
                (item,) = caught.exception.elsewhere
                self.assertEqual(item["number"], "AB1234567C")
                self.assertEqual(item["management_url"], first._ants_management_url())
        self.stub.mode = "ok"
        second = self.book_with(["AB1234567C"], start=WEDNESDAY_10, ants_confirmed=True)
        self.assertEqual(second.application_ids.number, "AB1234567C")

    def test_a_pending_booking_confirmed_after_another_took_its_number(self):
        """A held booking does not count (the citizen may never confirm); if
        another booking of its number stands by the time it is confirmed, the
        confirmation is refused as a booking would be, nothing changed and
        nothing declared twice, unless the citizen had said they want this
        one too."""
        self.valid("AB1234567C")
        hold = self.env["rdv.appointment"]._book(
            self.type_id, self.counter, TUESDAY_9, persons=1, channel="web", hold=True
        )
        hold._set_citizen(
            {"lastname": "Aulan", "phone": "0612345678", "application_numbers": ["AB1234567C"]}
        )
        other = self.book_with(["AB1234567C"], start=WEDNESDAY_10, lastname="Brun")
        self.assertEqual(other.state, "planned")
        with self.assertRaises(AntsElsewhereError) as caught:
            hold._confirm_hold()
        (item,) = caught.exception.elsewhere
        self.assertEqual(item["management_url"], other._ants_management_url())
        self.assertEqual(hold.state, "pending")
        self.assertEqual(set(hold.slot_ids.mapped("state")), {"held"})
        self.assertFalse(hold.ants_declaration_ids)
        # told before, and wanting this one too: confirmed
        hold2 = self.env["rdv.appointment"]._book(
            self.type_id,
            self.counter,
            TUESDAY_9 + datetime.timedelta(hours=2),
            persons=1,
            channel="web",
            hold=True,
        )
        hold2._set_citizen(
            {
                "lastname": "Aulan",
                "phone": "0612345679",
                "application_numbers": ["AB1234567C"],
                "ants_confirmed": True,
            }
        )
        hold2._confirm_hold()
        self.assertEqual(hold2.state, "planned")

    def test_the_hub_is_asked_again_when_a_hold_is_confirmed(self):
        """The hub may learn of an appointment elsewhere while the citizen
        types their code: asked again at the confirmation, refused as at
        booking unless the citizen said they want this one too; a number
        that has since expired is refused on its person."""
        self.valid("AB1234567C")
        hold = self.env["rdv.appointment"]._book(
            self.type_id, self.counter, TUESDAY_9, persons=1, channel="web", hold=True
        )
        hold._set_citizen(
            {"lastname": "Aulan", "phone": "0612345678", "application_numbers": ["AB1234567C"]}
        )
        self.valid("AB1234567C", status="declared", appointments=[ELSEWHERE])
        with self.assertRaises(AntsElsewhereError) as caught:
            hold._confirm_hold()
        self.assertEqual(caught.exception.elsewhere[0]["meeting_point"], "Mairie de Seynod")
        self.assertEqual(hold.state, "pending")
        self.valid("AB1234567C", status="expired")
        with self.assertRaises(CitizenInputError):
            hold._confirm_hold()
        self.valid("AB1234567C")
        hold._confirm_hold()
        self.assertEqual(hold.state, "planned")
        self.assertEqual(len(self.stub.calls("GET")), 4, "asked at the details, then each time")

    def test_the_hub_reads_the_places_name_in_the_communes_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.company.partner_id.lang = "fr_FR"
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        place = appointment.place_id
        place.with_context(lang="en_US").name = "Town hall"
        place.with_context(lang="fr_FR").name = "Hôtel de ville"
        for lang in ("en_US", "fr_FR"):
            with self.subTest(lang=lang):
                params = appointment.with_context(lang=lang)._ants_params()
                self.assertEqual(params["meeting_point"], "Hôtel de ville")

    def test_a_declaration_the_hub_did_not_accept_is_retried_then_truthful(self):
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        self.stub.mode, self.stub.raw = "raw", '{"success": false}'
        self.deliver()
        declaration = appointment.application_ids.declaration_ids
        self.assertEqual((declaration.state, declaration.attempts), ("pending", 1))
        self.assertIn("success: false", declaration.last_error)
        self.assertEqual(appointment.application_ids.ants_state, "pending")
        self.stub.mode = "ok"
        declaration.next_attempt_at = NOW
        self.deliver()
        self.assertEqual(declaration.state, "done")
        self.assertFalse(declaration.last_error, "no error of an earlier attempt shown as current")

    def test_the_coordination_address_is_https_or_this_server(self):
        for url in ("file:///etc/passwd", "http://169.254.169.254/api", "javascript:alert(1)"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.company.rdv_ants_url = url
        self.company.rdv_ants_url = (
            "https://int.api-coordination.rendezvouspasseport.ants.gouv.fr/api"
        )
        self.company.rdv_ants_url = self.stub.url  # loopback: this server

    def test_an_ants_type_asks_no_file_number_beside_the_persons_numbers(self):
        self.type_id.ask_file_number = "required"
        self.assertNotIn("file_number", self.type_id._identity_requirements())

    def test_more_numbers_than_persons_are_refused_not_dropped(self):
        self.valid("AB1234567C", "AB1234567D", "AB1234567E")
        with self.assertRaises(CitizenInputError) as caught:
            self.book_with(["AB1234567C", "AB1234567D", "AB1234567E"], persons=2)
        self.assertIn("3 pre-application numbers for 2 person(s)", str(caught.exception))

    def test_numbers_are_their_services_and_changed_by_booking_only(self):
        """An agent of another service sees neither the numbers nor their
        declarations; no agent edits or deletes a number behind the hub's
        back (it was checked and declared as it is)."""
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        application = appointment.application_ids
        Application = self.env["rdv.appointment.application"]
        Declaration = self.env["rdv.ants.declaration"]
        self.assertFalse(Application.with_user(self.agent_civil).search([]))
        self.assertFalse(Declaration.with_user(self.agent_civil).search([]))
        self.assertEqual(Application.with_user(self.agent_id).search([]), application)
        for user in (self.agent_id, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    application.with_user(user).write({"number": "ZZ1234567Z"})
                with self.assertRaises(AccessError):
                    application.with_user(user).unlink()
                with self.assertRaises(AccessError):
                    Application.with_user(user).create(
                        {"appointment_id": appointment.id, "person": 2, "number": "ZZ1234567Z"}
                    )
        self.assertEqual(application.number, "AB1234567C")

    def test_token_is_readable_by_administrators_only(self):
        for user in (self.manager, self.agent_id):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.company.with_user(user).read(["rdv_ants_token"])
        self.assertEqual(self.company.sudo().rdv_ants_token, TOKEN)
        # What agents do see: the declarations of their commune, not the token.
        self.valid("AB1234567C")
        appointment = self.book_with(["AB1234567C"])
        self.assertEqual(appointment.with_user(self.agent_id).application_ids.ants_state, "pending")
