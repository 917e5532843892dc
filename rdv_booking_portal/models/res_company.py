from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    # One place for each rule of the website flow: read here everywhere.
    rdv_otp_validity_minutes = fields.Integer("Code validity (minutes)", default=10)
    rdv_otp_max_attempts = fields.Integer("Attempts per code", default=5)
    rdv_otp_resend_seconds = fields.Integer("Wait before a new code (seconds)", default=60)
    rdv_otp_sends_per_hour = fields.Integer(
        "Codes per phone or e-mail per hour",
        default=5,
        help="How many codes one phone number or e-mail address can receive per hour.",
    )
    rdv_otp_sends_per_ip_hour = fields.Integer(
        "Codes per connection per hour",
        default=20,
        help="How many codes one IP address can ask for per hour.",
    )
    rdv_posts_per_ip_minute = fields.Integer(
        "Website forms per connection per minute",
        default=30,
        help="Form submissions accepted from one IP address per minute.",
    )
    rdv_live_holds_per_ip = fields.Integer(
        "Times held per connection",
        default=4,
        help="How many bookings in progress one IP address can hold at once "
        "(a kiosk or a family behind one connection needs a few).",
    )
    rdv_holds_per_ip_hour = fields.Integer(
        "Times held per connection per hour",
        default=30,
        help="How many times one IP address can hold per hour.",
    )
    rdv_captcha_difficulty = fields.Integer(
        "Captcha difficulty",
        default=50000,
        help="Proof-of-work captcha: how many hashes a browser computes on average "
        "(about half a second on a phone at 50,000).",
    )

    @api.constrains(
        "rdv_otp_validity_minutes",
        "rdv_otp_max_attempts",
        "rdv_otp_resend_seconds",
        "rdv_otp_sends_per_hour",
        "rdv_otp_sends_per_ip_hour",
        "rdv_posts_per_ip_minute",
        "rdv_live_holds_per_ip",
        "rdv_holds_per_ip_hour",
        "rdv_captcha_difficulty",
    )
    def _check_rdv_portal_limits(self):
        for company in self:
            if not 1 <= company.rdv_otp_validity_minutes <= 10:
                raise ValidationError(_("Code validity: between 1 and 10 minutes."))
            if not 1 <= company.rdv_otp_max_attempts <= 10:
                raise ValidationError(_("Attempts per code: between 1 and 10."))
            if company.rdv_otp_resend_seconds < 0:
                raise ValidationError(_("Wait before a new code: cannot be negative."))
            if (
                min(
                    company.rdv_otp_sends_per_hour,
                    company.rdv_otp_sends_per_ip_hour,
                    company.rdv_posts_per_ip_minute,
                    company.rdv_live_holds_per_ip,
                    company.rdv_holds_per_ip_hour,
                )
                < 1
            ):
                raise ValidationError(_("Rate limits: at least 1."))
            if not 1000 <= company.rdv_captcha_difficulty <= 5000000:
                raise ValidationError(_("Captcha difficulty: between 1,000 and 5,000,000."))
