"""Tests of ``rdv_booking/tools/phone.py``: numbers as pages show them, masked."""

import phonenumbers
import pytest
import rdv_phone as phone
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("e164", "region", "masked"),
    [
        ("+33612345678", "FR", "06 •• •• •• 78"),  # a French number on a French site
        ("+33612345678", None, "+33 6 •• •• •• 78"),
        ("+212612345678", "MA", "06 •• •• •• 78"),
        ("+212612345678", "FR", "+212 6 •• •• •• 78"),  # foreign: international format
        ("+447700900456", "FR", "+44 7••• ••••56"),
    ],
)
def test_masked_as_formatted(e164, region, masked):
    assert phone.mask_phone(e164, region) == masked


def test_nothing_to_mask():
    assert phone.mask_phone(False) == ""
    assert phone.mask_phone("garbage12") == "•••••••12"


@given(
    st.sampled_from(["FR", "MA", "BE", "GB", "DE"]),
    st.integers(min_value=0, max_value=10**8 - 1),
    st.sampled_from([None, "FR", "MA"]),
)
def test_only_the_first_and_last_two_digits_are_shown(country, subscriber, region):
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    digits = national[: len(national) - 8] + "%08d" % subscriber
    number = phonenumbers.parse("+%d%s" % (example.country_code, digits), None)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    masked = phone.mask_phone(e164, region)
    shown = phone.format_phone(e164, region)
    # The same layout as the formatted number, the last two digits kept.
    assert len(masked) == len(shown)
    assert masked[-2:] == shown[-2:]
    assert [ch == "•" for ch in masked] == [
        ch.isdigit() and masked[i] != ch for i, ch in enumerate(shown)
    ]
    hidden = masked.count("•")
    assert hidden >= len(digits) - 4, (e164, masked)


@given(
    st.sampled_from(["FR", "MA", "BE", "GB", "DE", "DZ", "TN"]),
    st.integers(min_value=0, max_value=10**8 - 1),
    st.sampled_from([None, "FR", "MA", "fr", "ma"]),
)
def test_country_kept_unless_it_is_the_places(country, subscriber, region):
    """A number of another country than the place's shows its country code
    ("+212 6 •• •• •• 78" at a French place), never a national form that
    reads as a local number; the place's own numbers in its national form."""
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    number = phonenumbers.parse(
        "+%d%s" % (example.country_code, national[: len(national) - 8] + "%08d" % subscriber),
        None,
    )
    if not phonenumbers.is_valid_number(number):
        return
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    masked = phone.mask_phone(e164, region)
    own = bool(region) and phonenumbers.region_code_for_number(number) == region.upper()
    assert masked.startswith("+%d" % number.country_code) != own, (e164, region, masked)


def _valid_mobiles(region, tails):
    """Valid mobile numbers of ``region``: its example with other last digits."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    for tail in tails:
        candidate = phonenumbers.parse(national[: -len(tail)] + tail, region)
        if phonenumbers.is_valid_number(candidate):
            yield candidate


@given(
    st.sampled_from(phone.FRENCH_PLAN),
    st.sampled_from(phone.FRENCH_PLAN),
    st.lists(st.text("0123456789", min_size=3, max_size=3), min_size=1, max_size=5),
    st.booleans(),
)
def test_french_plan_numbers_read_where_they_belong(home, typed_in, tails, mobile_only):
    """A number of one territory of the French plan, typed in its national form
    in any other (a Cayenne mobile typed in Paris, a Réunion one in Cayenne),
    is that number: the same E.164 as with its own region."""
    for number in _valid_mobiles(home, tails):
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        assert phone.parse_phone(national, typed_in, mobile_only=mobile_only) == expected
        assert phone.parse_phone(expected, typed_in, mobile_only=mobile_only) == expected


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("0694 12 34 56", "FR", "+594694123456"),  # a French Guiana mobile typed in Paris
        ("0694123456", "GF", "+594694123456"),
        ("06 92 12 34 56", "GF", "+262692123456"),  # Réunion, typed in Cayenne
        ("06 12 34 56 78", "RE", "+33612345678"),  # metropolitan, typed in Réunion
        ("0612345678", "MA", "+212612345678"),  # another plan: its own reading only
    ],
)
def test_typed_without_prefix(raw, region, e164):
    assert phone.parse_phone(raw, region, mobile_only=True) == e164


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("+33694123456", "GF"),  # the prefix says France: not read as Guiana's
        ("0639123456", "FR"),  # no territory has it
        ("0694123456", None),
    ],
)
def test_not_read_elsewhere(raw, region):
    with pytest.raises(phone.PhoneError):
        phone.parse_phone(raw, region, mobile_only=True)
