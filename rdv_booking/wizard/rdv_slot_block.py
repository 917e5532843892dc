from odoo import _, api, fields, models


class RdvSlotBlock(models.TransientModel):
    """Suspend or reserve many slots at once (the slot list's Actions menu),
    after the agent has seen which appointments lose their slot."""

    _name = "rdv.slot.block"
    _inherit = "rdv.impact.wizard"
    _description = "Suspend or reserve slots"

    slot_ids = fields.Many2many("rdv.slot", string="Slots", required=True)
    block_state = fields.Selection(
        [("suspended", "Suspend"), ("reserved", "Reserve for the administration")],
        "Action",
        required=True,
    )

    @api.depends("slot_ids")
    def _compute_impact(self):
        for wizard in self:
            wizard.appointment_ids = wizard.slot_ids.filtered(
                lambda slot: slot.state in ("booked", "held")
            ).appointment_id
            silent = self.env["rdv.notification"]._silent_preview(wizard.appointment_ids)
            if len(wizard.appointment_ids) == 1 and silent:
                # Its citizen cannot be told: the sentence after says whom to call.
                wizard.impact = _(
                    "Appointments affected: 1 (slots selected: %(slots)s). It will move to "
                    "'To reschedule'.",
                    slots=len(wizard.slot_ids),
                )
            elif len(wizard.appointment_ids) == 1:
                wizard.impact = _(
                    "Appointments affected: 1 (slots selected: %(slots)s). It will move to "
                    "'To reschedule' and its citizen will be told.",
                    slots=len(wizard.slot_ids),
                )
            else:
                wizard.impact = _(
                    "Appointments affected: %(count)s (slots selected: %(slots)s). They will "
                    "move to 'To reschedule' and their citizens will be told.",
                    slots=len(wizard.slot_ids),
                    count=len(wizard.appointment_ids),
                )
            if silent:
                wizard.impact += " " + silent

    @api.model
    def _start(self, slots, block_state):
        """Block ``slots`` at once if no appointment is hit; else ask first."""
        slots._check_future()
        wizard = self.create({"slot_ids": [(6, 0, slots.ids)], "block_state": block_state})
        if not wizard.appointment_ids:
            return wizard.action_confirm()
        return wizard._open(
            dict(self._fields["block_state"]._description_selection(self.env))[block_state]
        )

    def action_confirm(self):
        """Suspend or reserve, and say what was done."""
        self.ensure_one()
        appointments = self.appointment_ids
        if self.block_state == "suspended":
            self.slot_ids.action_suspend()
            message = _("Slots suspended: %s.", len(self.slot_ids))
        else:
            self.slot_ids.action_reserve()
            message = _("Slots reserved for the administration: %s.", len(self.slot_ids))
        return self._done(message, appointments)
