"""Phone number parsing for RDV, on top of ``phonenumbers`` (no Odoo import).

Numbers are stored in E.164 (``+33612345678``) so that the same citizen is
recognised whatever way the number was typed, and so that the SMS channel rule
(domestic number -> SMS) is a prefix comparison.
"""

import phonenumbers


class PhoneError(ValueError):
    """The number cannot be used; ``code`` says why ('invalid', 'not_mobile')."""

    def __init__(self, code, number):
        super().__init__(code)
        self.code = code
        self.number = number


MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


# One ten-digit numbering plan ("0" + 9 digits) covers metropolitan France and
# the overseas departments and communities that share it: 0694 12 34 56 is a
# mobile in French Guiana whether it is dialled in Cayenne or in Paris, so a
# number typed without prefix in any of them is read in all of them.
FRENCH_PLAN = ("FR", "GP", "MQ", "GF", "RE", "YT", "BL", "MF")


def _regions_to_try(default_region):
    region = (default_region or "").upper() or None
    if region in FRENCH_PLAN:
        return (region,) + tuple(r for r in FRENCH_PLAN if r != region)
    return (region,)


def parse_phone(raw, default_region=None, mobile_only=False):
    """Return ``raw`` as an E.164 string, or raise :class:`PhoneError`.

    :param raw: the number as typed ("06 12 34 56 78", "+212 6 61 23 45 67")
    :param default_region: ISO country code used when the number has no
        international prefix (the company's country); in the French numbering
        plan, a number of another of its territories is read as theirs
    :param mobile_only: refuse numbers that cannot receive SMS
    """
    number = None
    for region in _regions_to_try(default_region):
        try:
            candidate = phonenumbers.parse(raw or "", region)
        except phonenumbers.NumberParseException as err:
            raise PhoneError("invalid", raw) from err
        if phonenumbers.is_valid_number(candidate):
            number = candidate
            break
        if has_country_code(raw):
            break  # its prefix says where it is: no other reading
    if number is None:
        raise PhoneError("invalid", raw)
    if mobile_only and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise PhoneError("not_mobile", raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def has_country_code(raw):
    """Whether ``raw`` is written with its international '+' prefix (then
    parsing it needs no default region)."""
    return isinstance(raw, str) and raw.strip().startswith("+")


def phone_region(e164):
    """ISO country code of an E.164 number ("+33612345678" -> "FR"), or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or None
    except phonenumbers.NumberParseException:
        return None


def format_phone(e164, region=None):
    """Human-readable form: national format for ``region``, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if region and phonenumbers.region_code_for_number(number) == region.upper():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164, region=None):
    """The number as :func:`format_phone` writes it, with all but its first
    digits (country code and one more, or two in national format) and its
    last two masked: "06 •• •• •• 78", "+44 7•••• ••••56"."""
    if not e164:
        return ""
    shown = format_phone(e164, region)
    try:
        country_code = phonenumbers.parse(e164, None).country_code
    except phonenumbers.NumberParseException:
        return "•" * max(len(e164) - 2, 0) + e164[-2:]
    kept_first = len(str(country_code)) + 1 if shown.startswith("+") else 2
    total = sum(ch.isdigit() for ch in shown)
    masked, position = [], 0
    for ch in shown:
        if ch.isdigit():
            position += 1
            if kept_first < position <= total - 2:
                ch = "•"
        masked.append(ch)
    return "".join(masked)
