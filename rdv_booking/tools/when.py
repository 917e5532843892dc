"""What an agent types to find a slot: "jeu 14h", "26 nov", "26/11 9:30".

Pure Python (no Odoo import), tested by ``tests/test_when.py``. The names of
the days and months come from the caller, in the agent's language (Babel).
"""

import dataclasses
import datetime
import functools
import re
import unicodedata

from babel import Locale

TIME_RE = re.compile(r"^(\d{1,2})(?:[:h](\d{2})?)$")
DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?$")
DAY_RE = re.compile(r"^\d{1,2}$")


@dataclasses.dataclass(frozen=True)
class When:
    """The criteria read from a search text; None where nothing was said."""

    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None  # Monday is 0
    hour: int | None = None
    minute: int | None = None
    words: tuple[str, ...] = ()  # the rest (a counter's name...)

    @property
    def has_time_criteria(self):
        return any(
            value is not None
            for value in (self.day, self.month, self.year, self.weekday, self.hour)
        )


def _fold(text):
    """Lower case without accents or dots: "Févr." -> "fevr"."""
    text = unicodedata.normalize("NFKD", text.lower().replace(".", ""))
    return "".join(char for char in text if not unicodedata.combining(char))


def _match(word, names, min_length):
    """Index of the name ``word`` starts (index in ``names``: a list of
    lists of names per index), or None."""
    if len(word) < min_length:
        return None
    for index, variants in enumerate(names):
        if any(_fold(name).startswith(word) for name in variants if name):
            return index
    return None


@functools.cache
def locale_names(lang):
    """(weekday names, month names) to :func:`parse` text typed in ``lang``
    (an Odoo language code, "fr_FR"): wide and abbreviated, with the English
    ones, which agents also type."""
    locales = (Locale.parse(lang or "en_US"), Locale.parse("en_US"))
    widths = ("wide", "abbreviated")
    weekdays = tuple(
        tuple(loc.days["format"][width][index] for loc in locales for width in widths)
        for index in range(7)
    )
    months = tuple(
        tuple(loc.months["format"][width][index] for loc in locales for width in widths)
        for index in range(1, 13)
    )
    return weekdays, months


def parse(text, weekday_names, month_names):
    """Read ``text`` into a :class:`When`.

    :param weekday_names: 7 lists of names of each day, Monday first (wide and
        abbreviated, in the agent's language: :func:`locale_names`)
    :param month_names: 12 lists of names of each month, January first
    """
    found = {}
    words = []  # (position, raw token) of what is not a day or a time
    numbers = []  # bare numbers: a day of the month, or part of a name
    for position, raw in enumerate(re.split(r"[\s,;]+", text.strip())):
        token = _fold(raw)
        if not token:
            continue
        if match := TIME_RE.match(token):
            hour, minute = int(match[1]), match[2]
            if hour < 24 and (minute is None or int(minute) < 60):
                found["hour"], found["minute"] = hour, int(minute) if minute else None
                continue
        if match := DATE_RE.match(token):
            day, month = int(match[1]), int(match[2])
            if 1 <= day <= 31 and 1 <= month <= 12:
                found["day"], found["month"] = day, month
                if match[3]:
                    year = int(match[3])
                    found["year"] = year + 2000 if year < 100 else year
                continue
        if DAY_RE.match(token) and 1 <= int(token) <= 31:
            numbers.append((position, raw))
            continue
        weekday = _match(token, weekday_names, 2)
        if weekday is not None and "weekday" not in found:
            found["weekday"] = weekday
            continue
        month = _match(token, month_names, 3)
        if month is not None and "month" not in found:
            found["month"], month_position = month + 1, position
            continue
        words.append((position, raw))
    # "26", "26 nov": a day; "Guichet 2": a name.
    if numbers and "day" not in found and ("month" in found or not words):
        if "month" in found:  # the number next to the month's name
            numbers.sort(key=lambda number: abs(number[0] - month_position))
        found["day"] = int(numbers.pop(0)[1])
    words = [raw for _position, raw in sorted(words + numbers)]
    return When(words=tuple(words), **found)


def windows(when, first_day, last_day):
    """The local (naive) datetime ranges ``[start, end)`` that ``when`` allows
    between ``first_day`` and ``last_day`` included; consecutive whole days
    are merged into one range."""
    ranges = []
    day = first_day
    while day <= last_day:
        if (
            (when.day is None or day.day == when.day)
            and (when.month is None or day.month == when.month)
            and (when.year is None or day.year == when.year)
            and (when.weekday is None or day.weekday() == when.weekday)
        ):
            if when.hour is None:
                start = datetime.datetime.combine(day, datetime.time())
                end = start + datetime.timedelta(days=1)
                if ranges and ranges[-1][1] == start:
                    ranges[-1] = (ranges[-1][0], end)
                else:
                    ranges.append((start, end))
            else:
                start = datetime.datetime.combine(day, datetime.time(when.hour, when.minute or 0))
                length = (
                    datetime.timedelta(hours=1)
                    if when.minute is None
                    else datetime.timedelta(minutes=1)
                )
                ranges.append((start, start + length))
        day += datetime.timedelta(days=1)
    return ranges
