import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.rdv_booking.models.rdv_appointment import (
    CONFIRMED_STATES,
)
from odoo.addons.rdv_booking.tools import clock
from odoo.addons.rdv_booking.tools.reference import normalize_reference

from .mail_template import plain_text

# A signed booking link lives at most this long (the case system sets less).
LINK_MAX_DAYS = 30
# What a signed link may fill in on the details step.
LINK_FIELDS = ("lastname", "firstname", "email", "phone", "file_number")
# The longest stretch of time one availability call looks at.
AVAILABILITY_MAX_DAYS = 62


class ApiRefusal(UserError):
    """A call refused for a reason the calling system can act on.

    ``field``: the input at fault (None: the call as a whole); ``code``: a
    stable word for programs ('not_found', 'forbidden', 'invalid', 'taken',
    the booking service's codes...); ``loc``: for a value of the body a rule
    refuses, its place (('body', 'phone')): then the API answers it as its
    document's 422.
    """

    def __init__(self, message, field=None, code="invalid", alternatives=(), loc=None):
        super().__init__(message)
        self.field = field
        self.code = code
        self.alternatives = list(alternatives)
        self.loc = loc


class RdvApiClient(models.Model):
    """What a client system may read and do, through the public API.

    Every call of the API comes here with the client found by its key: the
    client's commune and types bound what it sees (a reference of another
    commune is "not found", as one that does not exist), and the booking
    rules are those of the website (:meth:`rdv.appointment._book` with the
    website's channel: notice, horizon, persons, visibility, per-person
    limits).
    """

    _inherit = "rdv.api.client"

    log_ids = fields.One2many("rdv.api.log", "client_id", string="Calls")
    appointment_ids = fields.One2many("rdv.appointment", "api_client_id", string="Appointments")

    # ------------------------------------------------------------------
    # What the client sees
    # ------------------------------------------------------------------

    def _api_offer(self):
        """{type id: (procedure code, place ids)}: the client's types booked
        online in its commune (the website's rule, :meth:`website._rdv_offer_of`),
        all of its commune's when it was given none."""
        self.ensure_one()
        offer = self.env["website"]._rdv_offer_of(SQL("SELECT %s", self.company_id.id))
        Type = self.env["rdv.appointment.type"].sudo()
        allowed = set(self._rdv_covered(Type.browse(list(offer))).ids)
        return {type_id: value for type_id, value in offer.items() if type_id in allowed}

    def _api_types(self):
        """The types the client may read and book."""
        return self.env["rdv.appointment.type"].sudo().browse(sorted(self._api_offer()))

    def _api_type(self, type_id, offer=None):
        """The type ``type_id`` if the client may book it, else ApiRefusal
        (the same whether it exists in another commune or not at all)."""
        offer = self._api_offer() if offer is None else offer
        if type_id not in offer:
            raise ApiRefusal(_("No such appointment type."), "type_id", "not_found")
        return self.env["rdv.appointment.type"].sudo().browse(type_id)

    def _api_places(self, rdv_type, offer=None):
        """The places where ``rdv_type`` is booked online."""
        offer = self._api_offer() if offer is None else offer
        return self.env["rdv.place"].sudo().browse(sorted(offer[rdv_type.id][1]))

    def _api_place(self, rdv_type, place_id, offer=None):
        places = self._api_places(rdv_type, offer)
        if place_id not in places.ids:
            raise ApiRefusal(_("No such place for this appointment type."), "place_id", "not_found")
        return places.browse(place_id)

    def _api_documents_text(self, rdv_type):
        """The type's documents to bring as plain text (read aloud by a phone
        server, in the language of the context), "" when it lists none."""
        return plain_text(rdv_type.documents_to_bring) if rdv_type.documents_to_bring else ""

    def _api_places_from(self, rdv_type, postcode=None, lat=None, lon=None):
        """[(place, distance in km or None, earliest free start or None)] of
        ``rdv_type``, nearest first (from ``lat``/``lon`` or a postcode or
        town, as the website sorts them), then earliest."""
        places = self._api_places(rdv_type)
        rdv_type.fetch(["max_horizon_days"])
        now = fields.Datetime.now()
        earliest = (
            self.env["rdv.slot"]
            .sudo()
            ._earliest_by_place(
                rdv_type,
                now,
                now + datetime.timedelta(days=rdv_type.max_horizon_days),
                persons=1,
                places=places,
                website=True,
            )
        )
        distances = (
            self.env["rdv.locality"]
            .sudo()
            ._place_distances(places, postcode or "", "" if lat is None else lat, lon)
        )
        far = datetime.datetime.max
        rows = sorted(
            places,
            key=lambda place: (
                distances[place.id][1] is None,
                distances[place.id][1] or 0,
                earliest.get(place.id, (None,))[0] or far,
            ),
        )
        return [
            (place, distances[place.id][0], earliest.get(place.id, (None,))[0]) for place in rows
        ]

    def _api_availability(self, rdv_type, date_from, date_to, persons=1, place=None, limit=50):
        """The free starts of ``rdv_type`` for ``persons`` between two days
        (in the places' zone), with the website's rules: [(counter, start, stop)].

        :raises ApiRefusal: a period the other way round or too long, a
            number of persons the type does not take
        """
        if date_to < date_from:
            raise ApiRefusal(_("The period ends before it starts."), "date_to")
        if (date_to - date_from).days >= AVAILABILITY_MAX_DAYS:
            raise ApiRefusal(
                _("Ask for at most %s days at a time.", AVAILABILITY_MAX_DAYS), "date_to"
            )
        if not 1 <= persons <= rdv_type.max_persons:
            raise ApiRefusal(
                _(
                    "%(type)s is booked for 1 to %(max)s persons.",
                    type=rdv_type.name,
                    max=rdv_type.max_persons,
                ),
                "persons",
            )
        places = place or self._api_places(rdv_type)
        tz = places[:1].tz or "UTC"
        starts = (
            self.env["rdv.slot"]
            .sudo()
            ._free_starts(
                rdv_type,
                clock.day_start_utc(date_from, tz),
                clock.day_start_utc(date_to + datetime.timedelta(days=1), tz),
                persons=persons,
                places=places,
                website=True,
                limit=limit,
            )
        )
        counters = self.env["rdv.counter"].sudo().browse({row[0] for row in starts})
        return [(counters.browse(counter_id), start, stop) for counter_id, start, stop in starts]

    def _api_appointment(self, reference):
        """The client's appointment ``reference`` (its commune and types), or
        ApiRefusal 'not_found', the same whether it exists elsewhere or not."""
        self.ensure_one()
        reference = normalize_reference(reference or "")
        appointment = self.env["rdv.appointment"].sudo()
        if reference:
            appointment = appointment.search(
                [
                    ("name", "=", reference),
                    ("company_id", "=", self.company_id.id),
                    ("type_id", "in", list(self._api_offer_all_types())),
                ],
                limit=1,
            )
        if not appointment:
            raise ApiRefusal(_("No such appointment."), "reference", "not_found")
        return appointment

    def _api_offer_all_types(self):
        """Ids of the types whose appointments the client reads: its types
        (even no longer online: an appointment outlives its type's
        publication), else every type of its commune."""
        types = (
            self.env["rdv.appointment.type"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", self.company_id.id)])
        )
        return set(self._rdv_covered(types).ids)

    # ------------------------------------------------------------------
    # What the client does
    # ------------------------------------------------------------------

    def _api_book(
        self,
        type_id,
        counter_id,
        start,
        persons,
        citizen,
        client_ip,
        application_ids=(),
        ants_confirmed=False,
    ):
        """Book for a citizen: at once for a trusted client (it identified
        the citizen), else hold the time and send the citizen a one-time code
        (by SMS or e-mail, :meth:`rdv.otp._issue`) that :meth:`_api_confirm`
        takes. Every rule is the booking service's (website channel).

        :param start: naive UTC
        :param application_ids: the persons' ANTS pre-application numbers,
            one per person, for the types that are the ANTS procedure (checked
            with the hub by the booking service, as on the website)
        :param ants_confirmed: book although a number has an appointment elsewhere
        :raises ApiRefusal, BookingError, CitizenInputError:
        """
        self.ensure_one()
        offer = self._api_offer()
        rdv_type = self._api_type(type_id, offer)
        counter = self.env["rdv.counter"].sudo().browse(counter_id).exists()
        if not counter or counter.place_id.id not in offer[rdv_type.id][1]:
            raise ApiRefusal(
                _("No such counter for this appointment type."), "counter_id", "not_found"
            )
        if application_ids and not rdv_type.ants_reason:
            raise ApiRefusal(
                _("This appointment type takes no pre-application number."), "application_ids"
            )
        if rdv_type.ants_reason:
            citizen = dict(
                citizen, application_numbers=list(application_ids), ants_confirmed=ants_confirmed
            )
        Appointment = (
            self.env["rdv.appointment"]
            .sudo()
            .with_context(
                default_api_client_id=self.id,
                default_citizen_lang=self.env.lang,
            )
        )
        if self.trusted:
            return Appointment._book(
                rdv_type, counter, start, persons=persons, citizen=citizen, channel="api"
            )
        # The per-person limits wait for the code, as on the website: checked
        # at the hold, the answer would tell whether a phone has appointments.
        # Within the client's own limits of times held at once and per hour
        # (the website's are per connection): a client cannot hold a whole day.
        appointment = Appointment._hold_for_client(
            rdv_type,
            counter,
            start,
            persons,
            client_ip,
            secrets.token_hex(16),  # no browser: each hold is a booking of its own
            requester=("api-client:%s" % self.id, self.max_live_holds, self.rate_limit * 60),
            channel="api",
        )
        appointment._set_citizen(citizen)
        self._api_send_code(appointment, client_ip)
        return appointment

    def _api_send_code(self, appointment, client_ip):
        """Send the citizen of a held booking a new one-time code
        (:meth:`rdv.otp._issue`: its cooldown and limits per destination),
        counted for this client whatever its address: a client's count of
        codes is never shared with others on its address, and it sends no
        more codes in an hour than calls it may make."""
        return (
            self.env["rdv.otp"]
            .sudo()
            ._issue(
                appointment,
                "booking",
                "api:%s" % client_ip,
                requester=("otp-api-client", str(self.id), self.rate_limit * 60),
            )
        )

    def _api_own_hold(self, reference):
        """The booking ``reference`` this client holds (pending, booked by
        it), or ApiRefusal 'not_found': another client's hold, a confirmed
        appointment and an unknown reference are answered alike."""
        appointment = self._api_appointment(reference)
        if appointment.api_client_id != self or appointment.state != "pending":
            raise ApiRefusal(_("No such appointment."), "reference", "not_found")
        return appointment

    def _api_release(self, reference):
        """Give back the time this client holds for ``reference`` (the
        citizen gave up, the call ended): free at once for others, instead of
        at the hold's expiry (:meth:`rdv.appointment._release_hold`)."""
        appointment = self._api_own_hold(reference)
        name = appointment.name
        appointment._release_hold()
        return name

    def _api_resend(self, reference, client_ip):
        """Send the citizen of this client's hold ``reference`` a new code
        (within the code limits, see :meth:`_api_send_code`)."""
        appointment = self._api_own_hold(reference)
        self._api_send_code(appointment, client_ip)
        return appointment

    def _api_confirm(self, reference, code):
        """Confirm the client's held booking ``reference`` with the code the
        citizen received (:meth:`rdv.otp._verify`, attempts counted)."""
        appointment = self._api_read(reference)
        if appointment.state != "pending":
            raise ApiRefusal(
                _("This booking is no longer waiting for confirmation."), "reference", "state"
            )
        otp = self.env["rdv.otp"]._rdv_current(appointment, "booking")
        if not otp:
            raise ApiRefusal(_("Ask for a code first."), "code", "no_code")
        otp._verify(code)
        appointment._confirm_hold(proven=otp._proven_contact())
        return appointment

    def _api_read(self, reference):
        """The appointment ``reference`` as :meth:`_api_appointment`, for a
        client that does not identify citizens only if it booked it (others
        give the citizen's phone or e-mail to act on theirs)."""
        appointment = self._api_appointment(reference)
        if not self.trusted and appointment.api_client_id != self:
            raise ApiRefusal(_("No such appointment."), "reference", "not_found")
        return appointment

    def _api_check_change(self, appointment, contact, code=None):
        """Whether the client may cancel or move ``appointment`` for its
        citizen: the proof of who asks (:meth:`_api_check_proof`), then the
        website's deadline (:meth:`rdv.appointment._can_change`)."""
        self._api_check_proof(appointment, contact, code)
        if appointment.state not in CONFIRMED_STATES:
            raise ApiRefusal(
                _("This appointment is no longer planned: it cannot be changed."),
                "reference",
                "state",
            )
        if not appointment._can_change():
            raise ApiRefusal(appointment._too_late_message(), "reference", "deadline")

    def _api_check_proof(self, appointment, contact, code=None):
        """A client that does not identify citizens acts on an appointment it
        booked with its citizen's phone or e-mail; on any other (booked on
        the website, at the counter, by another client: its reference is
        given to whoever types a pre-application number at ANTS) only with
        the one-time code sent to that appointment's own phone or e-mail
        (:meth:`_api_proof_code`), as the website's "manage by reference";
        the same answer as an unknown reference otherwise.

        :raises OtpError: a wrong or expired code, in the same words whether
            the pair matched an appointment or not
        """
        if self.trusted:
            return
        if appointment.api_client_id == self and not code:
            found = self.env["rdv.appointment"]._portal_find(
                appointment.name, contact or "", self.company_id
            )
            if found != appointment:
                raise ApiRefusal(_("No such appointment."), "reference", "not_found")
            return
        if not code or not contact:
            raise ApiRefusal(_("No such appointment."), "reference", "not_found")
        Otp = self.env["rdv.otp"].sudo()
        challenge = Otp.search(
            [
                ("purpose", "=", "manage"),
                ("pair_key", "=", Otp._pair_key(appointment.name, contact, self.company_id)),
            ],
            order="id desc",
            limit=1,
        )
        if not challenge:
            raise ApiRefusal(_("No such appointment."), "reference", "not_found")
        if challenge._open(code) != appointment:
            raise ApiRefusal(_("No such appointment."), "reference", "not_found")

    def _api_proof_code(self, reference, contact):
        """Have a one-time code sent to the phone or e-mail of appointment
        ``reference`` if ``contact`` is one of them (:meth:`rdv.otp._challenge`,
        the website's rules and limits, counted for this client): the same
        answer whether they match or not."""
        self.ensure_one()
        self.env["rdv.otp"].sudo()._challenge(
            reference or "",
            contact or "",
            self.company_id,
            "api-client:%s" % self.id,
            companies=self.company_id,
        )

    def _api_cancel(self, reference, contact=None, reason=False, code=None):
        """Cancel the client's appointment ``reference`` for its citizen."""
        appointment = self._api_appointment(reference)
        self._api_check_change(appointment, contact, code)
        # For the citizen, by this client: its answer and webhooks name it.
        appointment._cancel(
            by="client", reason=reason or _("Cancelled through %s.", self.name), client=self
        )
        return appointment

    def _api_move(self, reference, counter_id, start, contact=None, code=None):
        """Move the client's appointment to ``start`` at ``counter_id``, with
        the website's rules (:meth:`rdv.appointment._change_slot`)."""
        appointment = self._api_appointment(reference)
        self._api_check_change(appointment, contact, code)
        offer = self._api_offer()
        if appointment.type_id.id not in offer:
            raise ApiRefusal(_("This appointment type is not booked online."), "reference", "state")
        counter = self.env["rdv.counter"].sudo().browse(counter_id).exists()
        if not counter or counter.place_id.id not in offer[appointment.type_id.id][1]:
            raise ApiRefusal(
                _("No such counter for this appointment type."), "counter_id", "not_found"
            )
        appointment._change_slot(
            counter, start, allow_reserved=False, by_citizen=True, channel="api"
        )
        return appointment

    def _api_outcome(self, reference, outcome):
        """Record that the citizen came ('done') or did not ('no_show'): for
        a trusted client only (it receives citizens itself)."""
        appointment = self._api_appointment(reference)
        if not self.trusted:
            raise ApiRefusal(
                _("Only a client that identifies citizens may record the outcome."),
                None,
                "forbidden",
            )
        if outcome == "done":
            appointment.action_done()
        else:
            appointment.action_no_show()
        return appointment

    # ------------------------------------------------------------------
    # Pre-filled booking links, signed with the client's secret
    # ------------------------------------------------------------------

    @api.model
    def _link_payload(self, values):
        """The signed part of a link: its fields, sorted, as compact JSON."""
        return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def _link_signature(self, payload):
        """HMAC-SHA256 of ``payload`` under the client's secret, base64url without padding."""
        self.ensure_one()
        digest = hmac.new(
            (self.sudo().secret or "").encode(), payload.encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _api_booking_link(self, type_id, details, expires_in_minutes):
        """A URL of the website's booking flow for ``type_id`` that fills the
        details step with ``details`` (name, contact, case number), valid
        ``expires_in_minutes``; the citizen still chooses the time and
        confirms. See :meth:`_from_booking_link` for the recipe."""
        self.ensure_one()
        rdv_type = self._api_type(type_id)
        if not self.sudo().secret:
            raise ApiRefusal(
                _("This client has no secret yet: make it a new key."), None, "forbidden"
            )
        values = {name: details[name] for name in LINK_FIELDS if details.get(name)}
        # A link the website's form would refuse is refused now, to the
        # system that makes it, rather than later to the citizen who opens it.
        errors, not_asked = (
            self.env["rdv.citizen"]
            .sudo()
            ._given_details_errors(rdv_type, values, self.company_id.country_id.code)
        )
        if errors:
            name, reason = next(iter(errors.items()))
            raise ApiRefusal(
                reason, name, "not_asked" if name in not_asked else "invalid", loc=("body", name)
            )
        values.update(
            client=self.id,
            type=type_id,
            exp=int(time.time()) + 60 * expires_in_minutes,
        )
        payload = self._link_payload(values)
        query = {**{k: str(v) for k, v in values.items()}, "sig": self._link_signature(payload)}
        base = self.company_id.website_id.domain or self.get_base_url()
        if base and not base.startswith("http"):
            base = "https://" + base
        return "%s/rdv/link?%s" % (base.rstrip("/"), urlencode(query))

    @api.model
    def _from_booking_link(self, params):
        """(type id, details) of a signed link's query ``params``, or
        ApiRefusal: altered, unknown client, expired.

        The recipe: the fields present among ``lastname``, ``firstname``,
        ``email``, ``phone``, ``file_number``, plus ``client`` (the client's
        id), ``type`` (the type's id) and ``exp`` (Unix time, seconds), as
        one JSON object with sorted keys, no spaces, UTF-8 (numbers as
        numbers); ``sig`` is HMAC-SHA256 of it under the client's secret,
        base64url without padding.
        """
        try:
            client_id, type_id, expiry = (
                int(params.get(k) or "") for k in ("client", "type", "exp")
            )
        except (TypeError, ValueError):
            raise ApiRefusal(_("This booking link is incomplete."), "sig", "invalid") from None
        values = {name: params[name] for name in LINK_FIELDS if params.get(name)}
        values.update(client=client_id, type=type_id, exp=expiry)
        client = self.sudo().browse(client_id).exists().filtered("active")
        expected = client._link_signature(self._link_payload(values)) if client else ""
        # Compared in constant time, and the same work for an unknown client.
        if (
            not hmac.compare_digest(expected.encode(), str(params.get("sig") or "").encode())
            or not client
        ):
            raise ApiRefusal(_("This booking link is not valid: it was altered."), "sig", "invalid")
        if expiry < time.time():
            raise ApiRefusal(
                _("This booking link has expired. Ask for a new one."), "exp", "expired"
            )
        if expiry > time.time() + LINK_MAX_DAYS * 86400:
            raise ApiRefusal(_("This booking link is not valid: it was altered."), "exp", "invalid")
        if type_id not in client._api_offer():
            raise ApiRefusal(
                _("This appointment can no longer be booked online."), "type", "not_found"
            )
        return type_id, {name: values[name] for name in LINK_FIELDS if name in values}

    # ------------------------------------------------------------------
    # The client's appointments as the API shows them
    # ------------------------------------------------------------------

    def _api_default_lang(self):
        """The language of the client's commune (its website's), in which the
        API answers a call that asks none."""
        self.ensure_one()
        company = self.sudo().company_id
        website = (
            self.env["website"].sudo().search([("rdv_company_ids", "in", company.id)], limit=1)
            or company.website_id
        )
        return website.default_lang_id.code or company.partner_id.lang or "en_US"

    def _api_validation_errors(self, errors):
        """The errors of an input that does not fit the API's document
        (pydantic's, as dicts), each with its dotted ``field`` and its reason
        (``msg``) in the language of the context; the JSON shape stays the
        document's (``loc``, ``msg``, ``type``)."""
        answers = []
        for error in errors:
            loc = [part for part in error.get("loc") or () if isinstance(part, str | int)]
            path = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
            reason = self._api_validation_reason(error)
            answers.append(
                {
                    "loc": loc,
                    "field": ".".join(str(part) for part in path) or "body",
                    "msg": reason,
                    "type": str(error.get("type") or "invalid"),
                }
            )
        return answers

    def _api_validation_reason(self, error):
        """The reason of one of pydantic's errors in the language of the
        context; ours (a rule's refusal) are translated already."""
        kind = error.get("type")
        ctx = error.get("ctx") or {}
        reasons = {
            "missing": lambda: self.env._("This field is required."),
            "extra_forbidden": lambda: self.env._("This field is not expected here."),
            "string_too_long": lambda: self.env._(
                "At most %s characters.", ctx.get("max_length", "?")
            ),
            "string_too_short": lambda: self.env._(
                "At least %s characters.", ctx.get("min_length", "?")
            ),
            "too_long": lambda: self.env._("At most %s items.", ctx.get("max_length", "?")),
            "too_short": lambda: self.env._("At least %s items.", ctx.get("min_length", "?")),
            "greater_than_equal": lambda: self.env._("At least %s.", ctx.get("ge", "?")),
            "greater_than": lambda: self.env._("More than %s.", ctx.get("gt", "?")),
            "less_than_equal": lambda: self.env._("At most %s.", ctx.get("le", "?")),
            "less_than": lambda: self.env._("Less than %s.", ctx.get("lt", "?")),
            "int_parsing": lambda: self.env._("A whole number is expected."),
            "int_type": lambda: self.env._("A whole number is expected."),
            "int_from_float": lambda: self.env._("A whole number is expected."),
            "float_parsing": lambda: self.env._("A number is expected."),
            "float_type": lambda: self.env._("A number is expected."),
            "finite_number": lambda: self.env._("A number is expected."),
            "bool_parsing": lambda: self.env._("true or false is expected."),
            "bool_type": lambda: self.env._("true or false is expected."),
            "string_type": lambda: self.env._("A text is expected."),
            "list_type": lambda: self.env._("A list is expected."),
            "model_attributes_type": lambda: self.env._("An object is expected."),
            "dict_type": lambda: self.env._("An object is expected."),
            "date_parsing": lambda: self.env._("A date is expected (YYYY-MM-DD)."),
            "date_from_datetime_parsing": lambda: self.env._("A date is expected (YYYY-MM-DD)."),
            "date_from_datetime_inexact": lambda: self.env._("A date is expected (YYYY-MM-DD)."),
            "date_type": lambda: self.env._("A date is expected (YYYY-MM-DD)."),
            "datetime_parsing": lambda: self.env._(
                "A date and time is expected (YYYY-MM-DDTHH:MM:SSZ)."
            ),
            "datetime_from_date_parsing": lambda: self.env._(
                "A date and time is expected (YYYY-MM-DDTHH:MM:SSZ)."
            ),
            "datetime_type": lambda: self.env._(
                "A date and time is expected (YYYY-MM-DDTHH:MM:SSZ)."
            ),
            "timezone_aware": lambda: self.env._(
                "Give the time with its offset (Z for UTC, or +01:00...): a time without one "
                "could be any clock."
            ),
            "json_invalid": lambda: self.env._("The body is not valid JSON."),
            "literal_error": lambda: self.env._("Not one of the values allowed."),
            "enum": lambda: self.env._("Not one of the values allowed."),
        }
        if kind in reasons:
            return reasons[kind]()
        if kind in ("not_asked", "invalid"):
            return str(error.get("msg") or "")
        return self.env._("This value is not valid.")

    @api.model
    def _api_local(self, place, utc_dt):
        """``utc_dt`` (naive UTC) in the place's zone, with its offset."""
        return clock.to_local(utc_dt, place.tz or "UTC", aware=True)

    @api.model
    def _api_can_change(self, appointment):
        """Whether the citizen may still cancel or move it (the website's rule)."""
        return appointment.state in CONFIRMED_STATES and appointment._can_change()
