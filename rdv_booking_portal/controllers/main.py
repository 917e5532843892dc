import calendar
import datetime
import functools
import json

import babel.dates
import babel.numbers
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import SQL
from odoo.tools.misc import babel_locale_parse

from odoo.addons.rdv_booking.models.rdv_appointment import (
    BookingError,
    CitizenInputError,
    SlotTakenError,
)
from odoo.addons.rdv_booking.models.rdv_appointment_type import IDENTITY_FIELDS
from odoo.addons.rdv_booking.tools import clock
from odoo.addons.rdv_booking.tools.answers import is_yes
from odoo.addons.rdv_booking.tools.parse import (
    INT4_MAX,
    parse_datetime,
    parse_id,
    parse_int,
    parse_latitude,
    parse_longitude,
)

from ..models.rdv_appointment import HoldLimitError
from ..models.rdv_otp import OtpError
from ..tools.geo import haversine_km

SESSION_PENDING = "rdv_pending"  # appointment being booked (held)
SESSION_DONE = "rdv_done"  # appointments this browser confirmed
SESSION_MANAGE = "rdv_manage"  # appointment opened by a link or a code
SESSION_FIND = "rdv_find"  # "manage without a link": the rdv.otp id of the code asked for
# The fields of one time's form on the day's times page (escaped by Markup):
# written here rather than with t-att- in the template, which would
# post-process both inputs of each of the day's many times.
HOLD_INPUTS = Markup(
    '<input type="hidden" name="counter_id" value="%s"/>'
    '<input type="hidden" name="start" value="%s"/>'
)
# What the availability pages and the hold read of the offered types.
TYPE_FIELDS = [
    "name",
    "active",
    "company_id",
    "procedure_code",
    "duration",
    "max_persons",
    "max_horizon_days",
]


@functools.lru_cache(maxsize=32)
def babel_locale(lang):
    """The Babel locale of an Odoo language code (parsed once per worker)."""
    return babel_locale_parse(lang)


class RdvWebsite(http.Controller):
    """The citizen's booking flow and the management of an appointment.

    Public routes read with sudo() only the records the website offers
    (published types of the website's communes, visible counters) or the
    one appointment the session proved access to: the pending booking it
    created, or the appointment opened with a link token or a one-time code.
    """

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _offer(self):
        """What this website offers: {type id: (procedure code, place ids)}.

        The published types of the website's communes (``website.rdv_company_ids``,
        else its own company), each with the places of its active counters shown
        online; a type without such a counter is not offered. One query: every
        page of the booking flow starts with it.
        """
        website = request.website
        request.env.cr.execute(
            SQL(
                """
                WITH chosen AS (
                    SELECT rel.company_id AS id
                      FROM rdv_website_company_rel rel
                      JOIN res_company co ON co.id = rel.company_id AND co.active
                     WHERE rel.website_id = %(website)s
                ), companies AS (
                    SELECT id FROM chosen
                     UNION ALL
                    SELECT %(own)s WHERE NOT EXISTS (SELECT 1 FROM chosen)
                )
                SELECT t.id, t.procedure_code, array_agg(DISTINCT c.place_id)
                  FROM rdv_appointment_type t
                  JOIN rdv_counter_type_rel r ON r.type_id = t.id
                  JOIN rdv_counter c ON c.id = r.counter_id AND c.active AND c.website_visible
                 WHERE t.active AND t.is_published AND t.company_id IN (SELECT id FROM companies)
                 GROUP BY t.id
                 ORDER BY t.id
                """,
                website=website.id,
                own=website._get_cached("company_id"),
            )
        )
        return {type_id: (code, places) for type_id, code, places in request.env.cr.fetchall()}

    def _offered_types(self, offer=None):
        """Published types of the website's communes with a counter open online."""
        offer = self._offer() if offer is None else offer
        return request.env["rdv.appointment.type"].sudo().browse(list(offer))

    def _type_or_404(self, type_id, offer=None):
        """The offered type ``type_id``; ``offer``: :meth:`_offer` if the caller
        already has it (one query per request on the busy pages)."""
        offer = self._offer() if offer is None else offer
        type_id = parse_id(type_id)
        if type_id not in offer:
            raise NotFound()
        return request.env["rdv.appointment.type"].sudo().browse(type_id)

    def _procedure_types(self, rdv_type, offer=None):
        """The types that are the same procedure as ``rdv_type`` on this website.

        Only the fields that the availability pages read are fetched: a type
        also holds long translated texts (description, documents, notice),
        and a procedure offered by 40 communes is 40 types.
        """
        offer = self._offer() if offer is None else offer
        code = offer[rdv_type.id][0]
        types = rdv_type.browse(
            [type_id for type_id, (other, _places) in offer.items() if code and other == code]
            or rdv_type.ids
        )
        types.fetch(TYPE_FIELDS)
        return types

    def _offered_places(self, types, offer):
        """The places where ``types`` (offered types) are booked online."""
        place_ids = {place_id for type_id in types.ids for place_id in offer[type_id][1]}
        return request.env["rdv.place"].sudo().browse(sorted(place_ids))

    def _persons_label(self, persons):
        return _("1 person") if persons == 1 else _("%s persons", persons)

    def _persons(self, rdv_type, value):
        persons = parse_int(value or 1, -INT4_MAX, INT4_MAX) or 1
        return min(max(persons, 1), rdv_type.max_persons)

    def _start(self, value):
        """The start of a time offered (naive UTC) in ``value``, else None:
        none is offered before yesterday nor beyond two years (the longest
        horizon), and nothing out there is worth computing with."""
        now = fields.Datetime.now()
        return parse_datetime(
            value, now - datetime.timedelta(days=1), now + datetime.timedelta(days=731)
        )

    def _time_not_offered(self, back_url="/rdv"):
        """The answer to a form sent with a time that is not one offered."""
        return self._error(
            _("This time is not one we offer. Please choose a time in the list."),
            status=400,
            back_url=back_url,
        )

    def _website_company(self):
        """The website's company (its id is cached by the website)."""
        return request.env["res.company"].sudo().browse(request.website._get_cached("company_id"))

    def _client_ip(self):
        return request.httprequest.remote_addr or "-"

    def _guard_post(self, post, company=None):
        """Refuse bots (honeypot filled) and floods (per-IP rate limit in PostgreSQL).

        Returns a response to send instead, or None.
        """
        if post.get("website_url_hp"):
            return self._error(_("Your request could not be processed."), status=400)
        if company is None:
            # Only the limit: the company's other settings are many, and most
            # posts only redirect.
            company = self._website_company()
            company.fetch(["rdv_posts_per_ip_minute"])
        allowed = (
            request.env["rdv.rate.limit"]
            .sudo()
            ._allow("post-ip", self._client_ip(), company.rdv_posts_per_ip_minute, 60)
        )
        if not allowed:
            return self._error(
                _("Too many requests from your connection. Please wait a minute and try again."),
                status=429,
            )
        return None

    def _captcha(self, company=None):
        """A new captcha challenge, as JSON for the page's data attribute."""
        company = company or request.website.company_id
        return json.dumps(request.env["rdv.captcha"].sudo()._new_challenge(company))

    def _error(self, message, status=400, back_url="/rdv", back_label=None):
        """An error page: ``message``, and a button to ``back_url`` ("Go back",
        else ``back_label``)."""
        return request.render(
            "rdv_booking_portal.page_error",
            {"message": message, "back_url": back_url, "back_label": back_label},
            status=status,
        )

    def _locale(self):
        return babel_locale(request.env.lang or "en_US")

    def _format_date(self, day, date_format="EEEE d MMMM"):
        """``day`` in the page's language.

        Babel with the page's locale rather than odoo.tools.format_date, which
        looks the language up again at each call: the month calendar formats
        some fifty dates, the places page one time per place.
        """
        return babel.dates.format_date(day, format=date_format, locale=self._locale())

    def _local(self, appointment_or_place, utc_dt, dt_format="EEEE d MMMM HH:mm"):
        """``utc_dt`` (naive UTC) in the place's zone and the page's language."""
        place = getattr(appointment_or_place, "place_id", appointment_or_place)
        local = clock.to_local(utc_dt, place.tz or "UTC", aware=True)
        return babel.dates.format_datetime(local, dt_format, locale=self._locale())

    def _pending(self):
        """The booking this session holds, if it still holds it."""
        appointment_id = request.session.get(SESSION_PENDING)
        appointment = request.env["rdv.appointment"].sudo().browse(appointment_id).exists()
        if not appointment or appointment.state != "pending":
            return request.env["rdv.appointment"].sudo()
        return appointment

    def _release_pending(self):
        pending = self._pending()
        if pending:
            pending.slot_ids._release()
            pending.unlink()
        request.session.pop(SESSION_PENDING, None)

    def _managed(self):
        """The appointment this session opened with a link or a code."""
        appointment_id = request.session.get(SESSION_MANAGE)
        return request.env["rdv.appointment"].sudo().browse(appointment_id).exists()

    def _steps(self, current):
        """The steps of the booking, for the progress indicator."""
        names = [
            ("type", _("Appointment")),
            ("place", _("Place")),
            ("slot", _("Date and time")),
            ("details", _("Your details")),
            ("summary", _("Summary")),
            ("verify", _("Confirmation code")),
        ]
        return {"steps": names, "current_step": current}

    # ------------------------------------------------------------------
    # 1-2. Types, then the chosen type's information
    # ------------------------------------------------------------------

    @http.route("/rdv", type="http", auth="public", website=True, sitemap=True, readonly=True)
    def rdv_types(self, **kwargs):
        """Step 1: the appointment types offered online (one per procedure)."""
        shown, seen = [], set()
        for rdv_type in self._offered_types().sorted(lambda t: (t.sequence, t.name)):
            key = rdv_type.procedure_code or rdv_type.id
            if key not in seen:
                seen.add(key)
                shown.append(rdv_type)
        return request.render(
            "rdv_booking_portal.page_types", {"types": shown, **self._steps("type")}
        )

    @http.route(
        "/rdv/type/<int:type_id>",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        readonly=True,
    )
    def rdv_type(self, type_id, **kwargs):
        """Step 2: description, documents to bring, personal data notice, number of persons."""
        rdv_type = self._type_or_404(type_id)
        company = rdv_type.company_id or request.website.company_id
        return request.render(
            "rdv_booking_portal.page_type",
            {
                "rdv_type": rdv_type,
                "retention": _(
                    "They are erased %s months after your appointment.",
                    company.rdv_retention_months,
                ),
                **self._steps("type"),
            },
        )

    # ------------------------------------------------------------------
    # 3. Places, nearest and earliest
    # ------------------------------------------------------------------

    def _origin(self, places, where, lat, lon):
        """(lat, lon) to measure distances from: the browser's position, or the
        commune or postcode typed, matched against the places we know."""
        lat, lon = parse_latitude(lat), parse_longitude(lon)
        if lat is not None and lon is not None:
            return lat, lon
        where = (where or "").strip().lower()
        if not where:
            return None
        located = places.filtered(lambda p: p.latitude or p.longitude)
        for place in located:
            if where in ((place.zip or "").lower(), (place.city or "").lower()):
                return place.latitude, place.longitude
        town = request.env["rdv.locality"].sudo()._locate(where, located)
        if town:
            return town
        # Same département (first two digits of a French postcode).
        for place in located:
            if where[:2].isdigit() and (place.zip or "").startswith(where[:2]):
                return place.latitude, place.longitude
        return None

    @http.route(
        "/rdv/type/<int:type_id>/places",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        readonly=True,
    )
    def rdv_places(self, type_id, persons=1, where="", lat="", lon="", **kwargs):
        """Step 3: the places offering the type, each with its earliest free time."""
        offer = self._offer()
        rdv_type = self._type_or_404(type_id, offer)
        types = self._procedure_types(rdv_type, offer)
        persons = self._persons(rdv_type, persons)
        now = fields.Datetime.now()
        horizon = now + datetime.timedelta(days=max(types.mapped("max_horizon_days")))
        earliest = (
            request.env["rdv.slot"]
            .sudo()
            ._earliest_by_place(types, now, horizon, persons=persons, website=True)
        )
        offered_places = self._offered_places(types, offer)
        places = offered_places.browse(list(earliest))
        origin = self._origin(offered_places, where, lat, lon)
        rows = []
        locale = self._locale()
        for place in places:
            start = earliest[place.id][0]
            distance = (
                haversine_km(origin[0], origin[1], place.latitude, place.longitude)
                if origin and (place.latitude or place.longitude)
                else None
            )
            rows.append(
                {
                    "place": place,
                    "earliest": self._local(place, start),
                    "earliest_utc": start,
                    "distance": distance,
                    # "1,1 km" in French, "1.1 km" in English
                    "distance_label": distance is not None
                    and babel.numbers.format_decimal(distance, format="0.0", locale=locale),
                }
            )
        rows.sort(
            key=lambda row: (
                row["distance"] if row["distance"] is not None else float("inf"),
                row["earliest_utc"],
            )
        )
        soonest = min(rows, key=lambda row: row["earliest_utc"]) if rows else None
        return request.render(
            "rdv_booking_portal.page_places",
            {
                "rdv_type": rdv_type,
                "persons": persons,
                "rows": rows,
                "soonest": soonest,
                "where": where,
                "origin": origin,
                "where_unknown": bool(where)
                and not origin
                and _('We do not know "%s": places are sorted by their earliest free time.', where),
                "persons_label": self._persons_label(persons),
                **self._steps("place"),
            },
        )

    # ------------------------------------------------------------------
    # 4. Days, then times
    # ------------------------------------------------------------------

    def _today(self, tz):
        """Today's date in the zone ``tz`` (of the places shown)."""
        return clock.today(tz, fields.Datetime.now())

    def _month_bounds(self, month, tz, day="", last_open=None):
        """First and last days of ``month`` ('YYYY-MM'), else of the month of
        ``day`` ('YYYY-MM-DD'), else of this month (in ``tz``); never a month
        already past, nor one after the day ``last_open``."""
        today = self._today(tz)
        first = today.replace(day=1)
        for value in (month, day[:7]):
            try:
                first = datetime.date.fromisoformat("%s-01" % value)
                break
            except ValueError:
                continue
        first = max(first, today.replace(day=1))
        if last_open:
            first = min(first, last_open.replace(day=1))
        last_day = calendar.monthrange(first.year, first.month)[1]
        return first, first.replace(day=last_day)

    def _month_free_starts(self, month, day, tz, types, persons, places):
        """The month to show (see :meth:`_month_bounds`) and its free starts
        for ``types`` at ``places`` on the website, with the months it links
        to: (first, last, starts, prev_month, next_month).

        With no month asked for, a month with nothing left (its last days, or
        all taken) gives way to the next one rather than an empty calendar.
        No month is offered beyond the types' horizon.
        """

        def free_starts(first, last):
            return (
                request.env["rdv.slot"]
                .sudo()
                ._free_starts(
                    types,
                    self._utc(first, tz),
                    self._utc(last + datetime.timedelta(days=1), tz),
                    persons=persons,
                    places=places,
                    website=True,
                )
            )

        today = self._today(tz)
        last_open = today + datetime.timedelta(days=max(types.mapped("max_horizon_days")))
        first, last = self._month_bounds(month, tz, day, last_open)
        starts = free_starts(first, last)
        prev_month, next_month = self._month_links(first, last, tz, last_open)
        if not starts and not (month or day) and next_month:
            first, last = self._month_bounds(next_month, tz, last_open=last_open)
            starts = free_starts(first, last)
            prev_month, next_month = self._month_links(first, last, tz, last_open)
        return first, last, starts, prev_month, next_month

    def _month_links(self, first, last, tz, last_open):
        """The months before and after the one shown ('YYYY-MM'): none before
        this one, none after the one of ``last_open``."""
        before = first - datetime.timedelta(days=1)
        prev_month = before.strftime("%Y-%m") if first > self._month_bounds("", tz)[0] else None
        after = last + datetime.timedelta(days=1)
        return prev_month, after.strftime("%Y-%m") if after <= last_open else None

    def _utc(self, day, tz):
        return clock.day_start_utc(day, tz)

    @http.route(
        "/rdv/type/<int:type_id>/slots",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        readonly=True,
    )
    def rdv_slots(self, type_id, place="any", persons=1, month="", day="", **kwargs):
        """Step 4: the days with free times in a month, then the times of one day."""
        offer = self._offer()
        rdv_type = self._type_or_404(type_id, offer)
        types = self._procedure_types(rdv_type, offer)
        persons = self._persons(rdv_type, persons)
        places = self._offered_places(types, offer)
        if place != "any":
            places = places.filtered(lambda p: str(p.id) == str(place))
            if not places:
                raise NotFound()
        tz = places[:1].tz or "Europe/Paris"
        first, last, starts, prev_month, next_month = self._month_free_starts(
            month, day, tz, types, persons, places
        )
        counters = request.env["rdv.counter"].sudo().browse({s[0] for s in starts})
        # A month holds thousands of free starts: each counter's record and
        # zone are looked up once, not per start. Of a counter, only its place
        # is read (the places are in cache already).
        counters.fetch(["place_id"])
        zones = {counter.id: (counter, clock.zone(counter.place_id.tz)) for counter in counters}
        by_day = {}
        for counter_id, start, _stop in starts:
            counter, zone = zones[counter_id]
            local = clock.to_local(start, zone, aware=True)
            by_day.setdefault(local.date(), []).append((start, counter, local))
        chosen = None
        if day:
            try:
                chosen = datetime.date.fromisoformat(day)
            except ValueError:
                chosen = None
        if chosen not in by_day:
            chosen = None
        times = []
        if chosen:
            # A time is offered once per place; at "any place", once: at the
            # first place that has it (a day at 40 places would be a thousand
            # buttons; who cares where books from the places step).
            seen = set()
            for start, counter, local in by_day[chosen]:
                key = local.strftime("%H:%M")
                if place != "any":
                    key = (key, counter.place_id.id)
                if key in seen:
                    continue
                seen.add(key)
                start_str = fields.Datetime.to_string(start)
                times.append(
                    {
                        "label": local.strftime("%H:%M"),
                        "place": counter.place_id,
                        "counter": counter,
                        "start": start_str,
                        "inputs": HOLD_INPUTS % (counter.id, start_str),
                    }
                )
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
        return request.render(
            "rdv_booking_portal.page_slots",
            {
                "rdv_type": rdv_type,
                "persons": persons,
                "place_param": place,
                "persons_label": self._persons_label(persons),
                "places": places,
                "month_label": self._format_date(first, "MMMM y"),
                "month": first,
                "weeks": weeks,
                "by_day": by_day,
                "chosen": chosen,
                "chosen_label": chosen and self._format_date(chosen, "EEEE d MMMM y"),
                "today": self._today(tz),
                "times": times,
                "next_month": next_month,
                "prev_month": prev_month,
                "format_date": self._format_date,
                **self._steps("slot"),
            },
        )

    # ------------------------------------------------------------------
    # 5. Hold the time, then the citizen's details
    # ------------------------------------------------------------------

    def _taken(self, rdv_type, error, persons, back_url):
        alternatives = []
        counters = request.env["rdv.counter"].sudo().browse({a[0] for a in error.alternatives})
        for counter_id, start, _stop in error.alternatives:
            counter = counters.browse(counter_id)
            alternatives.append(
                {
                    "label": self._local(counter.place_id, start, "EEEE d MMMM HH:mm"),
                    "place": counter.place_id,
                    "counter": counter,
                    "start": fields.Datetime.to_string(start),
                }
            )
        return request.render(
            "rdv_booking_portal.page_taken",
            {
                "rdv_type": rdv_type,
                "persons": persons,
                "alternatives": alternatives,
                "back_url": back_url,
                "message": str(error.args[0]),
            },
            status=409,
        )

    @http.route(
        ["/rdv/hold", "/rdv/booking/code"],
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
        readonly=True,
    )
    def rdv_post_only_get(self, **kwargs):
        """GET on a URL that only takes forms: the page a form answered there
        was opened again in another language (the language switcher) or from
        the history. Nothing is done: the booking in progress goes on at its
        current step, else the citizen starts again."""
        if self._pending():
            # The summary sends to the details while they are missing.
            return request.redirect("/rdv/booking/summary", code=303)
        if request.session.get(SESSION_PENDING) in (request.session.get(SESSION_DONE) or []):
            return request.redirect("/rdv/booking/done", code=303)
        return request.redirect("/rdv", code=303)

    @http.route(
        "/rdv/hold", type="http", auth="public", website=True, methods=["POST"], sitemap=False
    )
    def rdv_hold(self, type_id=None, counter_id=None, start=None, persons=1, **post):
        """Hold the chosen time for the citizen while they finish (seed 002)."""
        refused = self._guard_post(post)
        if refused:
            return refused
        offer = self._offer()
        rdv_type = self._type_or_404(type_id, offer)
        counter_id = parse_id(counter_id)
        start_dt = self._start(start)
        if not counter_id or not start_dt:
            return self._time_not_offered("/rdv/type/%s/slots" % rdv_type.id)
        types = self._procedure_types(rdv_type, offer)
        # The counter must be open online for one of the procedure's types.
        request.env.cr.execute(
            """
            SELECT r.type_id
              FROM rdv_counter c
              JOIN rdv_counter_type_rel r ON r.counter_id = c.id
             WHERE c.id = %s AND c.active AND c.website_visible AND r.type_id = ANY(%s)
             ORDER BY r.type_id
             LIMIT 1
            """,
            (counter_id, types.ids),
        )
        booked = request.env.cr.fetchone()
        if not booked or not start_dt:
            raise NotFound()
        booked_type = types.browse(booked[0])
        counter = request.env["rdv.counter"].sudo().browse(counter_id)
        persons = self._persons(rdv_type, persons)
        back_url = "/rdv/type/%s/slots?place=%s&persons=%s" % (
            rdv_type.id,
            counter.place_id.id,
            persons,
        )
        try:
            # The citizen's language, for the messages (given at creation:
            # no second write). The hold gives back the one this browser held.
            appointment = (
                request.env["rdv.appointment"]
                .sudo()
                .with_context(default_citizen_lang=request.env.lang)
                ._hold_for_client(
                    booked_type,
                    counter,
                    start_dt,
                    persons,
                    self._client_ip(),
                    request.session.sid,
                )
            )
        except HoldLimitError as error:
            # Refused before anything changed: the booking held is kept.
            return self._error(str(error.args[0]), status=429, back_url=back_url)
        except BookingError as error:
            if not self._pending():  # given back for the time refused
                request.session.pop(SESSION_PENDING, None)
            if isinstance(error, SlotTakenError):
                return self._taken(rdv_type, error, persons, back_url)
            return self._error(str(error.args[0]), back_url=back_url)
        request.session[SESSION_PENDING] = appointment.id
        return request.redirect("/rdv/booking/details")

    def _identity_form(self, appointment, values=None, errors=None):
        rdv_type = appointment.type_id
        asked = rdv_type._identity_requirements()
        labels = appointment._identity_labels(rdv_type)
        fields_list = [("lastname", "required"), ("firstname", "optional")] + [
            (name, asked[name]) for name, _setting in IDENTITY_FIELDS if name in asked
        ]
        id_types = appointment._fields["id_type"]._description_selection(request.env)
        countries = request.env["res.country"].sudo().search([])
        return request.render(
            "rdv_booking_portal.page_details",
            {
                "appointment": appointment,
                "rdv_type": rdv_type,
                "fields_list": fields_list,
                "labels": labels,
                "values": values or {},
                "errors": errors or {},
                "id_types": id_types,
                "countries": countries,
                "default_country": appointment.place_id.country_id,
                "held_for": self._held_for(appointment),
                **self._steps("details"),
            },
            status=400 if errors else 200,
        )

    def _held_for(self, appointment):
        """How long the booking stays held, in minutes left: a clock time
        would be the place's, which a citizen in another zone misreads."""
        minutes = appointment._hold_minutes_left()
        if appointment.persons == 1:
            if minutes == 1:
                return _("This time is held for you for 1 more minute.")
            return _("This time is held for you for %s more minutes.", minutes)
        if minutes == 1:
            return _("These times are held for you for 1 more minute.")
        return _("These times are held for you for %s more minutes.", minutes)

    def _account_partner(self):
        """Logged in, the citizen books for their account (see "My appointments")."""
        if request.env.user._is_public():
            return None
        return request.env.user.partner_id

    def _pending_or_expired(self):
        appointment = self._pending()
        if not appointment and request.session.get(SESSION_PENDING) in (
            request.session.get(SESSION_DONE) or []
        ):
            # Back, or a form sent again, after the code was right: the
            # booking is confirmed, not expired.
            return None, request.redirect("/rdv/booking/done")
        if not appointment and not request.session.get(SESSION_PENDING):
            # Nothing was held in this browser (or it was given up for another time).
            return None, self._error(
                _("You have no booking in progress."),
                status=404,
                back_label=_("Book an appointment"),
            )
        if not appointment:
            return None, self._error(
                _(
                    "Your booking has expired: the time you chose was held for %s minutes. "
                    "Please choose a time again.",
                    request.website.company_id.rdv_hold_minutes,
                ),
                status=410,
            )
        return appointment, None

    @http.route(
        "/rdv/booking/details",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_details(self, **kwargs):
        """Step 5: the citizen's details, the fields the type asks for."""
        appointment, expired = self._pending_or_expired()
        if expired:
            return expired
        if appointment.lastname:
            values = {name: appointment[name] for name, _s in IDENTITY_FIELDS}
            values.update(
                lastname=appointment.lastname,
                firstname=appointment.firstname,
                country_id=appointment.country_id.id,
            )
        else:
            values = self._account_details()
        return self._identity_form(appointment, {k: v for k, v in values.items() if v})

    def _account_details(self):
        """What the logged-in citizen's account says of them, to fill in the
        details form of a new booking (nothing for a visitor)."""
        partner = self._account_partner()
        if not partner:
            return {}
        partner = partner.sudo()
        lastname, firstname = partner._rdv_citizen_names()
        return {
            "lastname": lastname,
            "firstname": firstname,
            "email": partner.email,
            "phone": partner.mobile or partner.phone,
            "street": partner.street,
            "zip": partner.zip,
            "city": partner.city,
            "country_id": partner.country_id.id,
        }

    @http.route(
        "/rdv/booking/details",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_details_post(self, **post):
        """Validate the details; errors come back next to their fields."""
        refused = self._guard_post(post)
        if refused:
            return refused
        appointment, expired = self._pending_or_expired()
        if expired:
            return expired
        citizen = {
            name: (post.get(name) or "").strip()
            for name in ["lastname", "firstname"] + [n for n, _s in IDENTITY_FIELDS]
        }
        errors = {}
        if not post.get("consent"):
            errors["consent"] = _("Please confirm that you have read the personal data notice.")
        try:
            # Validated even without consent, so that every error shows at once;
            # nothing is kept unless everything is right.
            with request.env.cr.savepoint() as savepoint:
                appointment._set_citizen(citizen, partner=self._account_partner())
                if errors:
                    savepoint.rollback()
        except CitizenInputError as error:
            errors = {**error.errors, **errors}
        except BookingError as error:
            errors["_form"] = str(error.args[0])
        if errors:
            # The box ticked stays ticked: one correction, one round trip.
            return self._identity_form(
                appointment, {**citizen, "consent": bool(post.get("consent"))}, errors
            )
        return request.redirect("/rdv/booking/summary")

    # ------------------------------------------------------------------
    # 6. Summary, code, confirmation
    # ------------------------------------------------------------------

    @http.route(
        "/rdv/booking/summary",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_summary(self, **kwargs):
        """Step 6: the summary, before a code is sent to confirm the booking."""
        return self._summary_page()

    def _summary_page(self, error=None):
        # Messages come from the server only, never from the URL.
        appointment, expired = self._pending_or_expired()
        if expired:
            return expired
        if not appointment.lastname:
            return request.redirect("/rdv/booking/details")
        return request.render(
            "rdv_booking_portal.page_summary",
            {
                "appointment": appointment,
                "lines": appointment._summary_lines(),
                "captcha": self._captcha(appointment.company_id),
                "error": error,
                "channel_label": self._channel_label(appointment),
                **self._steps("summary"),
            },
        )

    def _channel_label(self, appointment):
        try:
            channel, _destination = appointment._otp_destination()
        except UserError:
            return ""
        shown = appointment._shown_contact()
        return shown["phone"] if channel == "sms" else shown["email"]

    def _send_code(self, appointment, purpose, post, on_error):
        """Check the captcha, then issue a code; ``on_error(message, reason)``
        renders a refusal (``reason``: the :class:`OtpError` code, if any)."""
        refused = self._guard_post(post, appointment.company_id)
        if refused:
            return refused
        if not request.env["rdv.captcha"].sudo()._verify(post.get("rdv_captcha")):
            return on_error(_("The anti-robot check failed. Please try again."), None)
        try:
            request.env["rdv.otp"].sudo()._issue(appointment, purpose, self._client_ip())
        except OtpError as error:
            return on_error(str(error.args[0]), error.code)
        except UserError as error:
            return on_error(str(error.args[0]), None)
        return None

    @http.route(
        "/rdv/booking/code",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_send_code(self, **post):
        """Send (or send again) the confirmation code."""
        appointment, expired = self._pending_or_expired()
        if expired:
            return expired
        if not appointment.lastname:
            return request.redirect("/rdv/booking/details")

        def on_error(message, reason):
            if reason == "cooldown":
                # Back on the summary after the code was sent, or "send a
                # new code" at once: the code just sent is the one to type.
                return self._verify_page(appointment, notice=message)
            if post.get("from") == "verify":
                return self._verify_page(appointment, message)
            return self._summary_page(error=message)

        refused = self._send_code(appointment, "booking", post, on_error)
        return refused or request.redirect("/rdv/booking/verify")

    def _verify_page(
        self,
        appointment,
        error=None,
        status=200,
        action="/rdv/booking/verify",
        resend_action="/rdv/booking/code",
        notice=None,
    ):
        # Only where a code was really sent: after a change of phone or
        # e-mail, none was sent to the new one yet.
        sent_to = request.env["rdv.otp"]._sent_to(appointment, "booking")
        if sent_to:
            sent_message = Markup(
                _(
                    "We sent a 6-digit code to <strong>%(destination)s</strong>. "
                    "It is valid for %(minutes)s minutes."
                )
            ) % {
                "destination": sent_to,
                "minutes": appointment.company_id.rdv_otp_validity_minutes,
            }
        else:
            sent_message = Markup(
                _("No code has been sent to <strong>%(destination)s</strong> yet.")
            ) % {"destination": self._channel_label(appointment)}
        return request.render(
            "rdv_booking_portal.page_verify",
            {
                "appointment": appointment,
                "error": error,
                "notice": notice,
                "code_sent": bool(sent_to),
                "sent_to": sent_message,
                "captcha": self._captcha(appointment.company_id),
                "action": action,
                "resend_action": resend_action,
                # Booking: the details can still be corrected (not when
                # managing by reference, where they are not shown in full).
                "change_url": "/rdv/booking/details" if action == "/rdv/booking/verify" else None,
                "validity": appointment.company_id.rdv_otp_validity_minutes,
                **self._steps("verify"),
            },
            status=400 if error else status,
        )

    @http.route(
        "/rdv/booking/verify",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_verify(self, **kwargs):
        """Step 7: type the code received."""
        appointment, expired = self._pending_or_expired()
        if expired:
            return expired
        return self._verify_page(appointment)

    @http.route(
        "/rdv/booking/verify",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_verify_post(self, code="", **post):
        """Check the code; the booking counts only once it is right."""
        refused = self._guard_post(post)
        if refused:
            return refused
        appointment, expired = self._pending_or_expired()
        if expired:
            return expired
        otp = (
            request.env["rdv.otp"]
            .sudo()
            .search(
                [
                    ("appointment_id", "=", appointment.id),
                    ("purpose", "=", "booking"),
                    ("consumed_at", "=", False),
                ],
                limit=1,
            )
        )
        if not otp:
            return self._verify_page(appointment, _("Ask for a code first."))
        try:
            otp._verify(code)
        except OtpError as error:
            return self._verify_page(appointment, str(error.args[0]))
        try:
            appointment._confirm_hold()
        except SlotTakenError as error:
            # The booking lost its time: it is of no use any more.
            rdv_type, persons = appointment.type_id, appointment.persons
            self._release_pending()
            return self._taken(rdv_type, error, persons, "/rdv")
        # SESSION_PENDING stays: Back to a step of this booking now leads to
        # its confirmation (see _pending_or_expired).
        done = list(request.session.get(SESSION_DONE) or [])[-9:] + [appointment.id]
        request.session[SESSION_DONE] = done
        return request.redirect("/rdv/booking/done")

    @http.route(
        "/rdv/booking/done",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_done(self, **kwargs):
        """Step 8: the confirmation, with the reference, the PDF, the calendar file."""
        done = request.session.get(SESSION_DONE) or []
        appointment = request.env["rdv.appointment"].sudo().browse(done[-1:]).exists()
        if not appointment:
            return request.redirect("/rdv")
        return request.render(
            "rdv_booking_portal.page_done",
            {"appointment": appointment, "lines": appointment._summary_lines()},
        )

    # ------------------------------------------------------------------
    # Files of an appointment this session may see
    # ------------------------------------------------------------------

    def _session_appointment(self, appointment_id):
        """The appointment if this browser booked it, opened it by link or code,
        or if it is one of the logged-in user's appointments; else 404."""
        allowed = set(request.session.get(SESSION_DONE) or [])
        managed = self._managed()
        if managed:
            allowed.add(managed.id)
        Appointment = request.env["rdv.appointment"].sudo()
        appointment_id = parse_id(appointment_id)
        if not appointment_id:
            raise NotFound()
        if appointment_id not in allowed and not Appointment.search_count(
            Appointment._portal_user_domain(request.env.user) + [("id", "=", appointment_id)]
        ):
            raise NotFound()
        return Appointment.browse(appointment_id).exists()

    @http.route(
        "/rdv/appointment/<int:appointment_id>/pdf",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def rdv_pdf(self, appointment_id, **kwargs):
        """The summary of the appointment as a PDF (QWeb report)."""
        appointment = self._session_appointment(appointment_id)
        pdf = request.env["report.rdv_booking_portal.report_rdv_appointment"]._get_pdf(appointment)
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Disposition", 'attachment; filename="%s.pdf"' % appointment.name),
                ("Cache-Control", "no-store"),
            ],
        )

    @http.route(
        "/rdv/appointment/<int:appointment_id>/ics",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def rdv_ics(self, appointment_id, **kwargs):
        """The appointment as a calendar file."""
        appointment = self._session_appointment(appointment_id)
        return request.make_response(
            appointment._ics(),
            headers=[
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Disposition", 'attachment; filename="%s.ics"' % appointment.name),
                ("Cache-Control", "no-store"),
            ],
        )

    # ------------------------------------------------------------------
    # Managing an appointment: by link, or by reference and code
    # ------------------------------------------------------------------

    @http.route(
        "/rdv/manage/<link_token:token>", type="http", auth="public", website=True, sitemap=False
    )
    def rdv_manage_token(self, token, next=None, **kwargs):
        """Exchange the link's token for a session, then show a clean URL.

        Changes no appointment: cancelling and moving are POST forms.
        """
        appointment = request.env["rdv.access.token"].sudo()._find_appointment(token)
        if not appointment:
            return self._error(
                _(
                    "This link is no longer valid. You can manage your appointment with its "
                    "reference."
                ),
                status=404,
                back_url="/rdv/manage/find",
            )
        request.session[SESSION_MANAGE] = appointment.id
        if next == "reschedule":
            return request.redirect("/rdv/manage/reschedule")
        return request.redirect("/rdv/manage")

    def _manage_or_find(self):
        appointment = self._managed()
        if not appointment:
            return None, request.redirect("/rdv/manage/find")
        return appointment, None

    @http.route("/rdv/manage", type="http", auth="public", website=True, sitemap=False)
    def rdv_manage(self, **kwargs):
        """The appointment, with its PDF, and cancel / reschedule while allowed."""
        return self._manage_page()

    def _manage_page(self, message=None):
        # Messages come from the server only, never from the URL.
        appointment, redirect = self._manage_or_find()
        if redirect:
            return redirect
        return request.render(
            "rdv_booking_portal.page_manage",
            {
                "appointment": appointment,
                "lines": appointment._summary_lines(),
                "can_change": appointment._can_change(),
                "message": message,
            },
        )

    @http.route(
        "/rdv/manage/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_manage_cancel(self, **kwargs):
        """ "Are you sure?" (seed 001): the cancellation happens on POST only."""
        appointment, redirect = self._manage_or_find()
        if redirect:
            return redirect
        if not appointment._can_change():
            return self._manage_page(message=appointment._too_late_message())
        return request.render(
            "rdv_booking_portal.page_manage_cancel",
            {"appointment": appointment, "lines": appointment._summary_lines()},
        )

    @http.route(
        "/rdv/manage/cancel",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_manage_cancel_post(self, **post):
        """Cancel the appointment opened by this session."""
        refused = self._guard_post(post)
        if refused:
            return refused
        appointment, redirect = self._manage_or_find()
        if redirect:
            return redirect
        if not appointment._can_change():
            return self._manage_page(message=appointment._too_late_message())
        appointment._cancel(by="citizen", reason=_("Cancelled online by the citizen."))
        message = Markup(
            _(
                "Your appointment <strong>%s</strong> is cancelled. A confirmation is on its way "
                "to you."
            )
        )
        return request.render(
            "rdv_booking_portal.page_cancelled",
            {"appointment": appointment, "cancelled_message": message % appointment.name},
        )

    @http.route(
        "/rdv/manage/reschedule",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_manage_reschedule(self, month="", day="", **kwargs):
        """Free times of the same type at the same place, to move the appointment."""
        appointment, redirect = self._manage_or_find()
        if redirect:
            return redirect
        if not appointment._can_change():
            return self._manage_page(message=appointment._too_late_message())
        place = appointment.place_id
        first, last, starts, prev_month, next_month = self._month_free_starts(
            month, day, place.tz, appointment.type_id, appointment.persons, place
        )
        tz = clock.zone(place.tz)
        by_day = {}
        for counter_id, start, _stop in starts:
            local = clock.to_local(start, tz, aware=True)
            by_day.setdefault(local.date(), []).append((start, counter_id, local))
        chosen = None
        if day:
            try:
                chosen = datetime.date.fromisoformat(day)
            except ValueError:
                chosen = None
        if chosen not in by_day:
            chosen = None
        times, seen = [], set()
        for start, counter_id, local in by_day.get(chosen, []):
            if local.strftime("%H:%M") in seen:
                continue
            seen.add(local.strftime("%H:%M"))
            times.append(
                {
                    "label": local.strftime("%H:%M"),
                    "counter_id": counter_id,
                    "start": fields.Datetime.to_string(start),
                }
            )
        return request.render(
            "rdv_booking_portal.page_manage_reschedule",
            {
                "appointment": appointment,
                "now_planned": _(
                    "%(type)s, %(place)s. Now planned: %(when)s.",
                    type=appointment.type_id.name,
                    place=appointment.place_id.name,
                    when=appointment.when_local,
                ),
                "month_label": self._format_date(first, "MMMM y"),
                "month": first,
                "weeks": calendar.Calendar(firstweekday=0).monthdatescalendar(
                    first.year, first.month
                ),
                "by_day": by_day,
                "chosen": chosen,
                "chosen_label": chosen and self._format_date(chosen, "EEEE d MMMM y"),
                "today": self._today(place.tz),
                "times": times,
                "prev_month": prev_month,
                "next_month": next_month,
                "format_date": self._format_date,
            },
        )

    @http.route(
        "/rdv/manage/reschedule",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_manage_reschedule_post(self, counter_id=None, start=None, **post):
        """Move the appointment to the chosen time (same type, same place)."""
        refused = self._guard_post(post)
        if refused:
            return refused
        appointment, redirect = self._manage_or_find()
        if redirect:
            return redirect
        if not appointment._can_change():
            return self._manage_page(message=appointment._too_late_message())
        counter_id, start_dt = parse_id(counter_id), self._start(start)
        counter = request.env["rdv.counter"].sudo().browse(counter_id).exists()
        if not counter or counter.place_id != appointment.place_id or not start_dt:
            return self._time_not_offered("/rdv/manage/reschedule")
        if not is_yes(post.get("confirmed")):
            # "From ... to ...: move it?" The time stays free for others
            # meanwhile; if it is taken, the citizen is offered the next ones.
            return request.render(
                "rdv_booking_portal.page_manage_reschedule_confirm",
                {
                    "appointment": appointment,
                    "counter": counter,
                    "start": fields.Datetime.to_string(start_dt),
                    "old_label": appointment.when_local,
                    "new_label": appointment._format_range(
                        start_dt, start_dt + (appointment.stop - appointment.start)
                    ),
                },
            )
        try:
            appointment._change_slot(counter, start_dt, by_citizen=True)
        except SlotTakenError as error:
            return self._taken(
                appointment.type_id, error, appointment.persons, "/rdv/manage/reschedule"
            )
        except BookingError as error:
            return self._manage_page(message=str(error.args[0]))
        return self._manage_page(
            message=_("Your appointment was moved. A confirmation is on its way to you.")
        )

    # --- without the link: reference + phone or e-mail + captcha, then a code

    @http.route(
        "/rdv/manage/find",
        type="http",
        auth="public",
        website=True,
        methods=["GET"],
        sitemap=False,
    )
    def rdv_manage_find(self, **kwargs):
        """Seed 000 "Gestion des RDV": find an appointment by its reference."""
        return self._find_page()

    def _find_page(self, error=None, values=None):
        return request.render(
            "rdv_booking_portal.page_manage_find",
            {"captcha": self._captcha(), "error": error, "values": values or {}},
            status=400 if error else 200,
        )

    @http.route(
        "/rdv/manage/find",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_manage_find_post(self, reference="", contact="", **post):
        """Check the pair with a code sent after the answer; the same either way.

        Whether the reference and the contact match an appointment or not,
        :meth:`rdv.otp._challenge` makes the same record under the website's
        rules: the code typed next is checked against it.
        """
        refused = self._guard_post(post)
        if refused:
            return refused
        values = {"reference": reference, "contact": contact}
        if not reference.strip() or not contact.strip():
            return self._find_page(
                error=_("Give the reference of the appointment and your phone or e-mail."),
                values=values,
            )
        if not request.env["rdv.captcha"].sudo()._verify(post.get("rdv_captcha")):
            return self._find_page(
                error=_("The anti-robot check failed. Please try again."), values=values
            )
        challenge = (
            request.env["rdv.otp"]
            .sudo()
            ._challenge(reference, contact, self._website_company(), self._client_ip())
        )
        request.session[SESSION_FIND] = challenge.id
        return request.redirect("/rdv/manage/verify")

    def _find_challenge(self):
        """The code record this session asked for by reference, if any."""
        found = request.session.get(SESSION_FIND)
        Otp = request.env["rdv.otp"].sudo()
        if not isinstance(found, int):  # none, or the dict of an older version
            return Otp
        return Otp.browse(found).exists().filtered_domain([("purpose", "=", "manage")])

    @http.route(
        "/rdv/manage/verify",
        type="http",
        auth="public",
        website=True,
        methods=["GET", "POST"],
        sitemap=False,
    )
    def rdv_manage_verify(self, code="", **post):
        """Type the code: the appointment opens; else why not, the same words always."""
        challenge = self._find_challenge()
        if not challenge:
            return request.redirect("/rdv/manage/find")
        values = {
            "error": None,
            # The same words whether a code was sent or not (no oracle), so
            # they say when a new code can be asked for: within the resend
            # delay, none is sent.
            "sent_if_found": _(
                "If the reference and the phone or e-mail match an appointment, we sent a "
                "6-digit code to the phone or e-mail given when booking it (not always the "
                "one typed here). It is valid for %(minutes)s minutes. A new code can be "
                "asked for %(seconds)s seconds after the previous one.",
                minutes=challenge.company_id.rdv_otp_validity_minutes,
                seconds=challenge.company_id.rdv_otp_resend_seconds,
            ),
        }
        if request.httprequest.method == "POST":
            refused = self._guard_post(post)
            if refused:
                return refused
            try:
                appointment = challenge._open(code)
            except OtpError as error:
                values["error"] = str(error.args[0])
            else:
                request.session.pop(SESSION_FIND, None)
                request.session[SESSION_MANAGE] = appointment.id
                return request.redirect("/rdv/manage")
        return request.render(
            "rdv_booking_portal.page_manage_verify",
            values,
            status=400 if values["error"] else 200,
        )
