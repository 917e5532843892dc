import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from .common import NOW, RdvCase, utc

TUESDAY_9 = utc(2026, 3, 3, 8, 0)


@tagged("post_install", "-at_install")
class TestNotificationQueue(RdvCase):
    """What the citizen must be told is queued, delivered later, retried, never lost."""

    def kinds(self, appointment):
        return appointment.notification_ids.mapped("kind")

    def test_each_event_queues_its_message(self):
        appointment = self.book(TUESDAY_9)
        self.assertEqual(self.kinds(appointment), ["booked"])
        appointment._change_slot(self.counter, utc(2026, 3, 4, 8, 0))
        appointment.slot_ids[:1].action_suspend()
        self.assertEqual(appointment.state, "to_reschedule")
        appointment._cancel(by="agency", reason="Closed")
        self.assertEqual(
            self.kinds(appointment), ["booked", "changed", "to_reschedule", "cancelled"]
        )
        held = self.env["rdv.appointment"]._book(
            self.type_id, self.counter, utc(2026, 3, 5, 8, 0), channel="web", hold=True
        )
        self.assertFalse(held.notification_ids, "nothing is said before the booking counts")

    def test_delivery_retries_with_back_off_then_fails_visibly(self):
        appointment = self.book(TUESDAY_9)
        notification = appointment.notification_ids
        Appointment = type(self.env["rdv.appointment"])
        with patch.object(Appointment, "_deliver_notification", side_effect=OSError("down")):
            self.env["rdv.notification"]._process()
            self.assertEqual((notification.state, notification.attempts), ("pending", 1))
            self.assertEqual(notification.next_attempt_at, NOW + datetime.timedelta(minutes=1))
            self.assertIn("down", notification.last_error)
            self.env["rdv.notification"]._process()
            self.assertEqual(notification.attempts, 1, "not retried before its time")
            for minutes in (1, 6, 21, 81, 321):
                with freeze_time(NOW + datetime.timedelta(minutes=minutes)):
                    self.env["rdv.notification"]._process()
        self.assertEqual((notification.state, notification.attempts), ("failed", 6))

    def test_a_retry_wakes_its_cron_when_due(self):
        """A retry planned a minute later runs then, not at the cron's next
        planned run (every 5 minutes): the run that failed adds a trigger at
        the first retry's time."""
        cron = self.env.ref("rdv_booking.ir_cron_rdv_notifications")
        Trigger = self.env["ir.cron.trigger"].sudo()
        appointment = self.book(TUESDAY_9)
        self.env.cr.flush()
        retry = NOW + datetime.timedelta(minutes=1)

        def planned():
            return Trigger.search_count(
                [("cron_id", "=", cron.id), ("call_at", ">", NOW), ("call_at", "<=", retry)]
            )

        self.assertEqual(planned(), 0)
        Appointment = type(self.env["rdv.appointment"])
        with patch.object(Appointment, "_deliver_notification", side_effect=OSError("down")):
            self.env["rdv.notification"]._process()
        self.assertEqual(appointment.notification_ids.next_attempt_at, retry)
        self.env.cr.flush()  # what commit runs first (precommit hooks)
        self.assertEqual(planned(), 1)

    def test_delivered_once(self):
        appointment = self.book(TUESDAY_9)
        calls = []
        Appointment = type(self.env["rdv.appointment"])
        with patch.object(
            Appointment, "_deliver_notification", side_effect=lambda kind: calls.append(kind)
        ):
            self.env["rdv.notification"]._process()
            self.env["rdv.notification"]._process()
        self.assertEqual(calls, ["booked"])
        self.assertEqual(appointment.notification_ids.state, "done")

    def test_one_failure_does_not_block_the_others(self):
        first = self.book(TUESDAY_9)
        second = self.book(utc(2026, 3, 4, 8, 0), lastname="Aulan", phone="0611111111")
        Appointment = type(self.env["rdv.appointment"])

        def deliver(appointment, kind):
            if appointment == first:
                raise OSError("bad address")
            return True

        with patch.object(Appointment, "_deliver_notification", autospec=True, side_effect=deliver):
            self.env["rdv.notification"]._process()
        self.assertEqual(first.notification_ids.state, "pending")
        self.assertEqual(second.notification_ids.state, "done")

    def test_a_run_in_progress_does_not_cover_a_wake_up(self):
        """The cron is running (another connection holds its row, as Odoo's
        runner does): its due trigger is the one it consumes, and it may have
        looked for work already. A new wake-up adds a trigger, for the next run."""
        import odoo.sql_db

        notify = self.env.ref("rdv_booking.ir_cron_rdv_notifications")
        Trigger = self.env["ir.cron.trigger"].sudo()
        notify._trigger()  # a due trigger, as the running cron found it
        self.env.flush_all()
        due = Trigger.search_count([("cron_id", "=", notify.id)])
        runner = odoo.sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            runner.execute("SET lock_timeout = '10s'")
            runner.execute("SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE", [notify.id])
            self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
            self.env.cr.flush()
            self.assertEqual(Trigger.search_count([("cron_id", "=", notify.id)]), due + 1)
        finally:
            runner.rollback()
            runner.close()

    def test_one_wake_up_for_many_bookings(self):
        """Crons are woken at commit, with one query for all the wake-ups of
        a transaction (each transaction adds its own triggers: see
        test_a_due_trigger_does_not_cover_a_wake_up)."""
        notify = self.env.ref("rdv_booking.ir_cron_rdv_notifications")
        link = self.env.ref("rdv_booking.ir_cron_rdv_link_partners")
        Trigger = self.env["ir.cron.trigger"].sudo()

        def triggers():
            return {
                cron: Trigger.search_count([("cron_id", "=", cron.id)]) for cron in (notify, link)
            }

        before = triggers()
        self.book(TUESDAY_9)
        self.assertEqual(triggers(), before, "nothing before the commit")
        self.env.cr.flush()  # what commit runs first (precommit hooks)
        self.assertEqual(triggers(), {cron: count + 1 for cron, count in before.items()})
        self.book(utc(2026, 3, 4, 8, 0), lastname="Aulan", phone="0611111111")
        self.env.cr.flush()
        self.book(utc(2026, 3, 5, 8, 0), lastname="Vigneau", phone="0622222222")
        self.env.cr.flush()
        self.assertEqual(
            triggers(),
            {cron: count + 3 for cron, count in before.items()},
            "one trigger per cron and transaction",
        )
        query_count = self.env.cr.sql_log_count
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_link_partners")
        self.env.cr.flush()
        self.assertEqual(self.env.cr.sql_log_count - query_count, 1, "one query for both")

    def notifies(self):
        """The NOTIFYs to the cron workers this transaction would send at commit."""
        return [f for f in self.env.cr.postcommit._funcs if f.__name__ == "_notifydb"]

    def test_the_first_wake_up_tells_the_cron_workers(self):
        cron = self.env.ref("rdv_booking.ir_cron_rdv_notifications")
        self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)]).unlink()
        self.env.cr.postcommit.clear()
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
        self.env.cr.flush()
        self.assertEqual(len(self.notifies()), 1)

    def test_a_due_trigger_does_not_cover_a_wake_up(self):
        """A cron's due trigger may be the one a run in progress consumes: the
        run read its work before this transaction commits and deletes its due
        triggers when it ends. The transaction's work gets its own trigger,
        else it would wait for the cron's next planned run."""
        cron = self.env.ref("rdv_booking.ir_cron_rdv_notifications")
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.create({"cron_id": cron.id, "call_at": NOW - datetime.timedelta(seconds=1)})
        self.env.cr.flush()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self.book(TUESDAY_9)
        self.env.cr.flush()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 1)
        # The workers were told of the due trigger already: no NOTIFY (a
        # connection of its own) for each transaction.
        self.env.cr.postcommit.clear()
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
        self.env.cr.flush()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before + 2)
        self.assertFalse(self.notifies())
        # Later wake-ups are covered by a trigger to come by then (it cannot
        # be consumed before this transaction commits).
        soon = NOW + datetime.timedelta(hours=2)
        Trigger.create({"cron_id": cron.id, "call_at": soon})
        self.env.cr.flush()
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        self.env["ir.cron"]._rdv_wake(
            "rdv_booking.ir_cron_rdv_notifications", soon + datetime.timedelta(hours=1)
        )
        self.env.cr.flush()
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)
