"""Consistency of the addons' translations (pure Python, no Odoo needed).

For each addon with an ``i18n/<addon>.pot`` (the terms exported by Odoo):

* ``fr.po`` exists;
* ``fr.po`` and ``ar.po`` (when present) translate every msgid of the .pot, with
  no empty or fuzzy msgstr;
* in every .po, a msgstr keeps the placeholders of its msgid (``%s``, ``%d``,
  ``%(name)s``, ``{name}``: same multiset) and its HTML/XML tags (same tag names,
  in the same order);
* no .po carries a msgid the .pot no longer has (stale entry).
"""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
# Languages that must be complete when their .po exists.
COMPLETE_LANGS = ("fr", "ar")

# printf style as Odoo's _() uses it: %s, %d, %(name)s, %-5.2f... "%%" is a literal
# percent sign, and "(%)" (a unit in a label) is no placeholder.
PERCENT_RE = re.compile(r"%%|%(?:\(\w+\))?[-+#0]*\d*(?:\.\d+)?[sdifr]")
# str.format style: {name}, {0}, {} (but not "{{" / "}}" escapes).
BRACE_RE = re.compile(r"(?<!\{)\{\w*\}(?!\})")
TAG_RE = re.compile(r"<(/?)(\w+)")
MAX_REPORTED = 20


def _pot_path(addon):
    return ROOT / addon / "i18n" / f"{addon}.pot"


def _po_cases():
    cases = []
    for addon in ADDONS:
        for path in sorted((ROOT / addon / "i18n").glob("*.po")):
            cases.append(pytest.param(addon, path.stem, id=f"{addon}/{path.stem}"))
    return cases


PO_CASES = _po_cases()
COMPLETE_CASES = [case for case in PO_CASES if case.values[1] in COMPLETE_LANGS]


def _load(addon, lang):
    pot_path = _pot_path(addon)
    assert pot_path.exists(), f"{addon}/i18n/{lang}.po has no {pot_path.name} to check against"
    pot = polib.pofile(str(pot_path))
    po = polib.pofile(str(ROOT / addon / "i18n" / f"{lang}.po"))
    return pot, po


def _live(po):
    return [entry for entry in po if not entry.obsolete]


def _translations(entry):
    """The msgstr(s) of an entry, as (msgid it translates, msgstr) pairs."""
    if entry.msgid_plural:
        return [
            (entry.msgid if index == 0 else entry.msgid_plural, msgstr)
            for index, msgstr in sorted(entry.msgstr_plural.items())
        ]
    return [(entry.msgid, entry.msgstr)]


def placeholders(text):
    tokens = [token for token in PERCENT_RE.findall(text) if token != "%%"]
    return Counter(tokens + BRACE_RE.findall(text))


def tags(text):
    return ["".join(match) for match in TAG_RE.findall(text)]


def _short(text, width=70):
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 3] + "..."


def _fail(problems, what):
    if problems:
        shown = "\n  ".join(problems[:MAX_REPORTED])
        more = len(problems) - MAX_REPORTED
        tail = f"\n  ... and {more} more" if more > 0 else ""
        pytest.fail(f"{len(problems)} {what}:\n  {shown}{tail}", pytrace=False)


@pytest.mark.parametrize("addon", ADDONS)
def test_fr_po_exists(addon):
    if not _pot_path(addon).exists():
        pytest.skip(f"{addon} has no .pot yet")
    assert (ROOT / addon / "i18n" / "fr.po").exists(), f"{addon}/i18n/fr.po is missing"


@pytest.mark.parametrize(("addon", "lang"), COMPLETE_CASES)
def test_po_complete(addon, lang):
    pot, po = _load(addon, lang)
    by_msgid = {entry.msgid: entry for entry in _live(po)}
    problems = []
    for term in pot:
        entry = by_msgid.get(term.msgid)
        if entry is None:
            problems.append(f"missing: {_short(term.msgid)!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {_short(term.msgid)!r}")
        elif any(not msgstr.strip() for _msgid, msgstr in _translations(entry)):
            problems.append(f"empty msgstr: {_short(term.msgid)!r}")
    _fail(problems, f"untranslated terms in {addon}/i18n/{lang}.po")


def _mismatches(addon, lang, read):
    """(msgid, what ``read`` finds in it, what it finds in its msgstr) for every
    translation of ``addon``/``lang`` where the two differ."""
    _pot, po = _load(addon, lang)
    return [
        (msgid, read(msgid), read(msgstr))
        for entry in _live(po)
        for msgid, msgstr in _translations(entry)
        if msgstr and read(msgid) != read(msgstr)
    ]


@pytest.mark.parametrize(("addon", "lang"), PO_CASES)
def test_po_placeholders(addon, lang):
    problems = [
        f"{_short(msgid)!r}: msgid has {sorted(ours.elements())}, "
        f"msgstr has {sorted(theirs.elements())}"
        for msgid, ours, theirs in _mismatches(addon, lang, placeholders)
    ]
    _fail(problems, f"placeholder mismatches in {addon}/i18n/{lang}.po")


@pytest.mark.parametrize(("addon", "lang"), PO_CASES)
def test_po_tags(addon, lang):
    problems = [
        f"{_short(msgid)!r}: msgid tags {ours}, msgstr tags {theirs}"
        for msgid, ours, theirs in _mismatches(addon, lang, tags)
    ]
    _fail(problems, f"HTML/XML tag mismatches in {addon}/i18n/{lang}.po")


@pytest.mark.parametrize(("addon", "lang"), PO_CASES)
def test_po_no_stale_entries(addon, lang):
    pot, po = _load(addon, lang)
    known = {term.msgid for term in pot}
    stale = [f"{_short(entry.msgid)!r}" for entry in _live(po) if entry.msgid not in known]
    _fail(stale, f"stale msgids in {addon}/i18n/{lang}.po (absent from the .pot)")


def test_placeholder_and_tag_extraction():
    """The helpers themselves: what counts as a placeholder or a tag."""
    assert placeholders("%s: %(count)s of {name} and %d, 100%% sure, rate (%)") == Counter(
        ["%s", "%(count)s", "{name}", "%d"]
    )
    assert placeholders("50 % de remise, {{ not_a_field }}") == Counter()
    assert tags('<p class="x">a <strong>b</strong></p><br/>') == [
        "p",
        "strong",
        "/strong",
        "/p",
        "br",
    ]


def _module_of_every_entry(path):
    """Entries without their ``#. module:`` comment: Odoo's reader stops on
    the first one (AttributeError), and the whole language fails to load."""
    return [
        entry.msgid[:60]
        for entry in polib.pofile(str(path))
        if not entry.obsolete and not re.search(r"(?:^|\n)module[s]?: \w", entry.comment or "")
    ]


@pytest.mark.parametrize(
    "path",
    sorted(p for addon in ADDONS for p in (ROOT / addon / "i18n").glob("*.po*")),
    ids=lambda p: f"{p.parent.parent.name}/{p.name}",
)
def test_every_entry_names_its_module(path):
    missing = _module_of_every_entry(path)
    assert not missing, f"{path.name}: entries without '#. module:': {missing[:MAX_REPORTED]}"
