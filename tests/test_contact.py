"""Tests of ``rdv_booking/tools/contact.py``: e-mail addresses masked on pages and notes."""

import rdv_contact as contact
from hypothesis import given
from hypothesis import strategies as st

LOCAL = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd"), max_codepoint=0x2FF))


def test_examples():
    assert contact.mask_email("jules.bois@example.com") == "j••••••••s@example.com"
    assert contact.mask_email("jo@example.com") == "j•@example.com"
    assert contact.mask_email("j@example.com") == "j•@example.com"
    assert contact.mask_email("@example.com") == "•@example.com"
    assert contact.mask_email("") == contact.mask_email(None) == contact.mask_email("no-at") == ""


@given(local=LOCAL.filter(lambda local: len(local) > 2), domain=st.from_regex(r"[a-z]{1,9}\.fr"))
def test_only_the_first_and_last_characters_of_the_name_are_shown(local, domain):
    masked = contact.mask_email("%s@%s" % (local, domain))
    assert masked == local[0] + "•" * (len(local) - 2) + local[-1] + "@" + domain


@given(local=LOCAL, domain=st.from_regex(r"[a-z]{1,9}\.fr", fullmatch=True))
def test_the_domain_stays_and_at_most_two_characters_are_shown(local, domain):
    masked = contact.mask_email("%s@%s" % (local, domain))
    name, _at, rest = masked.partition("@")
    assert rest == domain
    assert len(name.replace("•", "")) <= 2 and "•" in name
