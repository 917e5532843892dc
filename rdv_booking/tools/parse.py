"""Reading what people type or send: numbers, ids, dates and texts, strictly.

Python is generous where a booking service must not be: ``"²".isdigit()``
is true but ``int("²")`` fails, ``int("١٢")`` is 12, ``float("inf")`` and
``float("nan")`` are numbers, ``datetime(9999, 12, 31) + timedelta(days=1)``
overflows, and PostgreSQL refuses a NUL character in any text. Every value
that comes from outside (the website's forms and URLs, an API, an import)
goes through these functions, which answer ``None`` for anything out of
their bounds instead of raising: the caller says what was wrong, in the
person's language. No Odoo import: tested on its own.
"""

import datetime
import math
import re
import unicodedata

# PostgreSQL's ``integer`` (ids, counts).
INT4_MAX = 2**31 - 1
# C0 control characters and DEL, but tab, line feed and carriage return:
# nothing a person types, and NUL is refused by PostgreSQL. With them the
# bidirectional embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069): a name holding U+202E (RIGHT-TO-LEFT OVERRIDE) reversed the
# rest of its line in the e-mails and the back office (found by an outside
# tester). And the invisible spaces nobody types in a name or an address:
# ZERO WIDTH SPACE, WORD JOINER and ZERO WIDTH NO-BREAK SPACE (U+FEFF, the
# byte order mark a paste from a file brings): "\ufeffDUPONT" looked like
# DUPONT and was another text. The marks LRM, RLM and ALM, which Arabic
# keyboards type and which reorder nothing around them, and the joiners ZWJ
# and ZWNJ (Persian, emoji) stay.
CONTROL_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")
ASCII_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})")


def parse_int(value, minimum=0, maximum=INT4_MAX):
    """``value`` (str or int) as an int within [minimum, maximum], else None.

    ASCII digits only, with an optional sign and surrounding spaces: no
    superscripts, no Arabic-Indic digits, no underscores, no exponent.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and ASCII_INT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


def folded(value):
    """``value`` as a person means it, whatever the keyboard: compatibility
    forms folded (NFKC: full-width ``"ＡＲ１２"`` is ``"AR12"``), then the digits
    of any script as ASCII ones (:func:`ascii_digits`). For what is compared
    or looked up: a reference, an ID number, a postcode."""
    return ascii_digits(unicodedata.normalize("NFKC", str(value or "")))


def ascii_digits(value):
    """``value`` with each decimal digit of any script as its ASCII digit, the
    rest unchanged (``"٥SCR"`` is ``"5SCR"``).

    A phone keyboard in Arabic gives Arabic-Indic digits; what is compared or
    looked up (a reference, an ID number, a postcode, a code) reads them as
    the digits they are. Characters that only look like digits (``"²"``,
    ``"①"``) are no digits: ``str.isdigit`` takes them, ``int`` does not.
    """
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in str(value or "")
    )


def typed_digits(value):
    """The decimal digits typed in ``value``, as ASCII, in order; the rest
    dropped (spaces, dashes): a code read on a phone and typed back."""
    return "".join(ch for ch in ascii_digits(value) if ch in "0123456789")


def parse_id(value):
    """A record id (a positive PostgreSQL integer), else None."""
    return parse_int(value, 1, INT4_MAX)


def parse_float(value, minimum, maximum):
    """``value`` as a finite float within [minimum, maximum], else None.

    Plain decimal notation with ASCII digits: no 'inf', 'nan', exponent
    nor thousands separator.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and ASCII_FLOAT.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        return None
    if not math.isfinite(number) or not minimum <= number <= maximum:
        return None
    return number


def parse_latitude(value):
    """A latitude in degrees (-90 to 90), else None."""
    return parse_float(value, -90.0, 90.0)


def parse_longitude(value):
    """A longitude in degrees (-180 to 180), else None."""
    return parse_float(value, -180.0, 180.0)


def parse_date(value, minimum, maximum):
    """``value`` ('YYYY-MM-DD', ASCII) as a date within [minimum, maximum], else None."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return None
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return value if minimum <= value <= maximum else None


def parse_month(value, minimum, maximum):
    """``value`` ('YYYY-MM', ASCII) as the first day of the month within
    [minimum, maximum] (dates), else None."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
        return None
    return parse_date("%s-01" % value, minimum, maximum)


def parse_datetime(value, minimum, maximum):
    """``value`` ('YYYY-MM-DD HH:MM[:SS]', ASCII, naive) as a datetime within
    [minimum, maximum], else None."""
    if not isinstance(value, datetime.datetime):
        if not isinstance(value, str) or not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?", value
        ):
            return None
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    if value.tzinfo is not None:
        return None
    return value if minimum <= value <= maximum else None


def has_control_chars(value):
    """True if the text ``value`` holds a control character (NUL, ESC, ...)
    other than a tab or a line break."""
    return isinstance(value, str) and bool(CONTROL_CHARS.search(value))


def strip_control_chars(value):
    """``value`` without its control characters (see :func:`has_control_chars`);
    anything but a str is returned as it is."""
    return CONTROL_CHARS.sub("", value) if isinstance(value, str) else value
