"""The documents the public booking API reads and answers.

Every field is documented: the OpenAPI document (``/api/v1/openapi.json``)
is generated from these models, and schemathesis checks every answer
against it.
"""

import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Text = Annotated[str, Field(max_length=200)]


class ErrorDetail(BaseModel):
    """Why a call was refused."""

    field: str | None = Field(
        None, description="The input at fault (a field of the body or a parameter), or null."
    )
    reason: str = Field(description="What was wrong, in the language asked (Accept-Language).")
    code: str = Field(
        description="A stable word for programs: not_found, invalid, taken, notice, horizon, "
        "persons, limit (the citizen's own limit of appointments), code_limit (too many codes "
        "sent: wait an hour), hold_limit (too many times held by the client), state (the "
        "appointment is not in a state for this), deadline (too late to change it), "
        "wrong_code, expired, rate_limited, unauthorized, forbidden, ..."
    )


class ApiError(BaseModel):
    """The body of every refused call (HTTP 4xx)."""

    detail: ErrorDetail


class AppointmentType(BaseModel):
    """An appointment type the client may book."""

    id: int = Field(description="Identifier of the type.")
    name: str = Field(description="Name, in the language asked.")
    procedure_code: str | None = Field(
        description="Code shared by the types that are the same procedure in several communes."
    )
    duration_minutes: float = Field(description="Duration of an appointment for one person.")
    max_persons: int = Field(description="Most persons one booking may be for.")
    min_notice_hours: int = Field(description="How long before its start a time can be booked.")
    max_horizon_days: int = Field(description="How far ahead a time can be booked.")
    ants_reason: Literal["CNI", "PASSPORT", "CNI-PASSPORT"] | None = Field(
        description="The ID-card/passport procedure of the ANTS, or null: then a booking "
        "gives one pre-application number per person (application_ids)."
    )
    asks: dict[str, Literal["optional", "required"]] = Field(
        description="The citizen's details the type asks, and whether each is required."
    )
    documents_to_bring: str = Field(
        description="The documents to bring, as plain text (no HTML), to show or read aloud."
    )


class Place(BaseModel):
    """A place where an appointment type is booked."""

    id: int = Field(description="Identifier of the place.")
    name: str = Field(description="Name of the place.")
    address: str = Field(description="Postal address, on one line.")
    zip: str | None = Field(description="Postcode.")
    city: str | None = Field(description="Town.")
    phone: str | None = Field(description="Phone number of the place.")
    latitude: float | None = Field(description="Latitude (WGS 84), null if unknown.")
    longitude: float | None = Field(description="Longitude (WGS 84), null if unknown.")
    tz: str = Field(description="Time zone of the place (IANA), in which it opens.")
    distance_km: float | None = Field(
        description="Distance from the point or postcode asked, null when none was given "
        "or it is unknown."
    )
    earliest: datetime.datetime | None = Field(
        description="First free time for one person (UTC), null when none is left."
    )


class FreeTime(BaseModel):
    """A free start time."""

    place_id: int = Field(description="The place.")
    counter_id: int = Field(description="The counter: give it back to book this time.")
    start: datetime.datetime = Field(description="Start (UTC): give it back to book this time.")
    start_local: datetime.datetime = Field(
        description="Start in the place's wall-clock time, with its UTC offset."
    )
    stop: datetime.datetime = Field(description="End (UTC) for the persons asked.")


class Citizen(BaseModel):
    """The person the appointment is for: the type says what it asks (``asks``)."""

    model_config = ConfigDict(extra="forbid")

    lastname: str = Field(min_length=1, max_length=200, description="Last name.")
    firstname: str | None = Field(None, max_length=200, description="First name.")
    phone: str | None = Field(
        None,
        max_length=64,
        description="Mobile phone (international form or the commune's national one); "
        "the code goes there by SMS when the commune sends SMS.",
    )
    email: str | None = Field(None, max_length=254, description="E-mail address.")
    file_number: str | None = Field(None, max_length=200, description="Case number.")
    id_type: str | None = Field(None, max_length=32, description="Kind of ID document.")
    id_number: str | None = Field(None, max_length=64, description="ID document number.")
    birthdate: datetime.date | None = Field(None, description="Date of birth.")
    street: str | None = Field(None, max_length=200, description="Street address.")
    zip: str | None = Field(None, max_length=32, description="Postcode.")
    city: str | None = Field(None, max_length=200, description="Town.")


class BookingRequest(BaseModel):
    """A booking: a free time (from /availability) and the citizen."""

    model_config = ConfigDict(extra="forbid")

    type_id: int = Field(ge=1, le=2**31 - 1, description="The appointment type.")
    counter_id: int = Field(ge=1, le=2**31 - 1, description="The counter of the free time.")
    start: AwareDatetime = Field(
        description="The start of the free time, with its offset (`Z` for UTC), as "
        "`/availability` gives it: a time without one is refused (whose clock would it be?)."
    )
    persons: int = Field(1, ge=1, le=100, description="Number of persons received together.")
    citizen: Citizen
    application_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list,
        max_length=100,
        description="For a type of the ANTS procedure (ants_reason): the pre-application "
        "number of each person, one per person.",
    )
    ants_confirmed: bool = Field(
        False,
        description="Book although a pre-application number already has an appointment "
        "elsewhere: without it such a booking is refused (409, code ants_elsewhere, the reason "
        "saying where and when), so that the citizen decides.",
    )


class CodeRequest(BaseModel):
    """The one-time code the citizen received."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, description="The code, as the citizen says it.")


class ProofRequest(BaseModel):
    """Who asks: a client that does not identify citizens gives the
    citizen's phone or e-mail as proof."""

    model_config = ConfigDict(extra="forbid")

    contact: str | None = Field(
        None,
        max_length=254,
        description="The citizen's phone or e-mail (required unless the client identifies "
        "citizens itself).",
    )
    code: str | None = Field(
        None,
        max_length=32,
        description="For a client that does not identify citizens, acting on an appointment "
        "it did not book: the one-time code sent by `POST /appointments/{reference}/code` to "
        "the appointment's own phone or e-mail.",
    )


class ContactRequest(BaseModel):
    """The citizen's phone or e-mail, to which a code is sent if it is the
    appointment's."""

    model_config = ConfigDict(extra="forbid")

    contact: str = Field(min_length=1, max_length=254, description="The citizen's phone or e-mail.")


class CodeSent(BaseModel):
    """The same answer whether a code was sent or not."""

    sent_if_found: bool = Field(
        description="Always true: a code went to the appointment's own phone or e-mail if "
        "the reference and the contact match one (within the codes' limits)."
    )


class CancelRequest(ProofRequest):
    """A cancellation by the citizen."""

    reason: str | None = Field(None, max_length=500, description="Why, for the agents.")


class MoveRequest(ProofRequest):
    """A move to another free time of the same type."""

    counter_id: int = Field(ge=1, le=2**31 - 1, description="The counter of the new time.")
    start: AwareDatetime = Field(
        description="The new start, with its offset (`Z` for UTC): a time without one is refused."
    )


class Appointment(BaseModel):
    """An appointment of the client."""

    reference: str = Field(description="The reference the citizen is given.")
    state: Literal["pending", "planned", "to_reschedule", "done", "no_show", "cancelled"] = Field(
        description="pending: held, waiting for the citizen's code; planned; to_reschedule: "
        "its time was removed; done; no_show: the citizen did not come; cancelled."
    )
    type_id: int = Field(description="The appointment type.")
    place_id: int = Field(description="The place.")
    counter_id: int = Field(description="The counter.")
    start: datetime.datetime = Field(description="Start (UTC).")
    start_local: datetime.datetime = Field(
        description="Start in the place's wall-clock time, with its UTC offset."
    )
    stop: datetime.datetime = Field(description="End (UTC).")
    persons: int = Field(description="Number of persons.")
    cancelled_by: Literal["citizen", "client", "agency"] | None = Field(
        description="Who cancelled it, when cancelled: citizen (on the website), client (a "
        "client system for the citizen, named in cancelled_by_client) or agency (the "
        "administration); as the webhooks say it."
    )
    cancelled_by_client: str | None = Field(
        None, description="The client system that cancelled it (cancelled_by client), else null."
    )
    can_change: bool = Field(
        description="Whether the citizen may still cancel or move it (the type's deadline)."
    )
    code_sent_to: str | None = Field(
        description="Pending: where the confirmation code was sent, as the client gave it "
        "(to check for a typo with the caller)."
    )
    hold_expires_at: datetime.datetime | None = Field(
        description="Pending: when the held time is given back unless confirmed (UTC)."
    )


class BookingLinkRequest(BaseModel):
    """The details a signed booking link fills in."""

    model_config = ConfigDict(extra="forbid")

    type_id: int = Field(ge=1, le=2**31 - 1, description="The appointment type.")
    lastname: str | None = Field(None, max_length=200, description="Last name.")
    firstname: str | None = Field(None, max_length=200, description="First name.")
    email: str | None = Field(None, max_length=254, description="E-mail address.")
    phone: str | None = Field(None, max_length=64, description="Mobile phone.")
    file_number: str | None = Field(None, max_length=200, description="Case number.")
    expires_in_minutes: int = Field(
        1440, ge=1, le=30 * 1440, description="How long the link is valid (at most 30 days)."
    )


class Released(BaseModel):
    """A held time given back."""

    reference: str = Field(description="The reference of the booking that held it.")
    state: Literal["released"] = Field(
        description="released: the time is free again; the booking no longer exists."
    )


class ValidationErrorItem(BaseModel):
    """One input the API could not read."""

    loc: list[str | int] = Field(
        description="Where: 'body', 'query', 'path' or 'header', then the field's path."
    )
    field: str = Field(description="The field's path, dotted (citizen.file_number).")
    msg: str = Field(description="Why, in the language asked (Accept-Language).")
    type: str = Field(description="A stable word for programs (missing, string_too_long, ...).")


class ValidationErrors(BaseModel):
    """The body of a 422: the inputs that do not fit the document."""

    detail: list[ValidationErrorItem]


class BookingLink(BaseModel):
    """A signed link to the website's booking flow."""

    url: str = Field(description="The link to send to the citizen.")
    expires_at: datetime.datetime = Field(description="When it stops working (UTC).")
