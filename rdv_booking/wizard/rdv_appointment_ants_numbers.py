from odoo import _, api, fields, models

from ..models.rdv_appointment import AntsElsewhereError


class RdvAppointmentAntsNumbers(models.TransientModel):
    """Add the pre-application numbers a caller did not have at hand when an
    agent booked their ID-card or passport appointment. The booking service
    checks them with ANTS and declares them; numbers already given stay."""

    _name = "rdv.appointment.ants.numbers"
    _description = "Add pre-application numbers"

    appointment_id = fields.Many2one("rdv.appointment", required=True, readonly=True)
    missing_persons = fields.Char("Persons without a number", compute="_compute_missing_persons")
    application_numbers = fields.Text(
        "Pre-application numbers",
        help="One per line, for the persons without a number, the first of them first: the "
        "10 letters or digits of each person's online pre-application. Checked with ANTS.",
    )
    ants_elsewhere = fields.Text("Appointments elsewhere", readonly=True)
    ants_confirmed = fields.Boolean(
        "Add anyway",
        help="The citizen knows of their appointment elsewhere and wants this one too.",
    )

    @api.depends("appointment_id")
    def _compute_missing_persons(self):
        Application = self.env["rdv.appointment.application"]
        for wizard in self:
            appointment = wizard.appointment_id
            have = set(appointment.application_ids.mapped("person"))
            wizard.missing_persons = ", ".join(
                Application._person_label(person)
                for person in range(1, appointment.persons + 1)
                if person not in have
            )

    def action_confirm(self):
        """Add the numbers through the booking service, then show the appointment."""
        self.ensure_one()
        Application = self.env["rdv.appointment.application"]
        numbers = Application._split_typed(self.application_numbers)
        try:
            self.appointment_id._add_application_numbers(numbers, confirmed=self.ants_confirmed)
        except AntsElsewhereError as error:
            # The agent reads where, asks the citizen, and adds anyway or not.
            self.ants_elsewhere = Application._elsewhere_text(error)
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "view_mode": "form",
                "target": "new",
                "name": _("Add pre-application numbers"),
            }
        return self.appointment_id._form_action()
