import base64
import datetime
import json
import time

import altcha
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from ..models.rdv_otp import OtpError
from .common import RdvPortalCase, free_port, smtp_sink, solve_captcha


@tagged("post_install", "-at_install")
class TestCodes(RdvPortalCase):
    """One-time codes: never stored, bound, single use, short-lived, few attempts."""

    def _held(self, email="jules@example.com"):
        appointment = self.env["rdv.appointment"]._book(
            self.rdv_type, self.counter, self._future_start(), channel="web", hold=True
        )
        appointment._set_citizen({"lastname": "Bois", "phone": "0612345678", "email": email})
        return appointment

    def test_code_sent_by_email_and_never_stored(self):
        appointment = self._held()
        with smtp_sink(self.env) as sink:
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        code = sink.last_code("jules@example.com")
        self.env.flush_all()
        self.env.cr.execute("SELECT * FROM rdv_otp WHERE id = %s", [otp.id])
        row = self.env.cr.dictfetchone()
        self.assertFalse(
            [column for column, value in row.items() if code in str(value)],
            "no column holds the code",
        )
        self.assertNotIn("code_hash", row, "nor a hash of it")
        self.assertGreaterEqual(len(otp.code_key), 32, "a random key of 160 bits")
        # The key alone gives no code: the code is made under the server's secret.
        Param = self.env["ir.config_parameter"].sudo()
        secret = Param.get_param("database.secret")
        try:
            for other in ("other-secret-1", "other-secret-2"):
                Param.set_param("database.secret", other)
                self.assertNotEqual(otp._code(), code)
        finally:
            Param.set_param("database.secret", secret)
        self.assertEqual(otp._code(), code)
        self.assertEqual(otp.channel, "email")
        self.assertEqual(otp.expires_at - otp.sent_at, datetime.timedelta(minutes=10))
        self.assertTrue(otp._verify(code))
        with self.assertRaisesRegex(OtpError, "already used"):
            otp._verify(code)
        self.assertEqual(
            sink.texts("jules@example.com")[-1]["subject"],
            "%s is your code - Commune du Portail" % code,
        )
        # Handed to the SMTP server directly: no outgoing mail record ever held it.
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM mail_mail WHERE body_html LIKE %s", [f"%{code}%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_code_message_is_the_mail_template_rendered_by_odoo(self):
        """The code's body, compiled once, is what Odoo renders of the template."""
        appointment = self._held()
        template = self.env.ref("rdv_booking_portal.mail_template_rdv_code")
        template = template.with_context(rdv_code="123456", rdv_validity=7)
        bodies = set()
        for lang in ("en_US", "fr_FR", "ar_001"):
            self.env["res.lang"]._activate_lang(lang)
            appointment.citizen_lang = lang
            for purpose in ("booking", "manage"):
                with self.subTest(lang=lang, purpose=purpose):
                    ((localized, _ids),) = (
                        template.with_context(rdv_purpose=purpose)
                        ._classify_per_lang(appointment.ids)
                        .values()
                    )
                    expected = localized._render_field("body_html", appointment.ids)[appointment.id]
                    self.assertIn("123456", expected)
                    self.assertEqual(localized._rdv_render_body(appointment), expected)
                    bodies.add(expected)
        self.assertEqual(len(bodies), 6, "each language and purpose has its own text")
        # An edited template is a new text: the compiled body kept is not reused.
        localized = template.with_context(lang="en_US", rdv_purpose="booking")
        localized.body_html = localized.body_html + "<p>Edited by the commune</p>"
        self.assertIn("Edited by the commune", localized._rdv_render_body(appointment))

    def test_only_the_record_code_opens_it_and_none_without_key(self):
        """A code matches its record only, typed as sent; a record without key
        (asked for by reference and never sent) is opened by no code, not even
        the one its empty key would make."""
        appointment = self._held()
        with smtp_sink(self.env):
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        code = otp._code()
        keyless = otp.copy({"code_key": False, "consumed_at": False})
        self.assertFalse(keyless._matches(keyless._code()))

        @settings(max_examples=50, deadline=None)
        @given(guess=st.from_regex(r"[0-9]{6}", fullmatch=True))
        def check(guess):
            self.assertEqual(otp._matches(guess), guess == code)
            self.assertFalse(keyless._matches(guess))

        check()
        self.assertTrue(otp._matches(code))

    def test_no_code_kept_when_the_email_cannot_be_sent(self):
        appointment = self._held()
        with smtp_sink(self.env) as sink:
            # The mail server refuses connections.
            self.env["ir.mail_server"].sudo().search([]).smtp_port = free_port()
            with self.assertRaisesRegex(UserError, "could not send the e-mail with your code"):
                self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        self.assertFalse(sink.messages)
        self.assertFalse(self.env["rdv.otp"].search([("appointment_id", "=", appointment.id)]))
        with smtp_sink(self.env) as sink:
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        self.assertTrue(otp._verify(sink.last_code()), "asked again at once: no cooldown")

    def test_five_attempts_then_the_code_is_dead(self):
        appointment = self._held()
        with smtp_sink(self.env) as sink:
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        code = sink.last_code()
        wrong = "%06d" % ((int(code) + 1) % 10**6)
        for left in (4, 3, 2, 1):
            with self.assertRaisesRegex(OtpError, "Attempts left: %s" % left):
                otp._verify(wrong)
        with self.assertRaisesRegex(OtpError, "no attempt left"):
            otp._verify(wrong)
        with self.assertRaisesRegex(OtpError, "can no longer be used"):
            otp._verify(code)

    def test_a_typo_uses_no_attempt(self):
        """Too few or too many digits: refused as such, no attempt used."""
        appointment = self._held()
        with smtp_sink(self.env) as sink:
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        # "²²²²²²" passes str.isdigit() but holds no digit: a typo too.
        for typo in ("12", "1234567", "", "abcdef", "²²²²²²", "①②③④⑤⑥"):
            with self.assertRaises(OtpError) as caught:
                otp._verify(typo)
            self.assertEqual(caught.exception.code, "format")
            self.assertIn("The code has 6 digits", str(caught.exception))
        code = sink.last_code()
        wrong = "%06d" % ((int(code) + 1) % 10**6)
        with self.assertRaisesRegex(OtpError, "Attempts left: 4"):
            otp._verify(wrong)
        # Typed on an Arabic keyboard: the same digits.
        arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
        self.assertTrue(otp._verify(" %s-%s " % (arabic[:3], arabic[3:])), "spaces and dashes")

    def test_changed_contact_needs_a_new_code(self):
        """A code proves the address it went to: after the citizen changes their
        phone or e-mail, it no longer confirms, and a new one goes at once."""
        appointment = self._held()
        with smtp_sink(self.env) as sink:
            self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        old_code = sink.last_code("jules@example.com")
        appointment._set_citizen(
            {"lastname": "Bois", "phone": "0612345678", "email": "jules@example.com"}
        )
        self.assertTrue(
            self.env["rdv.otp"].search([("appointment_id", "=", appointment.id)]),
            "the same details: the code stays",
        )
        appointment._set_citizen(
            {"lastname": "Bois", "phone": "0612345678", "email": "other@example.com"}
        )
        self.assertFalse(self.env["rdv.otp"].search([("appointment_id", "=", appointment.id)]))
        with smtp_sink(self.env) as sink:
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        new_code = sink.last_code("other@example.com")
        if old_code != new_code:  # one chance in a million that they are the same
            with self.assertRaisesRegex(OtpError, "Wrong code"):
                otp._verify(old_code)
        self.assertTrue(otp._verify(new_code))

    def test_code_expires(self):
        appointment = self._held()
        with smtp_sink(self.env) as sink:
            otp = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        with (
            freeze_time(datetime.datetime.now() + datetime.timedelta(minutes=11)),
            self.assertRaisesRegex(OtpError, "expired"),
        ):
            otp._verify(sink.last_code())

    def test_new_code_cooldown_and_replacement(self):
        appointment = self._held()
        now = datetime.datetime.now()
        with smtp_sink(self.env) as sink, freeze_time(now):
            first = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
            first_code = sink.last_code()
            with self.assertRaises(OtpError) as caught:
                self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
            self.assertEqual(caught.exception.code, "cooldown")
        with smtp_sink(self.env) as sink, freeze_time(now + datetime.timedelta(seconds=61)):
            second = self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
            second_code = sink.last_code()
            with self.assertRaisesRegex(OtpError, "already used"):
                first._verify(first_code)
            self.assertTrue(second._verify(second_code))

    def test_send_limits_per_destination_and_per_ip(self):
        self.company.write({"rdv_otp_sends_per_hour": 2, "rdv_otp_resend_seconds": 0})
        appointment = self._held()
        with smtp_sink(self.env):
            self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
            self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.2")
            with self.assertRaisesRegex(OtpError, "Too many codes"):
                self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.3")
        self.company.write({"rdv_otp_sends_per_hour": 100, "rdv_otp_sends_per_ip_hour": 1})
        other = self._held(email="lea@example.com")
        with smtp_sink(self.env):
            self.env["rdv.otp"]._issue(other, "booking", "10.9.9.9")
            with self.assertRaisesRegex(OtpError, "Too many codes"):
                self.env["rdv.otp"]._issue(other, "booking", "10.9.9.9")

    def _planned(self, email="lea@example.com"):
        return self.env["rdv.appointment"]._book(
            self.rdv_type,
            self.counter,
            self._future_start(days=3),
            channel="phone",
            citizen={"lastname": "Haddad", "phone": "0611111111", "email": email},
        )

    def test_codes_by_reference_follow_the_same_rules_for_any_pair(self):
        """A record for every pair asked for, the same within the resend delay;
        a code only to a match, made and sent by the cron, within the limit
        per destination; the typed forms of one contact are one pair."""
        self.company.write({"rdv_otp_sends_per_hour": 2, "rdv_otp_resend_seconds": 60})
        appointment = self._planned()
        Otp = self.env["rdv.otp"]
        now = datetime.datetime.now()
        with smtp_sink(self.env) as sink:
            for minutes in range(3):
                with freeze_time(now + datetime.timedelta(minutes=minutes)):
                    unknown = Otp._challenge("ZZZZ-ZZZZ", "0611111111", self.company, "10.0.0.1")
                    right = Otp._challenge(appointment.name, "0611111111", self.company, "10.0.0.1")
                    self.assertEqual(unknown.expires_at, right.expires_at)
                    self.assertEqual((unknown.to_send, right.to_send), (False, True))
                    self.assertFalse(unknown.appointment_id)
                    # Asked again at once, typed otherwise: the same records.
                    self.assertEqual(
                        Otp._challenge("zzzz zzzz", "+33 6 11 11 11 11", self.company, "10.0.0.1"),
                        unknown,
                    )
                    self.assertEqual(
                        Otp._challenge(
                            appointment.name.lower(), "06 11 11 11 11", self.company, "10.0.0.1"
                        ),
                        right,
                    )
                    self.assertEqual(len(sink.messages), minutes, "nothing sent before the cron")
                    Otp._cron_send_codes()
                    self.assertFalse(right.to_send)
            # Two codes per hour to the appointment's e-mail: the third is never sent.
            self.assertEqual(len(sink.messages), 2)
            with self.assertRaisesRegex(OtpError, "Wrong code. Attempts left: 4."):
                right._open(sink.last_code("lea@example.com"))
        previous = Otp.search([("pair_key", "=", right.pair_key), ("id", "!=", right.id)], limit=1)
        with smtp_sink(self.env) as sink:
            fresh = Otp._challenge(appointment.name, "lea@example.com", self.company, "10.0.0.1")
            self.company.rdv_otp_sends_per_hour = 10
            Otp._cron_send_codes()
            self.assertEqual(fresh._open(sink.last_code("lea@example.com")), appointment)
        with self.assertRaisesRegex(OtpError, "already used"):
            previous._open("123456")

    def test_a_website_manages_its_own_communes_appointments_only(self):
        """On a shared instance, one commune's website does not find (nor send
        a code for) another commune's appointment: the same answer as for an
        unknown reference."""
        appointment = self._planned()
        other = self.env["res.company"].create({"name": "Commune de Cayenne"})
        Otp = self.env["rdv.otp"]
        elsewhere = Otp._challenge(
            appointment.name, "0611111111", other, "10.0.0.2", companies=other
        )
        self.assertFalse(elsewhere.appointment_id)
        self.assertFalse(elsewhere.to_send)
        here = Otp._challenge(
            appointment.name, "0611111111", self.company, "10.0.0.3", companies=other | self.company
        )
        self.assertEqual(here.appointment_id, appointment)

    def test_code_is_bound_to_its_appointment_and_purpose(self):
        first, second = self._held(), self._held(email="lea@example.com")
        with smtp_sink(self.env) as sink:
            otp_first = self.env["rdv.otp"]._issue(first, "booking", "10.0.0.1")
            code_first = sink.last_code("jules@example.com")
            otp_second = self.env["rdv.otp"]._issue(second, "booking", "10.0.0.1")
        with self.assertRaises(OtpError):
            otp_second._verify(code_first)
        self.assertTrue(otp_first._verify(code_first))

    def test_rate_limit_window_slides(self):
        """A burst astride two minutes is one burst; the limit frees as the minute slides."""
        RateLimit = self.env["rdv.rate.limit"]

        def allowed(at):
            with freeze_time(at):
                return RateLimit._allow("post-ip", "10.1.1.1", 3, 60)

        minute = datetime.datetime(2030, 1, 7, 9, 0)
        second = datetime.timedelta(seconds=1)
        self.assertEqual([allowed(minute + 58 * second) for _i in range(3)], [True] * 3)
        self.assertFalse(allowed(minute + 61 * second), "fixed windows would let it through")
        # 45 s into the next minute, a quarter of the previous one still counts: 2 + 3 / 4.
        self.assertTrue(allowed(minute + 105 * second))
        self.assertFalse(allowed(minute + 106 * second), "refused hits count too")
        self.assertTrue(allowed(minute + 180 * second))

    def test_rate_limit_keys_are_not_personal_data(self):
        self.env["rdv.rate.limit"]._allow("otp-dest", "+33612345678", 5)
        keys = self.env["rdv.rate.limit"].search([]).mapped("key")
        self.assertFalse([k for k in keys if "33612345678" in k])


@tagged("post_install", "-at_install")
class TestCaptchaAndTokens(RdvPortalCase):
    def _solved(self, challenge, **solution):
        """The payload of ``challenge`` (a dict) as the ALTCHA library's own
        solver answers it; ``solution`` overrides what it found."""
        challenge = altcha.Challenge.from_dict(challenge)
        found = altcha.solve_challenge(challenge, timeout=60).to_dict()
        payload = {"challenge": challenge.to_dict(), "solution": {**found, **solution}}
        return base64.b64encode(json.dumps(payload).encode()).decode()

    def test_captcha_solved_once(self):
        """A payload of the library's own solver is accepted, once, whichever
        worker sees it again: the spent challenge is in PostgreSQL."""
        Captcha = self.env["rdv.captcha"]
        challenge = Captcha._new_challenge(self.company)
        self.assertEqual(challenge["parameters"]["algorithm"], "SHA-256")
        solution = altcha.solve_challenge(altcha.Challenge.from_dict(challenge))
        self.assertLessEqual(solution.counter, 2000, "twice the company's difficulty at most")
        answer = solve_captcha(challenge)
        self.assertTrue(Captcha._verify(answer))
        self.assertFalse(Captcha._verify(answer), "a solved challenge cannot be replayed")
        self.env.cr.execute(
            "SELECT count(*) FROM rdv_captcha WHERE challenge = %s", [challenge["signature"]]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)

    def test_captcha_difficulty_is_the_companys(self):
        """The counter to find is drawn below twice the company's difficulty."""
        Captcha = self.env["rdv.captcha"]
        self.company.rdv_captcha_difficulty = 5000
        counters = [
            altcha.solve_challenge(
                altcha.Challenge.from_dict(Captcha._new_challenge(self.company))
            ).counter
            for _i in range(8)
        ]
        self.assertLessEqual(max(counters), 10000)
        self.assertGreater(max(counters), 2000, "not the cheapest setting's work")

    def test_captcha_refuses_forgeries(self):
        Captcha = self.env["rdv.captcha"]
        challenge = Captcha._new_challenge(self.company)
        forged = dict(challenge, signature="0" * 64)
        self.assertFalse(Captcha._verify(solve_captcha(forged)))
        # The expiry and the key prefix are signed: changing either breaks it.
        parameters = challenge["parameters"]
        later = dict(challenge, parameters=dict(parameters, expiresAt=parameters["expiresAt"] + 9))
        self.assertFalse(Captcha._verify(solve_captcha(later)))
        easier = dict(challenge, parameters=dict(parameters, keyPrefix="0"))
        self.assertFalse(Captcha._verify(solve_captcha(easier)))
        # Signed with another key (another database's).
        elsewhere = altcha.create_challenge(
            "SHA-256", 1, counter=5, expires_at=parameters["expiresAt"], hmac_secret="elsewhere"
        )
        self.assertFalse(Captcha._verify(solve_captcha(elsewhere.to_dict())))
        # A wrong answer to a true challenge.
        right = altcha.solve_challenge(altcha.Challenge.from_dict(challenge))
        self.assertFalse(Captcha._verify(self._solved(challenge, counter=right.counter + 1)))
        self.assertFalse(Captcha._verify(self._solved(challenge, derivedKey="00" * 32)))
        self.assertFalse(Captcha._verify(self._solved(challenge, counter=str(right.counter))))
        # The answer of another challenge.
        other = solve_captcha(Captcha._new_challenge(self.company))
        other_solution = json.loads(base64.b64decode(other))["solution"]
        self.assertFalse(Captcha._verify(self._solved(challenge, **other_solution)))
        for garbage in ("", "not base64!", "e30=", "W10=", "bnVsbA==", None, b"e30=", 42):
            self.assertFalse(Captcha._verify(garbage))
        # None of these spent the challenge: its true answer still counts.
        self.assertTrue(Captcha._verify(solve_captcha(challenge)))

    def test_captcha_expires(self):
        Captcha = self.env["rdv.captcha"]
        challenge = Captcha._new_challenge(self.company)
        with freeze_time(datetime.datetime.now() + datetime.timedelta(minutes=21)):
            self.assertFalse(Captcha._verify(solve_captcha(challenge)))
        with freeze_time(datetime.datetime.now() + datetime.timedelta(minutes=19)):
            self.assertTrue(Captcha._verify(solve_captcha(challenge)), "valid for 20 minutes")

    @settings(max_examples=60, deadline=None, derandomize=True, database=None)
    @given(
        payload=st.one_of(
            st.text(),
            st.binary().map(lambda data: base64.b64encode(data).decode()),
            st.recursive(
                st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
            ).map(lambda data: base64.b64encode(json.dumps(data).encode()).decode()),
            st.fixed_dictionaries(
                {
                    "challenge": st.fixed_dictionaries(
                        {"parameters": st.dictionaries(st.text(), st.integers() | st.text())},
                        optional={"signature": st.text() | st.integers()},
                    ),
                    "solution": st.dictionaries(
                        st.sampled_from(["counter", "derivedKey", "time"]),
                        st.integers() | st.text() | st.floats(),
                    ),
                }
            ).map(lambda data: base64.b64encode(json.dumps(data).encode()).decode()),
        )
    )
    def test_captcha_any_payload_is_refused_without_error(self, payload):
        """Whatever the browser sends as the payload, the answer is a refusal,
        never an exception."""
        self.assertFalse(self.env["rdv.captcha"]._verify(payload))

    def test_link_tokens_are_long_random_and_hashed(self):
        appointment = self.env["rdv.appointment"]._book(
            self.rdv_type,
            self.counter,
            self._future_start(),
            channel="phone",
            citizen={"lastname": "Bois", "phone": "0612345678"},
        )
        Token = self.env["rdv.access.token"]
        token = Token._new_token(appointment)
        self.assertGreaterEqual(len(token), 32, "192 bits in base64url")
        record = Token.search([("appointment_id", "=", appointment.id)])
        self.assertNotEqual(record.token_hash, token)
        self.assertEqual(Token._find_appointment(token), appointment)
        self.assertFalse(Token._find_appointment(token[:-1] + ("A" if token[-1] != "A" else "B")))
        self.assertFalse(Token._find_appointment(""))
        self.assertFalse(Token._find_appointment("x" * 500))
        with freeze_time(appointment.stop + datetime.timedelta(days=31)):
            self.assertFalse(Token._find_appointment(token), "tokens expire after the appointment")

    def test_erasure_kills_the_links_and_codes(self):
        """Once its personal data are erased, no link or code opens an appointment."""
        appointment = self.env["rdv.appointment"]._book(
            self.rdv_type, self.counter, self._future_start(), channel="web", hold=True
        )
        appointment._set_citizen(
            {"lastname": "Bois", "phone": "0612345678", "email": "jules@example.com"}
        )
        with smtp_sink(self.env):
            self.env["rdv.otp"]._issue(appointment, "booking", "10.0.0.1")
        token = self.env["rdv.access.token"]._new_token(appointment)
        self.assertEqual(self.env["rdv.access.token"]._find_appointment(token), appointment)
        self.env["rdv.citizen"]._erase_personal_data(appointment)
        self.assertFalse(self.env["rdv.access.token"]._find_appointment(token))
        self.assertFalse(self.env["rdv.otp"].search([("appointment_id", "=", appointment.id)]))
        self.assertFalse(appointment.email)


@tagged("post_install", "-at_install")
class TestCaptchaOverHttp(RdvPortalCase, HttpCase):
    """What the browser posts as the captcha's payload reaches the library."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website.company_id.rdv_posts_per_ip_minute = 1000000

    def test_any_payload_is_a_clear_refusal(self):
        """Any text as the payload: the form again, with why, and what was
        typed kept; never an error of the server, and no code asked for."""
        page = self.url_open("/rdv/manage/find")
        codes = self.env["rdv.otp"].search_count([])

        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            payload=st.one_of(
                st.text(),
                st.binary().map(lambda data: base64.b64encode(data).decode()),
                st.sampled_from(["e30=", "W10=", solve_captcha(self._other_challenge())]),
            )
        )
        def run(payload):
            answer = self.post(
                "/rdv/manage/find",
                {"reference": "RDV-REF", "contact": "lea@example.com", "rdv_captcha": payload},
                page,
            )
            self.assertEqual(answer.status_code, 400, payload)
            self.assertIn("The anti-robot check failed. Please try again.", answer.text)
            self.assertIn('value="RDV-REF"', answer.text, "what was typed is kept")
            self.assertNotIn("Traceback", answer.text)

        run()
        self.assertEqual(self.env["rdv.otp"].search_count([]), codes)

    def _other_challenge(self):
        """A challenge signed with another key (another database's)."""
        return altcha.create_challenge(
            "SHA-256", 1, counter=3, expires_at=int(time.time()) + 600, hmac_secret="elsewhere"
        ).to_dict()
