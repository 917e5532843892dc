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
    # The place the citizen chose: the dialog starts there, its times first.
    chosen_place_id = fields.Many2one(related="appointment_id.place_id", string="Chosen place")
    place_id = fields.Many2one(
        "rdv.place", "Place", compute="_compute_place_id", store=True, readonly=False
    )
    slot_id = fields.Many2one("rdv.slot", "New slot", required=True, domain=PICKABLE_DOMAIN)
    place_warning = fields.Char("Another place", compute="_compute_place_warning")

    @api.depends("appointment_id")
    def _compute_place_id(self):
        for wizard in self:
            wizard.place_id = wizard.appointment_id.place_id

    @api.depends("slot_id", "appointment_id")
    def _compute_place_warning(self):
        """Said before moving: the new time is not where the citizen chose to come."""
        for wizard in self:
            place, chosen = wizard.slot_id.place_id, wizard.appointment_id.place_id
            wizard.place_warning = (
                _(
                    "This time is at %(place)s, not at %(chosen)s where the citizen chose to "
                    "come: tell them the new address.",
                    place=place.display_name,
                    chosen=chosen.display_name,
                )
                if place and chosen and place != chosen
                else False
            )

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
