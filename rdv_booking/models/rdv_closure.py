import datetime

import holidays

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import schedule
from .rdv_reference_week import hours_to_minutes


class RdvClosure(models.Model):
    """A closure: a public holiday, or an ad-hoc closing (a broken ID station).

    It applies to every counter of the company, of one place, or one counter;
    for whole days, or for the same time window on each day of its range.
    """

    _name = "rdv.closure"
    _description = "Closure"
    _inherit = ["mail.thread", "rdv.impact.preview.mixin"]
    _order = "date_from desc, id desc"
    _check_company_auto = True

    name = fields.Char("Reason", required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    kind = fields.Selection(
        [("holiday", "Public holiday"), ("closure", "Closure")],
        required=True,
        default="closure",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    place_id = fields.Many2one(
        "rdv.place",
        "Place",
        index=True,
        check_company=True,
        help="Empty: every place of the company.",
    )
    counter_id = fields.Many2one(
        "rdv.counter",
        "Counter",
        index=True,
        check_company=True,
        help="Empty: every counter of the place (or of the company).",
    )
    date_from = fields.Date("From", required=True, tracking=True)
    date_to = fields.Date("Until", required=True, tracking=True)
    all_day = fields.Boolean("Whole days", default=True)
    hour_from = fields.Float("From hour", default=0.0)
    hour_to = fields.Float("To hour", default=0.0)

    @api.constrains(
        "date_from", "date_to", "all_day", "hour_from", "hour_to", "place_id", "counter_id"
    )
    def _check_range(self):
        for closure in self:
            if closure.date_to < closure.date_from:
                raise ValidationError(
                    _(
                        "Closure %(name)s: 'Until' (%(end)s) is before 'From' (%(start)s).",
                        name=closure.name,
                        end=closure.date_to,
                        start=closure.date_from,
                    )
                )
            if not closure.all_day and not (
                0 <= hours_to_minutes(closure.hour_from) < hours_to_minutes(closure.hour_to) <= 1440
            ):
                raise ValidationError(
                    _(
                        "Closure %s: the closing hours must start before they end, within the day.",
                        closure.name,
                    )
                )
            if (
                closure.counter_id
                and closure.place_id
                and closure.counter_id.place_id != closure.place_id
            ):
                raise ValidationError(
                    _(
                        "Closure %(name)s: counter %(counter)s is not at %(place)s.",
                        name=closure.name,
                        counter=closure.counter_id.display_name,
                        place=closure.place_id.name,
                    )
                )

    @api.onchange("counter_id")
    def _onchange_counter_id(self):
        if self.counter_id:
            self.place_id = self.counter_id.place_id

    # --- engine bridge

    def _applies_to(self, counter):
        """Whether this closure closes ``counter``."""
        self.ensure_one()
        if self.company_id != counter.company_id:
            return False
        if self.counter_id:
            return self.counter_id == counter
        if self.place_id:
            return self.place_id == counter.place_id
        return True

    def _covers(self, minute):
        """Whether this closure closes its days at ``minute`` (wall clock)."""
        self.ensure_one()
        return self.all_day or (
            hours_to_minutes(self.hour_from) <= minute < hours_to_minutes(self.hour_to)
        )

    def _as_engine_closure(self):
        self.ensure_one()
        if self.all_day:
            return schedule.Closure(date_from=self.date_from, date_to=self.date_to)
        return schedule.Closure(
            date_from=self.date_from,
            date_to=self.date_to,
            start=hours_to_minutes(self.hour_from),
            end=hours_to_minutes(self.hour_to),
        )

    def _get_counters(self):
        """Active counters this closure applies to."""
        counters = (
            self.env["rdv.counter"].sudo().search([("company_id", "in", self.company_id.ids)])
        )
        return counters.filtered(lambda counter: any(c._applies_to(counter) for c in self))

    # --- CRUD: regenerate the slots of the days that changed

    def _regenerate(self, counters, date_from, date_to):
        if counters and date_from:
            counters._generate_slots(date_from, date_to)

    def _bounds(self):
        dates = self.mapped("date_from") + self.mapped("date_to")
        return (min(dates), max(dates)) if dates else (None, None)

    @api.model_create_multi
    def create(self, vals_list):
        closures = super().create(vals_list)
        closures._regenerate(closures._get_counters(), *closures._bounds())
        return closures

    def write(self, vals):
        counters, (start, end) = self._get_counters(), self._bounds()
        res = super().write(vals)
        new_start, new_end = self._bounds()
        dates = [d for d in (start, end, new_start, new_end) if d]
        self._regenerate(counters | self._get_counters(), min(dates), max(dates))
        return res

    def unlink(self):
        counters, bounds = self._get_counters(), self._bounds()
        res = super().unlink()
        self._regenerate(counters, *bounds)
        return res

    @api.onchange(
        "date_from",
        "date_to",
        "all_day",
        "hour_from",
        "hour_to",
        "place_id",
        "counter_id",
        "active",
    )
    def _onchange_impact(self):
        self._show_impact(self.env["rdv.appointment"])
        if not (self.date_from and self.date_to and self.company_id) or (
            self.date_to < self.date_from
        ):
            return
        counters = self._get_counters() | self._origin._get_counters()
        if not counters:
            return
        dates = [
            d
            for d in (self.date_from, self.date_to, self._origin.date_from, self._origin.date_to)
            if d
        ]
        self._show_impact(
            counters._preview_impact(min(dates), max(dates), closure_overrides=[self])
        )

    # --- public holidays

    @api.model
    def _import_public_holidays(self, companies=None, years=None):
        """Create the public holidays of each company as closures.

        Uses the company's holiday country and subdivision (the ``holidays``
        package knows France with Alsace-Moselle, Morocco...). Idempotent:
        a holiday already imported is not created again, even if an agent
        archived it to open that day.
        """
        companies = companies or self.env["res.company"].search(
            [("rdv_holiday_country_id", "!=", False)]
        )
        this_year = fields.Date.context_today(self).year
        created = self.browse()
        for company in companies.filtered("rdv_holiday_country_id"):
            horizon = fields.Date.context_today(self) + datetime.timedelta(
                days=company.rdv_horizon_days
            )
            wanted_years = years or range(this_year, horizon.year + 1)
            code = company.rdv_holiday_country_id.code
            calendar = holidays.country_holidays(
                code,
                subdiv=company.rdv_holiday_subdivision or None,
                years=wanted_years,
                language=self._holiday_language(company, getattr(holidays, code)),
            )
            existing = set(
                self.with_context(active_test=False)
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("kind", "=", "holiday"),
                        ("date_from", ">=", datetime.date(min(wanted_years), 1, 1)),
                    ]
                )
                .mapped("date_from")
            )
            vals_list = [
                {
                    "name": name,
                    "kind": "holiday",
                    "company_id": company.id,
                    "date_from": day,
                    "date_to": day,
                }
                for day, name in sorted(calendar.items())
                if day not in existing
            ]
            if vals_list:
                created |= self.with_company(company).create(vals_list)
        return created

    @api.model
    def _holiday_language(self, company, calendar_class):
        """Language of the holiday names: the company's, if the calendar has it."""
        lang = company.partner_id.lang or self.env.lang or "en_US"
        for candidate in (lang, lang.split("_")[0]):
            if candidate in calendar_class.supported_languages:
                return candidate
        return None

    @api.model
    def _cron_import_public_holidays(self):
        """Yearly (and on install): keep the holidays of the horizon imported."""
        self._import_public_holidays()
