import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SmsCase, utc


@tagged("post_install", "-at_install")
class TestSmsBudget(SmsCase):
    """Segments and estimated cost per company, a monthly cap with alerts, e-mail beyond it."""

    def book_n(self, count, email=""):
        return [
            self.book(
                utc(2026, 3, 3, 8, 0) + datetime.timedelta(minutes=30 * i),
                lastname="Citizen%s" % i,
                phone="06980000%02d" % i,
                email=email and "c%s@example.com" % i,
            )
            for i in range(count)
        ]

    def test_usage_and_estimated_cost_per_company(self):
        self.company.rdv_sms_segment_price = 0.05
        self.book_n(3)
        self.deliver()
        usage = self.company._rdv_sms_month_usage()
        self.assertEqual((usage["sms"], usage["segments"]), (3, 3))
        self.assertAlmostEqual(usage["cost"], 0.15)
        other = self.env["res.company"].create({"name": "Autre commune"})
        self.assertEqual(other._rdv_sms_month_usage()["sms"], 0, "per company")
        stats = (
            self.env["rdv.sms.usage"]
            .with_user(self.manager)
            ._read_group(
                [("company_id", "=", self.company.id)], ["kind"], ["segments:sum", "cost:sum"]
            )
        )
        self.assertEqual([(kind, segments) for kind, segments, _cost in stats], [("booked", 3)])
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.rdv_sms_month_segments, 3)

    def test_cap_alerts_the_managers_then_falls_back_to_email(self):
        manager_partner = self.manager.partner_id
        self.company.write({"rdv_sms_monthly_cap": 4, "rdv_sms_alert_percent": 50})
        appointments = self.book_n(5, email="yes")
        self.deliver()
        sent = [
            a
            for a in appointments
            if a.notification_ids.filtered(lambda n: n.channel == "sms").state == "done"
        ]
        self.assertEqual(len(sent), 4)
        last_sms = appointments[4].notification_ids.filtered(lambda n: n.channel == "sms")
        self.assertEqual(last_sms.state, "fallback")
        self.assertIn("monthly SMS cap (4 segments) is reached", last_sms.last_error)
        self.assertEqual(len(self.stub.messages), 4)
        alerts = self.company.partner_id.message_ids.filtered(lambda m: "SMS" in (m.subject or ""))
        self.assertEqual(
            sorted(alerts.mapped("subject")),
            ["SMS: 50% of the monthly cap is used", "SMS: the monthly cap is reached"],
        )
        for alert in alerts:
            self.assertIn(manager_partner, alert.partner_ids, "the managers are told")
        # Codes go by e-mail too while the cap is reached.
        self.assertEqual(appointments[0]._otp_destination()[0], "email")
        self.deliver()
        self.assertEqual(len(alerts), 2, "once a month")

    def test_statistics_are_for_managers(self):
        self.book_n(1)
        self.deliver()
        agent = self._make_user("sms_agent", self.company)
        self.assertEqual(self.env["rdv.sms.usage"].with_user(self.manager).search_count([]), 1)
        with self.assertRaises(AccessError):
            self.env["rdv.sms.usage"].with_user(agent).search_count([])
