import calendar
import datetime
import functools
import json

import babel.dates
from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.http import request
from odoo.tools.misc import babel_locale_parse, consteq

from odoo.addons.rdv_booking.tools import clock
from odoo.addons.rdv_booking.tools.parse import INT4_MAX, parse_datetime, parse_id, parse_int

SESSION_PENDING = "rdv_pending"  # appointment being booked (held)
SESSION_DONE = "rdv_done"  # appointments this browser confirmed
SESSION_MANAGE = "rdv_manage"  # appointment opened by a link or a code
SESSION_PREFILL = "rdv_prefill"  # the details a client system's signed link fills in
SESSION_FIND = "rdv_find"  # "manage without a link": the rdv.otp id of the code asked for
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


class RdvWebsiteBase(http.Controller):
    """What the citizen's pages share: the website's offer, the session, the
    guard of every form, the error pages, dates in the page's language, the
    month calendar.

    The flows inherit it, one class per file (booking, manage, documents);
    Odoo combines them into one controller, so that each route is registered
    once. Public routes read with sudo() only the records the website offers
    (published types of the website's communes, visible counters) or the one
    appointment the session proved access to: the pending booking it
    created, or the appointment opened with a link token or a one-time code.
    """

    # ------------------------------------------------------------------
    # The website's offer
    # ------------------------------------------------------------------

    def _offer(self):
        """What this website offers: see :meth:`website._rdv_offer`."""
        return request.website._rdv_offer()

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

    def _website_company(self):
        """The website's company (its id is cached by the website)."""
        return request.env["res.company"].sudo().browse(request.website._get_cached("company_id"))

    # ------------------------------------------------------------------
    # What a form sends
    # ------------------------------------------------------------------

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

    def _client_ip(self):
        return request.httprequest.remote_addr or "-"

    # ------------------------------------------------------------------
    # Guards and error pages
    # ------------------------------------------------------------------

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

    def _captcha_ok(self, post):
        """Whether the form ``post`` carries a solved captcha."""
        return request.env["rdv.captcha"].sudo()._verify(post.get("rdv_captcha"))

    def _error(self, message, status=400, back_url="/rdv", back_label=None):
        """An error page: ``message``, and a button to ``back_url`` ("Go back",
        else ``back_label``)."""
        return request.render(
            "rdv_booking_portal.page_error",
            {"message": message, "back_url": back_url, "back_label": back_label},
            status=status,
        )

    def _time_not_offered(self, back_url="/rdv"):
        """The answer to a form sent with a time that is not one offered."""
        return self._error(
            _("This time is not one we offer. Please choose a time in the list."),
            status=400,
            back_url=back_url,
        )

    def _taken(self, rdv_type, error, persons, back_url):
        """The time was just taken (:class:`SlotTakenError`): the next free ones."""
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

    # ------------------------------------------------------------------
    # The session's appointments
    # ------------------------------------------------------------------

    def _pending(self):
        """The booking this session holds, if it still holds it."""
        appointment_id = request.session.get(SESSION_PENDING)
        appointment = request.env["rdv.appointment"].sudo().browse(appointment_id).exists()
        if not appointment or appointment.state != "pending":
            return request.env["rdv.appointment"].sudo()
        return appointment

    def _prefilled_details(self, appointment):
        """The details a client system's signed link (``/rdv/link``) filled
        in for this booking's type, else none."""
        prefill = request.session.get(SESSION_PREFILL) or {}
        if prefill.get("type_id") != appointment.type_id.id:
            return {}
        return {key: value for key, value in prefill.items() if key != "type_id"}

    def _managed(self):
        """The appointment this session opened with a link or a code, if its
        contacts are still those it was opened for."""
        opened = request.session.get(SESSION_MANAGE)
        if not (isinstance(opened, list) and len(opened) == 2):
            return request.env["rdv.appointment"]
        appointment = request.env["rdv.appointment"].sudo().browse(parse_id(opened[0])).exists()
        if not appointment or not consteq(str(opened[1]), appointment._manage_key()):
            return request.env["rdv.appointment"]
        return appointment

    # ------------------------------------------------------------------
    # Dates in the page's language
    # ------------------------------------------------------------------

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

    def _today(self, tz):
        """Today's date in the zone ``tz`` (of the places shown)."""
        return clock.today(tz, fields.Datetime.now())

    def _utc(self, day, tz):
        return clock.day_start_utc(day, tz)

    # ------------------------------------------------------------------
    # The month calendar: booking a time, and moving an appointment
    # ------------------------------------------------------------------

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

    def _month_calendar(self, month, day, tz, types, persons, places, per_place=False):
        """The month calendar of the free times of ``types`` at ``places``:
        the values its template reads (weeks, days with free times, the
        chosen day's times, the months it links to).

        Each time of the chosen day is offered once (``per_place``: once per
        place), at the first counter that has it: a day at 40 places would
        be a thousand buttons.
        """
        first, _last, starts, prev_month, next_month = self._month_free_starts(
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
        try:
            chosen = datetime.date.fromisoformat(day) if day else None
        except ValueError:
            chosen = None
        if chosen not in by_day:
            chosen = None
        times, seen = [], set()
        for start, counter, local in by_day.get(chosen, []):
            label = local.strftime("%H:%M")
            key = (label, counter.place_id.id) if per_place else label
            if key in seen:
                continue
            seen.add(key)
            times.append(
                {
                    "label": label,
                    "place": counter.place_id,
                    "counter": counter,
                    "start": fields.Datetime.to_string(start),
                }
            )
        return {
            "month_label": self._format_date(first, "MMMM y"),
            "month": first,
            "weeks": calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month),
            "by_day": by_day,
            "chosen": chosen,
            "chosen_label": chosen and self._format_date(chosen, "EEEE d MMMM y"),
            "today": self._today(tz),
            "times": times,
            "prev_month": prev_month,
            "next_month": next_month,
            "format_date": self._format_date,
        }


def open_managed(appointment):
    """This session manages ``appointment`` (opened by a link, a code or the
    citizen's account), while its contacts stay the same
    (:meth:`rdv.appointment._manage_key`, read by ``_managed``)."""
    request.session[SESSION_MANAGE] = [appointment.id, appointment._manage_key()]


def user_appointment(appointment_id, allowed=()):
    """The appointment ``appointment_id`` (sudo) if its id is in ``allowed``
    or it is one of the logged-in user's appointments; else 404, whether it
    exists or not."""
    appointment_id = parse_id(appointment_id)
    if not appointment_id:
        raise NotFound()
    Appointment = request.env["rdv.appointment"].sudo()
    if appointment_id in allowed:
        appointment = Appointment.browse(appointment_id).exists()
    else:
        appointment = Appointment.search(
            Appointment._portal_user_domain(request.env.user) + [("id", "=", appointment_id)]
        )
    if not appointment:
        raise NotFound()
    return appointment
