"""Tests of ``rdv_booking/tools/when.py``: what an agent types to find a slot."""

from datetime import date, datetime

import pytest
import rdv_when as when
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

FR = when.locale_names("fr_FR")
AR = when.locale_names("ar")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jeu 14h", when.When(weekday=3, hour=14)),
        ("jeudi 14:30", when.When(weekday=3, hour=14, minute=30)),
        ("26 nov", when.When(day=26, month=11)),
        ("26 novembre 9h30", when.When(day=26, month=11, hour=9, minute=30)),
        ("26/11", when.When(day=26, month=11)),
        ("26/11/2026", when.When(day=26, month=11, year=2026)),
        ("févr", when.When(month=2)),
        ("Fevrier", when.When(month=2)),
        ("mar", when.When(weekday=1)),  # mardi before mars: a day is more likely
        ("thu", when.When(weekday=3)),  # English names work in any language
        ("Guichet 2", when.When(words=("Guichet", "2"))),
        ("26", when.When(day=26)),
        ("jeu 26", when.When(day=26, weekday=3)),
        ("Guichet 2 26 nov", when.When(day=26, month=11, words=("Guichet", "2"))),
        ("nov 26 Guichet 2", when.When(day=26, month=11, words=("Guichet", "2"))),
        ("Guichet titres", when.When(words=("Guichet", "titres"))),
        ("", when.When()),
    ],
)
def test_parse_french(text, expected):
    assert when.parse(text, *FR) == expected


def test_parse_arabic_day_names():
    thursday = Locale.parse("ar").days["format"]["wide"][3]
    assert when.parse(f"{thursday} 10:00", *AR) == when.When(weekday=3, hour=10, minute=0)


def test_nonsense_is_left_as_words():
    parsed = when.parse("32/13 25h", *FR)
    assert parsed.words == ("32/13", "25h")
    assert not parsed.has_time_criteria


def test_windows_of_a_weekday_and_hour():
    parsed = when.parse("jeu 14h", *FR)
    ranges = when.windows(parsed, date(2026, 11, 23), date(2026, 12, 6))
    assert ranges == [
        (datetime(2026, 11, 26, 14, 0), datetime(2026, 11, 26, 15, 0)),
        (datetime(2026, 12, 3, 14, 0), datetime(2026, 12, 3, 15, 0)),
    ]


def test_windows_of_a_month_are_one_range():
    ranges = when.windows(when.When(month=12), date(2026, 11, 23), date(2027, 1, 10))
    assert ranges == [(datetime(2026, 12, 1), datetime(2027, 1, 1))]


def test_windows_of_an_exact_time():
    ranges = when.windows(
        when.When(day=26, hour=9, minute=30), date(2026, 11, 23), date(2027, 1, 31)
    )
    assert ranges == [
        (datetime(2026, 11, 26, 9, 30), datetime(2026, 11, 26, 9, 31)),
        (datetime(2026, 12, 26, 9, 30), datetime(2026, 12, 26, 9, 31)),
        (datetime(2027, 1, 26, 9, 30), datetime(2027, 1, 26, 9, 31)),
    ]


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=120),
    st.builds(
        when.When,
        day=st.none() | st.integers(1, 31),
        month=st.none() | st.integers(1, 12),
        weekday=st.none() | st.integers(0, 6),
        hour=st.none() | st.integers(0, 23),
    ),
)
def test_windows_hold_exactly_the_matching_days(first, length, criteria):
    last = date.fromordinal(first.toordinal() + length)
    ranges = when.windows(criteria, first, last)
    covered = set()
    for start, end in ranges:
        assert start < end
        day = start.date()
        while datetime.combine(day, datetime.min.time()) < end:
            covered.add(day)
            day = date.fromordinal(day.toordinal() + 1)
    expected = {
        date.fromordinal(ordinal)
        for ordinal in range(first.toordinal(), last.toordinal() + 1)
        if (criteria.day is None or date.fromordinal(ordinal).day == criteria.day)
        and (criteria.month is None or date.fromordinal(ordinal).month == criteria.month)
        and (criteria.weekday is None or date.fromordinal(ordinal).weekday() == criteria.weekday)
    }
    assert covered == expected
    assert all(
        criteria.hour is None or (start.hour, end - start) == (criteria.hour, end - start)
        for start, end in ranges
    )
