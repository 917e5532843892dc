"""Per-person limits: a person is whoever shares ONE of phone, e-mail or ID
number, a phone or an e-mail address where it was proven.

The rules (at most N active bookings of a type per person; one procedure in
one commune of a shared instance) are checked against a
brute-force reference: a Python predicate over the list of earlier bookings,
which knows who is who by construction, whatever way the details were typed.
"""

import contextlib
import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from ..models.rdv_appointment import BookingError
from .common import NOW, SEYNOD_TOWN_HALL, RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)  # 09:00 in Paris

# The details of a few people, in normal form; the last of each is never in
# the history: a candidate who gives it shares nothing through it.
PHONES = ["+33612345678", "+33698765432", "+33755443322"]
EMAILS = ["jules.bois@example.com", "lea.aulan@exemple.fr", "nouveau@example.org"]
ID_NUMBERS = ["AB123456", "X4RTBPFW4", "ZZ9988776"]
MAX_ACTIVE = 2

# How an earlier booking stands, and whether it counts (the reference's own
# table, not the code's): planned and not over, to reschedule (even past)
# count; a website hold (its details not proven yet) and the rest never do.
HISTORY_STATES = {
    "planned": True,
    "planned_past": False,
    "pending": False,
    "pending_expired": False,
    "to_reschedule_past": True,
    "done": False,
    "no_show": False,
    "cancelled": False,
}


def phone_variants(e164):
    """Ways a French mobile is typed: E.164, national, grouped, dotted, 00..."""
    national = "0" + e164[3:]
    pairs = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    return [
        e164,
        national,
        pairs,
        pairs.replace(" ", "."),
        pairs.replace(" ", "-"),
        "0033" + e164[3:],
        "+33 " + pairs[1:],
    ]


@st.composite
def typed_email(draw, email):
    """``email`` with its letters in any case and spaces around."""
    cased = "".join(char.upper() if draw(st.booleans()) else char for char in email)
    return draw(st.sampled_from(["", " ", "  "])) + cased + draw(st.sampled_from(["", " "]))


@st.composite
def typed_id_number(draw, number):
    """``number`` in lower or upper case, with spaces, dashes or dots between."""
    chars = []
    for char in number:
        chars.append(char.lower() if draw(st.booleans()) else char)
        chars.append(draw(st.sampled_from(["", "", " ", "-", "."])))
    return "".join(chars).strip(" -.") or number


# One earlier booking: whose details (an index in each list, or None), which
# type ('main' here, 'civil' here without procedure, 'other' in the second
# commune with the same procedure) and how it stands.
history_entry = st.fixed_dictionaries(
    {
        "phone": st.sampled_from([None, 0, 1]),
        "email": st.sampled_from([None, 0, 1]),
        "id": st.sampled_from([None, 0, 1]),
        "type": st.sampled_from(["main", "main", "civil", "other"]),
        # What a code proved of its contacts (booked online), or both.
        "proven": st.sampled_from(["both", "both", "email", "phone"]),
        # Those that count drawn as often as those that do not.
        "state": st.sampled_from(
            sorted(HISTORY_STATES) + [s for s, counts in HISTORY_STATES.items() if counts] * 2
        ),
    }
)

candidate_entry = st.fixed_dictionaries(
    {
        "phone": st.sampled_from([None, 0, 1, 2]),
        "email": st.sampled_from([None, 0, 1, 2]),
        "id": st.sampled_from([None, 0, 1, 2]),
        "type": st.sampled_from(["main", "main", "other"]),
        "channel": st.sampled_from(["counter", "phone", "web"]),
        # Held online, then confirmed by a code sent to one contact.
        "proven": st.sampled_from(["both", "both", "email", "phone"]),
    }
)

PROCEDURES = {"main": "cni-passport", "other": "cni-passport", "civil": False}


def counted(entry, key):
    """Whether the booking ``entry``'s detail ``key`` identifies its person:
    the ID number always, a phone or an e-mail address where proven."""
    return {"phone": "email", "email": "phone"}.get(key) != entry["proven"]


def expected_refusal(history, candidate):
    """The reference: 'limit', 'elsewhere' or None, by brute force."""
    same_person = [
        entry
        for entry in history
        if HISTORY_STATES[entry["state"]]
        and any(
            entry[key] is not None
            and entry[key] == candidate[key]
            and counted(entry, key)
            and counted(candidate, key)
            for key in ("phone", "email", "id")
        )
    ]
    if sum(entry["type"] == candidate["type"] for entry in same_person) >= MAX_ACTIVE:
        return "limit"
    procedure = PROCEDURES[candidate["type"]]
    if procedure and any(
        entry["type"] != candidate["type"] and PROCEDURES[entry["type"]] == procedure
        for entry in same_person
    ):
        return "elsewhere"
    return None


@tagged("post_install", "-at_install")
class TestPersonLimits(RdvCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.type_id.write({"procedure_code": "cni-passport", "max_active_per_person": MAX_ACTIVE})
        # A second commune of the shared instance, same procedure.
        other = cls._make_commune(
            "Seynod",
            appointment_type={
                "name": "CNI Seynod",
                "duration": 30,
                "procedure_code": "cni-passport",
                "max_active_per_person": MAX_ACTIVE,
                "is_published": True,
                "ask_phone": "optional",
                "ask_email": "optional",
                "ask_id_number": "optional",
            },
            place=SEYNOD_TOWN_HALL,
            week=("Week", [(1, 1, 9, 12)]),
            counter={"name": "G1"},
        )
        cls.other_company, cls.other_type = other.company, other.type
        cls.other_counter = other.counter
        cls.type_civil.write(
            {"ask_phone": "optional", "ask_email": "optional", "ask_id_number": "optional"}
        )
        cls.counter.type_ids |= cls.type_civil

    def book_elsewhere(self, start, **citizen):
        """Book ``start`` in the second commune."""
        return self.book(
            start, counter=self.other_counter, appointment_type=self.other_type, **citizen
        )

    def _type(self, name):
        return {"main": self.type_id, "civil": self.type_civil, "other": self.other_type}[name]

    def _counter(self, name):
        return self.other_counter if name == "other" else self.counter

    def _earlier(self, entry, day):
        """An earlier booking as the database keeps it (normal forms), made
        directly: the history may hold what today's rules would refuse."""
        state = entry["state"].removesuffix("_past").removesuffix("_expired")
        past = entry["state"].endswith("_past")
        start = (
            NOW - datetime.timedelta(days=day + 1)
            if past
            else TUESDAY_9 + datetime.timedelta(days=day + 1)
        )
        hold_expiry = False
        if state == "pending":
            minutes = -1 if entry["state"] == "pending_expired" else 5
            hold_expiry = NOW + datetime.timedelta(minutes=minutes)
        return (
            self.env["rdv.appointment"]
            .with_company(self._counter(entry["type"]).company_id)
            .create(
                {
                    "type_id": self._type(entry["type"]).id,
                    "counter_id": self._counter(entry["type"]).id,
                    "start": start,
                    "stop": start + datetime.timedelta(minutes=30),
                    "state": state,
                    "hold_expiry": hold_expiry,
                    "lastname": "Earlier %s" % day,
                    "phone": entry["phone"] is not None and PHONES[entry["phone"]],
                    "email": entry["email"] is not None and EMAILS[entry["email"]],
                    "id_number": entry["id"] is not None and ID_NUMBERS[entry["id"]],
                    "contact_proven": entry.get("proven", "both"),
                }
            )
        )

    def _answer(self, candidate, citizen):
        """What the booking service answers: None (booked) or the refusal's
        code; held then confirmed by a code when a code proved a contact."""
        online = candidate["proven"] != "both"
        try:
            if online:
                # As the website: held, the details typed, then the code.
                held = self.env["rdv.appointment"]._book(
                    self._type(candidate["type"]),
                    self._counter(candidate["type"]),
                    TUESDAY_9,
                    channel="web",
                    hold=True,
                )
                held._set_citizen(citizen)
                held._confirm_hold(proven=candidate["proven"])
            else:
                self.env["rdv.appointment"]._book(
                    self._type(candidate["type"]),
                    self._counter(candidate["type"]),
                    TUESDAY_9,
                    citizen=citizen,
                    channel=candidate["channel"],
                )
        except BookingError as error:
            return error.code
        return None

    def test_property_a_person_is_whoever_shares_one_detail(self):
        """Whatever details are given, and however they are typed, the booking
        service refuses exactly what the reference refuses: a person sharing
        one detail with earlier active bookings cannot pass either limit, and
        a person sharing none is never refused."""

        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            history=st.lists(history_entry, max_size=8),
            candidate=candidate_entry,
            data=st.data(),
        )
        def check(history, candidate, data):
            if candidate["phone"] is None and (
                candidate["channel"] == "web" or candidate["proven"] != "both"
            ):
                # The website asks a phone.
                candidate = {**candidate, "channel": "counter", "proven": "both"}
            citizen = {"lastname": "Candidate"}
            if candidate["phone"] is not None:
                citizen["phone"] = data.draw(
                    st.sampled_from(phone_variants(PHONES[candidate["phone"]]))
                )
            if candidate["email"] is not None:
                citizen["email"] = data.draw(typed_email(EMAILS[candidate["email"]]))
            if candidate["id"] is not None:
                citizen["id_number"] = data.draw(typed_id_number(ID_NUMBERS[candidate["id"]]))
            with contextlib.closing(self.env.cr.savepoint()):
                for day, entry in enumerate(history):
                    self._earlier(entry, day)
                self.assertEqual(
                    self._answer(candidate, citizen),
                    expected_refusal(history, candidate),
                    "history %s, candidate %s typed as %s" % (history, candidate, citizen),
                )

        check()

    def test_same_phone_and_email_with_a_new_id_number_is_the_same_person(self):
        """An attacker's try: the same phone and e-mail with any new ID
        number booked a 4th appointment, and the same procedure in a second
        commune."""
        self.type_id.max_active_per_person = 3
        for day, id_number in enumerate(["AB123456", "AB123456", "CD654321"]):
            self.book(
                TUESDAY_9 + datetime.timedelta(days=day),
                phone="0612345678",
                email="jules@example.com",
                id_number=id_number,
            )
        with self.assertRaises(BookingError) as caught:
            self.book(
                TUESDAY_9 + datetime.timedelta(days=3),
                phone="06 12 34 56 78",
                email="jules@example.com",
                id_number="NEW999999",
            )
        self.assertEqual(caught.exception.code, "limit")
        with self.assertRaises(BookingError) as caught:
            self.book_elsewhere(
                TUESDAY_9,
                phone="+33 6 12 34 56 78",
                email="Jules@Example.com",
                id_number="NEW999999",
            )
        self.assertEqual(caught.exception.code, "elsewhere")
        # Someone else (nothing in common) books here and in the second commune.
        self.book(TUESDAY_9 + datetime.timedelta(days=3), phone="0698765432", id_number="EF1")
        self.book_elsewhere(
            TUESDAY_9,
            phone="0755443322",
            email="lea@example.com",
            id_number="EF2",
        )

    def test_an_agent_cannot_pass_the_limit_by_editing_the_contact(self):
        """Booked under other details, then given the person's phone, e-mail or
        ID number in the form: refused; the phone and e-mail are kept in normal
        form, so that the next booking recognises them."""
        self.book(TUESDAY_9, phone="0612345678", email="jules@example.com", id_number="AB1")
        self.book(
            utc(2026, 3, 4, 8, 0), phone="+33612345678", email="jules@example.com", id_number="AB-1"
        )
        other = self.book(utc(2026, 3, 5, 8, 0), phone="0698765432", lastname="Aulan")
        for field_name, value in [
            ("phone", "06 12 34 56 78"),
            ("email", " Jules@Example.COM"),
            ("id_number", "ab-1"),
        ]:
            with self.subTest(field=field_name):
                with self.assertRaises(BookingError) as caught:
                    other.write({field_name: value})
                self.assertEqual(caught.exception.code, "limit")
        other.write({"phone": "07 55 44 33 22", "email": " Lea@Exemple.FR "})
        self.assertEqual((other.phone, other.email), ("+33755443322", "lea@exemple.fr"))
        # Cancelled, it no longer counts: its details can be anyone's.
        other._cancel()
        other.write({"phone": "06 12 34 56 78"})

    def test_the_form_says_which_contact_a_code_proved(self):
        """Booked online with one contact proven, the agent's form says which
        (the other was only typed: it counts in no limit); nothing when both."""
        arch = self.env["rdv.appointment"].get_views([(False, "form")])["views"]["form"]["arch"]
        shown = r'<field name="contact_proven" invisible="contact_proven == \'both\'"'
        self.assertRegex(arch, shown)
        appointment = self.book(TUESDAY_9, phone="0612345678", email="jules@example.com")
        self.assertEqual(appointment.contact_proven, "both")  # an agent's booking

    def test_an_appointment_that_counts_again_is_checked(self):
        """Moved from the past to the future, a hold confirmed after it
        expired, an outcome set back to planned: each counts again, and is
        refused when the person has reached the limit meanwhile."""
        self.type_id.max_active_per_person = 1
        past = self._earlier(
            {"state": "planned_past", "type": "main", "phone": 0, "email": None, "id": None}, 0
        )
        done = self._earlier(
            {"state": "done", "type": "main", "phone": None, "email": 0, "id": None}, 1
        )
        held = self._earlier(
            {"state": "pending_expired", "type": "main", "phone": None, "email": None, "id": 0},
            2,
        )
        self.env["rdv.slot"]._take(
            held,
            self.counter,
            [utc(2026, 3, 6, 8, 0), utc(2026, 3, 6, 8, 15)],
            state="held",
            hold_expiry=held.hold_expiry,
        )
        self.book(TUESDAY_9, phone=PHONES[0], email=EMAILS[0], id_number=ID_NUMBERS[0])
        with self.assertRaises(BookingError) as caught:
            past._change_slot(self.counter, utc(2026, 3, 4, 8, 0))
        self.assertEqual(caught.exception.code, "limit")
        with self.assertRaises(BookingError) as caught:
            held._confirm_hold()
        self.assertEqual(caught.exception.code, "limit")
        with self.assertRaises(BookingError) as caught:
            done.write({"state": "planned"})
        self.assertEqual(caught.exception.code, "limit")

    def test_refusals_are_translated_and_tell_nothing_of_the_others(self):
        """French and Arabic; neither the earlier appointments' reference,
        name, details nor their number (the type's maximum only)."""
        self._load_french()
        self.env["res.lang"]._activate_lang("ar_001")
        self.env.ref("base.module_rdv_booking")._update_translations(["ar_001"])
        # Legacy data: three already (booked before this rule), the most is 2.
        earlier = self.env["rdv.appointment"]
        for day in range(3):
            earlier |= self._earlier(
                {"state": "planned", "type": "main", "phone": 0, "email": 0, "id": None}, day
            )
        earlier.write({"lastname": "Secret", "comment": "Private note"})
        texts = {}
        for lang in ("en_US", "fr_FR", "ar_001"):
            env = self.env(context=dict(self.env.context, lang=lang))
            for kind, appointment_type, counter in [
                ("limit", self.type_id, self.counter),
                ("elsewhere", self.other_type, self.other_counter),
            ]:
                with self.assertRaises(BookingError) as caught:
                    env["rdv.appointment"]._book(
                        appointment_type,
                        counter,
                        TUESDAY_9 + datetime.timedelta(days=7),
                        citizen={"lastname": "Someone", "email": EMAILS[0]},
                    )
                self.assertEqual(caught.exception.code, kind)
                texts[lang, kind] = str(caught.exception.args[0])
        self.assertIn("Vous avez déjà 2 rendez-vous à venir pour ID card", texts["fr_FR", "limit"])
        self.assertIn("dans un autre lieu", texts["fr_FR", "elsewhere"])
        self.assertIn("لديك بالفعل 2 مواعيد قادمة", texts["ar_001", "limit"])
        self.assertIn("في مكان آخر", texts["ar_001", "elsewhere"])
        for text in texts.values():
            for secret in earlier.mapped("name") + [
                "Secret",
                "Private",
                "Earlier",
                PHONES[0],
                "06 12",
                EMAILS[0],
                "3",
            ]:
                self.assertNotIn(secret, text)
