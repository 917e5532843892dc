"""What a citizen's data may hold, whoever types it: the website, an agent in
the back office, an import or an API get a message naming the field, never a
database error nor a crash (NUL bytes, non-ASCII digits, dates out
of range)."""

import datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.rdv_appointment import BookingError, CitizenInputError
from .common import RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris
CONTROL = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x1b", "\x7f"])
FIELDS = st.sampled_from(["lastname", "firstname", "street", "zip", "city", "id_number"])


@tagged("post_install", "-at_install")
class TestCitizenInput(RdvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_id.write({"ask_street": "optional", "ask_zip": "optional", "ask_city": "optional"})
        cls.appointment = cls.book(TUESDAY_9 + datetime.timedelta(days=1))

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        field=FIELDS,
        before=st.text(max_size=10),
        control=CONTROL,
        after=st.text(max_size=10),
        channel=st.sampled_from(["web", "counter", "phone"]),
    )
    def test_control_characters_are_refused_by_field(self, field, before, control, after, channel):
        """The booking service names the field; nothing is booked."""
        text = before + control + after
        citizen = {"lastname": "Bois", "phone": "06 12 34 56 78", field: "x" + text}
        with self.assertRaises(CitizenInputError) as caught:
            self.env["rdv.appointment"]._book(
                self.type_id, self.counter, TUESDAY_9, citizen=citizen, channel=channel
            )
        self.assertIn(field, caught.exception.errors)
        self.assertIn("control characters", caught.exception.errors[field])

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        field=st.sampled_from(["lastname", "firstname", "street", "city", "email", "comment"]),
        control=CONTROL,
    )
    def test_back_office_writes_are_refused_with_a_message(self, field, control):
        """An agent's form (create or write) gets a ValidationError, not a
        database error at flush."""
        with self.assertRaisesRegex(ValidationError, "control characters"):
            self.appointment.write({field: "Bo%sis" % control})
        with self.assertRaisesRegex(ValidationError, "control characters"):
            self.env["rdv.appointment"].create(
                {
                    "type_id": self.type_id.id,
                    "counter_id": self.counter.id,
                    "start": TUESDAY_9,
                    "stop": TUESDAY_9 + datetime.timedelta(minutes=30),
                    "lastname": "Bois",
                    field: "Bo%sis" % control,
                }
            )

    def test_a_long_name_is_refused(self):
        with self.assertRaisesRegex(CitizenInputError, "too long"):
            self.book(TUESDAY_9, lastname="B" * 100000)

    def test_an_address_longer_than_mail_servers_take_is_refused(self):
        with self.assertRaises(CitizenInputError) as caught:
            self.book(TUESDAY_9, email="jules." + "a" * 240 + "@example.com")
        self.assertIn("is not a valid e-mail address", caught.exception.errors["email"])

    def test_a_type_for_one_person_says_so(self):
        self.type_id.max_persons = 1
        with self.assertRaisesRegex(BookingError, "can be booked for one person only"):
            self.book(TUESDAY_9, persons=2)

    def test_a_long_value_is_named_as_the_form_names_it(self):
        """The message names the field by its label (the type's own for the
        file number), never by its technical name."""
        self.type_id.write(
            {"ask_city": "optional", "ask_file_number": "optional", "file_number_label": "ANTS"}
        )
        for field, label in (("city", "City"), ("file_number", "ANTS")):
            with self.subTest(field=field):
                with self.assertRaises(CitizenInputError) as caught:
                    self.book(TUESDAY_9, **{field: "x" * 300})
                self.assertEqual(
                    caught.exception.errors[field], "%s: this value is too long." % label
                )

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(country=st.sampled_from(["²", "٣", "١٢", "³⁴", "2147483648", "9" * 40, "-1", "0"]))
    def test_country_is_an_id_in_ascii_digits(self, country):
        self.type_id.ask_country_id = "optional"
        with self.assertRaisesRegex(CitizenInputError, "Country: choose one from the list"):
            self.book(TUESDAY_9, country_id=country)

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @example(start=datetime.datetime(9999, 12, 31, 23, 0), channel="counter")
    @example(start=datetime.datetime(9999, 12, 20, 8, 0), channel="phone")
    @given(
        start=st.datetimes(
            min_value=datetime.datetime(2028, 3, 3), max_value=datetime.datetime(9999, 12, 31)
        ),
        channel=st.sampled_from(["web", "counter", "phone"]),
    )
    def test_a_start_far_ahead_is_refused_not_computed(self, start, channel):
        """Year 9999: refused with a message (it overflowed computing the
        alternatives or the end)."""
        with self.assertRaises(BookingError):
            self.book(start, channel=channel, email="a@example.com")
        with self.assertRaises(BookingError):
            self.appointment._change_slot(self.counter, start)
