"""Tests of ``rdv_booking_portal/tools/ics.py``: the calendar file of an appointment,
read back with ``vobject`` as a calendar application reads it."""

import datetime

import rdv_ics as ics
import vobject
from hypothesis import given
from hypothesis import strategies as st

START = datetime.datetime(2026, 3, 3, 8, 30)
STOP = START + datetime.timedelta(minutes=20)
STAMP = datetime.datetime(2026, 2, 1, 12, 0)
# What citizens and agents type: any letter, digit, punctuation or space
# (commas, semicolons and backslashes are escaped in the file).
TEXT = st.text(
    st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), max_codepoint=0xFFFF), min_size=1
).filter(str.strip)


def make(**values):
    arguments = {
        "uid": "rdv-RDV-0001@1",
        "sequence": 2,
        "start": START,
        "stop": STOP,
        "stamp": STAMP,
        "summary": "Carte d'identité - Mairie",
        "location": "Mairie, 1 place de l'Hôtel de Ville",
        "description": "Reference: RDV-0001.",
        **values,
    }
    return ics.calendar_file(**arguments)


def read(data):
    return vobject.readOne(data.decode())


def test_a_planned_appointment_is_published_in_utc_with_a_reminder_the_day_before():
    data = make(organizer=("mairie@example.com", "Valmont"))
    assert b"DTSTART:20260303T083000Z\r\n" in data
    assert b"DTEND:20260303T085000Z\r\n" in data
    calendar = read(data)
    assert calendar.method.value == "PUBLISH"
    event = calendar.vevent
    assert (event.uid.value, event.sequence.value, event.status.value) == (
        "rdv-RDV-0001@1",
        "2",
        "CONFIRMED",
    )
    assert event.dtstart.value.replace(tzinfo=None) == START
    assert event.dtstart.value.utcoffset() == datetime.timedelta(0)
    assert event.organizer.value == "mailto:mairie@example.com"
    assert event.organizer.params["CN"] == ["Valmont"]
    assert event.valarm.trigger.value == datetime.timedelta(hours=-24)
    assert event.valarm.description.value == event.summary.value


def test_a_cancellation_replaces_the_same_event_with_a_higher_sequence():
    planned, cancelled = read(make()), read(make(cancelled=True))
    assert cancelled.method.value == "CANCEL"
    assert cancelled.vevent.status.value == "CANCELLED"
    assert cancelled.vevent.uid.value == planned.vevent.uid.value
    assert int(cancelled.vevent.sequence.value) == int(planned.vevent.sequence.value) + 1


def test_without_organizer_the_file_names_none():
    assert "organizer" not in read(make()).vevent.contents


@given(summary=TEXT, location=TEXT, lines=st.lists(TEXT, min_size=1, max_size=4))
def test_the_texts_read_back_as_written(summary, location, lines):
    description = "\n".join(lines)
    event = read(make(summary=summary, location=location, description=description)).vevent
    assert event.summary.value == summary
    assert event.location.value == location
    assert event.description.value == description
