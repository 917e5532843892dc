from odoo import _, api, fields, models

from ..tools.reference import normalize_reference


class RdvCheckIn(models.TransientModel):
    """The reception desk: the citizen shows their summary, the agent scans its
    QR code (a scanner types the reference and Enter) or types the reference,
    sees the appointment and checks the citizen in."""

    _name = "rdv.check.in"
    _description = "Check-in at the reception"

    reference = fields.Char(
        help="Scan the QR code of the citizen's summary, or type its reference "
        "(upper or lower case, with or without the dash)."
    )
    appointment_id = fields.Many2one(
        "rdv.appointment", compute="_compute_appointment", string="Appointment"
    )
    citizen_name = fields.Char(related="appointment_id.citizen_name", string="Citizen")
    start_local = fields.Char(related="appointment_id.start_local", string="Time")
    type_id = fields.Many2one(related="appointment_id.type_id")
    counter_id = fields.Many2one(related="appointment_id.counter_id")
    persons = fields.Integer(related="appointment_id.persons")
    state = fields.Selection(related="appointment_id.state")
    comment = fields.Text(related="appointment_id.comment")
    message = fields.Char(compute="_compute_appointment")

    @api.depends("reference")
    def _compute_appointment(self):
        Appointment = self.env["rdv.appointment"]
        for wizard in self:
            reference = normalize_reference(wizard.reference)
            # Only the appointments the agent may see (their services, their
            # communes): others are "not found", as unknown references.
            appointment = reference and Appointment.search(
                [("name", "=", reference), ("state", "!=", "pending")], limit=1
            )
            wizard.appointment_id = appointment or False
            if appointment:
                wizard.message = appointment._check_in_refusal()
            elif (wizard.reference or "").strip():
                wizard.message = _(
                    "No appointment has the reference %s in your services.",
                    reference or wizard.reference.strip(),
                )
            else:
                wizard.message = False

    def action_check_in(self):
        """Check the citizen in, say so, and get ready for the next one."""
        self.ensure_one()
        appointment = self.appointment_id
        appointment.action_check_in()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "%(citizen)s checked in: %(time)s, %(counter)s.",
                    citizen=appointment.citizen_name,
                    time=appointment._format_local(appointment.start, "HH:mm"),
                    counter=appointment.counter_id.display_name,
                ),
                "next": self.env["ir.actions.act_window"]._for_xml_id(
                    "rdv_booking.rdv_check_in_action"
                ),
            },
        }

    def action_open_appointment(self):
        self.ensure_one()
        return self.appointment_id._form_action()
