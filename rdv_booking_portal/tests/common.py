import contextlib
import datetime
import email
import email.policy
import glob
import json
import re
import socket
import subprocess
import tempfile
import threading
from unittest.mock import patch

import altcha
import pytz
from aiosmtpd.controller import Controller

import odoo
from odoo import fields

from odoo.addons.rdv_booking.tests.common import MANAGER, RdvCommuneCase


class SmtpSink:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append({"to": envelope.rcpt_tos, "message": message})
        return "250 OK"

    def texts(self, to=None):
        """Plain text of the messages received (optionally for one recipient)."""
        result = []
        for item in self.messages:
            if to and to not in item["to"]:
                continue
            message = item["message"]
            part = message.get_body(preferencelist=("html", "plain"))
            body = part.get_content() if part else ""
            result.append(
                {
                    "subject": str(message["subject"]),
                    "body": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)),
                    "html": body,
                    "attachments": [
                        (a.get_filename(), a.get_content_type(), a.get_content())
                        for a in message.iter_attachments()
                    ],
                }
            )
        return result

    def flush(self, env):
        """Deliver what is queued through the sink, as the crons do: the
        notifications (which render the PDF and queue the mail), then the mail."""
        env["rdv.notification"].sudo()._process()
        env["mail.mail"].sudo().process_email_queue()
        return self

    def last_code(self, to=None):
        """The 6-digit code of the last code message received (in any language,
        the subject starts with the code)."""
        for item in reversed(self.texts(to)):
            found = re.match(r"(\d{6}) ", item["subject"])
            if found:
                return found.group(1)
        raise AssertionError("no code received by the SMTP sink")


class RefusingSmtpSink(SmtpSink):
    """An SMTP server that refuses every recipient, as a mail server does an
    unknown mailbox (550)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_sink(env, sink=None):
    """Send Odoo's mail for real to an SMTP sink on loopback while inside.

    Odoo skips SMTP under its test runner (``current_test``); the flag is
    lifted only here, so the whole sending path runs: rendering, MIME,
    smtplib, the network. ``sink``: another server (a :class:`RefusingSmtpSink`).
    """
    sink = sink or SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env["ir.mail_server"].sudo().search([]).active = False
    env["ir.mail_server"].sudo().create(
        {
            "name": "SMTP sink",
            "smtp_host": "127.0.0.1",
            "smtp_port": controller.port,
            "smtp_encryption": "none",
            "sequence": 1,
        }
    )
    try:
        with patch.object(odoo.modules.module, "current_test", None):
            yield sink
    finally:
        controller.stop()


def solve_captcha(challenge):
    """What the browser's script does, with the ALTCHA library's own solver:
    the base64 JSON payload."""
    if isinstance(challenge, str):
        challenge = json.loads(challenge)
    challenge = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(challenge, timeout=60)
    if solution is None:
        raise AssertionError("unsolvable challenge")
    return altcha.Payload(challenge, solution).to_base64()


def read_qr_codes(pdf):
    """The texts of the QR codes of a PDF's first page, as a phone or a
    reception scanner reads them (poppler's pdftoppm, then zbar's zbarimg)."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-", f"{folder}/page"],
            input=pdf,
            check=True,
        )
        (page,) = glob.glob(f"{folder}/page*.png")
        found = subprocess.run(
            ["zbarimg", "--raw", "-q", page], capture_output=True, text=True, check=False
        )
    return found.stdout.split()


class RdvPortalCase(RdvCommuneCase):
    """A commune of its own offered by the website, open every day 08:00-20:00
    (tests of the website run in real time, whatever the day). Combined with
    ``HttpCase`` for the tests that speak HTTP: ``class TestX(RdvPortalCase, HttpCase)``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._share_test_transaction()
        commune = cls._make_commune(
            "Commune du Portail",
            company={
                "email": "mairie@portail.example",
                "rdv_horizon_days": 20,
                "rdv_captcha_difficulty": 1000,
            },
            users=[("portal_manager", MANAGER, {})],
            service="Titres",
            appointment_type={
                "name": "Carte d'identité",
                "duration": 30,
                "max_persons": 2,
                "min_notice_hours": 0,
                "max_horizon_days": 20,
                "is_published": True,
                "ask_email": "required",
                "ask_phone": "required",
                "ask_city": "optional",
                "documents_to_bring": "<p>Une photo d'identité</p>",
                "gdpr_text": "<p>Vos données servent à gérer le rendez-vous.</p>",
            },
            place={
                "name": "Mairie du Portail",
                "city": "Portail",
                "zip": "74100",
                "street": "1 rue de la Mairie",
                "phone": "+33 4 50 00 00 00",
                "latitude": 46.19,
                "longitude": 6.23,
            },
            week=("Tous les jours", [(0, 6, 8.0, 20.0)]),
            counter={"name": "Guichet 1"},
        )
        cls.company, cls.service, cls.rdv_type = commune.company, commune.service, commune.type
        cls.place, cls.week, cls.counter = commune.place, commune.week, commune.counter
        (cls.manager,) = commune.users
        cls.website = cls.env["website"].browse(1)
        # The tests read English pages, whatever the website's default language
        # (the demo commune's is French).
        cls.website.write(
            {
                "rdv_company_ids": [(6, 0, cls.company.ids)],
                "default_lang_id": cls.env.ref("base.lang_en").id,
            }
        )

    @classmethod
    def book_by_phone(cls, start, **citizen):
        """Book ``start`` at the commune's counter for ``citizen``, as an agent
        does on the phone."""
        return cls.env["rdv.appointment"]._book(
            cls.rdv_type, cls.counter, start, channel="phone", citizen=citizen
        )

    # --- what a browser posts

    def csrf(self, response):
        """The CSRF token of a page: its forms', or the one Odoo's scripts read."""
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text) or re.search(
            r'csrf_token: "([^"]+)"', response.text
        )
        return found.group(1)

    def post(self, url, data, response_with_csrf, headers=None, allow_redirects=True):
        """POST ``data`` to ``url`` with the CSRF token of ``response_with_csrf``."""
        return self.url_open(
            url,
            data={"csrf_token": self.csrf(response_with_csrf), **data},
            headers=headers,
            allow_redirects=allow_redirects,
        )

    def hold(self, start=None, persons=1, headers=None):
        """Hold ``start`` (default: a time to come) at the commune's counter,
        as the times page's form posts it."""
        start = start or self._future_start()
        page = self.url_open("/rdv/type/%s/slots?place=any" % self.rdv_type.id, headers=headers)
        return self.post(
            "/rdv/hold",
            {
                "type_id": self.rdv_type.id,
                "counter_id": self.counter.id,
                "start": fields.Datetime.to_string(start),
                "persons": persons,
            },
            page,
            headers=headers,
        )

    @classmethod
    def _future_start(cls, days=2, hour=9):
        """A slot start (naive UTC) on a day to come, at ``hour`` in Paris."""
        slot = cls.env["rdv.slot"].search(
            [
                ("counter_id", "=", cls.counter.id),
                (
                    "start",
                    ">=",
                    pytz.timezone("Europe/Paris")
                    .localize(
                        datetime.datetime.combine(
                            datetime.date.today() + datetime.timedelta(days=days),
                            datetime.time(hour),
                        )
                    )
                    .astimezone(pytz.utc)
                    .replace(tzinfo=None),
                ),
                ("state", "=", "free"),
            ],
            limit=1,
            order="start",
        )
        return slot.start
