from odoo import api, models


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
