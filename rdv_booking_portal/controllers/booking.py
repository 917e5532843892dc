import datetime
import re

import babel.numbers
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.rdv_booking.models.rdv_appointment import (
    AntsElsewhereError,
    BookingError,
    CitizenInputError,
    SlotTakenError,
)
from odoo.addons.rdv_booking.models.rdv_appointment_type import IDENTITY_FIELDS
from odoo.addons.rdv_booking.tools.parse import INT4_MAX, parse_id, parse_int

from ..models.rdv_appointment import HoldLimitError
from ..models.rdv_otp import OtpError
from .base import SESSION_DONE, SESSION_PENDING, RdvWebsiteBase

# A time of day in a link ('HH:MM').
TIME = re.compile(r"[0-2][0-9]:[0-5][0-9]")


class RdvBooking(RdvWebsiteBase):
    """The citizen's booking, step by step: type, place, time (held), details,
    summary, code, confirmation."""

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

    def _check_pending(self, appointment, post=None, details=False):
        """Why the booking ``appointment`` (:meth:`_pending`) cannot go on, as
        the response to send instead, or None. ``post``: a form, checked
        first (:meth:`_guard_post`); ``details``: the step needs the
        citizen's details given (summary, code, verification)."""
        if post is not None and (refused := self._guard_post(post)):
            return refused
        if appointment:
            if details and not appointment.lastname:
                return request.redirect("/rdv/booking/details")
            return None
        held = request.session.get(SESSION_PENDING)
        if held in (request.session.get(SESSION_DONE) or []):
            # Back, or a form sent again, after the code was right: the
            # booking is confirmed, not expired.
            return request.redirect("/rdv/booking/done")
        if not held:
            # Nothing was held in this browser (or it was given up for another time).
            return self._error(
                _("You have no booking in progress."),
                status=404,
                back_label=_("Book an appointment"),
            )
        return self._error(
            _(
                "Your booking has expired: the time you chose was held for %s minutes. "
                "Please choose a time again.",
                request.website.company_id.rdv_hold_minutes,
            ),
            status=410,
        )

    def _release_pending(self):
        self._pending()._release_hold()
        request.session.pop(SESSION_PENDING, None)

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
        distances = (
            request.env["rdv.locality"].sudo()._place_distances(offered_places, where, lat, lon)
        )
        origin = any(order is not None for _km, order in distances.values())
        rows = []
        locale = self._locale()
        for place in places:
            start = earliest[place.id][0]
            distance, order = distances[place.id]
            rows.append(
                {
                    "place": place,
                    "earliest": self._local(place, start),
                    "earliest_utc": start,
                    "distance": distance,
                    "order": order,
                    # "1,1 km" in French, "1.1 km" in English
                    "distance_label": distance is not None
                    and babel.numbers.format_decimal(distance, format="0.0", locale=locale),
                }
            )
        rows.sort(key=lambda row: (row["order"] is None, row["order"] or 0, row["earliest_utc"]))
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

    @http.route(
        "/rdv/type/<int:type_id>/slots",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        readonly=True,
    )
    def rdv_slots(self, type_id, place="any", persons=1, month="", day="", time="", **kwargs):
        """Step 4: the days with free times in a month, then the times of one day
        (``time``, 'HH:MM': the one a link came for, shown first in focus)."""
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
        # At "any place", a time is offered once: at the first place that
        # has it (who cares where books from the places step).
        month_values = self._month_calendar(
            month, day, tz, types, persons, places, per_place=place != "any"
        )
        return request.render(
            "rdv_booking_portal.page_slots",
            {
                "rdv_type": rdv_type,
                "persons": persons,
                "place_param": place,
                "persons_label": self._persons_label(persons),
                "places": places,
                "chosen_time": isinstance(time, str) and TIME.fullmatch(time) and time,
                **month_values,
                **self._steps("slot"),
            },
        )

    # ------------------------------------------------------------------
    # 5. Hold the time, then the citizen's details
    # ------------------------------------------------------------------

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
        """Hold the chosen time for the citizen while they finish."""
        if refused := self._guard_post(post):
            return refused
        offer = self._offer()
        rdv_type = self._type_or_404(type_id, offer)
        counter_id = parse_id(counter_id)
        start_dt = self._start(start)
        if not counter_id or not start_dt:
            return self._time_not_offered("/rdv/type/%s/slots" % rdv_type.id)
        counter = request.env["rdv.counter"].sudo().browse(counter_id)
        # The counter must be open online for one of the procedure's types.
        booked_type = counter._online_type(self._procedure_types(rdv_type, offer))
        if not booked_type:
            raise NotFound()
        # Not fitted into the type's range as the pages' links are: a form
        # asking for more persons than allowed is told so (_book), not booked
        # for fewer.
        # Not a number of persons (0, -1, "abc"): the booking service says
        # what the type allows.
        persons = parse_int(persons or 1, 1, INT4_MAX) or 0
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

    def _identity_form(self, appointment, values=None, errors=None, elsewhere=None):
        rdv_type = appointment.type_id
        asked = rdv_type._identity_requirements()
        labels = appointment.env["rdv.citizen"]._identity_labels(rdv_type)
        fields_list = [("lastname", "required"), ("firstname", "optional")] + [
            (name, asked[name]) for name, _setting in IDENTITY_FIELDS if name in asked
        ]
        helps = {}
        if rdv_type.ants_reason:
            # The ID-card and passport procedure: each person's own number.
            Application = request.env["rdv.appointment.application"]
            for person in range(1, appointment.persons + 1):
                name = Application._field_name(person)
                fields_list.append((name, "required"))
                labels[name] = Application._field_label(person)
                helps[name] = request.env._(
                    "10 letters or digits, on the summary of the online pre-application (ANTS)."
                )
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
                "helps": helps,
                "ants_elsewhere": elsewhere or [],
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
        appointment = self._pending()
        if response := self._check_pending(appointment):
            return response
        if appointment.lastname:
            values = {name: appointment[name] for name, _s in IDENTITY_FIELDS}
            values.update(
                lastname=appointment.lastname,
                firstname=appointment.firstname,
                country_id=appointment.country_id.id,
            )
            values.update(
                (application._field_name(application.person), application.number)
                for application in appointment.application_ids
            )
        else:
            values = {**self._account_details(), **self._prefilled_details(appointment)}
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
        appointment = self._pending()
        if response := self._check_pending(appointment, post):
            return response
        citizen = {
            name: (post.get(name) or "").strip()
            for name in ["lastname", "firstname"] + [n for n, _s in IDENTITY_FIELDS]
        }
        Application = request.env["rdv.appointment.application"]
        numbers = [
            (post.get(Application._field_name(person)) or "").strip()
            for person in range(1, appointment.persons + 1)
        ]
        citizen["application_numbers"] = numbers
        citizen["ants_confirmed"] = bool(post.get("ants_confirmed"))
        errors, elsewhere = {}, []
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
        except AntsElsewhereError as error:
            # The citizen reads where, and books this one too or not.
            elsewhere = error.elsewhere
            errors["_form"] = _(
                "A pre-application number already has an appointment elsewhere: "
                "see below, and tick the box to book this one too."
            )
        except BookingError as error:
            errors["_form"] = str(error.args[0])
        if errors:
            # The box ticked stays ticked: one correction, one round trip.
            values = {
                **citizen,
                "consent": bool(post.get("consent")),
                **{Application._field_name(i): n for i, n in enumerate(numbers, 1)},
            }
            return self._identity_form(appointment, values, errors, elsewhere)
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
        return self._summary_page(self._pending())

    def _summary_page(self, appointment, error=None):
        # Messages come from the server only, never from the URL.
        if response := self._check_pending(appointment, details=True):
            return response
        return request.render(
            "rdv_booking_portal.page_summary",
            {
                "appointment": appointment,
                "lines": appointment._summary_lines(),
                "captcha": self._captcha(appointment.company_id),
                "error": error,
                "channel_label": request.env["rdv.otp"]._rdv_channel_label(appointment),
                **self._steps("summary"),
            },
            status=400 if error else 200,
        )

    @http.route(
        "/rdv/booking/code",
        type="http",
        auth="public",
        website=True,
        methods=["POST"],
        sitemap=False,
    )
    def rdv_send_code(self, **post):
        """Send (or send again) the confirmation code, once the captcha is solved."""
        appointment = self._pending()
        if response := self._check_pending(appointment, details=True):
            return response
        if refused := self._guard_post(post, appointment.company_id):
            return refused
        message, reason = None, None
        if not self._captcha_ok(post):
            message = _("The anti-robot check failed. Please try again.")
        else:
            try:
                request.env["rdv.otp"].sudo()._issue(appointment, "booking", self._client_ip())
            except OtpError as error:
                message, reason = str(error.args[0]), error.code
            except UserError as error:
                message = str(error.args[0])
        if message is None:
            return request.redirect("/rdv/booking/verify")
        if reason == "cooldown":
            # Back on the summary after the code was sent, or "send a new
            # code" at once: the code just sent is the one to type.
            return self._verify_page(appointment, notice=message)
        if post.get("from") == "verify":
            return self._verify_page(appointment, message)
        return self._summary_page(appointment, error=message)

    def _verify_page(self, appointment, error=None, notice=None):
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
            ) % {"destination": request.env["rdv.otp"]._rdv_channel_label(appointment)}
        return request.render(
            "rdv_booking_portal.page_verify",
            {
                "appointment": appointment,
                "error": error,
                "notice": notice,
                "code_sent": bool(sent_to),
                "sent_to": sent_message,
                "captcha": self._captcha(appointment.company_id),
                "action": "/rdv/booking/verify",
                "resend_action": "/rdv/booking/code",
                # The details can still be corrected.
                "change_url": "/rdv/booking/details",
                "validity": appointment.company_id.rdv_otp_validity_minutes,
                **self._steps("verify"),
            },
            status=400 if error else 200,
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
        appointment = self._pending()
        if response := self._check_pending(appointment, details=True):
            return response
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
        appointment = self._pending()
        if response := self._check_pending(appointment, post, details=True):
            return response
        otp = request.env["rdv.otp"]._rdv_current(appointment, "booking")
        if not otp:
            return self._verify_page(appointment, _("Ask for a code first."))
        try:
            otp._verify(code)
        except OtpError as error:
            return self._verify_page(appointment, str(error.args[0]))
        try:
            appointment._confirm_hold(proven=otp._proven_contact())
        except SlotTakenError as error:
            # The booking lost its time: it is of no use any more.
            rdv_type, persons = appointment.type_id, appointment.persons
            self._release_pending()
            return self._taken(rdv_type, error, persons, "/rdv")
        except BookingError as error:
            # The person's limits, now that the code proved who they are: the
            # hold is of no use any more.
            self._release_pending()
            return self._error(str(error.args[0]), status=409)
        # SESSION_PENDING stays: Back to a step of this booking now leads to
        # its confirmation (see _check_pending).
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
