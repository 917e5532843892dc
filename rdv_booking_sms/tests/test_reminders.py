import collections
import datetime

import psycopg2
from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import NOW, SmsCase, utc

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)


@tagged("post_install", "-at_install")
class TestReminders(SmsCase):
    """Reminders: due a delay before, once per appointment and channel, woken by triggers."""

    def reminders(self):
        Notification = self.env["rdv.notification"]
        queued = Notification._cron_reminders()
        while Notification._process(limit=500):
            pass
        return queued

    def test_sent_once_at_the_delay_before(self):
        start = utc(2026, 3, 5, 8, 0)  # Thursday; reminder due Tuesday 08:00 UTC
        appointment = self.book(start, email="jules@example.com")
        self.deliver()  # the confirmation
        self.assertEqual(appointment._rdv_reminder_at(), start - 48 * HOUR)
        cron = self.env.ref("rdv_booking_sms.ir_cron_rdv_reminders")
        self.env.cr.flush()  # crons are woken when the transaction commits
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertIn(start - 48 * HOUR, triggers.mapped("call_at"), "woken when due, no polling")
        with freeze_time(start - 48 * HOUR - MINUTE):
            self.assertEqual(self.reminders(), 0, "not due yet")
        with freeze_time(start - 48 * HOUR):
            self.assertEqual(self.reminders(), 1)
            self.assertEqual(self.reminders(), 0)
        with freeze_time(start - 2 * HOUR):
            self.assertEqual(self.reminders(), 0, "never twice")
        self.assertEqual(self.rows(appointment, "reminder"), [("reminder", "sms", "done")])
        texts = [t for t in self.stub.texts() if t.startswith("Reminder")]
        self.assertEqual(len(texts), 1)
        self.assertIn("Thu 5 Mar 09:00", texts[0], "the place's time")
        self.assertIn("/rdv/manage/", texts[0], "a link to cancel or move it")

    def test_delays_per_company_and_type_and_the_email_channel(self):
        self.company.rdv_reminder_hours = 24
        by_mail = self.book(utc(2026, 3, 6, 8, 0), phone="+212661234567", email="y@example.com")
        self.type_id.write({"reminder_policy": "custom", "reminder_hours": 72})
        self.assertEqual(by_mail._rdv_reminder_at(), utc(2026, 3, 3, 8, 0))
        self.type_id.reminder_policy = "company"
        self.assertEqual(by_mail._rdv_reminder_at(), utc(2026, 3, 5, 8, 0))
        with freeze_time(utc(2026, 3, 5, 8, 0)):
            self.reminders()
        self.assertEqual(self.rows(by_mail, "reminder"), [("reminder", "email", "done")])
        self.type_id.reminder_policy = "none"
        other = self.book(utc(2026, 3, 6, 9, 0), lastname="Aulan", phone="0698765432")
        self.assertFalse(other._rdv_reminder_at())
        with freeze_time(utc(2026, 3, 6, 8, 30)):
            self.reminders()
        self.assertFalse(self.rows(other, "reminder"))

    def test_none_when_booked_within_the_delay_or_cancelled(self):
        late = self.book(utc(2026, 3, 3, 8, 0))  # tomorrow: the confirmation is enough
        self.assertEqual(late.time_told_at, NOW)
        cancelled = self.book(utc(2026, 3, 5, 8, 0), lastname="Aulan", phone="0698765432")
        cancelled._cancel(by="citizen")
        with freeze_time(utc(2026, 3, 3, 7, 0)):
            self.reminders()
        self.assertFalse(self.rows(late, "reminder"))
        self.assertFalse(self.rows(cancelled, "reminder"))
        # Moved to next week: reminded 48 hours before the new time.
        late._change_slot(self.counter, utc(2026, 3, 10, 8, 0))
        with freeze_time(utc(2026, 3, 8, 8, 0)):
            self.reminders()
        self.assertEqual(self.rows(late, "reminder"), [("reminder", "sms", "done")])

    def test_cancelled_after_queueing_is_not_sent(self):
        appointment = self.book(utc(2026, 3, 5, 8, 0))
        self.deliver()
        self.stub.messages.clear()
        with freeze_time(utc(2026, 3, 3, 8, 0)):
            self.env["rdv.notification"]._cron_reminders()
            appointment._cancel(by="citizen")
            self.env["rdv.notification"]._process()
        row = appointment.notification_ids.filtered(lambda n: n.kind == "reminder")
        self.assertEqual(row.state, "cancelled")
        self.assertFalse([t for t in self.stub.texts() if t.startswith("Reminder")])

    def test_unique_per_appointment_and_channel_in_the_database(self):
        appointment = self.book(utc(2026, 3, 5, 8, 0))
        with freeze_time(utc(2026, 3, 3, 8, 0)):
            self.env["rdv.notification"]._queue_reminders()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.IntegrityError),
            self.cr.savepoint(),
        ):
            self.cr.execute(
                "INSERT INTO rdv_notification (appointment_id, kind, channel, state, attempts) "
                "VALUES (%s, 'reminder', 'sms', 'pending', 0)",
                (appointment.id,),
            )

    def test_5000_reminders_through_an_outage(self):
        """5,000 due within two hours; the gateway down 40 minutes, the cron missing
        three runs, 250 appointments cancelled (50 while their reminder waits)."""
        count, window = 5000, 2 * HOUR
        partner = self.env["res.partner"].create({"name": "BOIS Jules"})
        first_start = NOW + 48 * HOUR
        self.env.flush_all()
        self.cr.execute(
            """
            INSERT INTO rdv_appointment (name, type_id, service_id, counter_id, place_id,
                company_id, start, stop, persons, duration, channel, state, partner_id,
                lastname, phone, cancel_rate, no_show_rate,
                create_uid, create_date, write_uid, write_date)
            SELECT 'REM' || lpad(i::text, 5, '0'), %(type)s, %(service)s, %(counter)s,
                   %(place)s, %(company)s,
                   %(first)s + i * %(step)s, %(first)s + i * %(step)s + interval '15 minutes',
                   1, 15, 'counter', CASE WHEN i %% 25 = 0 THEN 'cancelled' ELSE 'planned' END,
                   %(partner)s, 'Bois', '+3361' || lpad(i::text, 7, '0'), 0, 0,
                   1, %(created)s, 1, %(created)s
              FROM generate_series(0, %(last)s) AS i
            RETURNING id, phone, state
            """,
            {
                "type": self.type_id.id,
                "service": self.type_id.service_id.id,
                "counter": self.counter.id,
                "place": self.place.id,
                "company": self.company.id,
                "first": first_start,
                "step": window / count,
                "partner": partner.id,
                "created": NOW - 7 * 24 * HOUR,
                "last": count - 1,
            },
        )
        rows = self.cr.fetchall()
        Appointment = self.env["rdv.appointment"]
        cancelled = {phone for _id, phone, state in rows if state == "cancelled"}
        self.assertEqual(len(cancelled), 200)
        late_cancel = Appointment.browse(
            [id_ for id_, _phone, state in rows if state == "planned"][1000:1050]
        )
        timeline = {}
        for minutes in range(0, 8 * 60 + 1, 10):
            if 80 <= minutes <= 100:
                continue  # the cron did not run (server restarted)
            timeline[minutes] = "down" if 30 <= minutes < 70 else "ok"
        for minutes, mode in timeline.items():
            self.stub.mode = mode
            with freeze_time(NOW + minutes * MINUTE):
                if minutes == 40:
                    # Their reminders are queued, and failing: they must never go.
                    self.assertTrue(late_cancel.notification_ids)
                    late_cancel._cancel(by="citizen")
                self.reminders()
        cancelled |= set(late_cancel.mapped("phone"))
        sent = collections.Counter(
            m["to"] for m in self.stub.messages if m["text"].startswith("Reminder")
        )
        expected = {phone for _id, phone, _state in rows} - cancelled
        self.assertEqual(len(expected), count - 250)
        self.assertEqual(set(sent), expected, "every reminder sent, none for cancelled ones")
        self.assertEqual(max(sent.values()), 1, "none twice")
        self.assertTrue(any(r["mode"] == "down" for r in self.stub.requests), "the outage was hit")
        Notification = self.env["rdv.notification"]
        self.assertEqual(
            Notification.search_count([("kind", "=", "reminder"), ("state", "=", "done")]),
            count - 250,
        )
        with freeze_time(NOW + 9 * HOUR):
            self.assertEqual(self.reminders(), 0)
        self.assertEqual(
            len(self.stub.messages), count - 250 + 50, "and the 50 cancellations, told by SMS"
        )
