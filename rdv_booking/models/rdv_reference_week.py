from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import schedule

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


def hours_to_minutes(hours):
    """Float hours of a float_time widget (8.5) to whole minutes (510)."""
    return round((hours or 0.0) * 60)


def minutes_label(minutes):
    """510 -> '08:30'."""
    return "%02d:%02d" % divmod(minutes, 60)


class RdvReferenceWeek(models.Model):
    """Weekly opening hours ("semaine de référence"), shared by counters."""

    _name = "rdv.reference.week"
    _description = "Reference week"
    _inherit = ["mail.thread", "rdv.impact.preview.mixin"]
    _order = "name"

    name = fields.Char(required=True, translate=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    line_ids = fields.One2many(
        "rdv.reference.week.line", "week_id", string="Opening hours", copy=True
    )
    summary = fields.Text(compute="_compute_summary")
    counter_ids = fields.One2many("rdv.counter", "reference_week_id", string="Counters")

    @api.depends("line_ids.weekday", "line_ids.hour_from", "line_ids.hour_to")
    def _compute_summary(self):
        labels = self.env["rdv.reference.week.line"]._weekday_labels()
        for week in self:
            overlap = week._overlap_message()
            if overlap:
                week.summary = overlap
                continue
            rows = []
            for weekday, intervals in enumerate(week._get_week_schedule().days):
                if intervals:
                    rows.append(
                        "%s: %s"
                        % (
                            labels[str(weekday)],
                            ", ".join(
                                "%s-%s" % (minutes_label(a), minutes_label(b)) for a, b in intervals
                            ),
                        )
                    )
            week.summary = "\n".join(rows) or _("Closed every day")

    def _overlap_message(self):
        """Why these opening hours are refused (two intervals overlap), or None."""
        self.ensure_one()
        overlaps = schedule.find_overlaps(self.line_ids._as_tuples())
        if not overlaps:
            return None
        first, second = overlaps[0]
        return _(
            "Opening hours of %(week)s: on %(day)s, %(a)s overlaps %(b)s. Merge or shorten them.",
            week=self._refusal_name(),
            day=self.env["rdv.reference.week.line"]._weekday_labels()[str(first[0])],
            a="%s-%s" % (minutes_label(first[1]), minutes_label(first[2])),
            b="%s-%s" % (minutes_label(second[1]), minutes_label(second[2])),
        )

    def _check_opening_hours(self):
        """Refuse overlapping intervals, and intervals the counters' slots do not divide."""
        for week in self:
            overlap = week._overlap_message()
            if overlap:
                raise ValidationError(overlap)
            week._get_counters()._check_slot_grid()

    def _refusal_name(self):
        """How a refusal names the week: a new one has no name yet."""
        return self.name or _("this reference week")

    def _get_week_schedule(self):
        """The engine's view of the week (overlaps already refused by constraint)."""
        self.ensure_one()
        lines = [line for line in self.line_ids._as_tuples() if line[1] < line[2]]
        if schedule.find_overlaps(lines):
            return schedule.WeekSchedule(days=((),) * 7)
        return schedule.WeekSchedule.from_lines(lines)

    def _get_counters(self):
        """Counters whose slots follow this week, directly or in an exception range."""
        exceptions = self.env["rdv.counter.exception"].search(
            [("reference_week_id", "in", self.ids)]
        )
        return (self.counter_ids | exceptions.counter_id).filtered("active")

    def write(self, vals):
        if "line_ids" not in vals:
            return super().write(vals)
        # Lines regenerate slots when edited alone; a form save regenerates once.
        res = super(RdvReferenceWeek, self.with_context(rdv_defer_slots=True)).write(vals)
        self._get_counters()._generate_slots()
        return res

    @api.onchange("line_ids")
    def _onchange_line_ids_impact(self):
        week = self._origin
        counters = week._get_counters()
        # Overlapping hours are refused on save (the summary says why): no
        # impact to preview from hours that cannot be saved.
        self._show_impact(
            counters._preview_impact(week_overrides={week.id: self})
            if counters and not self._impact_refusal()
            else self.env["rdv.appointment"]
        )

    def _impact_checks(self):
        return [self._check_edited_hours]

    def _check_edited_hours(self):
        """The checks saving runs (:meth:`_check_opening_hours`), on hours
        still being edited: each interval, overlaps, the counters' slots."""
        self.line_ids._check_interval()
        overlap = self._overlap_message()
        if overlap:
            raise ValidationError(overlap)
        self._origin._get_counters()._check_slot_grid(week_overrides={self._origin.id: self})


class RdvReferenceWeekLine(models.Model):
    _name = "rdv.reference.week.line"
    _description = "Opening interval of a reference week"
    _order = "week_id, weekday, hour_from"

    week_id = fields.Many2one("rdv.reference.week", required=True, ondelete="cascade", index=True)
    weekday = fields.Selection(WEEKDAYS, required=True, default="0")

    @api.model
    def _weekday_labels(self):
        """{'0': 'Monday', ...} in the user's language."""
        return dict(self._fields["weekday"]._description_selection(self.env))

    hour_from = fields.Float("From", required=True, default=8.5)
    hour_to = fields.Float("To", required=True, default=12.0)

    @api.constrains("hour_from", "hour_to", "weekday", "week_id")
    def _check_hours(self):
        self._check_interval()
        self.week_id._check_opening_hours()

    def _check_interval(self):
        """Each interval starts before it ends, within the day."""
        for line in self:
            start, end = hours_to_minutes(line.hour_from), hours_to_minutes(line.hour_to)
            if not 0 <= start < end <= 24 * 60:
                raise ValidationError(
                    _(
                        "Opening hours of %(week)s: the interval %(a)s-%(b)s must start "
                        "before it ends, within the day.",
                        week=line.week_id._refusal_name(),
                        a=minutes_label(start),
                        b=minutes_label(end),
                    )
                )

    def _as_tuples(self):
        """[(weekday, start_minute, end_minute)] for the engine."""
        return [
            (int(line.weekday), hours_to_minutes(line.hour_from), hours_to_minutes(line.hour_to))
            for line in self
        ]

    def _regenerate(self, weeks):
        if not self.env.context.get("rdv_defer_slots"):
            weeks._get_counters()._generate_slots()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self._regenerate(lines.week_id)
        return lines

    def write(self, vals):
        weeks = self.week_id
        res = super().write(vals)
        self._regenerate(weeks | self.week_id)
        return res

    def unlink(self):
        weeks = self.week_id
        res = super().unlink()
        self._regenerate(weeks)
        return res
