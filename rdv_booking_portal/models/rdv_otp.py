import datetime
import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import consteq, hmac

CODE_DIGITS = 6


class OtpError(UserError):
    """A code refused; ``code`` says why ('format', 'wrong', 'expired', 'attempts',
    'cooldown', 'limit'), ``remaining`` how many attempts are left, ``wait`` seconds to wait."""

    def __init__(self, message, code, remaining=0, wait=0):
        super().__init__(message)
        self.code = code
        self.remaining = remaining
        self.wait = wait


class RdvOtp(models.Model):
    """A one-time code that proves the citizen owns the phone or e-mail given.

    Six digits, stored as an HMAC (keyed by the database secret), bound to one
    appointment and one purpose, valid a few minutes, single use, and refused
    after a few wrong attempts. The limits are the company's settings.
    """

    _name = "rdv.otp"
    _description = "One-time code"
    _order = "id desc"

    appointment_id = fields.Many2one(
        "rdv.appointment", required=True, index=True, ondelete="cascade"
    )
    purpose = fields.Selection(
        [("booking", "Confirm a booking"), ("manage", "Manage an appointment")],
        required=True,
    )
    channel = fields.Selection([("email", "E-mail"), ("sms", "SMS")], required=True)
    code_hash = fields.Char(required=True)
    sent_at = fields.Datetime(required=True)
    expires_at = fields.Datetime(required=True)
    consumed_at = fields.Datetime()

    @api.model
    def _hash(self, otp_id, code):
        return hmac(self.env(su=True), "rdv-otp", "%s|%s" % (otp_id, code))

    @api.model
    def _issue(self, appointment, purpose, client_ip):
        """Create a new code for ``appointment`` and send it; return the code record.

        Refused (OtpError) during the resend cooldown, and beyond the send
        limits per destination and per client IP (counted in PostgreSQL, so
        they hold across workers). A new code replaces the previous ones.
        """
        company = appointment.company_id
        now = fields.Datetime.now()
        last = self.sudo().search(
            [("appointment_id", "=", appointment.id), ("purpose", "=", purpose)], limit=1
        )
        cooldown = datetime.timedelta(seconds=company.rdv_otp_resend_seconds)
        if last and last.sent_at + cooldown > now:
            wait = int((last.sent_at + cooldown - now).total_seconds()) + 1
            raise OtpError(
                _("A code was just sent. You can ask for a new one in %s seconds.", wait),
                "cooldown",
                wait=wait,
            )
        channel, destination = appointment._otp_destination()
        RateLimit = self.env["rdv.rate.limit"]
        hour = 3600
        if not (
            RateLimit._allow("otp-dest", destination, company.rdv_otp_sends_per_hour, hour)
            and RateLimit._allow("otp-ip", client_ip, company.rdv_otp_sends_per_ip_hour, hour)
        ):
            raise OtpError(_("Too many codes were sent. Please try again in an hour."), "limit")
        code = "%0*d" % (CODE_DIGITS, secrets.randbelow(10**CODE_DIGITS))
        # A code that could not be sent leaves nothing behind: no code record,
        # so no cooldown, and the citizen can ask again at once.
        with self.env.cr.savepoint():
            otp = self.sudo().create(
                {
                    "appointment_id": appointment.id,
                    "purpose": purpose,
                    "channel": channel,
                    "code_hash": "-",
                    "sent_at": now,
                    "expires_at": now
                    + datetime.timedelta(minutes=company.rdv_otp_validity_minutes),
                }
            )
            otp.code_hash = self._hash(otp.id, code)
            # Older codes of the same purpose stop working.
            (
                last
                | last.search(
                    [
                        ("appointment_id", "=", appointment.id),
                        ("purpose", "=", purpose),
                        ("consumed_at", "=", False),
                        ("id", "!=", otp.id),
                    ]
                )
            ).write({"consumed_at": now})
            appointment._send_otp(code, channel, purpose)
        return otp

    @api.model
    def _clean_code(self, code):
        """The digits of ``code`` as typed (spaces and dashes dropped).

        :raises OtpError: not a code at all (a typo, not a guess): refused
            without using an attempt
        """
        clean = "".join(ch for ch in str(code or "") if ch.isdigit())
        if len(clean) != CODE_DIGITS:
            raise OtpError(_("The code has %s digits: type all of them.", CODE_DIGITS), "format")
        return clean

    def _verify(self, code):
        """Check ``code``; consume this record on success.

        Each attempt is counted before the code is compared, in the rate-limit
        table and in a transaction of its own: parallel guesses on several
        workers cannot exceed the limit, and a request that fails afterwards
        does not give the attempt back. Only this request's transaction writes
        the code itself, so the two never conflict.
        """
        self.ensure_one()
        clean = self._clean_code(code)
        company = self.appointment_id.company_id
        limit = company.rdv_otp_max_attempts
        if self.consumed_at:
            raise OtpError(_("This code was already used. Ask for a new code."), "attempts")
        attempts = self.env["rdv.rate.limit"]._hit("otp-verify", self.id, window_start=self.sent_at)
        if attempts > limit:
            raise OtpError(_("This code can no longer be used. Ask for a new code."), "attempts")
        if self.expires_at <= fields.Datetime.now():
            raise OtpError(_("This code has expired. Ask for a new code."), "expired")
        if not consteq(self.code_hash, self._hash(self.id, clean)):
            remaining = limit - attempts
            if remaining <= 0:
                raise OtpError(
                    _("Wrong code, and no attempt left. Ask for a new code."), "attempts"
                )
            raise OtpError(
                _("Wrong code. Attempts left: %s.", remaining), "wrong", remaining=remaining
            )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rdv_otp SET consumed_at = %s WHERE id = %s AND consumed_at IS NULL "
            "RETURNING id",
            (fields.Datetime.now(), self.id),
        )
        if not self.env.cr.rowcount:
            raise OtpError(_("This code was already used. Ask for a new code."), "attempts")
        self.invalidate_recordset(["consumed_at"])
        return True

    @api.autovacuum
    def _gc_codes(self):
        """Delete codes a day after they expired."""
        self.search(
            [("expires_at", "<", fields.Datetime.now() - datetime.timedelta(days=1))]
        ).unlink()
