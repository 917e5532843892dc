from odoo import _, api, fields, models

from ..models.rdv_slot import PICKABLE_DOMAIN
from ..tools import actions


class RdvAppointmentReschedule(models.TransientModel):
    """Change an appointment's slot, among the free slots of the same type."""

    _name = "rdv.appointment.reschedule"
    _description = "Change the slot of an appointment"

    appointment_id = fields.Many2one("rdv.appointment", required=True)
    type_id = fields.Many2one(related="appointment_id.type_id")
    persons = fields.Integer(related="appointment_id.persons")
    place_id = fields.Many2one("rdv.place", "Place")
    slot_id = fields.Many2one("rdv.slot", "New slot", required=True, domain=PICKABLE_DOMAIN)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        appointment = self.env["rdv.appointment"].browse(values.get("appointment_id"))
        if appointment:
            values.setdefault("place_id", appointment.place_id.id)
        return values

    def action_confirm(self):
        """Take the new slot, free the old one, tell the citizen."""
        self.ensure_one()
        appointment = self.appointment_id
        appointment._change_slot(self.slot_id.counter_id, self.slot_id.start)
        return self.env["rdv.notification"]._told_notification(
            appointment,
            _(
                "%(reference)s moved to %(when)s.",
                reference=appointment.name,
                when=appointment.when_local,
            ),
            next_action=actions.CLOSE,
        )
