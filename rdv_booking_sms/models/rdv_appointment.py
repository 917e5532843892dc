import datetime

from odoo import _, api, fields, models

from odoo.addons.rdv_booking.tools.phone import mask_phone
from odoo.addons.rdv_booking_portal.models.rdv_appointment import (
    RdvAppointment as PortalAppointment,
)

from ..tools.segments import prepare

# SMS template of each message, and the links it needs.
SMS_TEMPLATES = {
    "code": ("rdv_booking_sms.sms_template_rdv_code", ()),
    "booked": ("rdv_booking_sms.sms_template_rdv_confirmation", ()),
    "changed": ("rdv_booking_sms.sms_template_rdv_changed", ()),
    "cancelled": ("rdv_booking_sms.sms_template_rdv_cancelled_citizen", ()),
    "cancelled_agency": ("rdv_booking_sms.sms_template_rdv_cancelled_agency", ("book_again",)),
    "to_reschedule": ("rdv_booking_sms.sms_template_rdv_to_reschedule", ("reschedule",)),
    "reminder": ("rdv_booking_sms.sms_template_rdv_reminder", ("manage",)),
}


class RdvAppointment(models.Model):
    _inherit = "rdv.appointment"

    sms_ids = fields.One2many("sms.sms", "rdv_appointment_id", "SMS", readonly=True)
    time_told_at = fields.Datetime(
        "Time last told to the citizen",
        readonly=True,
        copy=False,
        help="When the citizen was last told the time (confirmation or new time). A reminder "
        "due before then is not sent: that message has just said it all.",
    )

    # E-mails of each notification, the reminder included.
    MAIL_TEMPLATES = {
        **PortalAppointment.MAIL_TEMPLATES,
        "reminder": ("rdv_booking_sms.mail_template_rdv_reminder", False),
    }

    # ------------------------------------------------------------------
    # The channel rule
    # ------------------------------------------------------------------

    def _rdv_sms_number(self):
        """The citizen's number if this appointment's messages go by SMS, else False.

        SMS go to mobile numbers of the company's domestic country, when the
        company sends SMS at all; everything else goes by e-mail.
        """
        self.ensure_one()
        return self.phone if self.company_id._rdv_is_sms_number(self.phone) else False

    def _rdv_sms_silence_code(self):
        """Why this appointment's messages cannot go by SMS, as a reason code
        of rdv.notification, or ''."""
        self.ensure_one()
        return self._rdv_sms_silence_reason(self.company_id, self.phone)

    @api.model
    def _rdv_sms_silence_reason(self, company, phone):
        """Why SMS of ``company`` cannot reach ``phone`` (E.164) now, or ''."""
        if not company.rdv_sms_enabled:
            return "sms_disabled"
        if not company._rdv_is_sms_number(phone):
            return "not_mobile"
        gateway = company.sudo().rdv_sms_gateway_id
        if gateway and not gateway.active:
            return "sms_disabled"
        if company._rdv_sms_unavailable():
            return "sms_cap"
        return ""

    @api.model
    def _rdv_silence_reason(self, company, email, phone):
        """Without an e-mail address, the citizen is told by SMS if SMS can reach them."""
        reason = super()._rdv_silence_reason(company, email, phone)
        if reason != "no_email":
            return reason
        sms = self._rdv_sms_silence_reason(company, phone)
        return {"sms_disabled": "sms_off", "not_mobile": "no_contact", "sms_cap": "sms_budget"}.get(
            sms, sms
        )

    def _otp_destination(self):
        """Codes go by SMS to domestic mobiles while SMS can be sent, else by e-mail."""
        self.ensure_one()
        if self._rdv_sms_number() and not self.company_id._rdv_sms_unavailable():
            return "sms", self.phone
        return super()._otp_destination()

    # ------------------------------------------------------------------
    # SMS
    # ------------------------------------------------------------------

    def _rdv_sms_when(self):
        """The appointment's time, short, in the place's time zone ("Tue 3 Mar 09:00")."""
        self.ensure_one()
        return self._format_local(self.start, "EEE d MMM HH:mm")

    def _rdv_sms_links(self, names):
        self.ensure_one()
        links = {}
        Token = self.env["rdv.access.token"]
        if "manage" in names:
            links["rdv_manage_url"] = Token._manage_url(self)
        if "reschedule" in names:
            links["rdv_reschedule_url"] = Token._manage_url(self, "reschedule")
        if "book_again" in names:
            links["rdv_book_again_url"] = Token._book_again_url(self)
        return links

    def _rdv_sms_message(self, kind):
        """The SMS template key of a notification ``kind`` of this appointment."""
        self.ensure_one()
        if kind == "cancelled" and self.cancelled_by == "agency":
            return "cancelled_agency"
        return kind

    def _rdv_render_sms(self, message, **ctx):
        """Text of the SMS ``message`` in the citizen's language, ready to send."""
        self.ensure_one()
        xmlid, links = SMS_TEMPLATES[message]
        template = self.env.ref(xmlid).sudo()
        body = template.with_context(**ctx, **self._rdv_sms_links(links))._render_field(
            "body", self.ids, compute_lang=True
        )[self.id]
        return prepare(body)[0]

    def _rdv_send_sms(self, kind, message=None, notification=None, sms_uuid=None, **ctx):
        """Render and send one SMS to the citizen now; return the ``sms.sms`` record.

        Its state says what happened: 'pending' (sent) or 'error' with a reason.
        ``sms_uuid``: the identifier the gateway gets (``{uuid}``), when the
        caller has a stable one (a notification's, see ``_rdv_sms_key``).
        """
        sms = self._rdv_new_sms(kind, message, notification, sms_uuid, **ctx)
        sms.send(unlink_failed=False, unlink_sent=kind == "code", raise_exception=False)
        return sms

    def _rdv_new_sms(self, kind, message=None, notification=None, sms_uuid=None, **ctx):
        """The ``sms.sms`` record of one SMS to the citizen, not sent yet."""
        self.ensure_one()
        gateway = self.company_id.sudo().rdv_sms_gateway_id
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                {
                    "number": self.phone,
                    "body": self._rdv_render_sms(message or kind, **ctx),
                    "partner_id": self.partner_id.id,
                    "rdv_company_id": self.company_id.id,
                    "rdv_appointment_id": self.id,
                    "rdv_kind": kind,
                    "rdv_gateway_id": gateway.id if gateway.provider == "http" else False,
                    **({"uuid": sms_uuid} if sms_uuid else {}),
                }
            )
        )
        if notification:
            notification.sms_id = sms
        return sms

    def _rdv_log_sms(self, sms, what):
        """A note in the chatter: what was sent by SMS, to whom (masked), in how many segments."""
        self.ensure_one()
        # A log, not a post: no follower to notify (thousands of reminders a night).
        self._message_log(
            body=_(
                "%(what)s sent by SMS to %(to)s (%(segments)s segment(s), %(encoding)s).",
                what=what,
                to=mask_phone(self.phone, self.place_id.country_id.code),
                segments=sms.rdv_segments,
                encoding=dict(sms._fields["rdv_encoding"]._description_selection(self.env))[
                    sms.rdv_encoding
                ],
            ),
        )

    # ------------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------------

    def _rdv_reminder_at(self):
        """When the reminder is due (UTC), or False without reminder."""
        self.ensure_one()
        hours = self.type_id._rdv_reminder_hours()
        if not hours or not self.start:
            return False
        return self.start - datetime.timedelta(hours=hours)

    def _rdv_schedule_reminders(self):
        """The citizen was just told the time: wake the reminder cron when the first
        reminder is due. One due already (booked or moved within the delay) is not sent."""
        now = fields.Datetime.now()
        self.sudo().write({"time_told_at": now})
        due = [at for at in (a._rdv_reminder_at() for a in self) if at and at > now]
        if due:
            self.env["rdv.notification"]._rdv_trigger_reminders(min(due))

    def _notify_booked(self):
        super()._notify_booked()
        self._rdv_schedule_reminders()

    def _notify_changed(self):
        super()._notify_changed()
        self._rdv_schedule_reminders()
