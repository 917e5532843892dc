import datetime
import uuid

from odoo import _, api, fields, models

from .sms_sms import SENT_STATES

# Hours before the appointment its reminder is due: the SQL twin of
# rdv.appointment.type._rdv_reminder_hours (t: the type, c: the company).
REMINDER_HOURS_SQL = """
    CASE t.reminder_policy
        WHEN 'custom' THEN t.reminder_hours
        WHEN 'none' THEN 0
        ELSE c.rdv_reminder_hours
    END
"""
REMINDER_JOINS_SQL = f"""
    FROM rdv_appointment a
    JOIN rdv_appointment_type t ON t.id = a.type_id
    JOIN res_company c ON c.id = a.company_id
    CROSS JOIN LATERAL (SELECT {REMINDER_HOURS_SQL} AS hours) d
"""

# While a gateway is switched off on purpose, its SMS wait this long between checks.
SWITCHED_OFF_WAIT = datetime.timedelta(minutes=15)


class RdvNotification(models.Model):
    """One message to one citizen on one channel (e-mail or SMS).

    An event (booked, cancelled...) queues one row per channel the citizen
    gets: SMS for a domestic mobile number when the company sends SMS, and
    e-mail when they gave an address. An SMS that keeps failing is replaced
    by an e-mail. Reminders are queued by their own cron when due, at most
    once per appointment and channel (a unique index).
    """

    _inherit = "rdv.notification"

    kind = fields.Selection(
        selection_add=[("reminder", "Reminder")], ondelete={"reminder": "cascade"}
    )
    state = fields.Selection(
        selection_add=[("fallback", "Replaced by an e-mail"), ("cancelled", "Not sent")],
        ondelete={"fallback": "set default", "cancelled": "set default"},
    )
    status_reason = fields.Selection(
        selection_add=[
            ("no_contact", "no e-mail address and no mobile phone"),
            ("sms_off", "no e-mail address, and SMS are off"),
            ("sms_budget", "no e-mail address, and the SMS budget is used up"),
            ("not_mobile", "not a domestic mobile phone number"),
            ("sms_disabled", "SMS are off"),
            ("sms_cap", "the SMS budget is used up"),
            ("sms_gateway", "the SMS gateway refused it or did not answer"),
        ],
        ondelete=dict.fromkeys(
            (
                "no_contact",
                "sms_off",
                "sms_budget",
                "not_mobile",
                "sms_disabled",
                "sms_cap",
                "sms_gateway",
            ),
            "set null",
        ),
    )
    channel = fields.Selection(
        [("email", "E-mail"), ("sms", "SMS")], default="email", required=True
    )
    sms_id = fields.Many2one("sms.sms", "SMS", readonly=True, ondelete="set null")
    sms_segments = fields.Integer(related="sms_id.rdv_segments", string="Segments")

    def init(self):
        super().init()
        # Exactly one reminder per appointment and channel, whatever runs twice.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS rdv_notification_reminder_once "
            "ON rdv_notification (appointment_id, channel) WHERE kind = 'reminder'"
        )

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------

    @api.model
    def _queue(self, appointments, kind, **values):
        """One row per channel: SMS to domestic mobiles, e-mail to the others and
        to every citizen who gave an address."""
        by_sms = appointments.filtered(lambda a: a._rdv_sms_number())
        by_mail = appointments - by_sms.filtered(lambda a: not a._citizen_email())
        notifications = super()._queue(by_mail, kind, **values)
        if by_sms:
            notifications |= super()._queue(by_sms, kind, **{**values, "channel": "sms"})
        return notifications

    @api.model
    def _queue_reminders(self, batch=5000):
        """Queue every reminder that is due and not queued yet; return how many.

        Due: the appointment is planned, starts in the future, and its
        reminder time has come, after the citizen was last told the time (an
        appointment booked or moved within the delay gets none: its
        confirmation has just been sent). Catches up whatever an outage or a
        missed run left behind.
        """
        now = fields.Datetime.now()
        self.env.flush_all()
        queued = 0
        while True:
            self.env.cr.execute(
                f"""
                SELECT a.id
                {REMINDER_JOINS_SQL}
                WHERE a.state = 'planned'
                  AND a.start > %(now)s
                  AND d.hours > 0
                  AND a.start - make_interval(hours => d.hours) <= %(now)s
                  AND (a.time_told_at IS NULL
                       OR a.time_told_at < a.start - make_interval(hours => d.hours))
                  -- One hashed pass over the reminders, whatever the statistics say
                  -- (a per-row probe is planned as a nested loop after bulk loads).
                  AND a.id NOT IN (
                      SELECT n.appointment_id FROM rdv_notification n WHERE n.kind = 'reminder'
                  )
                ORDER BY a.start
                LIMIT %(batch)s
                """,
                {"now": now, "batch": batch},
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                break
            queued += self._rdv_insert_reminders(self.env["rdv.appointment"].sudo().browse(ids))
            if len(ids) < batch:
                break
        return queued

    @api.model
    def _rdv_insert_reminders(self, appointments):
        """Insert the reminder row of each appointment, on the channel the rule gives.

        An appointment that has one on that channel already keeps it (the
        unique index decides).
        """
        now = fields.Datetime.now()
        rows = {
            "appointment": [],
            "company": [],
            "channel": [],
            "state": [],
            "status": [],
            "reason": [],
        }
        for appointment in appointments:
            reason = None
            if appointment._rdv_sms_number():
                channel, state = "sms", "pending"
            elif appointment._citizen_email():
                channel, state = "email", "pending"
            else:
                channel, state = "email", "cancelled"
                reason = appointment._rdv_silence() or "no_contact"
            rows["appointment"].append(appointment.id)
            rows["company"].append(appointment.company_id.id)
            rows["channel"].append(channel)
            rows["state"].append(state)
            rows["status"].append("not_sent" if reason else "queued")
            rows["reason"].append(reason)
        self.env.flush_all()
        self.env.cr.execute(
            """
            INSERT INTO rdv_notification (appointment_id, company_id, kind, channel, state,
                                          status, status_reason, attempts, next_attempt_at,
                                          create_uid, create_date, write_uid, write_date)
            SELECT r.appointment, r.company, 'reminder', r.channel, r.state,
                   r.status, r.reason, 0, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(appointment)s::int[], %(company)s::int[], %(channel)s::varchar[],
                          %(state)s::varchar[], %(status)s::varchar[], %(reason)s::varchar[])
                   AS r(appointment, company, channel, state, status, reason)
            ON CONFLICT (appointment_id, channel) WHERE kind = 'reminder' DO NOTHING
            """,
            {**rows, "now": now, "uid": self.env.uid},
        )
        inserted = self.env.cr.rowcount
        if inserted:
            self.invalidate_model()
            self.env["rdv.appointment"].invalidate_model(["notification_ids"])
        return inserted

    @api.model
    def _rdv_next_reminder_at(self):
        """When the next reminder not due yet falls due (UTC), or None."""
        self.env.flush_all()
        self.env.cr.execute(
            f"""
            SELECT min(a.start - make_interval(hours => d.hours))
            {REMINDER_JOINS_SQL}
            WHERE a.state = 'planned' AND d.hours > 0
              AND a.start - make_interval(hours => d.hours) > %(now)s
            """,
            {"now": fields.Datetime.now()},
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _rdv_trigger_reminders(self, at):
        """Have the reminder cron run at ``at``, unless a run is planned by then already."""
        self.env["ir.cron"]._rdv_wake("rdv_booking_sms.ir_cron_rdv_reminders", at)

    @api.model
    def _cron_reminders(self):
        """Cron: queue the due reminders, have them sent, sleep until the next one is due.

        Woken by triggers at each reminder time (set when an appointment is
        booked or moved, and here for the next one), not by polling; its
        daily run is only a safety net.
        """
        queued = self._queue_reminders()
        if queued:
            self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
        next_at = self._rdv_next_reminder_at()
        if next_at:
            self._rdv_trigger_reminders(next_at)
        return queued

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    def _rdv_sms_key(self):
        """The identifier this notification's SMS carries to the gateway
        (``{uuid}``): the same at every attempt, also after a process died
        between the gateway's acceptance and our commit (the SMS record made
        then was rolled back), so that a gateway keeping a client reference
        sends it once. Unique per database and notification; a random one
        only if a second SMS of this notification is ever made."""
        self.ensure_one()
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        key = uuid.uuid5(uuid.UUID(database), f"rdv.notification/{self.id}").hex
        if self.env["sms.sms"].sudo().search_count([("uuid", "=", key)], limit=1):
            return uuid.uuid4().hex
        return key

    def _outbox_recover(self):
        """An SMS whose sending was interrupted: the gateway is asked whether it
        has it, by the reference it carried; found, it is recorded as sent (its
        usage counted, the history told) and not sent again."""
        self.ensure_one()
        if self.channel != "sms" or self.state != "pending":
            return super()._outbox_recover()
        if self.sms_id.state in SENT_STATES:
            return True  # recorded after all
        return self._rdv_settle_by_lookup(self.sms_id.uuid or self._rdv_sms_key())

    def _rdv_settle_by_lookup(self, reference):
        """This notification's SMS may be at the gateway already (an attempt
        interrupted, or one with no readable answer): ask the gateway's status
        URL by its ``reference``.

        :return: True when the gateway has it (recorded here as sent: the SMS,
            its usage, the history); None when it has not, or when the gateway
            has no status URL (it goes again, with the same reference); else
            the reason why the gateway could not say (asked again later,
            nothing sent meanwhile)
        """
        appointment = self.appointment_id
        gateway = appointment.company_id.sudo().rdv_sms_gateway_id
        if not (gateway and gateway.provider == "http" and gateway.status_url):
            return None
        answer, detail = gateway._lookup(reference)
        if answer == "absent":
            return None
        if answer == "unknown":
            return _(
                "The gateway may have the message already and could not say whether it has it: %s",
                detail,
            )
        sms = self.sms_id or appointment._rdv_new_sms(
            self.kind,
            appointment._rdv_sms_message(self.kind),
            notification=self,
            sms_uuid=reference,
        )
        sms._rdv_set_result("pending", provider_id=detail)
        sms._rdv_count()
        self._set_status("sent", log=False)
        appointment._rdv_log_sms(
            sms, dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        )
        return True

    def _deliver(self):
        self.ensure_one()
        appointment = self.appointment_id
        if self.kind == "reminder" and (
            appointment.state != "planned" or appointment.start <= fields.Datetime.now()
        ):
            self.state = "cancelled"
            # Nothing to regret: no history note.
            self._set_status("not_sent", "obsolete", log=False)
            return True
        if self.channel == "sms":
            return self._rdv_deliver_sms()
        return super()._deliver()

    def _rdv_deliver_sms(self):
        """Send this notification's SMS; on failure, retry it or send an e-mail instead."""
        appointment = self.appointment_id
        company = appointment.company_id
        if not appointment._rdv_sms_number():
            return self._rdv_fall_back(
                _("SMS: the phone number is not a domestic mobile number."),
                final=True,
                code=appointment._rdv_sms_silence_code(),
            )
        unavailable = company._rdv_sms_unavailable()
        if unavailable:
            gateway = company.sudo().rdv_sms_gateway_id
            if gateway and not gateway.active and not appointment._citizen_email():
                # Switched off on purpose: the SMS waits for it, using up no attempt.
                self.write(
                    {
                        "next_attempt_at": fields.Datetime.now() + SWITCHED_OFF_WAIT,
                        "last_error": unavailable,
                    }
                )
                return False
            return self._rdv_fall_back(
                unavailable, final=True, code=appointment._rdv_sms_silence_code()
            )
        sms = self.sms_id
        if sms and sms.state in ("error", "outgoing"):
            if sms.rdv_maybe_sent:
                # No answer after the request went: the gateway may have it.
                settled = self._rdv_settle_by_lookup(sms.uuid)
                if settled is not None:
                    return settled
            sms.action_set_outgoing()
            sms.send(unlink_failed=False, unlink_sent=True, raise_exception=False)
        elif not (sms and sms.state in SENT_STATES):
            sms = appointment._rdv_send_sms(
                self.kind,
                appointment._rdv_sms_message(self.kind),
                notification=self,
                sms_uuid=self._rdv_sms_key(),
            )
        if sms.state in SENT_STATES:
            # Accepted by the gateway; the history note says so with its segments.
            self._set_status("sent", log=False)
            appointment._rdv_log_sms(
                sms, dict(self._fields["kind"]._description_selection(self.env))[self.kind]
            )
            return True
        reason = sms.rdv_failure_reason or dict(
            sms._fields["failure_type"]._description_selection(self.env)
        ).get(sms.failure_type, _("Unknown error"))
        permanent = sms.failure_type != "sms_server"
        if permanent or self.attempts + 1 >= company.rdv_sms_attempts:
            return self._rdv_fall_back(reason, final=permanent)
        return reason

    def _give_up_reason(self):
        return "sms_gateway" if self.channel == "sms" else super()._give_up_reason()

    def _rdv_fall_back(self, reason, final=False, code="sms_gateway"):
        """The SMS cannot go: e-mail instead if there is an address.

        Without an address: give up now if ``final``, else retry the SMS later.
        ``code``: why, for the message's status (a gateway error by default).
        """
        self.ensure_one()
        appointment = self.appointment_id
        if appointment._citizen_email():
            domain = [
                ("appointment_id", "=", appointment.id),
                ("kind", "=", self.kind),
                ("channel", "=", "email"),
            ]
            if self.kind != "reminder":
                # The e-mail queued with this SMS (same event) needs no twin.
                domain.append(("create_date", ">=", self.create_date))
            if not self.search_count(domain):
                self.create(
                    {"appointment_id": appointment.id, "kind": self.kind, "channel": "email"}
                )
                self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
            self.write({"state": "fallback", "last_error": reason})
            # Not sent by SMS; the e-mail queued instead has its own status.
            self._set_status("not_sent", code, log=False)
            return True
        if final:
            self.write({"state": "failed", "last_error": reason, "attempts": self.attempts + 1})
            if code == "sms_gateway":
                self._set_status("failed", code)
            else:  # nothing reaches this citizen: say why in full
                self._set_status("not_sent", appointment._rdv_silence() or code)
            return True
        return reason
