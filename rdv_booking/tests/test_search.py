"""Finding a caller's appointment and slots from what the agent types."""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .common import RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)


@tagged("post_install", "-at_install")
class TestSearch(RdvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.appointment = cls.book(
            TUESDAY_9,
            lastname="Quillebeuf",
            firstname="Zéphyrine",
            phone="06 11 22 33 44",
            email="zephyrine.quillebeuf@example.org",
        )
        cls.other = cls.book(
            utc(2026, 3, 3, 9, 0), lastname="Martin", firstname="Paul", phone="0655443322"
        )

    def found(self, text):
        """Appointments found as the lists' first search field finds them."""
        return self.env["rdv.appointment"].search([("display_name", "ilike", text)])

    def slots_found(self, text):
        """Slots found as the slot list's first search field finds them."""
        return self.env["rdv.slot"].search([("appointment_id", "ilike", text)])

    def test_what_an_agent_types_finds_the_appointment(self):
        reference = self.appointment.name
        for text in (
            "quillebeuf",
            "Zéphyrine",
            "Zéphyrine Quillebeuf",
            "QUILLEBEUF Zéphyrine",
            "zephyrine.quillebeuf@example.org",
            "06 11 22 33 44",
            "+33 6 11 22 33 44",
            "0611223344",
            reference,
            reference.lower().replace("-", " "),
        ):
            with self.subTest(text=text):
                self.assertEqual(self.found(text), self.appointment)

    def test_the_slot_list_finds_the_slots_of_a_citizen(self):
        """Searching a citizen in the slot list gives their slots, not nothing."""
        for text in ("Quillebeuf", "06 11 22 33 44", self.appointment.name):
            with self.subTest(text=text):
                self.assertEqual(self.slots_found(text), self.appointment.slot_ids)
        self.assertFalse(self.slots_found("Nobody"))

    @settings(max_examples=40, deadline=None)
    @given(
        separator=st.sampled_from(["", " ", ".", "-", "  "]),
        prefix=st.sampled_from(["0", "+33", "+33 ", "0033"]),
    )
    def test_a_phone_number_however_typed(self, separator, prefix):
        digits = ["6", "11", "22", "33", "44"]
        text = prefix + separator.join(digits) if prefix != "0" else "0" + separator.join(digits)
        self.assertEqual(self.found(text), self.appointment)
        self.assertEqual(self.slots_found(text), self.appointment.slot_ids)

    def test_a_number_of_nobody_finds_nothing(self):
        self.assertFalse(self.found("06 99 99 99 99"))
        self.assertFalse(self.found("ZZZZ-ZZZZ"))
