"""Managing by reference tells nothing about the reference and the contact.

The same requests (find, wrong codes, typos, asking again, waiting past the
code's life) get the very same answers, page for page, whether the pair is
unknown, known with another contact, or right; and no message leaves within
a request, on any of the three (else the right pair answers more slowly).
"""

import datetime
import html
import re
from urllib.parse import urlparse

from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged

from .common import RdvPortalCase, smtp_sink, solve_captcha

# What changes from one request to the next whatever the pair: the CSRF
# token, the captcha's challenge, the session's debug/cache keys.
NONCES = (
    (re.compile(r'(name="csrf_token" value=")[^"]*'), r"\1-"),
    (re.compile(r'(csrf_token: ")[^"]*'), r"\1-"),
    (re.compile(r'(data-challenge=")[^"]*'), r"\1-"),
)
EMAIL = "lea@example.com"


def stripped(text):
    for pattern, replacement in NONCES:
        text = pattern.sub(replacement, text)
    return text


def alert(text):
    found = re.search(r'id="rdv_code_error"[^>]*>([^<]*)<', text)
    return html.unescape(found.group(1)).strip() if found else ""


@tagged("post_install", "-at_install")
class TestManageByReferenceOracle(RdvPortalCase, HttpCase):
    """An unknown pair, a known reference with another contact and the right
    pair with wrong codes: the same sequence of answers."""

    # Each sequence runs hours after the previous one (frozen clock): no code
    # of an earlier one is still within its resend delay or its life.
    _clock_hours = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The rules of the code (attempts, life, resend delay) are the same for
        # every pair; the limits on sending are out of the way of the test.
        cls.companies = cls.company | cls.website.company_id
        cls.companies.write(
            {
                "rdv_otp_sends_per_hour": 1000,
                "rdv_otp_sends_per_ip_hour": 1000,
                "rdv_posts_per_ip_minute": 1000,
                "rdv_captcha_difficulty": 1000,
            }
        )
        cls.appointment = cls.env["rdv.appointment"]._book(
            cls.rdv_type,
            cls.counter,
            cls._future_start(days=15),
            channel="phone",
            citizen={"lastname": "Haddad", "phone": "0611111111", "email": EMAIL},
        )
        cls.pairs = {
            "unknown reference": ("ZZZZ-ZZZZ", EMAIL),
            "known reference, other contact": (cls.appointment.name, "other@example.com"),
            "right pair": (cls.appointment.name, EMAIL),
        }

    # --- the citizen's requests

    def _outbox(self):
        """What left or is queued: messages received by the sink, mail and SMS records."""
        self.env.invalidate_all()
        queued = self.env["mail.mail"].sudo().search_count([])
        if "sms.sms" in self.env:
            queued += self.env["sms.sms"].sudo().search_count([])
        return len(self.sink.messages), queued

    def _after_response(self):
        """What the server does once the answer is gone (the code sender's cron)."""
        sender = getattr(self.env["rdv.otp"], "_cron_send_codes", None)
        if sender:
            sender()

    def _seen(self, response):
        """The answer as the citizen gets it: status, where it leads, the
        error shown, the whole page but for the per-request nonces."""
        return (
            response.status_code,
            urlparse(response.headers.get("Location", "")).path,
            alert(response.text),
            stripped(response.text),
        )

    def _wrong_code(self):
        """A well-formed code that is none of the codes sent."""
        sent = set(re.findall(r"\b\d{6}\b", " ".join(m["subject"] for m in self.sink.texts())))
        return next(c for c in ("%06d" % (n * 111111 % 10**6) for n in range(10)) if c not in sent)

    def _run(self, pair, steps, start):
        """Drive ``steps`` for ``pair`` in a fresh browser from ``start`` (UTC);
        return the answers and how many messages left within requests."""
        reference, contact = pair
        self.opener.cookies.clear()
        seen, sent_within = [], 0
        page = None
        with freeze_time(start) as clock:
            for step in steps:
                if step[0] == "wait":
                    clock.tick(datetime.timedelta(seconds=step[1]))
                    continue
                if step[0] == "find":
                    form = self.url_open("/rdv/manage/find")
                    challenge = html.unescape(
                        re.search(r'data-challenge="([^"]+)"', form.text).group(1)
                    )
                    before = self._outbox()
                    response = self.post(
                        "/rdv/manage/find",
                        {
                            "reference": reference,
                            "contact": contact,
                            "rdv_captcha": solve_captcha(challenge),
                        },
                        form,
                        allow_redirects=False,
                    )
                    if self._outbox() != before:
                        sent_within += 1
                    self._after_response()
                else:
                    code = self._wrong_code() if step[0] == "wrong" else step[1]
                    response = self.post(
                        "/rdv/manage/verify", {"code": code}, page, allow_redirects=False
                    )
                seen.append(self._seen(response))
                if response.is_redirect:
                    response = self.url_open(response.headers["Location"], allow_redirects=False)
                    seen.append(self._seen(response))
                page = response
        return seen, sent_within

    def _assert_same_answers(self, steps):
        now = datetime.datetime.now().replace(microsecond=0)
        runs = {}
        with smtp_sink(self.env) as self.sink:
            for name, pair in self.pairs.items():
                type(self)._clock_hours += 3
                start = now + datetime.timedelta(hours=self._clock_hours)
                runs[name] = self._run(pair, steps, start)
        (first, (answers, _sent)), *others = runs.items()
        for name, (other, _sent) in others:
            self.assertEqual(len(other), len(answers), name)
            for index, (one, two) in enumerate(zip(answers, other, strict=True)):
                # Status, place and error first: a readable failure.
                self.assertEqual(one[:3], two[:3], "%s vs %s, answer %s" % (first, name, index))
                self.assertEqual(one[3], two[3], "%s vs %s, page %s" % (first, name, index))
        for name, (_answers, sent_within) in runs.items():
            self.assertEqual(sent_within, 0, "%s: no message leaves within a request" % name)
        return answers

    # --- the tests

    def test_same_answers_for_each_number_of_attempts(self):
        """Find, every attempt and more, a typo, ask again within and after
        the resend delay, then wait past the code's life."""
        for attempts in (1, 3, 5, 10):
            with self.subTest(attempts=attempts):
                self.companies.write(
                    {
                        "rdv_otp_max_attempts": attempts,
                        "rdv_otp_resend_seconds": 60,
                        "rdv_otp_validity_minutes": 10,
                    }
                )
                steps = (
                    [("find",)]
                    + [("wrong",)] * (attempts + 2)
                    + [("code", "12345")]  # a typo: no attempt used
                    + [("wait", 10), ("find",), ("wrong",)]  # within the delay: the same code
                    + [("wait", 61), ("find",)]  # a new code, every attempt again
                    + [("wrong",)] * min(attempts - 1, 2)  # one left at least
                    + [("wait", 10 * 60 + 1), ("wrong",), ("code", "1234567")]  # expired
                    + [("find",), ("wrong",)]
                )
                answers = self._assert_same_answers(steps)
                errors = [answer[2] for answer in answers if answer[2]]
                if attempts > 1:
                    self.assertIn("Wrong code. Attempts left: %s." % (attempts - 1), errors)
                self.assertIn("Wrong code, and no attempt left. Ask for a new code.", errors)
                self.assertIn("This code can no longer be used. Ask for a new code.", errors)
                self.assertIn("This code has expired. Ask for a new code.", errors)
                self.assertIn("The code has 6 digits: type all of them.", errors)

    def test_success_path_opens_the_appointment(self):
        """The right code opens the appointment; it was sent after the answer."""
        with smtp_sink(self.env) as self.sink:
            seen, sent_within = self._run(
                self.pairs["right pair"], [("find",)], datetime.datetime.now()
            )
            self.assertEqual(sent_within, 0, "sent after the answer")
            self.assertEqual(seen[0][:2], (303, "/rdv/manage/verify"))
            code = self.sink.last_code(EMAIL)
            page = self.url_open("/rdv/manage/verify")
            opened = self.url_open(
                "/rdv/manage/verify",
                data={
                    "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(
                        1
                    ),
                    "code": code,
                },
            )
        self.assertEqual(urlparse(opened.url).path, "/rdv/manage")
        self.assertIn(self.appointment.name, opened.text)

    @settings(
        max_examples=12,
        deadline=None,
        # A failing sequence is shown as found: shrinking it would replay
        # hundreds of HTTP sequences.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        attempts=st.integers(1, 10),
        steps=st.lists(
            st.one_of(
                st.just(("wrong",)),
                st.sampled_from([("code", "12345"), ("code", "1234567"), ("code", "12-34")]),
                st.just(("find",)),
                st.tuples(st.just("wait"), st.sampled_from([5, 61, 601])),
            ),
            max_size=12,
        ),
    )
    def test_same_answers_for_any_sequence(self, attempts, steps):
        """Random sequences of wrong codes, typos, new requests and waits."""
        self.companies.write({"rdv_otp_max_attempts": attempts})
        self._assert_same_answers([("find",)] + steps)
