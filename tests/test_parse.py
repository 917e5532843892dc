"""Tests of ``rdv_booking/tools/parse.py``: what people type, read strictly.

Whatever the text, the parsers answer a value within their bounds or None,
and never raise: a route or a model method built on them cannot turn odd
input into an HTTP 500.
"""

import datetime
import math

import rdv_parse as parse
from hypothesis import given
from hypothesis import strategies as st

LOW, HIGH = datetime.datetime(2026, 1, 1), datetime.datetime(2027, 12, 31)
ANYTHING = st.one_of(
    st.text(),
    st.sampled_from(["²", "٣", "١٢", "inf", "-Infinity", "nan", "1e309", "9" * 5000, "1_0"]),
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
)


@given(ANYTHING)
def test_parsers_never_raise_and_stay_in_bounds(value):
    number = parse.parse_int(value, -5, 5)
    assert number is None or (type(number) is int and -5 <= number <= 5)
    record_id = parse.parse_id(value)
    assert record_id is None or 1 <= record_id <= 2**31 - 1
    for parser, bound in ((parse.parse_latitude, 90), (parse.parse_longitude, 180)):
        degrees = parser(value)
        assert degrees is None or (math.isfinite(degrees) and -bound <= degrees <= bound)
    when = parse.parse_datetime(value, LOW, HIGH)
    assert when is None or LOW <= when <= HIGH
    day = parse.parse_date(value, LOW.date(), HIGH.date())
    assert day is None or LOW.date() <= day <= HIGH.date()
    month = parse.parse_month(value, LOW.date(), HIGH.date())
    assert month is None or month.day == 1
    assert not parse.has_control_chars(parse.strip_control_chars(value))


def test_only_ascii_digits_make_numbers():
    for text in ("²", "٣", "١٢", "５", "𝟗", "1_000", "0x1A", "1e3", ""):
        assert parse.parse_int(text) is None, text
    assert parse.parse_int(" 12 ") == 12
    assert parse.parse_int("2147483648") is None, "beyond PostgreSQL's integer"
    assert parse.parse_id("0") is None
    assert parse.parse_id(True) is None


def test_only_finite_coordinates_within_the_globe():
    for text in ("inf", "-Infinity", "nan", "NaN", "1e309", "91", "٣"):
        assert parse.parse_latitude(text) is None, text
    assert parse.parse_latitude("-90") == -90.0
    assert parse.parse_longitude("-180.0") == -180.0
    assert parse.parse_longitude("180.5") is None
    assert parse.parse_latitude(float("nan")) is None


def test_dates_within_bounds_only():
    assert parse.parse_datetime("9999-12-31 23:59:59", LOW, HIGH) is None
    assert parse.parse_datetime("0001-01-01 00:00:00", LOW, HIGH) is None
    assert parse.parse_datetime("2026-02-30 10:00:00", LOW, HIGH) is None
    assert parse.parse_datetime("²⁰²⁶-01-01 10:00", LOW, HIGH) is None
    assert parse.parse_datetime("2026-05-04 10:15:00", LOW, HIGH) == datetime.datetime(
        2026, 5, 4, 10, 15
    )
    assert parse.parse_month("2026-13", LOW.date(), HIGH.date()) is None
    assert parse.parse_month("2026-05", LOW.date(), HIGH.date()) == datetime.date(2026, 5, 1)


@given(st.text())
def test_control_characters_go_and_the_rest_stays(text):
    cleaned = parse.strip_control_chars(text)
    assert "\x00" not in cleaned
    assert cleaned == "".join(c for c in text if c in "\t\n\r" or not parse.CONTROL_CHARS.match(c))
    assert parse.strip_control_chars("Zoé\tà\r\nLyon") == "Zoé\tà\r\nLyon"


def test_bidi_overrides_and_isolates_go_marks_and_arabic_stay():
    """A name must not reverse the rest of its line in an e-mail or a list:
    every embedding, override and isolate goes; the marks an Arabic keyboard
    types (LRM, RLM, ALM), the joiners (ZWJ, ZWNJ) and Arabic letters stay."""
    for char in map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]):
        assert parse.has_control_chars(f"DUPONT{char}"), hex(ord(char))
        assert parse.strip_control_chars(f"\u202eTNOPUD{char} Jean") == "TNOPUD Jean"
    for char in "\u200b\u2060\ufeff":  # invisible spaces
        cleaned = parse.strip_control_chars(f"{char}DUPONT{char} Jean")
        assert cleaned == "DUPONT Jean", hex(ord(char))
    kept = "\u200f\u200e\u061c\u200c\u200dمحمد بنعلي Zoé"
    assert not parse.has_control_chars(kept)
    assert parse.strip_control_chars(kept) == kept


def test_typed_digits_reads_the_digits_of_any_keyboard_and_no_lookalike():
    assert parse.typed_digits("12 34-56") == "123456"
    assert parse.typed_digits("١٢٣٤٥٦") == "123456"  # Arabic-Indic keyboard
    assert parse.typed_digits("۱۲۳") == "123"  # Persian digits
    assert parse.typed_digits("²²²²²²") == ""  # isdigit() but no digit
    assert parse.typed_digits("①②③④⑤⑥") == ""
    assert parse.typed_digits(None) == ""


@given(st.text())
def test_typed_digits_are_ascii_digits_that_int_reads(text):
    digits = parse.typed_digits(text)
    assert all(ch in "0123456789" for ch in digits)
    if digits:
        assert int(digits) >= 0
