from odoo.http import request

from odoo.addons.rdv_booking_portal.controllers.main import RdvWebsite


class RdvWebsiteSms(RdvWebsite):
    def _channel_label(self, appointment):
        """Where the last code went: by SMS, or by e-mail when the SMS failed."""
        otp = (
            request.env["rdv.otp"]
            .sudo()
            .search([("appointment_id", "=", appointment.id), ("consumed_at", "=", False)], limit=1)
        )
        if not otp:
            return super()._channel_label(appointment)
        masked = appointment._masked_contact()
        return masked["phone"] if otp.channel == "sms" else masked["email"]
