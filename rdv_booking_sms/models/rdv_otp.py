import logging

from odoo import _, api, models
from odoo.exceptions import UserError

from .sms_sms import SENT_STATES

_logger = logging.getLogger(__name__)


class RdvOtp(models.Model):
    _inherit = "rdv.otp"

    @api.model
    def _rdv_channel_label(self, appointment, purpose="booking"):
        """Where the last code went: by SMS, or by e-mail when the SMS failed
        (the phone alone says where the next one goes)."""
        otp = self._rdv_current(appointment, purpose)
        if not otp:
            return super()._rdv_channel_label(appointment, purpose)
        shown = appointment._shown_contact()
        return shown["phone"] if otp.channel == "sms" else shown["email"]

    def _send(self):
        """Send the code by SMS; by e-mail instead if the SMS fails and there is an address.

        The code does not stay in the database: the SMS text is blanked once
        handed to the gateway, as it is when the sending failed.
        """
        self.ensure_one()
        if self.channel != "sms":
            return super()._send()
        appointment = self.appointment_id
        code = self._code()
        sms = appointment._rdv_send_sms(
            "code",
            rdv_code=code,
            rdv_purpose=self.purpose,
            rdv_validity=self.company_id.rdv_otp_validity_minutes,
        )
        sent = sms.state in SENT_STATES
        reason = sms.rdv_failure_reason or sms.failure_type
        sms.body = sms.body.replace(code, "•" * len(code))
        if sent:
            return
        _logger.warning("SMS code for appointment %s not sent: %s", appointment.id, reason)
        if appointment._citizen_email():
            # Pages then name the e-mail address the code went to.
            self.channel = "email"
            return super()._send()
        raise UserError(
            _(
                "We could not send the text message with your code. Please try again in "
                "a few minutes."
            )
        )
