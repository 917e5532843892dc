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
        shown = appointment._shown_contact()
        return shown["phone"] if otp.channel == "sms" else shown["email"]
