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
