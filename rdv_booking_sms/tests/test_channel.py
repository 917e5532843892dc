import datetime

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.rdv_booking.models.rdv_appointment import CitizenInputError

from .common import TUESDAY_9, SmsCase, utc

FR_MOBILE = "+33612345678"
FR_LANDLINE = "+33450000000"
MA_MOBILE = "+212661234567"


@tagged("post_install", "-at_install")
class TestChannelRule(SmsCase):
    """Domestic mobiles get SMS, everyone else e-mail (then required), per company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway.company_id = False  # shared by both
        # A Moroccan agency: +212 is domestic there, +33 is not.
        agency = cls._make_commune(
            "Agence de Casablanca",
            country="base.ma",
            company={"rdv_sms_enabled": True, "rdv_sms_gateway_id": cls.gateway.id},
            appointment_type={
                "name": "Dossier retraite",
                "duration": 30,
                "is_published": True,
                "min_notice_hours": 0,
                "ask_email": "optional",
            },
            place={
                "name": "Agence Anfa",
                "tz": "Africa/Casablanca",
                "street": "Boulevard d'Anfa",
                "zip": "20000",
                "city": "Casablanca",
            },
            week=("Semaine", [(0, 4, 8.0, 16.0)]),
            counter={"name": "Guichet A", "date_start": "2026-03-02"},
        )
        cls.agency, cls.ma_type, cls.ma_counter = agency.company, agency.type, agency.counter

    def book_at(self, company, start, **citizen):
        if company == self.agency:
            return (
                self.env["rdv.appointment"]
                .with_company(self.agency)
                ._book(
                    self.ma_type, self.ma_counter, start, citizen={"lastname": "Alami", **citizen}
                )
            )
        return self.book(start, **citizen)

    def test_pages_name_where_the_last_code_went(self):
        """Before a code, pages name the phone (an SMS goes there); once a code
        went by e-mail (its SMS failed), they name the e-mail."""
        appointment = self.book(TUESDAY_9, phone="06 12 34 56 78", email="jules@example.com")
        shown = appointment._shown_contact()
        Otp = self.env["rdv.otp"]
        self.assertEqual(Otp._rdv_channel_label(appointment), shown["phone"])
        now = fields.Datetime.now()
        Otp.create(
            {
                "appointment_id": appointment.id,
                "purpose": "booking",
                "channel": "email",
                "destination": "jules@example.com",
                "code_key": Otp._new_key(),
                "sent_at": now,
                "expires_at": now + datetime.timedelta(minutes=10),
            }
        )
        self.assertEqual(Otp._rdv_channel_label(appointment), shown["email"])

    def test_france_domestic_and_foreign_numbers(self):
        domestic = self.book(TUESDAY_9, phone="06 12 34 56 78", email="jules@example.com")
        self.assertEqual(domestic.phone, FR_MOBILE)
        self.assertEqual(domestic._otp_destination(), ("sms", FR_MOBILE))
        self.assertEqual(
            self.rows(domestic), [("booked", "email", "pending"), ("booked", "sms", "pending")]
        )
        sms_only = self.book(utc(2026, 3, 3, 9, 0), lastname="Aulan", phone="0698765432", email="")
        self.assertEqual(self.rows(sms_only), [("booked", "sms", "pending")])
        foreign = self.book(
            utc(2026, 3, 3, 10, 0), lastname="Idrissi", phone=MA_MOBILE, email="y@example.com"
        )
        self.assertEqual(foreign._otp_destination(), ("email", "y@example.com"))
        self.assertEqual(self.rows(foreign), [("booked", "email", "pending")])
        landline = self.book(
            utc(2026, 3, 3, 13, 0), lastname="Fixe", phone=FR_LANDLINE, email="f@example.com"
        )
        self.assertEqual(landline._otp_destination()[0], "email", "a landline gets no SMS")

    def test_morocco_domestic_and_foreign_numbers(self):
        start = utc(2026, 3, 3, 9, 0)  # 09:00 in Casablanca
        domestic = self.book_at(self.agency, start, phone="06 61 23 45 67")
        self.assertEqual(domestic.phone, MA_MOBILE, "typed nationally, read as Moroccan")
        self.assertEqual(domestic._otp_destination(), ("sms", MA_MOBILE))
        self.assertEqual(self.rows(domestic), [("booked", "sms", "pending")])
        french = self.book_at(
            self.agency, utc(2026, 3, 3, 10, 0), phone=FR_MOBILE, email="expat@example.com"
        )
        self.assertEqual(french._otp_destination(), ("email", "expat@example.com"))
        self.assertEqual(self.rows(french), [("booked", "email", "pending")])

    def test_foreign_number_requires_an_email_on_the_website(self):
        Appointment = self.env["rdv.appointment"].with_company(self.agency)
        with self.assertRaises(CitizenInputError) as caught:
            Appointment._book(
                self.ma_type,
                self.ma_counter,
                utc(2026, 3, 3, 9, 0),
                citizen={"lastname": "Martin", "phone": FR_MOBILE},
                channel="web",
            )
        self.assertIn("email", caught.exception.errors)
        self.assertIn("from abroad", caught.exception.errors["email"])
        booked = Appointment._book(
            self.ma_type,
            self.ma_counter,
            utc(2026, 3, 3, 9, 0),
            citizen={"lastname": "Alami", "phone": "0661234567"},
            channel="web",
        )
        self.assertEqual(booked.state, "planned", "a domestic mobile needs no e-mail")

    def test_non_mobile_numbers_are_refused_at_entry(self):
        with self.assertRaises(CitizenInputError) as caught:
            self.book(TUESDAY_9, phone="04 50 00 00 00", channel="web")
        self.assertIn("is not a mobile number", caught.exception.errors["phone"])
        with self.assertRaises(CitizenInputError) as caught:
            self.book(TUESDAY_9, phone="06 12", channel="web")
        self.assertIn("is not a valid phone number", caught.exception.errors["phone"])

    def test_sms_switched_off_for_a_company(self):
        self.company.rdv_sms_enabled = False
        appointment = self.book(TUESDAY_9, phone="06 12 34 56 78", email="jules@example.com")
        self.assertEqual(appointment._otp_destination(), ("email", "jules@example.com"))
        self.assertEqual(self.rows(appointment), [("booked", "email", "pending")])
        # Without SMS, the website's own rule: the code needs an e-mail address.
        phone_only = self.book(utc(2026, 3, 3, 9, 0), lastname="Aulan", email="", channel="web")
        with self.assertRaisesRegex(UserError, "give an e-mail address"):
            phone_only._otp_destination()
        self.deliver()
        self.assertFalse(self.stub.requests, "nothing reached the gateway")
