"""Right-to-left text that wkhtmltopdf (without patched Qt) and mail clients
show right.

Its old WebKit neither wraps a paragraph that mixes Arabic with Latin words or
digits (the line runs off the page, or is drawn over itself) nor measures an
Arabic word next to its punctuation ("البلدية،", "«الوثائق") right. Each word in
a ``white-space: nowrap`` span, its punctuation in spans of their own,
gives it break points it handles and widths it gets right (checked with
pdftoppm); Latin words stay plain inline spans, so "Hôtel de Ville" keeps its
order inside the right-to-left line.

A value written left to right (a phone number, a French address, a
reference, an e-mail address, a time) inside a right-to-left line is reordered
by the bidi algorithm: "+33 4 50 12 34 50" reads "50 34 12 50 4 33+", "12
avenue des Pommaries" reads "avenue des Pommaries 12". Browsers keep it with
``<bdi>``; wkhtmltopdf's old WebKit and mail clients (Gmail, Outlook) do not
all honour ``<bdi>``, nor the isolates LRI/PDI (U+2066/U+2069: old QtWebKit
draws the text reversed). :func:`isolate` gives such a value its own
direction in the forms they all honour, checked by reading back what
wkhtmltopdf and Chromium print (rdv_booking_portal/tests/test_rtl_documents.py).

Pure Python on lxml (no Odoo import), tested by ``tests/test_bidi.py``.
"""

import html
import re
import unicodedata

from lxml import html as lxml_html

NOWRAP = "white-space: nowrap"
# A word with no Latin letter: its opening marks, itself, its closing marks.
PARTS = re.compile(r"^([(«\"'\[]*)(.*?)([،؛؟.,;:!?)»\"'\]]*)$")
LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
SKIPPED = {"img", "script", "style", "br", "hr"}


def _spans(text):
    """The words of ``text`` as spans, a space after each but the last
    (unless ``text`` ends with one)."""
    spans = []
    for word in text.split():
        parts = (word,) if LATIN.search(word) else PARTS.match(word).groups()
        for part in filter(None, parts):
            span = lxml_html.Element("span", style=NOWRAP)
            span.text = part
            spans.append(span)
        spans[-1].tail = " "
    if not text[-1].isspace():
        spans[-1].tail = None
    return spans


def _leading_space(text):
    return " " if text[0].isspace() else None


def _wrap(element):
    if not isinstance(element.tag, str) or element.tag in SKIPPED:
        return
    # The element's own text, then each child and the text after it.
    children = list(element)
    if element.text and element.text.strip():
        text, element.text = element.text, _leading_space(element.text)
        for index, span in enumerate(_spans(text)):
            element.insert(index, span)
    for child in children:
        _wrap(child)
        if child.tail and child.tail.strip():
            text, child.tail = child.tail, _leading_space(child.tail)
            position = element.index(child) + 1
            for index, span in enumerate(_spans(text)):
                element.insert(position + index, span)


def printable_rtl(fragment):
    """``fragment`` (HTML) with its words in no-wrap spans, for a
    right-to-left PDF printed by wkhtmltopdf; the markup stays as it was."""
    if not fragment or not str(fragment).strip():
        return fragment
    root = lxml_html.fragment_fromstring(str(fragment), create_parent="div")
    _wrap(root)
    return "".join(
        ([root.text] if root.text else [])
        + [lxml_html.tostring(child, encoding="unicode") for child in root]
    )


LRM, RLM = "\u200e", "\u200f"
EMBED = '<span dir="%s" style="direction: %s; unicode-bidi: embed;">%s</span>'


def text_direction(text):
    """``'rtl'`` if the first strong character of ``text`` is written right
    to left (Arabic, Hebrew), else ``'ltr'`` (also for digits alone)."""
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


def isolate(text, direction="auto", marks=True):
    """HTML of the plain ``text`` (escaped here) that keeps its own direction
    inside a line of either direction.

    ``direction``: ``'ltr'`` for what is written left to right in every
    language (a phone number, a reference), ``'auto'`` for what follows its
    first strong character (an address: French or Arabic). An element with an
    explicit ``dir`` and the same in CSS (``direction``, ``unicode-bidi:
    embed``) for wkhtmltopdf and the clients that keep either; with ``marks``,
    the text also between two marks of its direction (LRM or RLM, in Unicode
    since 1.1), which every bidi algorithm honours, for mail clients that strip
    both: its digits and spaces then belong to the run, not to the line around.
    Without ``marks`` for the PDF: wkhtmltopdf prints marks as zero-width
    spaces into the text one copies.
    """
    if text is None or text is False or not str(text):
        return ""
    text = str(text)
    side = text_direction(text) if direction == "auto" else direction
    body = html.escape(text, quote=False)
    if marks:
        mark = RLM if side == "rtl" else LRM
        body = mark + body + mark
    return EMBED % (side, side, body)
