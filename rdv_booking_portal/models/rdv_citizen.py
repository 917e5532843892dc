from odoo import api, models


class RdvCitizen(models.AbstractModel):
    _inherit = "rdv.citizen"

    @api.model
    def _erase_personal_data(self, appointments):
        # The links and codes open the citizen's appointment: nothing is left
        # to open, and they were sent to the citizen's phone or e-mail.
        self.env["rdv.access.token"].sudo().search(
            [("appointment_id", "in", appointments.ids)]
        ).unlink()
        self.env["rdv.otp"].sudo().search([("appointment_id", "in", appointments.ids)]).unlink()
        return super()._erase_personal_data(appointments)
