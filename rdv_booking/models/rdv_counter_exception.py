from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class RdvCounterException(models.Model):
    """An exception range ("plage d'exception") of a counter.

    Over a date range, the counter follows another reference week (summer
    hours, an agent on leave) or is closed.
    """

    _name = "rdv.counter.exception"
    _description = "Counter exception range"
    _order = "counter_id, date_from"

    counter_id = fields.Many2one("rdv.counter", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="counter_id.company_id", store=True)
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("Until", required=True)
    kind = fields.Selection(
        [("week", "Other reference week"), ("closed", "Closed")],
        required=True,
        default="week",
    )
    reference_week_id = fields.Many2one(
        "rdv.reference.week",
        "Reference week",
        ondelete="restrict",
        domain="[('company_id', '=', company_id)]",
    )
    reason = fields.Char(translate=False)

    @api.constrains("date_from", "date_to", "kind", "reference_week_id", "counter_id")
    def _check_range(self):
        for exc in self:
            if exc.date_to < exc.date_from:
                raise ValidationError(
                    _(
                        "Exception range of %(counter)s: 'Until' (%(end)s) is before 'From' "
                        "(%(start)s).",
                        counter=exc.counter_id.display_name,
                        end=exc.date_to,
                        start=exc.date_from,
                    )
                )
            if exc.kind == "week" and not exc.reference_week_id:
                raise ValidationError(
                    _(
                        "Exception range of %s: choose the reference week that applies, or "
                        "mark the range as closed.",
                        exc.counter_id.display_name,
                    )
                )
            overlapping = exc.counter_id.exception_ids.filtered(
                lambda other, exc=exc: (
                    other != exc
                    and other.date_from <= exc.date_to
                    and exc.date_from <= other.date_to
                )
            )
            if overlapping:
                raise ValidationError(
                    _(
                        "Exception ranges of %(counter)s: %(a)s overlaps %(b)s.",
                        counter=exc.counter_id.display_name,
                        a="%s - %s" % (exc.date_from, exc.date_to),
                        b="%s - %s" % (overlapping[0].date_from, overlapping[0].date_to),
                    )
                )
        self.counter_id._check_slot_grid()

    def _regenerate(self, ranges):
        """Regenerate the slots of the counters over the dates that changed."""
        if self.env.context.get("rdv_defer_slots") or not ranges:
            return
        for counter, (date_from, date_to) in ranges.items():
            counter._generate_slots(date_from, date_to)

    def _ranges(self, ranges=None):
        ranges = dict(ranges or {})
        for exc in self:
            current = ranges.get(exc.counter_id)
            ranges[exc.counter_id] = (
                min(exc.date_from, current[0]) if current else exc.date_from,
                max(exc.date_to, current[1]) if current else exc.date_to,
            )
        return ranges

    @api.model_create_multi
    def create(self, vals_list):
        exceptions = super().create(vals_list)
        exceptions._regenerate(exceptions._ranges())
        return exceptions

    def write(self, vals):
        before = self._ranges()
        res = super().write(vals)
        self._regenerate(self._ranges(before))
        return res

    def unlink(self):
        ranges = self._ranges()
        res = super().unlink()
        self._regenerate(ranges)
        return res
