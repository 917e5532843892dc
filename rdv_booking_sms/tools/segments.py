"""SMS encodings and segment counts (GSM 03.38 / UCS-2), with no Odoo import.

An SMS carries 140 bytes: 160 characters of the GSM 7-bit alphabet, or 70
UTF-16 code units (UCS-2) as soon as one character is outside that alphabet
(Arabic, "ê", "ç", the typographic apostrophe...). Longer messages are split
into segments of 153 GSM characters or 67 UCS-2 units (the rest is the header
that joins them), and operators bill each segment.

French text is mostly GSM-7 but for a few accented letters: :func:`prepare`
replaces those by their plain letter when that is enough to make the whole
message GSM-7 (a third of the price of UCS-2 for the same length), and leaves
any other text (Arabic) as it is.
"""

# GSM 03.38 basic character set (the escape character itself excluded).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (escape + character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Characters of French (and a few others) outside GSM-7, and their closest
# GSM-7 spelling.
TRANSLITERATION = {
    "â": "a",
    "á": "a",
    "ã": "a",
    "ç": "c",
    "ê": "e",
    "ë": "e",
    "î": "i",
    "ï": "i",
    "í": "i",
    "ô": "o",
    "ó": "o",
    "õ": "o",
    "û": "u",
    "ú": "u",
    "ÿ": "y",
    "œ": "oe",
    "À": "A",
    "Â": "A",
    "Á": "A",
    "È": "E",
    "Ê": "E",
    "Ë": "E",
    "Î": "I",
    "Ï": "I",
    "Ô": "O",
    "Ù": "U",
    "Û": "U",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "`": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "•": "*",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
}


def is_gsm7(text):
    """Whether every character of ``text`` exists in the GSM 7-bit alphabet."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _gsm7_segments(text):
    septets = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    if septets <= GSM7_SINGLE:
        return 1
    # An escaped character is never split between two segments.
    segments, used = 1, 0
    for ch in text:
        size = 2 if ch in GSM7_EXTENDED else 1
        if used + size > GSM7_PART:
            segments, used = segments + 1, 0
        used += size
    return segments


def _ucs2_segments(text):
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    if sum(units) <= UCS2_SINGLE:
        return 1
    # A surrogate pair (an emoji) is never split between two segments.
    segments, used = 1, 0
    for size in units:
        if used + size > UCS2_PART:
            segments, used = segments + 1, 0
        used += size
    return segments


def segment_count(text):
    """``(encoding, segments)`` of ``text`` as sent: ('gsm7' or 'ucs2', n >= 1)."""
    text = text or ""
    if is_gsm7(text):
        return "gsm7", _gsm7_segments(text)
    return "ucs2", _ucs2_segments(text)


def transliterate(text):
    """``text`` with the characters of :data:`TRANSLITERATION` replaced."""
    return "".join(TRANSLITERATION.get(ch, ch) for ch in text or "")


def prepare(text):
    """The text to send, its encoding and its segment count.

    Returns ``(text, encoding, segments)``: ``text`` transliterated when that
    makes it GSM-7, unchanged otherwise (Arabic stays as written).
    """
    text = (text or "").strip()
    if not is_gsm7(text):
        plain = transliterate(text)
        if is_gsm7(plain):
            text = plain
    encoding, segments = segment_count(text)
    return text, encoding, segments
