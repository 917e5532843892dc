import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class RdvDaySheetPrint(models.TransientModel):
    """Print the day sheet of a day (today by default) without searching the
    appointments first: every counter the agent sees, or those chosen."""

    _name = "rdv.day.sheet.print"
    _description = "Print the day sheet"

    day = fields.Date(required=True, default=fields.Date.context_today)
    place_id = fields.Many2one("rdv.place", "Place", help="Leave empty for every place.")
    counter_ids = fields.Many2many(
        "rdv.counter",
        string="Counters",
        domain="[('place_id', '=?', place_id)]",
        help="Leave empty for every counter of the place.",
    )

    @api.onchange("place_id")
    def _onchange_place_id(self):
        self.counter_ids = self.counter_ids.filtered(
            lambda counter: not self.place_id or counter.place_id == self.place_id
        )

    def _appointments(self):
        """The appointments of the day at the chosen counters, the day being
        each place's own (holds still pending are no appointments yet)."""
        self.ensure_one()
        # Wide enough for every time zone; each place's own day is kept below.
        since = datetime.datetime.combine(self.day, datetime.time()) - datetime.timedelta(hours=14)
        domain = [
            ("start", ">=", since),
            ("start", "<", since + datetime.timedelta(hours=24 + 28)),
            ("state", "!=", "pending"),
        ]
        if self.counter_ids:
            domain.append(("counter_id", "in", self.counter_ids.ids))
        elif self.place_id:
            domain.append(("place_id", "=", self.place_id.id))
        return (
            self.env["rdv.appointment"]
            .search(domain)
            .filtered(lambda a: a.place_id._to_local(a.start).date() == self.day)
        )

    def action_print(self):
        appointments = self._appointments()
        if not appointments:
            raise UserError(
                _(
                    "No appointment on %(day)s at these counters.",
                    day=format_date(self.env, self.day),
                )
            )
        action = self.env.ref("rdv_booking.action_report_rdv_day_sheet").report_action(
            appointments, config=False
        )
        action["close_on_report_download"] = True  # the dialog closes once printed
        return action
