"""One clock: the time the agency opened is the time every output prints.

For a place whose zone has other rules in pytz (the product's one time-zone
database, Odoo's) than in the system's database (``zoneinfo``), slots are
generated from a reference week opening at 08:30, then one is booked on the
website; the stored UTC start, the engine's answer and what each output
prints (slots page, confirmation and manage pages, e-mail, SMS, PDF, calendar
file, back office, day sheet, reminder) must all say 08:30.  A part that
converted with the system's database would print another time.

Two zones: Africa/Casablanca, whose rules differ between pytz 2026.6 and the
system's tzdata 2025b on the machine this was written on (permanent UTC+0
from 2026-09-20 in pytz, UTC+1 in the system's), and a fake zone that keeps
the test meaningful wherever the two databases happen to agree: pytz is
pointed (PYTZ_TZDATADIR) at a crafted file for Indian/Mahe, seven hours away
from the system's.
"""

import datetime
import html as html_lib
import os
import re
import struct
import subprocess
import tempfile
import zoneinfo

import pytz
import vobject
from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.rdv_booking.tools import schedule
from odoo.addons.rdv_booking_portal.tests.common import (
    RdvPortalCase,
    smtp_sink,
    solve_captcha,
)

from .common import plug_gateway_stub

OPENING = datetime.time(8, 30)
FAKE_ZONE = "Indian/Mahe"  # UTC+4 in the system's database
FAKE_OFFSET = -3 * 3600  # UTC-3 in the crafted pytz file
TIME_RE = re.compile(r"(?<!\d)([0-2]\d:[0-5]\d)(?!\d)")


def tzif(offset, abbreviation):
    """A TZif file (RFC 8536, version 2) of a zone always ``offset`` seconds from UTC."""
    name = abbreviation.encode() + b"\0"
    header = b"TZif2" + b"\0" * 15 + struct.pack(">6l", 0, 0, 0, 0, 1, len(name))
    body = struct.pack(">lBB", offset, 0, 0) + name
    hours = -offset // 3600  # POSIX TZ strings count west of Greenwich
    return header + body + header + body + b"\n<%s>%d\n" % (abbreviation.encode(), hours)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@tagged("post_install", "-at_install")
class TestOneClock(RdvPortalCase, HttpCase):
    """The stored start, the engine and every output agree on the agency's 08:30."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        plug_gateway_stub(cls)
        cls.rdv_type.duration = 30

    def _use_fake_zone(self):
        """pytz reads FAKE_ZONE from a crafted file (UTC-3) until the test ends;
        the system's database still has it at UTC+4."""
        folder = tempfile.mkdtemp()
        os.makedirs(os.path.join(folder, os.path.dirname(FAKE_ZONE)))
        with open(os.path.join(folder, FAKE_ZONE), "wb") as file:
            file.write(tzif(FAKE_OFFSET, "-03"))
        saved = pytz._tzinfo_cache.pop(FAKE_ZONE, None)
        previous = os.environ.get("PYTZ_TZDATADIR")
        os.environ["PYTZ_TZDATADIR"] = folder
        try:
            pytz.timezone(FAKE_ZONE)  # loaded from the crafted file, kept in pytz's cache
        finally:
            if previous is None:
                del os.environ["PYTZ_TZDATADIR"]
            else:
                os.environ["PYTZ_TZDATADIR"] = previous
        schedule._midnight_offsets.cache_clear()

        def restore():
            pytz._tzinfo_cache.pop(FAKE_ZONE, None)
            if saved is not None:
                pytz._tzinfo_cache[FAKE_ZONE] = saved
            schedule._midnight_offsets.cache_clear()
            subprocess.run(["rm", "-rf", folder], check=False)

        self.addCleanup(restore)

    def _check_one_clock(self, tz):
        """Open a counter at 08:30 in ``tz``, book its first slot of a day to
        come on the website and read the time back from every output."""
        env = self.env
        cenv = env(context=dict(env.context, allowed_company_ids=self.company.ids))
        place = self._make_place(
            "Agence %s" % tz,
            env=cenv,
            tz=tz,
            city="Rabat",
            zip="10000",
            street="1 avenue Mohammed V",
            phone="+33 4 50 00 00 00",
        )
        week = self._make_week("08:30-12:00", [(0, 6, 8.5, 12.0)], env=cenv)
        pytz_zone = pytz.timezone(tz)
        now = fields.Datetime.now()
        today = pytz.utc.localize(now).astimezone(pytz_zone).date()
        day = today + datetime.timedelta(days=3)
        counter = self._make_counter(
            "Guichet %s" % tz,
            place,
            self.rdv_type,
            week,
            env=cenv,
            slot_duration=30,
            date_start=today,
        )
        expected = (
            pytz_zone.localize(datetime.datetime.combine(day, OPENING))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        # What a part converting with the system's database would print.
        system = zoneinfo.ZoneInfo(tz)
        other_database = {
            expected.replace(tzinfo=datetime.UTC).astimezone(system).strftime("%H:%M"),
            datetime.datetime.combine(day, OPENING, tzinfo=system)
            .astimezone(pytz_zone)
            .strftime("%H:%M"),
        } - {"08:30"}
        self.assertTrue(other_database, "the two databases disagree for %s" % tz)

        def says_0830(what, text):
            times = set(TIME_RE.findall(text))
            self.assertIn("08:30", times, "%s (%s): %s" % (what, tz, text[:2000]))
            self.assertFalse(times & other_database, "%s (%s) prints %s" % (what, tz, times))

        # The engine and the stored slots.
        engine = schedule.slot_starts(counter._get_schedule(), day, day)
        self.assertEqual(engine[0], expected, "the engine's first start of the day")
        slot = (
            env["rdv.slot"]
            .search(
                [("counter_id", "=", counter.id), ("state", "=", "free"), ("start", ">=", now)],
                order="start",
            )
            .filtered(lambda s: s.start.date() >= expected.date() - datetime.timedelta(days=1))
        )
        first = slot.filtered(
            lambda s: pytz.utc.localize(s.start).astimezone(pytz_zone).date() == day
        )[:1]
        self.assertEqual(first.start, expected, "the stored UTC start")
        self.assertEqual(place._to_local(first.start), datetime.datetime.combine(day, OPENING))

        # The citizen's pages, e-mail, SMS, PDF and calendar file.
        slots_page = self.url_open(
            "/rdv/type/%s/slots?place=%s&day=%s" % (self.rdv_type.id, place.id, day.isoformat())
        )
        times = re.search(r'aria-label="Free times">(.*?)</ul>', slots_page.text, re.S)
        self.assertTrue(times, "the times of %s are offered" % day)
        self.assertEqual(TIME_RE.findall(text_of(times.group(1)))[0], "08:30", "slots page")
        self.assertIn(fields.Datetime.to_string(expected), times.group(1))
        with smtp_sink(env) as sink:
            held = self.url_open(
                "/rdv/hold",
                data={
                    "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', slots_page.text)[
                        1
                    ],
                    "type_id": self.rdv_type.id,
                    "counter_id": counter.id,
                    "start": fields.Datetime.to_string(expected),
                    "persons": 1,
                },
            )
            summary = self.post(
                "/rdv/booking/details",
                {
                    "lastname": "Alaoui",
                    "firstname": "Amina",
                    "phone": "06 12 34 56 78",
                    "email": "amina@example.com",
                    "consent": "1",
                },
                held,
            )
            says_0830("summary page", text_of(summary.text))
            challenge = re.search(r'data-challenge="([^"]+)"', summary.text)[1]
            verify = self.post(
                "/rdv/booking/code",
                {"rdv_captcha": solve_captcha(html_lib.unescape(challenge))},
                summary,
            )
            code = None
            for texts in (self.stub.texts(), [m["subject"] for m in sink.texts()]):
                for text in reversed(texts):
                    if found := re.match(r"(\d{6}) ", text):
                        code = found[1]
                        break
                if code:
                    break
            done = self.post("/rdv/booking/verify", {"code": code}, verify)
            self.assertIn("Your appointment is confirmed", done.text)
            appointment = env["rdv.appointment"].search([("counter_id", "=", counter.id)])
            self.assertEqual((appointment.state, appointment.start), ("planned", expected))
            says_0830("confirmation page", text_of(done.text))
            mails = sink.flush(env).texts("amina@example.com")
        confirmation = [m for m in mails if appointment.name in m["subject"]]
        self.assertTrue(confirmation, "a confirmation e-mail")
        says_0830("confirmation e-mail", confirmation[0]["body"])
        manage = re.search(r'(/rdv/manage/[^"\s<]+)', confirmation[0]["html"])[1]
        says_0830("manage page", text_of(self.url_open(manage).text))
        sms = [t for t in self.stub.texts() if appointment.name in t]
        self.assertTrue(sms, "a confirmation SMS")
        says_0830("confirmation SMS", sms[-1])
        pdf = self.url_open("/rdv/appointment/%s/pdf" % appointment.id)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        says_0830("summary PDF", text)
        ics = vobject.readOne(self.url_open("/rdv/appointment/%s/ics" % appointment.id).text)
        start = ics.vevent.dtstart.value
        self.assertEqual(start.utcoffset(), datetime.timedelta(0), "DTSTART in UTC")
        self.assertEqual(start.replace(tzinfo=None), expected, "calendar file")

        # The back office, the day sheet and the reminder.
        says_0830("start_local", appointment.start_local)
        says_0830("when_local", appointment.when_local)
        says_0830("slot in a calendar", first.display_name)
        says_0830("slot in a picker", first.with_context(rdv_slot_label="time").display_name)
        found = (
            env["rdv.slot"]
            .with_context(rdv_slot_label="time")
            .name_search("%s 8:30" % day.strftime("%d/%m"), [("counter_id", "=", counter.id)])
        )
        self.assertIn(first.id, [slot_id for slot_id, _name in found], "'8:30' finds it")
        sheet = env["rdv.day.sheet.print"].create({"day": day, "place_id": place.id})
        self.assertEqual(sheet._appointments(), appointment, "on the day sheet of its day")
        html = env["ir.actions.report"]._render_qweb_html(
            "rdv_booking.action_report_rdv_day_sheet", appointment.ids
        )[0]
        says_0830("day sheet", text_of(html.decode()))
        self.stub.messages.clear()
        with freeze_time(appointment._rdv_reminder_at()):
            Notification = env["rdv.notification"]
            Notification._cron_reminders()
            while Notification._process(limit=500):
                pass
        reminders = [t for t in self.stub.texts() if t.startswith("Reminder")]
        self.assertTrue(reminders, "a reminder by SMS")
        says_0830("reminder SMS", reminders[0])

    def post(self, url, data, response_with_csrf):
        token = re.search(r'name="csrf_token" value="([^"]+)"', response_with_csrf.text)[1]
        return self.url_open(url, data={"csrf_token": token, **data}, allow_redirects=True)

    def test_casablanca_where_pytz_and_the_system_disagree(self):
        now = pytz.utc.localize(fields.Datetime.now())
        in_pytz = now.astimezone(pytz.timezone("Africa/Casablanca")).utcoffset()
        in_system = now.astimezone(zoneinfo.ZoneInfo("Africa/Casablanca")).utcoffset()
        if in_pytz == in_system:
            self.skipTest("pytz and the system's tzdata agree on Casablanca today")
        self._check_one_clock("Africa/Casablanca")

    def test_a_zone_pytz_has_seven_hours_away_from_the_system(self):
        self._use_fake_zone()
        self._check_one_clock(FAKE_ZONE)
