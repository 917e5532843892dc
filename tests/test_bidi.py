"""Tests of ``rdv_booking/tools/bidi.py``: right-to-left text wkhtmltopdf can print."""

import html
import re

import rdv_bidi as bidi
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

SPAN = '<span style="white-space: nowrap">%s</span>'


def text_of(fragment):
    """The text a reader gets from ``fragment``, spaces collapsed."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return re.sub(r"\s+", " ", root.text_content()).strip()


def test_words_and_their_marks_are_spans():
    out = bidi.printable_rtl("<p>ساحة البلدية، محطة «Hôtel de Ville».</p>")
    assert out == (
        "<p>"
        + " ".join(
            [
                SPAN % "ساحة",
                SPAN % "البلدية" + SPAN % "،",
                SPAN % "محطة",
                SPAN % "«Hôtel",  # Latin words are whole: their order stays
                SPAN % "de",
                SPAN % "Ville».",
            ]
        )
        + "</p>"
    )


def test_markup_and_spaces_around_it_are_kept():
    out = bidi.printable_rtl("<p>موقف <b>مجاني</b> لمدة 30 دقيقة</p><ul><li>وثيقة هوية</li></ul>")
    assert out == (
        f"<p>{SPAN % 'موقف'} <b>{SPAN % 'مجاني'}</b> {SPAN % 'لمدة'} {SPAN % '30'} "
        f"{SPAN % 'دقيقة'}</p><ul><li>{SPAN % 'وثيقة'} {SPAN % 'هوية'}</li></ul>"
    )


def test_empty_and_plain_text():
    assert bidi.printable_rtl("") == ""
    assert bidi.printable_rtl(False) is False
    assert (
        bidi.printable_rtl("مرحبا (بكم)")
        == SPAN % "مرحبا" + " " + SPAN % "(" + SPAN % "بكم" + SPAN % ")"
    )


WORDS = st.sampled_from(
    [
        "ساحة",
        "البلدية،",
        "«الوثائق",
        "إحضارها»",
        "(مطبوعاً",
        "هاتفكم).",
        "2",
        "200",
        "Hôtel",
        "de",
        "Ville.",
        "Jean",
        "Jaurès",
    ]
)


@given(st.lists(st.lists(WORDS, min_size=1, max_size=8), min_size=1, max_size=4))
def test_the_text_read_is_unchanged(paragraphs):
    fragment = "".join("<p>%s</p>" % " ".join(words) for words in paragraphs)
    out = bidi.printable_rtl(fragment)
    assert text_of(out).replace(" ", "") == text_of(fragment).replace(" ", "")
    # Words stay apart: a space between two words is never lost.
    assert len(text_of(out).split()) >= len(text_of(fragment).split())


# --- isolate: a value kept in its own direction (phone, address, reference)

EMBED = '<span dir="%s" style="direction: %s; unicode-bidi: embed;">%s</span>'


def test_isolate_says_the_direction_three_ways():
    assert bidi.isolate("+33 4 50 12 34 50", "ltr") == EMBED % (
        "ltr",
        "ltr",
        "\u200e+33 4 50 12 34 50\u200e",
    )
    # For the PDF: the markup alone (wkhtmltopdf prints marks as spaces one copies).
    assert bidi.isolate("K7MQ-4XR2", "ltr", marks=False) == EMBED % ("ltr", "ltr", "K7MQ-4XR2")


def test_isolate_follows_the_first_strong_character():
    assert bidi.isolate("12 avenue des Pommaries, 74960 Valmont").startswith('<span dir="ltr"')
    arabic = bidi.isolate("12 شارع محمد الخامس، الرباط")
    assert arabic == EMBED % ("rtl", "rtl", "\u200f12 شارع محمد الخامس، الرباط\u200f")
    assert bidi.text_direction("2") == "ltr"


def test_isolate_escapes_and_skips_empty_values():
    assert bidi.isolate("Dupont & <Fils>", marks=False) == EMBED % (
        "ltr",
        "ltr",
        "Dupont &amp; &lt;Fils&gt;",
    )
    assert bidi.isolate(False) == bidi.isolate(None) == bidi.isolate("") == ""


# No NUL: no text of the database holds one (PostgreSQL refuses it, the
# website strips it), and libxml2 reads it between two marks as a space.
@given(
    # Lone surrogates (Cs) are left out: no value can hold one (UTF-8 cannot
    # encode it, and PostgreSQL refuses it), and lxml drops it.
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1),
    st.sampled_from(["ltr", "auto"]),
    st.booleans(),
)
def test_isolate_shows_the_text_unchanged(text, direction, marks):
    root = lxml_html.fragment_fromstring(bidi.isolate(text, direction, marks))
    assert root.tag == "span" and len(root) == 0
    shown = root.text_content()
    if marks:
        assert shown[0] == shown[-1] == ("\u200e" if root.get("dir") == "ltr" else "\u200f")
        shown = shown[1:-1]
    # What an HTML parser reads of the text escaped (it drops NUL and the like).
    plain = lxml_html.fragment_fromstring("<span>%s</span>" % html.escape(text, quote=False))
    assert shown == plain.text_content()
