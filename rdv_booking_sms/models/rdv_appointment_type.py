from odoo import api, fields, models


class RdvAppointmentType(models.Model):
    _inherit = "rdv.appointment.type"

    reminder_policy = fields.Selection(
        [
            ("company", "The commune's delay"),
            ("custom", "Its own delay"),
            ("none", "No reminder"),
        ],
        "Reminder",
        default="company",
        required=True,
        help="When citizens are reminded of their appointment: the delay set in the "
        "settings of the commune (48 hours by default), a delay of this type, or never.",
    )

    @api.model
    def _booking_fnames(self):
        return [*super()._booking_fnames(), "reminder_policy", "reminder_hours"]

    def _rdv_reminder_hours(self):
        """Hours before the appointment the reminder is sent (0: none). SQL twin:
        RdvNotification._REMINDER_HOURS_SQL."""
        self.ensure_one()
        if self.reminder_policy == "custom":
            return self.reminder_hours
        if self.reminder_policy == "company":
            return self.company_id.rdv_reminder_hours
        return 0
