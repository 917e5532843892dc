"""The citizen's side in Chromium: tours, accessibility (axe-core), keyboard.

The tours are in static/tests/tours/rdv_portal_tours.js. They run against the
server's real clock and a real SMTP sink on loopback: a one-time code is read
from the e-mail the sink received, then given to a second tour that continues
in the same browser session (see :meth:`RdvTourCase._continue_tour`).

axe-core is the npm package installed in var/node by scripts/ensure_deps.sh;
the tours load it from an address that :meth:`RdvTourCase.fetch_proxy`
answers, and fail on any serious or critical violation, listed.
"""

import contextlib
import datetime
import json
import re
import time
import urllib.parse

import odoo
from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser, ChromeBrowserException

from odoo.addons.rdv_booking.tests.axe import AxeTourMixin

from .common import RdvPortalCase, smtp_sink


class RdvTourCase(AxeTourMixin, RdvPortalCase, HttpCase):
    """A commune of its own, Arabic on the website, axe-core served to the browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        arabic = cls.env["res.lang"]._activate_lang("ar_001")
        cls.website.language_ids |= arabic

    def _continue_tour(self, url_path, tour_name, **kwargs):
        """Start a tour in the browser session of the previous one.

        Each browser_js() call starts a new browser and a new session (and
        deletes the previous one): the previous session is kept and its
        cookie given to the new browser, as if the citizen had just read the
        e-mail and come back to the same tab.
        """
        session = self.session
        self.session = None  # so that authenticate() does not delete it
        self.addCleanup(odoo.http.root.session_store.delete, session)
        self.start_tour(url_path, tour_name, cookies={"session_id": session.sid}, **kwargs)

    def _book_by_phone(self, sink, days, hour, email):
        """An appointment booked online earlier; its confirmation e-mail and manage link."""
        appointment = self.env["rdv.appointment"]._book(
            self.rdv_type,
            self.counter,
            self._future_start(days=days, hour=hour),
            channel="web",
            citizen={"lastname": "Martin", "phone": "06 22 33 44 55", "email": email},
        )
        mails = [
            m
            for m in sink.flush(self.env).texts(email)
            if appointment.name + " is confirmed" in m["subject"]
        ]
        self.assertEqual(len(mails), 1, "the confirmation e-mail reached the SMTP sink")
        link = re.search(r'href="[^"]*(/rdv/manage/[\w-]+)"', mails[0]["html"]).group(1)
        return appointment, link

    def _appointments(self, **domain):
        self.env.invalidate_all()
        return self.env["rdv.appointment"].search(
            [("counter_id", "=", self.counter.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def _book_in_browser(self, sink, start_url="/rdv"):
        """The booking tour up to the code page; returns the code sent by e-mail."""
        self.start_tour(start_url, "rdv_portal_booking_tour")
        pending = self._appointments(state="pending")
        self.assertEqual(len(pending), 1, "the tour holds one time")
        self.assertEqual(pending.email, "tour@example.com")
        return sink.last_code("tour@example.com")

    def _my_appointments_tour(self):
        """A portal user's appointment, cancelled from /my in the browser."""
        user = new_test_user(self.env, "rdv_tour_portal", groups="base.group_portal")
        appointment = self.env["rdv.appointment"]._book(
            self.rdv_type,
            self.counter,
            self._future_start(days=3, hour=15),
            channel="phone",
            partner=user.partner_id,
            citizen={"lastname": "Portail", "phone": "0612121212"},
        )
        self.start_tour("/my", "rdv_portal_my_tour", login=user.login)
        self.env.invalidate_all()
        self.assertEqual((appointment.state, appointment.cancelled_by), ("cancelled", "citizen"))


@tagged("post_install", "-at_install")
class TestCitizenTours(RdvTourCase):
    """Each citizen flow, in Chromium."""

    def test_booking(self):
        """Type, place, day and time, details, summary, the code from the SMTP sink."""
        with smtp_sink(self.env) as sink:
            code = self._book_in_browser(sink)
            self._continue_tour(
                "/rdv/booking/verify?tour_code=%s" % code, "rdv_portal_booking_code_tour"
            )
            appointment = self._appointments()
            self.assertEqual(len(appointment), 1)
            self.assertRecordValues(
                appointment,
                [
                    {
                        "state": "planned",
                        "channel": "web",
                        "lastname": "Bois",
                        "firstname": "Jules",
                        "phone": "+33612345678",
                        "email": "tour@example.com",
                        "persons": 1,
                    }
                ],
            )
            self.assertEqual(set(appointment.slot_ids.mapped("state")), {"booked"})
            mails = sink.flush(self.env).texts("tour@example.com")
        confirmation = [m for m in mails if appointment.name + " is confirmed" in m["subject"]]
        self.assertEqual(len(confirmation), 1, "the confirmation e-mail arrived")
        self.assertIn("/rdv/manage/", confirmation[0]["html"])

    def test_cancel_by_link(self):
        """The link of the confirmation e-mail, "are you sure?", cancelled."""
        with smtp_sink(self.env) as sink:
            appointment, link = self._book_by_phone(sink, 3, 10, "martin@example.com")
            slots = appointment.slot_ids
            self.start_tour(link, "rdv_portal_cancel_tour")
            self.env.invalidate_all()
            self.assertEqual(
                (appointment.state, appointment.cancelled_by), ("cancelled", "citizen")
            )
            self.assertEqual(set(slots.mapped("state")), {"free"}, "the time is free again")
            mails = sink.flush(self.env).texts("martin@example.com")
        self.assertTrue([m for m in mails if appointment.name + " is cancelled" in m["subject"]])

    def test_reschedule_by_link(self):
        """The link of the confirmation e-mail, another free time of the same type."""
        with smtp_sink(self.env) as sink:
            appointment, link = self._book_by_phone(sink, 4, 16, "martin@example.com")
            old_start, old_slots = appointment.start, appointment.slot_ids
            self.start_tour(link, "rdv_portal_reschedule_tour")
            self.env.invalidate_all()
            self.assertEqual(appointment.state, "planned")
            self.assertNotEqual(appointment.start, old_start, "the appointment moved")
            self.assertEqual(appointment.type_id, self.rdv_type)
            self.assertEqual(appointment.place_id, self.place)
            self.assertEqual(set(old_slots.mapped("state")), {"free"})
            self.assertEqual(set(appointment.slot_ids.mapped("state")), {"booked"})
            mails = sink.flush(self.env).texts("martin@example.com")
        self.assertTrue([m for m in mails if appointment.name + " has a new time" in m["subject"]])

    def test_manage_by_reference(self):
        """Reference + e-mail + captcha solved by the page, then the code from the sink."""
        with smtp_sink(self.env) as sink:
            appointment, _link = self._book_by_phone(sink, 5, 11, "lea@example.com")
            sent = len(sink.messages)
            query = urllib.parse.urlencode(
                {"tour_reference": appointment.name, "tour_contact": "lea@example.com"}
            )
            self.start_tour("/rdv/manage/find?" + query, "rdv_portal_find_tour")
            self.assertEqual(len(sink.messages), sent, "the code goes after the answer")
            self.env["rdv.otp"]._cron_send_codes()
            self.assertEqual(len(sink.messages), sent + 1, "one code was sent")
            query = urllib.parse.urlencode(
                {"tour_code": sink.last_code("lea@example.com"), "tour_reference": appointment.name}
            )
            self._continue_tour("/rdv/manage/verify?" + query, "rdv_portal_find_code_tour")
        self.env.invalidate_all()
        self.assertEqual(appointment.state, "planned", "opening it changes nothing")

    def test_slot_taken_meanwhile(self):
        """The time is given to someone else before the code is typed: the next times."""
        # From tomorrow on: the time taken meanwhile must still be to come
        # when the agent books it, whatever the hour the test runs at (the
        # hour's notice hides the slots too close to suspend).
        self.rdv_type.min_notice_hours = 1
        tomorrow = datetime.datetime.combine(
            datetime.date.today() + datetime.timedelta(days=1), datetime.time()
        )
        self.env["rdv.slot"].search(
            [
                ("counter_id", "=", self.counter.id),
                ("start", ">", fields.Datetime.now() + datetime.timedelta(minutes=1)),
                ("start", "<", tomorrow),
            ]
        ).action_suspend()
        with smtp_sink(self.env) as sink:
            code = self._book_in_browser(sink)
            pending = self._appointments(state="pending")
            start = pending.start
            # The hold ran out and an agent gave the time to a caller.
            pending.slot_ids._release()
            other = self.book_by_phone(start, lastname="Rapide", phone="0699999999")
            self._continue_tour("/rdv/booking/verify?tour_code=%s" % code, "rdv_portal_taken_tour")
        held = self._appointments(state="pending")
        self.assertEqual(len(held), 1, "only the new hold is pending")
        self.assertGreater(held.start, start, "one of the next free times is held")
        self.assertEqual(set(held.slot_ids.mapped("state")), {"held"})
        self.assertEqual(other.state, "planned")
        self.assertFalse(pending.exists(), "the booking that lost its time is gone")

    def test_error_page(self):
        """A booking step without a booking in progress: the error page."""
        page = self.url_open("/rdv/booking/summary")
        self.assertEqual(page.status_code, 404)
        self.start_tour("/rdv/booking/summary", "rdv_portal_error_tour")

    def test_my_appointments(self):
        """A logged-in user's appointments in /my: list, details, cancel."""
        self._my_appointments_tour()


@tagged("post_install", "-at_install")
class TestCitizenAccessibility(RdvTourCase):
    """The booking on a phone 320 px wide, and in Arabic (right to left).

    The tours check every page with axe-core at the default size already
    (TestCitizenTours); here the same pages at the narrowest width WCAG's
    reflow criterion asks for, and in a right-to-left language.
    """

    browser_size = "320x640"

    def test_booking_on_a_phone(self):
        with smtp_sink(self.env) as sink:
            code = self._book_in_browser(sink)
            self._continue_tour(
                "/rdv/booking/verify?tour_code=%s" % code, "rdv_portal_booking_code_tour"
            )
        self.assertEqual(self._appointments().state, "planned")

    def test_manage_on_a_phone(self):
        with smtp_sink(self.env) as sink:
            appointment, link = self._book_by_phone(sink, 3, 9, "martin@example.com")
            self.start_tour(link, "rdv_portal_cancel_tour")
        self.env.invalidate_all()
        self.assertEqual(appointment.state, "cancelled")

    def test_my_appointments_on_a_phone(self):
        self._my_appointments_tour()

    def test_booking_in_arabic(self):
        page = self.url_open("/ar/rdv")
        self.assertIn('dir="rtl"', page.text[:2000], "Arabic pages are right to left")
        with smtp_sink(self.env) as sink:
            code = self._book_in_browser(sink, start_url="/ar/rdv")
            self._continue_tour(
                "/ar/rdv/booking/verify?tour_code=%s" % code, "rdv_portal_booking_code_tour"
            )
        appointment = self._appointments()
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(appointment.citizen_lang, "ar_001")


class Keyboard:
    """Chromium driven by real key presses (DevTools Input events, trusted like a
    person's): Tab moves the focus as the browser does, Enter and Space activate."""

    KEYS = {"Tab": ("Tab", 9, None), "Enter": ("Enter", 13, "\r"), " ": ("Space", 32, " ")}

    def __init__(self, test, browser):
        self.test = test
        self.browser = browser

    def js(self, expression, timeout=10):
        """The value of ``expression`` in the page (awaited if a promise)."""
        result = self.browser._websocket_request(
            "Runtime.evaluate",
            params={"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if result.get("exceptionDetails"):
            raise AssertionError("%s: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def wait_for(self, expression, what, timeout=20):
        """Wait until ``expression`` is true in the page (pages load in between)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(AssertionError, ChromeBrowserException):
                if self.js(expression):
                    return
            time.sleep(0.1)
        raise AssertionError("Timed out waiting for %s (%s)" % (what, expression))

    def press(self, key):
        code, number, text = self.KEYS[key]
        event = {
            "key": key,
            "code": code,
            "windowsVirtualKeyCode": number,
            "nativeVirtualKeyCode": number,
        }
        down = {**event, "type": "keyDown", **({"text": text} if text else {})}
        self.browser._websocket_request("Input.dispatchKeyEvent", params=down)
        self.browser._websocket_request("Input.dispatchKeyEvent", params={**event, "type": "keyUp"})

    def type(self, text):
        self.browser._websocket_request("Input.insertText", params={"text": text})

    def focused(self, selector):
        return self.js(
            "!!document.activeElement && document.activeElement.matches(%s)" % json.dumps(selector)
        )

    def tab_to(self, selector, max_tabs=150):
        """Press Tab until ``selector`` has the focus; check that the focus shows."""
        for _i in range(max_tabs):
            self.press("Tab")
            if self.focused(selector):
                self.wait_for(
                    "(() => { const s = getComputedStyle(document.activeElement);"
                    " return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)"
                    " || s.boxShadow !== 'none'; })()",
                    "a visible focus on %s" % selector,
                    timeout=3,
                )
                return
        raise AssertionError("%s cannot be reached with the Tab key" % selector)

    def go(self, selector, key="Enter", then=None, what=None):
        """Tab to ``selector``, press ``key``; wait for ``then`` if given."""
        self.tab_to(selector)
        self.press(key)
        if then:
            self.wait_for(then, what or then)


@tagged("post_install", "-at_install")
class TestCitizenKeyboard(RdvTourCase):
    """The whole booking with the keyboard alone, in Chromium."""

    def _page(self, path):
        return "document.readyState === 'complete' && window.location.pathname === %s" % json.dumps(
            path
        )

    def test_booking_by_keyboard(self):
        browser = ChromeBrowser(self)
        keyboard = Keyboard(self, browser)
        try:
            self.http_request_key = self.canonical_tag + "_keyboard"
            self.authenticate(None, None, browser=browser)
            self.cr.flush()
            self.cr.clear()
            with smtp_sink(self.env) as sink:
                browser.navigate_to(self.base_url() + "/rdv", wait_stop=True)
                keyboard.wait_for(self._page("/rdv"), "the types")
                type_path = "/rdv/type/%s" % self.rdv_type.id
                keyboard.go("a.o_rdv_type_card", then=self._page(type_path))
                keyboard.go(
                    "form.o_rdv_where button[type='submit']",
                    then=self._page(type_path + "/places"),
                )
                keyboard.go("a[href*='/slots?place=']", then=self._page(type_path + "/slots"))
                # A month with free days opens (the next one if this one has none left).
                keyboard.go(
                    "table.o_rdv_month a[href*='day=']",
                    then="document.readyState === 'complete' && !!document.getElementById("
                    "'rdv_times') && document.activeElement.id === 'rdv_times'",
                    what="the times of the day, with the focus",
                )
                # The day's last time: the first one of today may pass meanwhile.
                keyboard.go(
                    "#rdv_times li:last-child button[type='submit']",
                    then=self._page("/rdv/booking/details"),
                )
                # Sent empty with Enter in the first field: the errors get the focus.
                keyboard.tab_to("#rdv_lastname")
                keyboard.press("Enter")
                keyboard.wait_for(
                    "document.activeElement && document.activeElement.id === 'rdv_errors'",
                    "the focus on the summary of the errors",
                )
                # Its first link takes the focus to the field.
                keyboard.go("#rdv_errors a[href='#rdv_lastname']")
                keyboard.wait_for(
                    "window.location.hash === '#rdv_lastname'", "the link to the field"
                )
                for field, value in (
                    ("#rdv_lastname", "Clavier"),
                    ("#rdv_firstname", "Zoé"),
                    ("#rdv_phone", "06 98 76 54 32"),
                    ("#rdv_email", "clavier@example.com"),
                ):
                    keyboard.tab_to(field)
                    keyboard.js("document.activeElement.select()")
                    keyboard.type(value)
                keyboard.go("#rdv_consent", key=" ")
                self.assertTrue(keyboard.js("document.getElementById('rdv_consent').checked"))
                keyboard.go(
                    "form.o_rdv_details button[type='submit']",
                    then=self._page("/rdv/booking/summary"),
                )
                keyboard.wait_for(
                    "!!document.querySelector('.o_rdv_captcha_ready')", "the anti-robot check"
                )
                keyboard.go(
                    "form[action$='/rdv/booking/code'] button[type='submit']",
                    then=self._page("/rdv/booking/verify"),
                )
                keyboard.wait_for(
                    "document.activeElement.id === 'rdv_code'", "the focus on the code field"
                )
                keyboard.type(sink.last_code("clavier@example.com"))
                keyboard.press("Enter")
                keyboard.wait_for(self._page("/rdv/booking/done"), "the confirmation")
                # Let the page's scripts finish starting before the browser closes.
                keyboard.wait_for(
                    "!!(window.odoo && odoo.__WOWL_DEBUG__ && odoo.__WOWL_DEBUG__.root)",
                    "the page's scripts",
                )
                self.assertFalse(browser.had_failure, "no error in the browser's console")
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
        appointment = self._appointments(lastname="Clavier")
        self.assertEqual(appointment.state, "planned")
        self.assertEqual(appointment.email, "clavier@example.com")
