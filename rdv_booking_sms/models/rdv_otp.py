from odoo import api, models


class RdvOtp(models.Model):
    _inherit = "rdv.otp"

    @api.model
    def _issue(self, appointment, purpose, client_ip):
        """A code that could not be sent leaves nothing behind.

        No code record, so no cooldown: the citizen can ask again at once
        (the SMS failed and there was no e-mail address to fall back to).
        """
        with self.env.cr.savepoint():
            return super()._issue(appointment, purpose, client_ip)
