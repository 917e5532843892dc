"""The public booking API, version 1 (mounted under ``/api/v1``).

HTTP only: each route checks its client (:func:`api_client`), calls one
method of ``rdv.api.client`` (which calls the booking service) and shapes
the answer. Refusals are JSON ``{"detail": {"field", "reason", "code"}}``
with a 4xx status; an unexpected error is logged and answered the same way,
never as a 500.
"""

import datetime
import logging
import time
from typing import Annotated, Any

import psycopg2
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from odoo import fields
from odoo.api import Environment
from odoo.exceptions import AccessError, MissingError, UserError

from odoo.addons.fastapi.context import odoo_env_ctx
from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.rdv_booking.models.rdv_appointment import (
    BookingError,
    CitizenInputError,
)

from ..models.rdv_api_client import ApiRefusal
from ..models.rdv_otp import OtpError
from ..schemas import api_v1 as schemas

_logger = logging.getLogger(__name__)

# HTTP status of each refusal code (others: 400).
STATUS = {
    "not_found": 404,
    "forbidden": 403,
    "unauthorized": 401,
    "rate_limited": 429,
    "taken": 409,
    "limit": 409,
    "elsewhere": 409,
    "state": 409,
    "attempts": 409,
    "deadline": 409,
    "cooldown": 429,
    "code_limit": 429,
    "hold_limit": 429,
    "ants_elsewhere": 409,
    # Every refusal is a 4xx: a client retries this one (code ants_unavailable).
    "ants_unavailable": 409,
}

REFUSALS = {
    status: {"model": schemas.ApiError, "description": description}
    for status, description in (
        (400, "Refused: the field named and why."),
        (401, "No API key, or an unknown one."),
        (
            403,
            "Not for this client (an outcome recorded by a client that does not identify "
            "citizens).",
        ),
        (404, "Not found among the client's commune and types."),
        (
            409,
            "Refused by a booking rule (taken, limits, state), or the national check of "
            "pre-application numbers (ANTS) is unavailable (code ants_unavailable: retry later).",
        ),
        (429, "Too many calls: wait the seconds of Retry-After."),
    )
}
REFUSALS[422] = {
    "model": schemas.ValidationErrors,
    "description": "An input that does not fit the document, or a detail the appointment "
    "type does not ask (type not_asked): each with its place and why, in the language asked.",
}
# A number that PostgreSQL stores (ids).
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Reference = Annotated[str, Path(min_length=1, max_length=32, description="The reference.")]

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The client's key (or Authorization: Bearer)."
)
bearer = HTTPBearer(auto_error=False, description="The client's key.")


class ApiRefused(HTTPException):
    """A refusal answered as JSON. Odoo logs an exception of a request at
    its ``loglevel``: a refusal is the API working, not an error of the
    server (the call is in rdv.api.log with its status)."""

    loglevel = logging.DEBUG


class RefusalMiddleware:
    """Every refusal is answered here, as JSON ``{"detail": ...}``: those of
    the routes (:class:`ApiRefused`), a body or parameter that does not fit
    the document (422), and what the routing itself refuses (an unknown
    path, a method the path does not take).

    Answered, not raised through OCA fastapi's dispatcher to Odoo's error
    handler: an exception raised while the request's body was being read
    (a body that is not JSON) sometimes left that dispatcher without a
    response under Odoo's prefork workers, an HTTP 500. The request's
    transaction is rolled back first, as for an exception: a refused call
    changes nothing (the call's log and rate-limit hit are committed apart).
    """

    CODES = {404: "not_found", 405: "method_not_allowed"}

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_started(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_started)
        except (ApiRefused, RequestValidationError, StarletteHTTPException) as error:
            if started:
                raise
            odoo_env_ctx.get().cr.rollback()
            status, body, headers = self._answer(error, scope)
            await JSONResponse(body, status, headers)(scope, receive, send)

    def _answer(self, error, scope):
        """(status, body, headers) of a refusal."""
        if isinstance(error, RequestValidationError) and any(
            item.get("type") == "json_invalid" for item in error.errors()
        ):
            # FastAPI reports a body that is no JSON as a validation error at
            # its character position (loc ["body", 1]): said as what it is.
            error = StarletteHTTPException(400)
        if isinstance(error, RequestValidationError):
            env = odoo_env_ctx.get()
            client = env["rdv.api.client"].sudo()._rdv_from_key(_key_of(Request(scope)) or "")
            client = client.with_context(lang=_caller_lang(env, Request(scope), client))
            # What was sent is not quoted back (bytes that are no UTF-8, a
            # number JSON cannot write, would make the answer itself fail).
            errors = client._api_validation_errors(
                [
                    {
                        "loc": list(item.get("loc") or ()),
                        "type": str(item.get("type") or ""),
                        "msg": str(item.get("msg") or ""),
                        "ctx": {key: str(value) for key, value in (item.get("ctx") or {}).items()},
                    }
                    for item in error.errors()
                ]
            )
            return 422, {"detail": errors}, None
        detail = error.detail
        if not isinstance(error, ApiRefused):
            # The framework's own words (an unknown path, a body it could not
            # parse), in the caller's language.
            env = odoo_env_ctx.get()
            client = env["rdv.api.client"].sudo()._rdv_from_key(_key_of(Request(scope)) or "")
            env = env(context=dict(env.context, lang=_caller_lang(env, Request(scope), client)))
            reasons = {
                400: (env._("The body is not valid JSON."), "body"),
                404: (env._("Not found."), None),
                405: (env._("This operation does not take this method."), None),
            }
            reason, field = reasons.get(error.status_code, (str(error.detail), None))
            detail = {
                "field": field,
                "reason": reason,
                "code": self.CODES.get(error.status_code, "invalid"),
            }
        return error.status_code, {"detail": detail}, error.headers


def _refuse(status, reason, field=None, code="invalid", headers=None):
    return ApiRefused(
        status_code=status,
        detail={"field": field, "reason": reason, "code": code},
        headers=headers,
    )


def _key_of(request):
    """The API key a request carries (X-API-Key, or Authorization: Bearer)."""
    key = request.headers.get("X-API-Key")
    if not key:
        scheme, _sep, credentials = (request.headers.get("Authorization") or "").partition(" ")
        key = credentials.strip() if scheme.lower() == "bearer" else None
    return key or None


def _caller_lang(env, request, client):
    """The language of the answer: Accept-Language when it names one of the
    languages installed, else the commune's (its website's)."""
    header = request.headers.get("Accept-Language")
    if header:
        try:
            lang = env["res.lang"].sudo()._get_lang_from_accept_language(header)
        except Exception:  # noqa: BLE001 (a malformed header is no header)
            lang = None
        if lang:
            return lang
    return client.sudo()._api_default_lang() if client else env.lang


def _as_http(error, env):
    """The HTTPException that answers ``error`` (a refusal of the models)."""
    if isinstance(error, ApiRefusal):
        if error.loc:
            # A value the document takes but a rule refuses: answered as
            # the document's own 422, with its place.
            return RequestValidationError(
                [{"type": error.code, "loc": error.loc, "msg": str(error.args[0])}]
            )
        return _refuse(STATUS.get(error.code, 400), str(error.args[0]), error.field, error.code)
    if isinstance(error, CitizenInputError) and error.not_asked:
        # What the type does not ask, as pydantic answers a field the
        # document does not take: 422, with its place.
        return RequestValidationError(
            [
                {
                    "type": "not_asked",
                    "loc": ("body", "citizen", name),
                    "msg": reason,
                }
                for name, reason in error.errors.items()
                if name in error.not_asked
            ]
        )
    if isinstance(error, CitizenInputError):
        field, reason = next(iter(error.errors.items()))
        person = field.removeprefix("application_number_")
        if person != field and person.isdigit():
            # The persons' pre-application numbers: a list of the request.
            return _refuse(400, reason, "application_ids[%d]" % (int(person) - 1), "invalid")
        return _refuse(400, reason, "citizen.%s" % field, "invalid")
    if isinstance(error, OtpError):
        code = {"wrong": "wrong_code", "format": "invalid"}.get(error.code, error.code)
        return _refuse(STATUS.get(error.code, 400), str(error.args[0]), "code", code)
    if isinstance(error, BookingError):
        field = {
            "persons": "persons",
            "past": "start",
            "horizon": "start",
            "notice": "start",
            "taken": "start",
            "not_offered": "start",
            "counter": "counter_id",
            "unpublished": "type_id",
            "limit": "citizen",
            "elsewhere": "citizen",
            "ants_elsewhere": "application_ids",
            "ants_unavailable": "application_ids",
        }.get(error.code)
        return _refuse(STATUS.get(error.code, 400), str(error.args[0]), field, error.code)
    if isinstance(error, MissingError | AccessError):
        return _refuse(404, env._("Not found."), None, "not_found")
    return _refuse(400, str(error.args[0]), None, "invalid")


def api_client(
    request: Request,
    env: Annotated[Environment, Depends(odoo_env)],
    api_key: Annotated[str | None, Depends(api_key_header)] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
):
    """The client whose key the call carries, within its rate limit; logs
    the call (client, route, status, duration) whatever its outcome, and
    answers any unexpected error as a clean JSON refusal."""
    started = time.monotonic()
    key = api_key or (credentials.credentials if credentials else None)
    client = env["rdv.api.client"]._rdv_from_key(key) if key else env["rdv.api.client"]
    if client and not request.headers.get("Accept-Language"):
        # No language asked: the commune's, for its citizens' words too. The
        # client keeps its own environment (superuser: with the request's
        # plain one, the API user could not read a country).
        lang = _caller_lang(env, request, client)
        env = env(context=dict(env.context, lang=lang))
        client = client.with_context(lang=lang)
    status = 200
    try:
        if not client:
            raise _refuse(
                401,
                env._("Give a valid API key in the X-API-Key header."),
                "X-API-Key",
                "unauthorized",
                {"WWW-Authenticate": "Bearer"},
            )
        if not env["rdv.rate.limit"].sudo()._allow("api-key", client.id, client.rate_limit, 60):
            wait = 60 - int(time.time()) % 60
            raise _refuse(
                429,
                env._("Too many calls with this key. Please wait %s seconds.", wait),
                None,
                "rate_limited",
                {"Retry-After": str(wait)},
            )
        route = request.scope.get("route")
        status = getattr(route, "status_code", None) or 200
        yield client.with_company(client.company_id).with_context(
            lang=env.lang, allowed_company_ids=[client.company_id.id]
        )
    except HTTPException as error:
        status = error.status_code
        raise
    except RequestValidationError as error:
        status = 422
        error.loglevel = logging.DEBUG  # see ApiRefused
        raise
    except psycopg2.OperationalError:
        status = 503  # retried by Odoo (a concurrent update)
        raise
    except (UserError, AccessError, MissingError) as error:
        http_error = _as_http(error, env)
        status = getattr(http_error, "status_code", 422)
        raise http_error from error
    except Exception as error:
        _logger.exception("API call %s %s failed", request.method, request.url.path)
        status = 400
        raise _refuse(
            400, env._("Your request could not be processed."), None, "unprocessable"
        ) from error
    finally:
        env["rdv.api.log"].sudo()._record(
            client.id or None,
            request.method,
            request.url.path,
            status,
            int((time.monotonic() - started) * 1000),
        )


Client = Annotated[Any, Depends(api_client)]

api_v1_router = APIRouter(responses=REFUSALS)


def _utc(value):
    """A datetime of a request as naive UTC (naive ones are read as UTC)."""
    if value.tzinfo is not None:
        # Its own offset, given with it: no zone to look up.
        try:
            value = (value - value.utcoffset()).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999: refused as out of range
            return datetime.datetime.min
    return value


def _aware(value):
    return value.replace(tzinfo=datetime.UTC) if value else None


def _appointment(client, appointment):
    place = appointment.place_id
    pending = appointment.state == "pending"
    sent_to = pending and client.env["rdv.otp"].sudo()._sent_to(appointment, "booking")
    cancelled_by, cancelled_by_client = appointment._cancelled_by_public()
    return schemas.Appointment(
        reference=appointment.name,
        state=appointment.state,
        type_id=appointment.type_id.id,
        place_id=place.id,
        counter_id=appointment.counter_id.id,
        start=_aware(appointment.start),
        start_local=client._api_local(place, appointment.start),
        stop=_aware(appointment.stop),
        persons=appointment.persons,
        cancelled_by=cancelled_by,
        cancelled_by_client=cancelled_by_client,
        can_change=client._api_can_change(appointment),
        code_sent_to=sent_to or None,
        hold_expires_at=_aware(appointment.hold_expiry) if pending else None,
    )


@api_v1_router.get("/types", response_model=list[schemas.AppointmentType], tags=["read"])
def list_types(client: Client) -> list[schemas.AppointmentType]:
    """The appointment types the client may book online, with the details
    they ask and the documents to bring (plain text)."""
    return [
        schemas.AppointmentType(
            id=rdv_type.id,
            name=rdv_type.name,
            procedure_code=rdv_type.procedure_code or None,
            duration_minutes=rdv_type.duration,
            max_persons=rdv_type.max_persons,
            min_notice_hours=rdv_type.min_notice_hours,
            max_horizon_days=rdv_type.max_horizon_days,
            ants_reason=rdv_type.ants_reason or None,
            asks=rdv_type._identity_requirements(),
            documents_to_bring=client._api_documents_text(rdv_type),
        )
        for rdv_type in client._api_types()
    ]


@api_v1_router.get("/places", response_model=list[schemas.Place], tags=["read"])
def list_places(
    client: Client,
    type_id: Annotated[int, Query(ge=1, le=2**31 - 1, description="The appointment type.")],
    postcode: Annotated[
        str | None,
        Query(max_length=64, description="Postcode or town to measure distances from."),
    ] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="Latitude (WGS 84).")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="Longitude (WGS 84).")] = None,
) -> list[schemas.Place]:
    """The places of a type, nearest first (from lat/lon, else a postcode or
    town), then earliest; each with its first free time."""
    if (lat is None) != (lon is None):
        raise _refuse(
            400, client.env._("Give both latitude and longitude."), "lon" if lon is None else "lat"
        )
    rdv_type = client._api_type(type_id)
    return [
        schemas.Place(
            id=place.id,
            name=place.name,
            address=place.address_display or "",
            zip=place.zip or None,
            city=place.city or None,
            phone=place.phone or None,
            latitude=place.latitude or None,
            longitude=place.longitude or None,
            tz=place.tz or "UTC",
            distance_km=distance,
            earliest=_aware(earliest),
        )
        for place, distance, earliest in client._api_places_from(rdv_type, postcode, lat, lon)
    ]


@api_v1_router.get("/availability", response_model=list[schemas.FreeTime], tags=["read"])
def availability(
    client: Client,
    type_id: Annotated[int, Query(ge=1, le=2**31 - 1, description="The appointment type.")],
    place_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="One place (default: all).")
    ] = None,
    persons: Annotated[int, Query(ge=1, le=100, description="Number of persons.")] = 1,
    date_from: Annotated[
        datetime.date | None, Query(description="First day (default: today).")
    ] = None,
    date_to: Annotated[
        datetime.date | None,
        Query(description="Last day (default: 14 days after the first; at most 62 days)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Most times answered.")] = 50,
) -> list[schemas.FreeTime]:
    """The free start times of a type, earliest first: the website's engine
    and rules (notice, horizon, persons, counters shown online)."""
    offer = client._api_offer()
    rdv_type = client._api_type(type_id, offer)
    place = client._api_place(rdv_type, place_id, offer) if place_id else None
    today = fields.Date.context_today(client)
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and not 2000 <= value.year <= 9000:
            raise _refuse(400, client.env._("This date is out of range."), name)
    date_from = date_from or today
    date_to = date_to or date_from + datetime.timedelta(days=14)
    return [
        schemas.FreeTime(
            place_id=counter.place_id.id,
            counter_id=counter.id,
            start=_aware(start),
            start_local=client._api_local(counter.place_id, start),
            stop=_aware(stop),
        )
        for counter, start, stop in client._api_availability(
            rdv_type, date_from, date_to, persons, place, limit
        )
    ]


@api_v1_router.get(
    "/appointments/{reference}", response_model=schemas.Appointment, tags=["appointments"]
)
def read_appointment(client: Client, reference: Reference) -> schemas.Appointment:
    """One appointment of the client's commune and types, by reference."""
    return _appointment(client, client._api_read(reference))


@api_v1_router.post(
    "/appointments",
    response_model=schemas.Appointment,
    status_code=201,
    tags=["appointments"],
)
def book(client: Client, request: Request, body: schemas.BookingRequest) -> schemas.Appointment:
    """Book a free time. A client that identifies citizens itself books at
    once (state planned); any other holds the time (state pending) and the
    citizen receives a one-time code (SMS or e-mail) to give to
    ``/appointments/{reference}/confirm`` before ``hold_expires_at``."""
    start = _utc(body.start)
    if not datetime.datetime(2000, 1, 1) < start < datetime.datetime(9000, 1, 1):
        raise _refuse(400, client.env._("This date is out of range."), "start")
    citizen = {
        name: value for name, value in body.citizen.model_dump().items() if value not in (None, "")
    }
    if "birthdate" in citizen:
        citizen["birthdate"] = citizen["birthdate"].isoformat()
    appointment = client._api_book(
        body.type_id,
        body.counter_id,
        start,
        body.persons,
        citizen,
        request.client.host if request.client else "-",
        body.application_ids,
        body.ants_confirmed,
    )
    return _appointment(client, appointment)


@api_v1_router.post(
    "/appointments/{reference}/confirm",
    response_model=schemas.Appointment,
    tags=["appointments"],
)
def confirm(client: Client, reference: Reference, body: schemas.CodeRequest) -> schemas.Appointment:
    """Confirm a held booking with the code the citizen received."""
    return _appointment(client, client._api_confirm(reference, body.code))


@api_v1_router.post(
    "/appointments/{reference}/release",
    response_model=schemas.Released,
    tags=["appointments"],
)
def release(client: Client, reference: Reference) -> schemas.Released:
    """Give back a time this client holds (state pending: the citizen gave
    up, the call ended): it is free for others at once, and the booking is
    gone. Another client's hold, or an appointment already confirmed
    (cancel it instead), is not found, as an unknown reference."""
    return schemas.Released(reference=client._api_release(reference), state="released")


@api_v1_router.post(
    "/appointments/{reference}/resend-code",
    response_model=schemas.Appointment,
    tags=["appointments"],
)
def resend_code(client: Client, request: Request, reference: Reference) -> schemas.Appointment:
    """Send the citizen of a time this client holds a new one-time code
    (the previous one stops working); within the codes' limits: a wait
    between two codes (429, code cooldown) and a number per hour, counted
    for this client (429, code code_limit)."""
    host = request.client.host if request.client else "-"
    return _appointment(client, client._api_resend(reference, host))


@api_v1_router.post(
    "/appointments/{reference}/code",
    response_model=schemas.CodeSent,
    status_code=202,
    tags=["appointments"],
)
def proof_code(
    client: Client, reference: Reference, body: schemas.ContactRequest
) -> schemas.CodeSent:
    """For a client that does not identify citizens, to cancel or move an
    appointment it did not book (a citizen calls with the reference the
    website or ANTS gave them): a one-time code goes to the appointment's own
    phone or e-mail if `contact` is one of them; the citizen reads it out,
    and the cancellation or move carries it. The same answer whether they
    match or not; the website's limits on codes apply, counted for this
    client."""
    client._api_proof_code(reference, body.contact)
    return schemas.CodeSent(sent_if_found=True)


@api_v1_router.post(
    "/appointments/{reference}/cancel",
    response_model=schemas.Appointment,
    tags=["appointments"],
)
def cancel(
    client: Client, reference: Reference, body: schemas.CancelRequest
) -> schemas.Appointment:
    """Cancel an appointment for its citizen. A client that does not
    identify citizens gives the citizen's phone or e-mail for an appointment
    it booked, and adds the code sent by `/code` for any other."""
    return _appointment(client, client._api_cancel(reference, body.contact, body.reason, body.code))


@api_v1_router.post(
    "/appointments/{reference}/move",
    response_model=schemas.Appointment,
    tags=["appointments"],
)
def move(client: Client, reference: Reference, body: schemas.MoveRequest) -> schemas.Appointment:
    """Move an appointment to another free time of its type."""
    start = _utc(body.start)
    if not datetime.datetime(2000, 1, 1) < start < datetime.datetime(9000, 1, 1):
        raise _refuse(400, client.env._("This date is out of range."), "start")
    return _appointment(
        client, client._api_move(reference, body.counter_id, start, body.contact, body.code)
    )


@api_v1_router.post(
    "/appointments/{reference}/done",
    response_model=schemas.Appointment,
    tags=["appointments"],
)
def mark_done(client: Client, reference: Reference) -> schemas.Appointment:
    """The citizen came and was served (clients that identify citizens)."""
    return _appointment(client, client._api_outcome(reference, "done"))


@api_v1_router.post(
    "/appointments/{reference}/absent",
    response_model=schemas.Appointment,
    tags=["appointments"],
)
def mark_absent(client: Client, reference: Reference) -> schemas.Appointment:
    """The citizen did not come (clients that identify citizens)."""
    return _appointment(client, client._api_outcome(reference, "no_show"))


@api_v1_router.post("/booking-links", response_model=schemas.BookingLink, tags=["links"])
def booking_link(client: Client, body: schemas.BookingLinkRequest) -> schemas.BookingLink:
    """A signed link to the website's booking flow that fills in the
    citizen's details (the citizen still chooses the time and confirms).
    The README documents the recipe to sign one without this call."""
    url = client._api_booking_link(
        body.type_id,
        body.model_dump(exclude={"type_id", "expires_in_minutes"}),
        body.expires_in_minutes,
    )
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        minutes=body.expires_in_minutes
    )
    return schemas.BookingLink(url=url, expires_at=expires.replace(microsecond=0))
