"""Help texts of our back office read well: no Odoo .text-muted in our views.

Odoo's back-office .text-muted is the body colour at half opacity, about
2.6:1 on white, below WCAG AA's 4.5:1 for text. Our views and dialogs use the
``o_rdv_help`` class (rdv_booking/static/src/scss/rdv_backend.scss) instead.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BACK_OFFICE = [
    path
    for addon in ("rdv_booking", "rdv_booking_sms", "rdv_booking_portal")
    for folder in ("views", "wizard", "static/src")
    for path in sorted((ROOT / addon / folder).rglob("*.xml"))
    # The website's templates follow the website's theme (checked by axe-core).
    if not path.name.startswith(("rdv_portal_", "website_"))
]
MUTED = re.compile(r"""class=["'][^"']*\btext-muted\b""")


@pytest.mark.parametrize("path", BACK_OFFICE, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_muted_help_text(path):
    found = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if MUTED.search(line)
    ]
    assert not found, "%s: .text-muted on lines %s: use o_rdv_help (contrast)" % (
        path.relative_to(ROOT),
        found,
    )


def test_help_class_is_defined():
    scss = (ROOT / "rdv_booking/static/src/scss/rdv_backend.scss").read_text()
    assert ".o_rdv_help" in scss
