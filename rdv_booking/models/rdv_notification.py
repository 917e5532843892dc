import datetime
import logging
from collections import Counter, defaultdict

from odoo import _, api, fields, models
from odoo.tools.i18n import format_list

from ..tools import actions

_logger = logging.getLogger(__name__)

# What became of a message, as the citizen would see it: "sent" only once the
# mail server or the SMS gateway accepted it.
STATUSES = [
    ("queued", "Queued (not sent yet)"),
    ("sent", "Sent"),
    ("not_sent", "Not sent"),
    ("failed", "Failed"),
]
# Why a message was not sent, or failed (phrases that follow a colon); the
# channel addons add theirs.
REASONS = [
    ("no_channel", "no channel to citizens is installed (e-mail, SMS)"),
    ("no_email", "no e-mail address"),
    ("email_invalid", "the e-mail address is not valid"),
    ("mail_refused", "the mail server refused it"),
    ("mail_unreachable", "the mail server could not be reached"),
    ("error", "the message could not be prepared"),
    ("obsolete", "the appointment is no longer to come"),
]


class RdvNotification(models.Model):
    """What the citizen must be told, queued until it is delivered.

    The life-cycle hooks of the appointment (booked, moved, cancelled, to
    reschedule) only queue a row: the request that books stays fast, and a
    failed delivery (mail server down, SMS gateway down) is retried with
    back-off instead of being lost. Delivery itself is done by the channel
    addons (e-mail in rdv_booking_portal, SMS in rdv_booking_sms) through
    ``rdv.appointment._deliver_notification``.
    """

    _name = "rdv.notification"
    _inherit = ["rdv.outbox.mixin"]
    _outbox_cron = "rdv_booking.ir_cron_rdv_notifications"
    _description = "Appointment notification"
    _order = "id"

    appointment_id = fields.Many2one(
        "rdv.appointment", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="appointment_id.company_id", store=True, precompute=True)
    kind = fields.Selection(
        [
            ("booked", "Confirmation"),
            ("changed", "New time"),
            ("cancelled", "Cancellation"),
            ("to_reschedule", "To reschedule"),
        ],
        required=True,
    )
    # What the citizen got (see _set_status): never "sent" before the mail
    # server or the SMS gateway accepted the message.
    status = fields.Selection(STATUSES, default="queued", required=True, readonly=True)
    status_reason = fields.Selection(REASONS, "Why", readonly=True)
    # Whom to call about a message not sent (the list of messages not sent).
    citizen_name = fields.Char(related="appointment_id.citizen_name")
    phone_display = fields.Char(related="appointment_id.phone_display", string="Phone")
    start_local = fields.Char(related="appointment_id.start_local")
    mail_id = fields.Many2one(
        "mail.mail", "E-mail", readonly=True, ondelete="set null", index="btree_not_null"
    )

    @api.model
    def _add_precomputed_values(self, vals_list):
        """The commune from the appointment the caller holds, without the new
        records the ORM would compute it on (see the appointment's)."""
        company_id = self._fields["company_id"]
        for vals in vals_list:
            if vals.get("appointment_id"):
                appointment = self.env["rdv.appointment"].browse(vals["appointment_id"])
                vals["company_id"] = appointment.company_id.id
                vals["__precomputed__"] = {company_id}
        return super()._add_precomputed_values(vals_list)

    @api.model
    def _queue(self, appointments, kind, **values):
        """Queue ``kind`` for each appointment and wake the sender up.

        ``values``: more fields of the rows (the channel addons' ``channel``),
        given here and not as ``default_`` context keys, which ``sudo()``
        drops for a user who is not a superuser (an agent booking).
        """
        if not appointments:
            return self
        notifications = self.sudo().create(
            [
                {"appointment_id": appointment.id, "kind": kind, **values}
                for appointment in appointments
            ]
        )
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_notifications")
        return notifications

    def _outbox_context_row(self):
        """In the language of the commune's office: the errors its agents read."""
        return self.with_context(lang=self.appointment_id._office_lang())

    def _deliver(self):
        """Deliver this notification.

        :return: True when delivered (or when nothing is left to do); False
            when postponed (the delivery set ``next_attempt_at`` itself, no
            attempt counted); else the reason of a failure to retry later,
            what was recorded being kept (an SMS in error state, for
            instance). Raise to retry later with everything done here undone.
        """
        self.ensure_one()
        outcome = self.appointment_id._deliver_notification(self.kind)
        if isinstance(outcome, models.BaseModel) and outcome._name == "mail.mail":
            # Handed to Odoo's mail queue: sent or failed when it runs (mail.mail).
            self.mail_id = outcome[:1]
        elif isinstance(outcome, str):
            self._set_status("not_sent", outcome)
        return True

    def _set_status(self, status, reason=False, detail=None, log=True):
        """Record what became of these messages and, with ``log``, say it in
        the appointment's history (an agent reading it knows whom to call)."""
        values = {"status": status, "status_reason": reason or False}
        if detail is not None:
            values["last_error"] = str(detail or "")[:2000]
        self.write(values)
        if log and status != "queued":
            for notification in self:
                # A log, not a post: no follower to notify.
                office = notification.with_context(lang=notification.appointment_id._office_lang())
                notification.appointment_id._message_log(body=office._status_text())

    def _status_text(self):
        """ "Confirmation (E-mail): not sent: no e-mail address." and the like."""
        self.ensure_one()
        what = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        if "channel" in self._fields:
            what = "%s (%s)" % (
                what,
                dict(self._fields["channel"]._description_selection(self.env))[self.channel],
            )
        status = dict(self._fields["status"]._description_selection(self.env))[self.status]
        if not self.status_reason:
            return _("%(what)s: %(status)s.", what=what, status=status)
        return _(
            "%(what)s: %(status)s: %(reason)s.",
            what=what,
            status=status.lower(),
            reason=self._reason_text(self.status_reason),
        )

    @api.model
    def _told_summary(self, appointments):
        """What the agent must know once the citizens of ``appointments`` are
        being told of a change: how many get a message, and whom to call
        (no e-mail, no usable mobile). ``(text, everyone_told)``."""
        silent = appointments.filtered(lambda appointment: appointment._rdv_silence())
        told = len(appointments) - len(silent)
        parts = []
        if told:
            parts.append(
                _("1 citizen is being told by message.")
                if told == 1
                else _("%s citizens are being told by message.", told)
            )
        if silent:
            parts.append(self._to_call_sentence(silent))
        return " ".join(parts), not silent

    @api.model
    def _moved_summary(self, appointments):
        """Once a change moved ``appointments`` to "To reschedule": how many
        messages to their citizens were queued, on which channel and in which
        status (queued is not sent), counted from the messages themselves, and
        whom to call. ``(text, everyone_told)``."""
        moved = appointments.filtered(lambda appointment: appointment.state == "to_reschedule")
        silent = moved.filtered(lambda appointment: appointment._rdv_silence())
        latest = {}
        for row in self.sudo().search(
            [("appointment_id", "in", (moved - silent).ids), ("kind", "=", "to_reschedule")],
            order="id desc",
        ):
            latest.setdefault((row.appointment_id.id, row._channel_name()), row)
        statuses = dict(self._fields["status"]._description_selection(self.env))
        counts = defaultdict(Counter)
        for (_appointment, channel), row in latest.items():
            counts[channel][row.status] += 1
        parts = [_("Appointments moved to 'To reschedule': %s.", len(moved))]
        if counts:
            per_channel = []  # a loop: _() reads the language in this frame
            for channel, by_status in sorted(counts.items()):
                per_channel.append(
                    _(
                        "%(channel)s: %(statuses)s",
                        channel=channel,
                        statuses=format_list(
                            self.env,
                            [
                                "%s %s" % (count, statuses[status].lower())
                                for status, count in sorted(by_status.items())
                            ],
                            style="unit",
                        ),
                    )
                )
            parts.append(_("Messages to their citizens: %s.", "; ".join(per_channel)))
        if silent:
            parts.append(self._to_call_sentence(silent))
        return " ".join(parts), not silent

    @api.model
    def _to_call_sentence(self, appointments):
        """ "2 citizens cannot be told, call them: ..." for the agent, each
        with their phone and why no message reaches them (a citizen with a
        landline is reachable, by a call)."""
        who = self._to_call(appointments)
        if len(appointments) == 1:
            return _("1 citizen cannot be told, call them: %s.", who)
        return _(
            "%(count)s citizens cannot be told, call them: %(who)s.",
            count=len(appointments),
            who=who,
        )

    @api.model
    def _to_call(self, appointments):
        """The citizens of ``appointments`` to call, for the agent: reference,
        name, phone and why no message reaches them."""
        # The reference and the citizen are one item, joined by a dash (a
        # list's "and" read as two people); the colon is the reader's (French
        # puts a non-breaking space before it).
        items = []
        for appointment in appointments:
            items.append(
                _(
                    "%(who)s: %(why)s",
                    who=self._citizen_item(appointment, phone=True),
                    why=self._reason_text(appointment._rdv_silence()),
                )
            )
        return self._semicolon_list(items)

    @api.model
    def _citizen_item(self, appointment, phone=False):
        """An appointment in a notice for the agent: 'K7MQ-4XR2 – DURAND Léa',
        with ``phone`` '(06 12 34 56 78)' when it has one. The reference and
        the citizen are one item, joined by a dash: a list's 'and' between
        them read as two people."""
        item = "%s – %s" % (appointment.name, appointment.citizen_name or "")
        if phone and appointment.phone:
            item += " (%s)" % appointment.phone_display
        return item

    @api.model
    def _semicolon_list(self, items):
        """Items of a notice, each of which may hold commas, joined by the
        reader's semicolon (French puts a non-breaking space before it)."""
        joined = ""
        for item in items:  # a loop: _() reads the language in this frame
            joined = _("%(before)s; %(after)s", before=joined, after=item) if joined else item
        return joined

    def _channel_name(self):
        """The channel this message goes by, as the agent reads it."""
        self.ensure_one()
        if "channel" in self._fields:
            return dict(self._fields["channel"]._description_selection(self.env))[self.channel]
        # Without the SMS addon, the website addon delivers by e-mail only.
        return _("E-mail")

    @api.model
    def _silent_preview(self, appointments):
        """Said before a change the citizens of ``appointments`` would be told of:
        how many cannot be told at all (to call), or ''."""
        silent = appointments.filtered(
            lambda appointment: appointment.state != "pending" and appointment._rdv_silence()
        )
        if not silent:
            return ""
        who = self._semicolon_list(
            [self._citizen_item(appointment, phone=True) for appointment in silent]
        )
        if len(appointments) == 1:
            return _(
                "Its citizen cannot be told (no e-mail address, and no mobile phone SMS can "
                "reach): %s. Call them.",
                who,
            )
        if len(silent) == 1:
            return _(
                "1 of them cannot be told (no e-mail address, and no mobile phone SMS can "
                "reach): %s. Call them.",
                who,
            )
        return _(
            "%(count)s of them cannot be told (no e-mail address, and no mobile phone SMS can "
            "reach): %(who)s. Call them.",
            count=len(silent),
            who=who,
        )

    @api.model
    def _told_notification(self, appointments, message, next_action=None):
        """The agent's notice after a change the citizens of ``appointments`` are
        told of: ``message``, then who gets a message and whom to call (the
        notice then stays until closed)."""
        summary, everyone = self._told_summary(appointments)
        return actions.notification(
            " ".join(part for part in (message, summary) if part),
            "success" if everyone else "warning",
            next_action=next_action,
            sticky=not everyone,
        )

    @api.model
    def _reason_text(self, reason):
        """The words of a reason code, in the user's language."""
        return dict(self._fields["status_reason"]._description_selection(self.env)).get(
            reason, reason or ""
        )

    @api.model
    def _mail_outcome(self, mails, failure_type=None, failure_reason=False):
        """The mail queue tried ``mails``: the messages they carry were sent or failed.

        A mail server that could not be reached (down, restarting) is no
        answer about the message: Odoo's queue would leave the e-mail failed
        for good, never sent. It is queued again after the outbox's back-off
        delays instead, and fails only once they are spent.
        """
        notifications = self.sudo().search([("mail_id", "in", mails.ids)])
        if not notifications:
            return
        if not failure_type:
            notifications._set_status("sent")
            return
        if failure_type == "mail_smtp":
            waiting = notifications.filtered(
                lambda row: row.attempts <= len(row._outbox_retry_delays())
            )
            waiting._mail_retry_later(failure_reason)
            notifications -= waiting
            if not notifications:
                return
        reason = {
            "mail_email_invalid": "email_invalid",
            "mail_email_missing": "email_invalid",
            "mail_smtp": "mail_unreachable",
        }.get(failure_type, "mail_refused")
        for notification in notifications:
            notification._set_status(
                "failed", reason, failure_reason or notification.mail_id.failure_reason
            )

    def _mail_retry_later(self, reason):
        """Put the e-mails of these messages back in Odoo's mail queue, due
        after the next back-off delay, each counted as an attempt."""
        now = fields.Datetime.now()
        for notification in self:
            # The outbox's own delivery was the first attempt.
            delay = notification._outbox_retry_delays()[max(notification.attempts - 1, 0)]
            due = now + datetime.timedelta(minutes=delay)
            notification.mail_id.write(
                {"state": "outgoing", "scheduled_date": due, "failure_reason": reason}
            )
            notification.write(
                {"attempts": notification.attempts + 1, "last_error": str(reason or "")[:2000]}
            )
            self.env["ir.cron"]._rdv_wake("mail.ir_cron_mail_scheduler_action", due)

    def _outbox_given_up(self):
        if self.status == "queued":
            self._set_status("failed", self._give_up_reason())

    def _give_up_reason(self):
        """The reason code of a message given up after its last attempt."""
        return "error"
