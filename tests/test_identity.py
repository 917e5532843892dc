"""The normal forms that recognise a person (rdv_booking/tools/identity.py)."""

import importlib.util
import string
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parent.parent / "rdv_booking" / "tools" / "identity.py"
_SPEC = importlib.util.spec_from_file_location("rdv_identity", _PATH)
identity = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(identity)

ID_CHARS = string.ascii_uppercase + string.digits


@given(
    number=st.text(alphabet=ID_CHARS, min_size=1, max_size=12),
    data=st.data(),
)
def test_an_id_number_typed_any_way_has_one_key(number, data):
    typed = "".join(
        (char.lower() if data.draw(st.booleans()) else char)
        + data.draw(st.sampled_from(["", " ", "-", ".", "/"]))
        for char in number
    )
    assert identity.id_number_key(typed) == number
    assert identity.id_number_key(number) == number


@given(st.text())
def test_keys_are_idempotent(text):
    for normalise in (identity.id_number_key, identity.email_key):
        key = normalise(text)
        assert key is False or normalise(key) == key


def test_nothing_typed_is_no_key():
    for normalise in (identity.id_number_key, identity.email_key):
        for empty in (None, False, "", "  "):
            assert normalise(empty) is False
    assert identity.id_number_key("- . -") is False


def test_emails_are_compared_whole():
    """Case and spaces only: dots and +tags are the provider's business."""
    assert identity.email_key("  Jules.Bois@Example.FR ") == "jules.bois@example.fr"
    assert identity.email_key("jules.bois+rdv@gmail.com") != identity.email_key(
        "julesbois@gmail.com"
    )


@given(
    st.lists(st.tuples(st.sampled_from(["phone", "email", "id"]), st.text(min_size=1)), max_size=6)
)
def test_lock_buckets_are_sorted_distinct_and_bounded(keys):
    buckets = identity.lock_buckets(keys)
    assert buckets == sorted(set(buckets))
    assert all(0 <= bucket < identity.LOCK_BUCKETS for bucket in buckets)
    assert len(buckets) <= len(keys)
    # The same keys lock the same buckets in every process (no salted hash()).
    assert buckets == identity.lock_buckets(list(reversed(keys)))
