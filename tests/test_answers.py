"""An explicit yes, and nothing else, answers yes (rdv_booking/tools/answers.py)."""

import rdv_answers as answers
from hypothesis import given
from hypothesis import strategies as st


def test_explicit_yes():
    for value in ("1", "on", "true", "TRUE", "yes", " On "):
        assert answers.is_yes(value)


def test_no_and_missing_are_no():
    for value in (None, "", "0", "false", "off", "no", "non", "2", "-1", "yes please", 1, True):
        assert not answers.is_yes(value)


@given(st.sampled_from(sorted(answers.YES)), st.booleans(), st.text(" \t", max_size=3))
def test_a_yes_in_any_case_and_spacing(word, upper, space):
    assert answers.is_yes(space + (word.upper() if upper else word) + space)


@given(st.one_of(st.none(), st.integers(), st.binary(), st.text()))
def test_anything_else_is_no(value):
    if isinstance(value, str) and value.strip().lower() in answers.YES:
        return
    assert not answers.is_yes(value)
