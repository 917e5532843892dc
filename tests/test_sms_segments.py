"""SMS encodings and segment counts (rdv_booking_sms/tools/segments.py), no Odoo needed."""

import importlib.util
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "rdv_sms_segments", ROOT / "rdv_booking_sms" / "tools" / "segments.py"
)
segments = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(segments)

GSM_CHARS = sorted(segments.GSM7_BASIC | segments.GSM7_EXTENDED)


def reference_count(text):
    """Brute force: fill 140-byte messages unit by unit, never splitting a character."""
    if segments.is_gsm7(text):
        units = [2 if ch in segments.GSM7_EXTENDED else 1 for ch in text]
        single, part = 160, 153
    else:
        units = [len(ch.encode("utf-16-le")) // 2 for ch in text]
        single, part = 70, 67
    if sum(units) <= single:
        return 1
    parts, used = [[]], 0
    for unit in units:
        if used + unit > part:
            parts.append([])
            used = 0
        parts[-1].append(unit)
        used += unit
    return len(parts)


def test_limits_of_one_segment():
    assert segments.segment_count("a" * 160) == ("gsm7", 1)
    assert segments.segment_count("a" * 161) == ("gsm7", 2)
    assert segments.segment_count("a" * 306) == ("gsm7", 2)
    assert segments.segment_count("a" * 307) == ("gsm7", 3)
    assert segments.segment_count("€" * 80) == ("gsm7", 1), "extension characters count twice"
    assert segments.segment_count("€" * 81) == ("gsm7", 2)
    assert segments.segment_count("ب" * 70) == ("ucs2", 1)
    assert segments.segment_count("ب" * 71) == ("ucs2", 2)
    assert segments.segment_count("") == ("gsm7", 1)


def test_an_escaped_character_is_not_split():
    # 152 plain characters then "€" (2 septets): the euro goes to the second part.
    assert segments.segment_count("a" * 152 + "€" + "a" * 152) == ("gsm7", 3)


def test_french_is_made_gsm7_and_arabic_is_kept():
    text, encoding, count = segments.prepare("Rendez-vous confirmé : fête, août, garçon, l’état")
    assert (encoding, count) == ("gsm7", 1)
    assert text == "Rendez-vous confirmé : fete, aout, garcon, l'état"
    arabic = "موعدك مؤكد: الثلاثاء 3 مارس"
    assert segments.prepare(arabic) == (arabic, "ucs2", 1)
    # One Arabic word keeps the accents of the rest: the message is UCS-2 anyway.
    mixed = "Rendez-vous confirmé, fête — موعد"
    assert segments.prepare(mixed)[0] == mixed


# Pure functions: a slow example on a busy CI machine is not a failure.
no_deadline = settings(deadline=None)


@no_deadline
@given(st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=700))
def test_gsm7_counts_match_the_reference(text):
    assert segments.segment_count(text) == ("gsm7", reference_count(text))


@no_deadline
@given(st.text(max_size=400).filter(lambda t: not segments.is_gsm7(t)))
def test_ucs2_counts_match_the_reference(text):
    assert segments.segment_count(text) == ("ucs2", reference_count(text))


@no_deadline
@given(st.text(max_size=300))
def test_prepare_never_costs_more(text):
    prepared, encoding, count = segments.prepare(text)
    assert count <= segments.segment_count(text.strip())[1]
    assert encoding == segments.segment_count(prepared)[0]
