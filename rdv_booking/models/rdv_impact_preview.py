from odoo import _, fields, models


class RdvImpactPreviewMixin(models.AbstractModel):
    """What saving the change being edited does to planned appointments.

    Counters, reference weeks, closures and places share it: their onchanges
    compute the appointments the change would move (the real slot
    generation, rolled back) and hand them to :meth:`_show_impact`; the form
    shows the banner and the list, and asks before saving (the
    ``rdv_impact_form`` view).
    """

    _name = "rdv.impact.preview.mixin"
    _description = "Appointments moved by a change being edited"

    impact_preview = fields.Text("Effect of saving", store=False, readonly=True)
    impact_appointment_ids = fields.Many2many(
        "rdv.appointment",
        string="Appointments moved by saving",
        compute="_compute_impact_appointment_ids",
    )

    def _compute_impact_appointment_ids(self):
        # Only a change being edited moves appointments: the onchanges set it.
        self.impact_appointment_ids = False

    def _show_impact(self, appointments):
        """Show in the form what saving would do to ``appointments`` (the
        planned ones the change removes the slots of): the banner's text and
        the whole list, never cut."""
        self.impact_appointment_ids = appointments
        self.impact_preview = self._impact_text(appointments)

    def _impact_text(self, appointments):
        """The banner's text for ``appointments``, or False when there are none."""
        if not appointments:
            return False
        return _(
            "Saving this change removes the slots of %s planned appointments. They will "
            "move to 'To reschedule' and the citizens will be told to choose another slot.",
            len(appointments),
        )
