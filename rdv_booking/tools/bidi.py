"""Right-to-left text that wkhtmltopdf (without patched Qt) can print.

Its old WebKit neither wraps a paragraph that mixes Arabic with Latin words or
digits (the line runs off the page, or is drawn over itself) nor measures an
Arabic word next to its punctuation ("البلدية،", "«الوثائق") right. Each word in
a ``white-space: nowrap`` span, its punctuation in spans of their own,
gives it break points it handles and widths it gets right (checked with
pdftoppm); Latin words stay plain inline spans, so "Hôtel de Ville" keeps its
order inside the right-to-left line.

Pure Python on lxml (no Odoo import), tested by ``tests/test_bidi.py``.
"""

import re

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
