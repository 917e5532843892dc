"""The one clock of RDV: wall-clock <-> UTC conversions (pure Python, no Odoo import).

RDV reads time zones from ``pytz`` and from nothing else: it is Odoo's own
source (``res.partner.tz``, ``context_timestamp``, ``format_datetime``), so
the slot engine, the models, the website, the e-mails, the SMS, the PDF and
the back office all read the same database, the one bundled with pytz.  The
system's database (``zoneinfo``, ``dateutil.tz``) may hold other rules for the
same zone (Africa/Casablanca differs between pytz 2026.6 and tzdata 2025b):
converting with it anywhere would tell citizens a time the agency did not open.
``tests/test_one_clock.py`` fails if another source appears in the addons.

Every conversion of the addons goes through the functions below.  Datetimes
are naive, as Odoo stores them: UTC in, wall clock out, or the reverse.  ``tz``
is an IANA name or a zone returned by :func:`zone`.

Wall-clock times that do not exist or happen twice follow the rule of Python's
``fold=0``: the UTC offset in force just *before* the clocks change.  So an
ambiguous time (clocks set back) is its first occurrence, and a time in a gap
(clocks set forward) converts with the offset before the jump; a round trip
then gives another wall-clock time, which :func:`to_utc_if_exists` reports.
"""

import datetime

import babel.dates
import pytz

__all__ = [
    "UTC",
    "UnknownTimeZoneError",
    "day_start_utc",
    "format_local",
    "is_zone",
    "to_local",
    "to_utc",
    "to_utc_if_exists",
    "today",
    "utc_offset",
    "zone",
]

#: UTC as pytz has it (vobject writes it as ``Z`` in an ICS file).
UTC = pytz.utc

#: Raised by :func:`zone` for a name pytz does not know (a ``KeyError``).
UnknownTimeZoneError = pytz.UnknownTimeZoneError


def zone(tz):
    """The zone ``tz`` (an IANA name, or already a zone) of pytz's database.

    Looked up in pytz's own cache. Raises :class:`UnknownTimeZoneError` for a
    name pytz does not know, or anything that is not a name.
    """
    if isinstance(tz, datetime.tzinfo):
        return tz
    if not isinstance(tz, str):
        raise UnknownTimeZoneError(tz)
    return pytz.timezone(tz)


def is_zone(tz):
    """Whether ``tz`` names a zone of pytz's database (a place's setting)."""
    return isinstance(tz, str) and tz in pytz.all_timezones_set


def to_local(utc_dt, tz, aware=False):
    """The wall-clock time in ``tz`` of ``utc_dt`` (naive UTC).

    Naive, unless ``aware`` (then it carries its zone, e.g. for Babel).
    ``None`` or ``False`` is returned as is.
    """
    if not utc_dt:
        return utc_dt
    local = UTC.localize(utc_dt).astimezone(zone(tz))
    return local if aware else local.replace(tzinfo=None)


def utc_offset(local, tz):
    """The UTC offset of the wall-clock time ``local`` (naive) in ``tz``.

    Where the clocks change at ``local``, the offset in force just before:
    the first occurrence of an ambiguous time (clocks set back), the offset
    before the jump for a time that does not exist (clocks set forward).
    """
    place_zone = zone(tz)
    try:
        return place_zone.localize(local, is_dst=None).utcoffset()
    except pytz.NonExistentTimeError:
        # Clocks set forward: the offset grew, the one before is the smaller.
        return min(place_zone.localize(local, is_dst=flag).utcoffset() for flag in (True, False))
    except pytz.AmbiguousTimeError:
        # Clocks set back: the offset shrank, the one before is the larger.
        return max(place_zone.localize(local, is_dst=flag).utcoffset() for flag in (True, False))


def to_utc(local, tz):
    """The naive UTC datetime of the wall-clock time ``local`` (naive) in ``tz``.

    See :func:`utc_offset` for the times that do not exist or happen twice.
    ``None`` or ``False`` is returned as is.
    """
    if not local:
        return local
    return local - utc_offset(local, tz)


def to_utc_if_exists(local, tz):
    """Like :func:`to_utc`, but ``None`` when ``local`` does not exist in ``tz``
    (the clocks jumped over it)."""
    place_zone = zone(tz)
    utc = to_utc(local, place_zone)
    return utc if to_local(utc, place_zone) == local else None


def day_start_utc(day, tz):
    """The naive UTC instant the local ``day`` (a date) begins in ``tz``."""
    return to_utc(datetime.datetime.combine(day, datetime.time()), tz)


def today(tz, now_utc):
    """The local date in ``tz`` at ``now_utc`` (naive UTC, e.g. Odoo's now)."""
    return to_local(now_utc, tz).date()


def format_short(utc_dt, tz, locale, now_utc):
    """``utc_dt`` (naive UTC) as a list's column shows it, whole at 1280 px:
    the day and month in ``locale``'s numeric order and the time ("07/12
    08:30" in French, "12/7 08:30" in American English), the year added
    when it is not the current one in ``tz`` at ``now_utc``."""
    local = to_local(utc_dt, tz, aware=True)
    same_year = local.year == today(tz, now_utc).year
    day = babel.dates.format_skeleton("MMdd" if same_year else "yyMMdd", local, locale=locale)
    return "%s %s" % (day, babel.dates.format_time(local, "HH:mm", locale=locale))


def format_local(utc_dt, tz, pattern, locale):
    """``utc_dt`` (naive UTC) written as the wall clock of ``tz`` reads it:
    the Babel ``pattern`` (``"EEEE d MMMM y, HH:mm"``) in ``locale`` (a Babel
    locale: the reader's language). What Odoo's ``format_datetime`` does, with
    this module's conversion.
    """
    return babel.dates.format_datetime(to_local(utc_dt, tz, aware=True), pattern, locale=locale)
