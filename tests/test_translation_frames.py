"""Odoo's ``_()`` finds the language to translate into in its caller's frame
(``self.env``, a ``context``); a comprehension or generator expression runs
in a frame of its own, without them, so a message built there comes out in
the request's or the default language while the rest of the page is in the
reader's ("Personne 1 already has an appointment..."). Build translated
lists with a loop; this test fails on the first ``_()`` found in one."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
OWN_FRAMES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _translations_in_own_frames(tree):
    found = []

    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            if (
                inside
                and isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id in ("_", "_lt")
            ):
                found.append(child.lineno)
            visit(child, inside or isinstance(child, OWN_FRAMES))

    visit(tree, False)
    return found


def test_the_finder_finds():
    tree = ast.parse("x = ', '.join(_('a %s', v) for v in values)\ny = [_('b') for _v in w]\n")
    assert _translations_in_own_frames(tree) == [1, 2]
    assert not _translations_in_own_frames(ast.parse("for v in w:\n    out.append(_('a'))\n"))


def test_no_translation_in_a_comprehension():
    offenders = []
    for addon in ADDONS:
        for path in sorted((ROOT / addon).rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            for line in _translations_in_own_frames(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append("%s:%s" % (path.relative_to(ROOT), line))
    assert not offenders, offenders
