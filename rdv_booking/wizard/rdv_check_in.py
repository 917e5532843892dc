import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import actions
from ..tools.reference import GROUPS, SIZE, normalize_reference

_REFERENCE_LENGTH = GROUPS * SIZE


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
    # Stored, and sent back by the form: the appointment checked in is the one
    # the agent was shown, not one of a reference typed meanwhile.
    appointment_id = fields.Many2one(
        "rdv.appointment",
        compute="_compute_appointment_id",
        store=True,
        readonly=False,
        compute_sudo=False,  # the agent's record rules: their services only
        string="Appointment",
    )
    citizen_name = fields.Char(related="appointment_id.citizen_name", string="Citizen")
    start_local = fields.Char(related="appointment_id.start_local", string="Time")
    type_id = fields.Many2one(related="appointment_id.type_id")
    place_id = fields.Many2one(related="appointment_id.place_id")
    counter_id = fields.Many2one(related="appointment_id.counter_id")
    persons = fields.Integer(related="appointment_id.persons")
    state = fields.Selection(related="appointment_id.state")
    comment = fields.Text(related="appointment_id.comment")
    message = fields.Char(compute="_compute_message")

    def _scanned_reference(self):
        """The reference in the field, canonical. A scan appended to the
        previous one (the field kept its text) counts as the last scan."""
        chars = re.sub(r"[^0-9A-Za-z]", "", self.reference or "")
        if len(chars) > _REFERENCE_LENGTH and not len(chars) % _REFERENCE_LENGTH:
            chars = chars[-_REFERENCE_LENGTH:]
        return normalize_reference(chars)

    @api.depends("reference")
    def _compute_appointment_id(self):
        Appointment = self.env["rdv.appointment"]
        for wizard in self:
            reference = wizard._scanned_reference()
            # Only the appointments the agent may see (their services, their
            # communes): others are "not found", as unknown references.
            wizard.appointment_id = reference and Appointment.search(
                [("name", "=", reference), ("state", "!=", "pending")], limit=1
            )

    @api.depends("reference", "appointment_id")
    def _compute_message(self):
        for wizard in self:
            if wizard.appointment_id:
                wizard.message = wizard.appointment_id._check_in_refusal()
            elif (wizard.reference or "").strip():
                wizard.message = _(
                    "No appointment has the reference %s in your services.",
                    wizard._scanned_reference() or wizard.reference.strip(),
                )
            else:
                wizard.message = False

    def _shown_appointment(self):
        """The appointment the dialog shows for the reference in the field."""
        self.ensure_one()
        appointment = self.appointment_id
        if not appointment:
            raise UserError(self.message or _("Scan the summary's QR code or type a reference."))
        if appointment.name != self._scanned_reference():
            raise UserError(
                _("The reference changed: look at the appointment it shows, then check in.")
            )
        return appointment

    def action_check_in(self):
        """Check the citizen in, say so, and get ready for the next one."""
        appointment = self._shown_appointment()
        appointment.action_check_in()
        return actions.notification(
            _(
                "%(citizen)s checked in: %(time)s, %(counter)s.",
                citizen=appointment.citizen_name,
                time=appointment._format_local(appointment.start, "HH:mm"),
                counter=appointment.counter_id.display_name,
            ),
            next_action=self.env["ir.actions.act_window"]._for_xml_id(
                "rdv_booking.rdv_check_in_action"
            ),
        )

    def action_open_appointment(self):
        return self._shown_appointment()._form_action()
