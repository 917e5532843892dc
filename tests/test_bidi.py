"""Tests of ``rdv_booking/tools/bidi.py``: right-to-left text wkhtmltopdf can print."""

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
