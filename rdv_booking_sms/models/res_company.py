import datetime

import phonenumbers

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.rdv_booking.tools.phone import MOBILE_TYPES


class ResCompany(models.Model):
    _inherit = "res.company"

    # One place for each rule of SMS: read here everywhere.
    rdv_sms_enabled = fields.Boolean(
        "Send SMS",
        help="Codes, confirmations and reminders go by SMS to mobile numbers of the "
        "domestic country. Off: everything goes by e-mail.",
    )
    rdv_sms_country_id = fields.Many2one(
        "res.country",
        "Domestic country",
        help="Mobile numbers of this country get SMS; others get e-mails (then required). "
        "Empty: the company's country.",
    )
    rdv_sms_gateway_id = fields.Many2one(
        "rdv.sms.gateway",
        "SMS gateway",
        domain="['|', ('company_id', '=', False), ('company_id', '=', id)]",
        help="Empty: Odoo IAP (SMS credits bought from Odoo).",
    )
    rdv_sms_attempts = fields.Integer(
        "SMS attempts before e-mail",
        default=3,
        help="A message whose SMS failed this many times goes by e-mail instead "
        "(when the citizen gave an address).",
    )
    rdv_sms_segment_price = fields.Float(
        "Price per SMS segment",
        default=0.07,
        digits=(12, 4),
        help="What the operator bills for one SMS segment (160 plain characters, or 70 "
        "with Arabic or other special characters), for the cost estimates.",
    )
    rdv_sms_monthly_cap = fields.Integer(
        "Monthly cap (segments)",
        default=0,
        help="Beyond this many segments in a calendar month, messages go by e-mail "
        "instead. 0: no cap.",
    )
    rdv_sms_alert_percent = fields.Integer(
        "Alert at (% of the cap)",
        default=80,
        help="The appointment managers are told when this share of the monthly cap is used.",
    )
    rdv_sms_alert_month = fields.Date("Month of the last SMS alert", readonly=True, copy=False)
    rdv_sms_cap_month = fields.Date("Month the SMS cap was reached", readonly=True, copy=False)
    rdv_reminder_hours = fields.Integer(
        "Reminder (hours before)",
        default=48,
        help="Default delay of the reminder before an appointment; an appointment type "
        "can have its own. 0: no reminder. An appointment booked or moved less than this "
        "before its time gets none: its confirmation has just given the time.",
    )

    @api.constrains(
        "rdv_sms_attempts",
        "rdv_sms_segment_price",
        "rdv_sms_monthly_cap",
        "rdv_sms_alert_percent",
        "rdv_reminder_hours",
    )
    def _check_rdv_sms_settings(self):
        for company in self:
            if not 1 <= company.rdv_sms_attempts <= 5:
                raise ValidationError(_("SMS attempts before e-mail: between 1 and 5."))
            if company.rdv_sms_segment_price < 0 or company.rdv_sms_monthly_cap < 0:
                raise ValidationError(_("SMS price and monthly cap cannot be negative."))
            if not 1 <= company.rdv_sms_alert_percent <= 100:
                raise ValidationError(_("SMS alert: between 1 and 100% of the cap."))
            if not 0 <= company.rdv_reminder_hours <= 24 * 14:
                raise ValidationError(_("Reminder: between 0 and 336 hours (two weeks) before."))

    # ------------------------------------------------------------------
    # The channel rule
    # ------------------------------------------------------------------

    def _rdv_sms_country(self):
        self.ensure_one()
        return self.rdv_sms_country_id or self.country_id

    def _rdv_is_sms_number(self, e164):
        """Whether SMS of this company go to ``e164``: a domestic mobile number."""
        self.ensure_one()
        country = self._rdv_sms_country()
        if not (self.rdv_sms_enabled and e164 and country):
            return False
        try:
            number = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return False
        return (
            phonenumbers.region_code_for_number(number) == country.code
            and phonenumbers.number_type(number) in MOBILE_TYPES
        )

    def _rdv_sms_unavailable(self, segments=1):
        """Why the company cannot send ``segments`` SMS segments now, or False."""
        self.ensure_one()
        if not self.rdv_sms_enabled:
            return _("SMS are switched off for %s.", self.name)
        gateway = self.sudo().rdv_sms_gateway_id
        if gateway and not gateway.active:
            return _("The SMS gateway %s is switched off.", gateway.name)
        cap = self.rdv_sms_monthly_cap
        if cap and self._rdv_sms_month_usage()["segments"] + segments > cap:
            return _("The monthly SMS cap (%s segments) is reached.", cap)
        return False

    # ------------------------------------------------------------------
    # Budget
    # ------------------------------------------------------------------

    def _rdv_month_start(self):
        today = fields.Date.context_today(self)
        return datetime.datetime(today.year, today.month, 1)

    def _rdv_sms_month_usage(self):
        """{'sms', 'segments', 'cost'} of the company this calendar month."""
        self.ensure_one()
        self.env["rdv.sms.usage"].flush_model()
        self.env.cr.execute(
            """
            SELECT count(*), coalesce(sum(segments), 0), coalesce(sum(cost), 0)
              FROM rdv_sms_usage
             WHERE company_id = %s AND sent_at >= %s
            """,
            (self.id, self._rdv_month_start()),
        )
        count, segments, cost = self.env.cr.fetchone()
        return {"sms": count, "segments": segments, "cost": cost}

    def _rdv_sms_check_budget(self):
        """Tell the managers once a month when the alert share, then the cap, is reached."""
        self.ensure_one()
        cap = self.rdv_sms_monthly_cap
        if not cap:
            return
        month = self._rdv_month_start().date()
        used = self._rdv_sms_month_usage()["segments"]
        if used >= cap and self.rdv_sms_cap_month != month:
            self.sudo().write({"rdv_sms_cap_month": month, "rdv_sms_alert_month": month})
            self._rdv_sms_alert(
                _("SMS: the monthly cap is reached"),
                _(
                    "%(company)s has sent %(used)s SMS segments this month, its cap is "
                    "%(cap)s. Until the end of the month, messages go by e-mail to the "
                    "citizens who gave an address. Raise the cap in the settings to send "
                    "SMS again.",
                    company=self.name,
                    used=used,
                    cap=cap,
                ),
            )
        elif used * 100 >= cap * self.rdv_sms_alert_percent and self.rdv_sms_alert_month != month:
            self.sudo().write({"rdv_sms_alert_month": month})
            self._rdv_sms_alert(
                _("SMS: %s%% of the monthly cap is used", self.rdv_sms_alert_percent),
                _(
                    "%(company)s has sent %(used)s SMS segments this month, out of a cap "
                    "of %(cap)s. Beyond the cap, messages go by e-mail instead.",
                    company=self.name,
                    used=used,
                    cap=cap,
                ),
            )

    def _rdv_sms_alert(self, subject, body):
        """Notify the company's appointment managers (inbox or e-mail, as they chose)."""
        managers = (
            self.env.ref("rdv_booking.group_rdv_manager")
            .sudo()
            .users.filtered(lambda user: self in user.company_ids)
        )
        self.partner_id.sudo().message_post(
            subject=subject,
            body=body,
            partner_ids=managers.partner_id.ids,
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
        )
