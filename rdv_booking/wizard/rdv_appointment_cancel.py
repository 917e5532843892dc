from odoo import _, fields, models

from ..tools import actions


class RdvAppointmentCancel(models.TransientModel):
    """Cancel appointments with a reason (the citizen is told)."""

    _name = "rdv.appointment.cancel"
    _description = "Cancel appointments"

    appointment_ids = fields.Many2many("rdv.appointment", string="Appointments", required=True)
    cancelled_by = fields.Selection(
        [("agency", "The administration"), ("citizen", "The citizen (by phone, at the desk)")],
        required=True,
        default="agency",
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        """Cancel, free the slots and notify."""
        self.ensure_one()
        appointments = self.appointment_ids
        appointments._cancel(by=self.cancelled_by, reason=self.reason)
        return self.env["rdv.notification"]._told_notification(
            appointments,
            _("Cancelled: %s.", ", ".join(appointments.mapped("name"))),
            next_action=actions.CLOSE,
        )
