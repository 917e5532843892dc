import datetime

import lxml.html

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RdvCase, utc

REPORT = "rdv_booking.action_report_rdv_day_sheet"


@tagged("post_install", "-at_install")
class TestDaySheet(RdvCase):
    """The printed day sheet: one page per day and counter, in time order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.counter_2 = cls._make_counter("Counter 2")
        cls.late = cls.book(utc(2026, 3, 3, 13, 0), lastname="Aulan", phone="0611111111")
        cls.early = cls.book(
            utc(2026, 3, 3, 8, 0), persons=2, comment="Vient avec sa fille", email="j@example.com"
        )
        cls.cancelled = cls.book(utc(2026, 3, 3, 9, 0), lastname="Perrin", phone="0622222222")
        cls.cancelled._cancel(by="citizen")
        cls.other_counter = cls.book(
            utc(2026, 3, 3, 8, 0), counter=cls.counter_2, lastname="Roux", phone="0633333333"
        )
        cls.next_day = cls.book(utc(2026, 3, 4, 8, 0), lastname="Morel", phone="0644444444")
        cls.appointments = cls.late | cls.early | cls.cancelled | cls.other_counter | cls.next_day

    def test_pages_per_day_and_counter_in_time_order(self):
        pages = self.env["report.rdv_booking.report_rdv_day_sheet"]._get_pages(self.appointments)
        self.assertEqual(
            [(page["counter"], page["day"]) for page in pages],
            [
                (self.counter, "Tuesday 3 March 2026"),
                (self.counter_2, "Tuesday 3 March 2026"),
                (self.counter, "Wednesday 4 March 2026"),
            ],
        )
        first = pages[0]
        self.assertEqual(
            [row["appointment"] for row in first["rows"]], [self.early, self.cancelled, self.late]
        )
        self.assertEqual(
            [row["time"] for row in first["rows"]],
            ["09:00 - 10:00", "10:00 - 10:30", "14:00 - 14:30"],
        )
        self.assertEqual(first["rows"][2]["phone"], "06 11 11 11 11", "national format")
        self.assertEqual(first["rows"][1]["status"], "Cancelled")
        self.assertEqual(
            (first["appointments"], first["persons"], first["total"]),
            (2, 3, "2 appointments, 3 persons"),
            "the cancelled one is listed, not counted",
        )
        self.assertEqual(pages[1]["total"], "1 appointment, 1 person")

    def test_lost_and_cancelled_listed_void_counters_named_alike_apart(self):
        lost = self.book(utc(2026, 3, 3, 14, 0), lastname="Roy", phone="0655555555")
        lost._lose_slots("closure", "Staff meeting")
        twin = self._make_counter("Counter 2")  # the name of counter_2, at the same place
        twin_booking = self.book(
            utc(2026, 3, 3, 8, 0), counter=twin, lastname="Jumeau", phone="0666666666"
        )
        pages = self.env["report.rdv_booking.report_rdv_day_sheet"]._get_pages(
            lost | self.cancelled | self.other_counter | twin_booking
        )
        self.assertEqual([page["counter"] for page in pages], [self.counter, self.counter_2, twin])
        first = pages[0]
        self.assertEqual([row["appointment"] for row in first["rows"]], [self.cancelled, lost])
        self.assertEqual([row["void"] for row in first["rows"]], [True, True], "struck through")
        self.assertEqual(first["rows"][1]["status"], "To reschedule")
        self.assertEqual(first["total"], "No appointment left")
        self.assertEqual(pages[2]["total"], "1 appointment, 1 person")

    def test_an_agent_prints_at_a_counter_no_longer_offering_the_type(self):
        # The ID card agent sees the appointment (their service's type), not
        # the counter since it offers only civil status.
        self.counter_2.type_ids = self.type_civil
        self.env.invalidate_all()  # read as the agent, not from the setup's cache
        html = (
            self.env["ir.actions.report"]
            .with_user(self.agent_id)
            ._render_qweb_html(REPORT, self.other_counter.ids)[0]
            .decode()
        )
        self.assertIn("Town hall - Counter 2", html)
        self.assertIn(self.other_counter.name, html)

    def test_holds_are_left_out(self):
        hold = self.env["rdv.appointment"]._book(
            self.type_id, self.counter, utc(2026, 3, 3, 10, 0), channel="web", hold=True
        )
        pages = self.env["report.rdv_booking.report_rdv_day_sheet"]._get_pages(self.early | hold)
        self.assertEqual([row["appointment"] for row in pages[0]["rows"]], [self.early])
        self.assertFalse(self.env["report.rdv_booking.report_rdv_day_sheet"]._get_pages(hold))

    def test_every_row_has_every_cell(self):
        """A row without note nor phone keeps its nine cells: the columns
        do not shift."""
        self.late.write({"phone": False, "comment": False})
        html = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.appointments.ids)[0]
        rows = lxml.html.fromstring(html).xpath("//div[hasclass('o_rdv_day_sheet')]//tbody/tr")
        self.assertEqual(len(rows), 5)
        self.assertEqual({len(row.xpath("./td")) for row in rows}, {9})

    def test_an_erased_citizen_is_not_shown(self):
        self.env["rdv.citizen"]._erase_personal_data(self.next_day)
        html = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.next_day.ids)[0]
        self.assertIn(b"(personal data erased)", html)
        self.assertIn(self.next_day.name.encode(), html)

    def test_printed_in_french_for_a_french_agent(self):
        self._load_french()
        html = (
            self.env["ir.actions.report"]
            .with_context(lang="fr_FR")
            ._render_qweb_html(REPORT, self.appointments.ids)[0]
            .decode()
        )
        self.assertIn("mardi 3 mars 2026", html)
        self.assertIn("2 rendez-vous, 3 personnes", html)
        self.assertIn("Annulé", html)

    def test_printed_from_the_menu_for_a_day(self):
        Print = self.env["rdv.day.sheet.print"].with_user(self.agent_id)
        wizard = Print.create({})
        self.assertEqual(wizard.day, datetime.date(2026, 3, 2), "today by default")
        with self.assertRaisesRegex(UserError, "No appointment on 03/02/2026 at these counters"):
            wizard.action_print()
        wizard.day = datetime.date(2026, 3, 3)
        action = wizard.action_print()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "rdv_booking.report_rdv_day_sheet")
        self.assertTrue(action["close_on_report_download"], "the dialog closes once printed")
        self.assertEqual(
            set(action["context"]["active_ids"]),
            set((self.early | self.cancelled | self.late | self.other_counter).ids),
        )
        wizard.counter_ids = self.counter_2
        self.assertEqual(wizard.action_print()["context"]["active_ids"], self.other_counter.ids)
        annex = self.env["rdv.place"].create({"name": "Annex", "tz": "Europe/Paris"})
        with self.assertRaises(UserError):
            Print.create({"day": "2026-03-03", "place_id": annex.id}).action_print()
        # Another service's agent sees none of them.
        with self.assertRaisesRegex(UserError, "No appointment"):
            self.env["rdv.day.sheet.print"].with_user(self.agent_civil).create(
                {"day": "2026-03-03"}
            ).action_print()
