import datetime
import re

import pytz

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import RdvPortalCase

TAKEN = ("someone booked it meanwhile", "This time was just taken")


def page_h1(response):
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


@tagged("post_install", "-at_install")
class TestTruthfulAnswers(RdvPortalCase, HttpCase):
    """The website says what happened: a time never offered was not "taken
    meanwhile", and only an explicit yes moves an appointment."""

    def local(self, days, hour, minute):
        """Naive UTC of ``hour:minute`` in Paris, ``days`` from today."""
        day = datetime.date.today() + datetime.timedelta(days=days)
        return (
            pytz.timezone("Europe/Paris")
            .localize(datetime.datetime.combine(day, datetime.time(hour, minute)))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )

    def assertNotOffered(self, response):
        self.assertEqual(response.status_code, 400)
        self.assertIn("This time is not offered at", response.text)
        for words in TAKEN:
            self.assertNotIn(words, response.text)
        self.assertNotIn("Traceback", response.text)

    def test_hold_on_a_time_never_offered_says_so(self):
        # Before opening (08:00), and off the 15-minute grid.
        self.assertNotOffered(self.hold(self.local(2, 7, 37)))
        self.assertNotOffered(self.hold(self.local(2, 9, 7)))
        self.assertFalse(
            self.env["rdv.appointment"].search([("counter_id", "=", self.counter.id)]),
            "nothing held",
        )

    def test_hold_on_a_time_no_longer_offered_or_taken_says_which(self):
        start = self._future_start(days=3, hour=10)
        self.env["rdv.slot"].search(
            [("counter_id", "=", self.counter.id), ("start", "=", start)]
        ).action_suspend()
        self.assertNotOffered(self.hold(start))
        # A time someone took is still "taken", with the next times.
        start = self._future_start(days=3, hour=11)
        self.book_by_phone(start, lastname="Rapide", phone="0699999999")
        taken = self.hold(start)
        self.assertEqual((taken.status_code, page_h1(taken)), (409, "This time was just taken"))

    def test_moving_needs_an_explicit_yes(self):
        appointment = self.book_by_phone(
            self._future_start(days=3, hour=11),
            lastname="Haddad",
            phone="0611111111",
            email="h@example.com",
        )
        old_start = appointment.start
        link = re.search(
            r"/rdv/manage/[\w-]+", self.env["rdv.access.token"]._manage_url(appointment)
        ).group(0)
        manage = self.url_open(link)
        self.assertEqual(page_h1(manage), "Your appointment")
        new_start = self._future_start(days=5, hour=14)
        move = {"counter_id": self.counter.id, "start": fields.Datetime.to_string(new_start)}
        for answer in ("0", "", "false", "off", "no", "non", "2"):
            sure = self.post("/rdv/manage/reschedule", {**move, "confirmed": answer}, manage)
            self.assertEqual(page_h1(sure), "Move your appointment to this time?", answer)
            self.assertEqual(appointment.start, old_start, "not moved on %r" % answer)
        moved = self.post("/rdv/manage/reschedule", {**move, "confirmed": "1"}, sure)
        self.assertIn("Your appointment was moved", moved.text)
        self.assertEqual(appointment.start, new_start)
