"""What the ANTS hub sends and reads, in plain Python (no Odoo import).

The ANTS hub (the national search engine of identity-card and passport
appointments, rendezvouspasseport.ants.gouv.fr) calls each editor's
``getManagedMeetingPoints``, ``availableTimeSlots`` and
``searchApplicationIds``. Lists come as repeated parameters without
brackets (``meeting_point_ids=1&meeting_point_ids=2``).
"""

import re

#: A pre-application number: 10 letters or digits, in capitals.
APPLICATION_ID = re.compile(r"[A-Z0-9]{10}")

#: At most this many ids in one call: the hub asks for the places of one
#: search (a few dozen), or the numbers of one family.
MAX_IDS = 200


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


def application_id(value):
    """A pre-application number as the hub and the citizen mean it (spaces
    and dashes dropped, capitals), or None when it is no such number."""
    if not isinstance(value, str) or len(value) > 100:
        return None
    cleaned = re.sub(r"[\s-]", "", value).upper()
    return cleaned if APPLICATION_ID.fullmatch(cleaned) else None


class AntsQueryError(ValueError):
    """A call of the hub that cannot be answered: ``field`` names the
    parameter, ``message`` says what is wrong with it."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message
