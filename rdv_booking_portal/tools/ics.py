"""The calendar file (iCalendar, RFC 5545) of an appointment, on ``vobject``
(no Odoo import): the model gathers the texts in the citizen's language, this
module writes the file."""

import datetime

import vobject
from vobject.icalendar import utc

PRODID = "-//RDV//Appointments//EN"
# The calendar reminds the citizen the day before.
ALARM_BEFORE = datetime.timedelta(hours=-24)


def calendar_file(
    uid,
    sequence,
    start,
    stop,
    stamp,
    summary,
    location,
    description,
    organizer=None,
    cancelled=False,
):
    """The event as an iCalendar file (bytes).

    :param uid: the event's identifier, the same for every version of it
    :param sequence: its version, one more at each move: calendars replace
        the event they hold only with a higher one; a cancellation
        (``cancelled``: METHOD:CANCEL) is one more again
    :param start, stop, stamp: naive datetimes in UTC (as Odoo stores them),
        written in UTC; ``stamp`` is when the file is made
    :param organizer: (e-mail, name) of who organises it, or None
    """
    calendar = vobject.iCalendar()
    calendar.add("prodid").value = PRODID
    calendar.add("method").value = "CANCEL" if cancelled else "PUBLISH"
    event = calendar.add("vevent")
    event.add("uid").value = uid
    event.add("sequence").value = str(sequence + (1 if cancelled else 0))
    event.add("status").value = "CANCELLED" if cancelled else "CONFIRMED"
    event.add("dtstamp").value = stamp.replace(tzinfo=utc)
    event.add("dtstart").value = start.replace(tzinfo=utc)
    event.add("dtend").value = stop.replace(tzinfo=utc)
    if organizer:
        email, name = organizer
        field = event.add("organizer")
        field.value = "mailto:%s" % email
        field.params["CN"] = [name]
    event.add("summary").value = summary
    event.add("location").value = location
    event.add("description").value = description
    alarm = event.add("valarm")
    alarm.add("action").value = "DISPLAY"
    alarm.add("description").value = summary
    alarm.add("trigger").value = ALARM_BEFORE
    return calendar.serialize().encode()
