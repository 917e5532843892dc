from odoo import _, fields, models

from ..tools import actions


class RdvImpactWizard(models.AbstractModel):
    """A change that moves planned appointments to "To reschedule", made once
    the agent has seen which ones (suspending slots, archiving a counter)."""

    _name = "rdv.impact.wizard"
    _description = "Confirm a change that affects appointments"

    appointment_ids = fields.Many2many(
        "rdv.appointment", string="Appointments affected", compute="_compute_impact"
    )
    impact = fields.Char(compute="_compute_impact")

    def _compute_impact(self):
        raise NotImplementedError

    def _open(self, title):
        """The confirmation dialog of this wizard."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            # Complete: action_archive's result reaches the web client as is
            # (no clean_action as for buttons and server actions).
            "views": [(False, "form")],
            "target": "new",
        }

    def _done(self, message, appointments):
        """Say what was done, how many appointments were moved, and whose
        citizens cannot be told (to call)."""
        moved = appointments.filtered(lambda appointment: appointment.state == "to_reschedule")
        if not moved:
            return actions.notification(message, next_action=actions.CLOSE)
        message += " " + _("Appointments moved to 'To reschedule': %s.", len(moved))
        notice = self.env["rdv.notification"]._told_notification(
            moved, message, next_action=actions.CLOSE
        )
        notice["params"]["type"] = "warning"
        return notice
