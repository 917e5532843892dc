"""The ANTS hub, in plain Python (no Odoo import): what it sends us and
reads from us, and its coordination API (the national duplicate check of
ID-card and passport appointments), as an editor calls it.

The hub (rendezvouspasseport.ants.gouv.fr) calls each editor's
``getManagedMeetingPoints``, ``availableTimeSlots`` and
``searchApplicationIds``; lists come as repeated parameters without
brackets (``meeting_point_ids=1&meeting_point_ids=2``).

Each person of an ID-card or passport booking has a pre-application number
(10 letters or digits). Before booking, ``GET /status`` tells, per number,
whether it is valid and where it already has appointments; once booked, the
appointment is declared (``POST /appointments``) and withdrawn when cancelled
or moved (``DELETE /appointments``), with the same query parameters.

Every call has an explicit timeout: the hub is another system, and a
citizen's request must not wait on it for ever. Anything but a well-formed
answer raises :class:`AntsUnavailable`, which the caller turns into its
policy (refuse, or go on and record that the check was skipped).
"""

import re

import requests

from .parse import folded

#: The production API (the integration one is ``https://int.api-coordination...``).
DEFAULT_URL = "https://api-coordination.rendezvouspasseport.ants.gouv.fr/api"
#: The header that carries the editor's token.
TOKEN_HEADER = "x-rdv-opt-auth-token"
#: The format of ``appointment_date``: the place's wall-clock time.
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
#: What the hub answers for each number.
STATUSES = ("validated", "declared", "consumed", "unknown", "expired")
#: What :meth:`AntsClient.declare` returns for an answer 2xx that says
#: ``{"success": false}``.
NOT_ACCEPTED = 0
#: A number that cannot be used to book.
REFUSED_STATUSES = ("consumed", "unknown", "expired")

# What a person types between the characters of their number.
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_.]+")
APPLICATION_ID = re.compile(r"[A-Z0-9]{10}")


#: At most this many ids in one call of the hub: it asks for the places of
#: one search (a few dozen), or the numbers of one family.
MAX_IDS = 200
#: At most this many persons (``documents_number``) in one search: a family.
MAX_PERSONS = 20


def hub_datetime(local):
    """The wall-clock time ``local`` (naive, in the place's zone) as the hub
    shows it.

    The hub prints the time it receives as it reads it, without converting
    it: what a citizen must see is the time on the town hall's clock. RDV
    Service Public, connected to the hub since 2023, sends the place's wall
    clock as ``"%Y-%m-%dT%H:%MZ"`` (its ``available_time_slots`` and their
    request specs: a 09:00 opening in Paris is ``"2022-11-01T09:00Z"``); the
    ``Z`` is part of the format the hub parses, not a claim of UTC. We send
    the same, so that a place in Cayenne or Saint-Denis de La Réunion shows
    its own hours, as they are shown for the communes of every editor.
    """
    return local.strftime("%Y-%m-%dT%H:%MZ")


class AntsQueryError(ValueError):
    """A call of the hub that cannot be answered: ``field`` names the
    parameter, ``message`` says what is wrong with it."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


class AntsUnavailable(Exception):
    """The hub did not answer in time, or not with what it documents."""


def normalize_application_id(value):
    """The pre-application number ``value`` in normal form, or None if it is not one.

    Spaces and dashes dropped, in capitals, as typed on any keyboard
    (full-width forms, digits of any script): exactly 10 letters or digits.
    """
    if not isinstance(value, str) or len(value) > 100:
        return None
    key = SEPARATORS.sub("", folded(value)).upper()
    return key if APPLICATION_ID.fullmatch(key) else None


class AntsClient:
    """Calls to one commune's coordination API (``base_url``, ``token``)."""

    def __init__(self, base_url, token, timeout):
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, method, path, params):
        try:
            response = requests.request(
                method,
                self.base_url + path,
                params=params,
                headers={TOKEN_HEADER: self.token or "", "Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise AntsUnavailable(type(error).__name__) from error
        return response

    def status(self, application_ids):
        """{number: {"status", "appointments": [...]}} for each of ``application_ids``.

        Each appointment keeps the documented keys only (``management_url``,
        ``meeting_point``, ``meeting_point_id``, ``appointment_date``), as
        strings. Raises :class:`AntsUnavailable` unless every number has a
        documented status.
        """
        response = self._call("GET", "/status", [("application_ids", n) for n in application_ids])
        if response.status_code != 200:
            raise AntsUnavailable("HTTP %s" % response.status_code)
        try:
            payload = response.json()
        except ValueError as error:
            raise AntsUnavailable("not JSON") from error
        if not isinstance(payload, dict):
            raise AntsUnavailable("not an object")
        result = {}
        for number in application_ids:
            entry = payload.get(number)
            if not isinstance(entry, dict) or entry.get("status") not in STATUSES:
                raise AntsUnavailable("no status for a number")
            appointments = entry.get("appointments") or []
            if not isinstance(appointments, list):
                raise AntsUnavailable("appointments not a list")
            kept = []
            for item in appointments:
                # An appointment says when at least; anything else is a broken
                # answer, not an appointment to show the citizen ("on ?").
                date = item.get("appointment_date") if isinstance(item, dict) else None
                if not isinstance(date, str) or not date.strip():
                    raise AntsUnavailable("an appointment without its date")
                kept.append(
                    {
                        key: str(item.get(key) or "")
                        for key in (
                            "management_url",
                            "meeting_point",
                            "meeting_point_id",
                            "appointment_date",
                        )
                    }
                )
            result[number] = {"status": entry["status"], "appointments": kept}
        return result

    def declare(self, params):
        """POST /appointments; return the HTTP status (the caller decides),
        :data:`NOT_ACCEPTED` for a 2xx whose body says it did not succeed."""
        return self._write("POST", params)

    def withdraw(self, params):
        """DELETE /appointments; return the HTTP status as :meth:`declare`."""
        return self._write("DELETE", params)

    def _write(self, method, params):
        response = self._call(method, "/appointments", params)
        if 200 <= response.status_code < 300:
            try:
                body = response.json()
            except ValueError:
                body = None
            # The hub answers {"success": true}: a 2xx saying otherwise is no success.
            if isinstance(body, dict) and body.get("success") is False:
                return NOT_ACCEPTED
        return response.status_code
