"""The normal forms that recognise a person (rdv_booking/tools/identity.py)."""

import string

import rdv_tools.identity as identity
from hypothesis import given
from hypothesis import strategies as st

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


# Each script's digits, as a phone keyboard may give them: Arabic-Indic,
# Eastern Arabic-Indic (Persian), Devanagari, full-width.
DIGIT_SCRIPTS = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९", "０１２３４５６７８９"]


FULL_WIDTH = str.maketrans(
    string.ascii_uppercase + string.digits,
    "".join(chr(0xFF21 + i) for i in range(26)) + "".join(chr(0xFF10 + i) for i in range(10)),
)


@given(
    number=st.text(alphabet=ID_CHARS, min_size=1, max_size=12),
    script=st.sampled_from(DIGIT_SCRIPTS),
    full_width=st.booleans(),
)
def test_id_number_in_any_script_of_digits_is_the_same_person(number, script, full_width):
    """An ID number typed with another script's digits, or in full-width
    forms, is the same person: otherwise the per-person limits would count
    it as someone else (and "ＡＲ１２" as the "12" of another)."""
    typed = number.translate(FULL_WIDTH) if full_width else number
    typed = typed.translate(str.maketrans("0123456789", script))
    assert identity.id_number_key(typed) == identity.id_number_key(number)


@given(script=st.sampled_from(DIGIT_SCRIPTS))
def test_reference_in_any_script_of_digits(script):
    """A reference read on paper and typed on an Arabic keyboard is found."""
    import rdv_tools.reference as reference

    ref = reference.new_reference()
    typed = ref.translate(str.maketrans("0123456789", script)).lower()
    assert reference.normalize_reference(typed) == ref
