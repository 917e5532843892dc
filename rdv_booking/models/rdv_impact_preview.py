from odoo import _, fields, models
from odoo.exceptions import ValidationError


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
        the whole list, never cut.

        Values the rules refuse cannot be saved, so they move nobody: the
        banner then gives the refusal instead of a count.
        """
        refusal = self._impact_refusal()
        if refusal:
            self.impact_appointment_ids = False
            self.impact_preview = _("This change cannot be saved: %s", refusal)
            return
        self.impact_appointment_ids = appointments
        self.impact_preview = self._impact_text(appointments)

    def _impact_refusal(self):
        """Why saving the values being edited would be refused, or False.

        Runs the model's own checks (:meth:`_impact_checks`) on the edited
        record, so the banner and the save give the same answer.
        """
        try:
            for check in self._impact_checks():
                check()
        except ValidationError as error:
            return error.args[0]
        return False

    def _impact_checks(self):
        """The constraint methods that refuse values of the edited record."""
        return []

    def _impact_text(self, appointments):
        """The banner's text for ``appointments``, or False when there are none."""
        if not appointments:
            return False
        if len(appointments) == 1:
            # Its own sentence: French and Arabic agree the verb with one.
            return _(
                "Saving this change removes the slot of 1 planned appointment. It will "
                "move to 'To reschedule' and its citizen will be told to choose another slot."
            )
        return _(
            "Saving this change removes the slots of %s planned appointments. They will "
            "move to 'To reschedule' and the citizens will be told to choose another slot.",
            len(appointments),
        )
