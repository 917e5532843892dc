import datetime

import babel.dates
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.tools.misc import babel_locale_parse

from ..tools import clock

PERIODS = ("week", "month")
# Appointments that were (or are) to be served: not cancelled, not a website
# hold, not waiting for a new time.
HELD_STATES = ("planned", "done", "no_show")


class RdvDashboard(models.AbstractModel):
    """The manager's dashboard: a week's or a month's figures, each with the
    one before for its trend and the domain of the records behind it.

    Every figure is read as the user reads the records (their record rules:
    a manager sees their communes), from one method, :meth:`get_figures`, that
    the dashboard's client action shows as is. Channel addons add their tiles
    (SMS spent) through :meth:`_tiles`.
    """

    _name = "rdv.dashboard"
    _description = "Manager's dashboard"

    @api.model
    def get_figures(self, period="week"):
        """The dashboard of the current ``period`` ("week" or "month") so far.

        This period runs from its first day to the end of today; it is
        compared with the same number of days from the first day of the
        period before (never beyond its end), so a month half gone is not
        compared with a whole month.

        :return: ``{"period", "label", "compared", "tiles", "lead_times",
            "fill_rates"}``; ``label`` and ``compared`` name the days counted
            ("1–5 Dec 2026", "Nov 1 – 5"); a tile is ``{"key", "title",
            "value", "previous", "unit", "better", "action"}``, ``value`` and
            ``previous`` a number or None when nothing could be counted (a
            rate of no appointment)
        """
        if period not in PERIODS:
            period = "week"
        (current, previous), days = self._bounds(period), self._days(period)
        return {
            "period": period,
            "label": _("%s (so far)", self._interval_label(*days[0], "yMMMd")),
            "compared": self._interval_label(*days[1], "MMMd"),
            "tiles": self._tiles(current, previous),
            "lead_times": self._lead_times(),
            "fill_rates": self._fill_rates(current, previous),
        }

    # --- periods

    @api.model
    def _days(self, period):
        """((first, last), (first, last)): the local dates of this period so
        far (to today) and of the same number of days of the period before,
        in the user's time zone (weeks from Monday)."""
        today = clock.today(self.env.user.tz or "UTC", fields.Datetime.now())
        if period == "month":
            first = today.replace(day=1)
            before = first - relativedelta(months=1)
        else:
            first = today - datetime.timedelta(days=today.weekday())
            before = first - datetime.timedelta(days=7)
        # 31 March: the whole of February, not days of March.
        before_last = min(before + (today - first), first - datetime.timedelta(days=1))
        return (first, today), (before, before_last)

    @api.model
    def _bounds(self, period):
        """((start, end), (start, end)) in naive UTC of :meth:`_days`: from
        the midnight of each first day to the midnight after each last."""
        tz = self.env.user.tz or "UTC"
        one_day = datetime.timedelta(days=1)
        return tuple(
            (clock.day_start_utc(first, tz), clock.day_start_utc(last + one_day, tz))
            for first, last in self._days(period)
        )

    @api.model
    def _interval_label(self, first, last, skeleton):
        """``first`` to ``last`` (dates) in the user's language: "1–5 déc."."""
        locale = babel_locale_parse(self.env.lang or "en_US")
        if first == last:
            return babel.dates.format_skeleton(skeleton, first, locale=locale)
        return babel.dates.format_interval(first, last, skeleton, locale=locale)

    # --- tiles

    @api.model
    def _tiles(self, current, previous):
        """The tiles: appointments, no-show and cancellation rates (each with
        the period before); the SMS addon adds its own."""
        return [
            self._tile(
                "appointments",
                _("Appointments"),
                lambda bounds: self._appointment_count(bounds, HELD_STATES),
                current,
                previous,
                "count",
                "up",
                lambda bounds: self._appointment_action(_("Appointments"), bounds, HELD_STATES),
            ),
            self._tile(
                "no_show",
                _("No-show rate"),
                lambda bounds: self._rate(
                    self._appointment_count(bounds, ("no_show",)),
                    self._appointment_count(bounds, ("done", "no_show")),
                ),
                current,
                previous,
                "percent",
                "down",
                lambda bounds: self._appointment_action(_("No-shows"), bounds, ("no_show",)),
            ),
            self._tile(
                "cancelled",
                _("Cancellation rate"),
                lambda bounds: self._rate(
                    self._appointment_count(bounds, ("cancelled",)),
                    self._appointment_count(bounds, (*HELD_STATES, "cancelled", "to_reschedule")),
                ),
                current,
                previous,
                "percent",
                "down",
                lambda bounds: self._appointment_action(
                    _("Cancelled appointments"), bounds, ("cancelled",)
                ),
            ),
        ]

    @api.model
    def _tile(self, key, title, measure, current, previous, unit, better, action):
        """One tile: ``measure(bounds)`` of this period and the one before,
        and the list behind this period's figure. ``comparable`` is false
        when one of the two periods has nothing: no rate, or a count of none
        before (a "+12" from nothing, beside the rates' "nothing to compare",
        read as a trend)."""
        value, before = measure(current), measure(previous)
        return {
            "key": key,
            "title": title,
            "value": value,
            "previous": before,
            "comparable": value is not None
            and before is not None
            and not (unit == "count" and before == 0),
            "unit": unit,
            "better": better,
            "action": action(current),
        }

    @api.model
    def _rate(self, part, whole):
        """``part`` of ``whole`` in percent, one decimal; None of nothing."""
        return round(100.0 * part / whole, 1) if whole else None

    @api.model
    def _period_domain(self, bounds, field="start"):
        start, end = bounds
        return [
            (field, ">=", fields.Datetime.to_string(start)),
            (field, "<", fields.Datetime.to_string(end)),
        ]

    @api.model
    def _appointment_domain(self, bounds, states):
        return [*self._period_domain(bounds), ("state", "in", list(states))]

    @api.model
    def _appointment_count(self, bounds, states):
        return self.env["rdv.appointment"].search_count(self._appointment_domain(bounds, states))

    @api.model
    def _appointment_action(self, name, bounds, states):
        return self._list_action(name, "rdv.appointment", self._appointment_domain(bounds, states))

    @api.model
    def _list_action(self, name, model, domain, views=("list", "form")):
        """The list behind a figure: exactly the records it counts."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "views": [(False, view) for view in views],
            "target": "current",
        }

    # --- lead time to the first free time bookable online

    @api.model
    def _lead_times(self):
        """Per type and place: from now to the first time a citizen can book
        online (the website's rules: visible counters, published types, their
        notice and horizon), in hours; None when there is none."""
        now = fields.Datetime.now()
        Slot = self.env["rdv.slot"]
        places = self.env["rdv.place"].search([])
        rows = []
        for appointment_type in self.env["rdv.appointment.type"].search(
            [("is_published", "=", True)]
        ):
            horizon = now + datetime.timedelta(days=max(appointment_type.max_horizon_days, 1))
            notice = now + datetime.timedelta(hours=appointment_type.min_notice_hours)
            earliest = Slot._earliest_by_place(
                appointment_type, now, horizon, places=places, website=True
            )
            for place in places.filtered(
                lambda place, t=appointment_type: place.company_id == t.company_id
            ):
                found = earliest.get(place.id)
                if not found and not place.counter_ids.filtered(
                    lambda counter, t=appointment_type: t in counter.type_ids
                ):
                    continue  # the place does not take this type
                start = found and found[0]
                rows.append(
                    {
                        "type": appointment_type.display_name,
                        "place": place.display_name,
                        "first": start and place._format_local(start, "EEE d MMM HH:mm"),
                        "hours": start and round((start - now).total_seconds() / 3600, 1),
                        "action": self._list_action(
                            _(
                                "Free times of %(type)s at %(place)s",
                                type=appointment_type.display_name,
                                place=place.display_name,
                            ),
                            "rdv.slot",
                            [
                                ("counter_id.place_id", "=", place.id),
                                ("counter_id.type_ids", "in", appointment_type.ids),
                                ("counter_id.website_visible", "=", True),
                                ("state", "=", "free"),
                                ("start", ">=", fields.Datetime.to_string(notice)),
                                ("start", "<", fields.Datetime.to_string(horizon)),
                            ],
                        ),
                    }
                )
        rows.sort(key=lambda row: (row["hours"] is None, -(row["hours"] or 0)))
        return rows

    # --- fill rate per counter

    @api.model
    def _fill_rates(self, current, previous):
        """Per counter: the share of its slots offered (not suspended) that
        were booked, this period and the one before."""
        Slot = self.env["rdv.slot"]

        def counts(bounds):
            groups = Slot._read_group(
                [*self._period_domain(bounds), ("state", "!=", "suspended")],
                ["counter_id", "state"],
                ["__count"],
            )
            result = {}
            for counter, state, count in groups:
                slots, booked = result.get(counter, (0, 0))
                result[counter] = (slots + count, booked + (count if state == "booked" else 0))
            return result

        now_counts, before_counts = counts(current), counts(previous)
        rows = []
        for counter in sorted(
            now_counts, key=lambda c: (c.place_id.display_name, c.sequence, c.name)
        ):
            slots, booked = now_counts[counter]
            before = before_counts.get(counter, (0, 0))
            rows.append(
                {
                    "counter": counter.display_name,
                    "slots": slots,
                    "booked": booked,
                    "value": self._rate(booked, slots),
                    "previous": self._rate(before[1], before[0]),
                    "action": self._list_action(
                        _("Slots of %s", counter.display_name),
                        "rdv.slot",
                        [
                            ("counter_id", "=", counter.id),
                            *self._period_domain(current),
                            ("state", "!=", "suspended"),
                        ],
                    ),
                }
            )
        return rows
