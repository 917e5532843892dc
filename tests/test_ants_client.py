"""Tests of ``rdv_booking/tools/ants.py``: the pre-application numbers and the
client of the ANTS coordination API, against its stub on loopback
(``rdv_booking/tests/ants_stub.py``), without Odoo (whose tests stretch every
timeout to 10 s)."""

import importlib
import importlib.util
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ants = importlib.import_module("rdv_tools.ants")

_spec = importlib.util.spec_from_file_location(
    "rdv_ants_stub", Path(__file__).resolve().parent.parent / "rdv_booking/tests/ants_stub.py"
)
ants_stub = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ants_stub)

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@given(
    st.text(ALNUM + ALNUM.lower(), min_size=10, max_size=10),
    st.lists(st.sampled_from([" ", "-", "\u2013", "\u00a0", "\t"]), max_size=5),
    st.data(),
)
def test_a_number_however_typed_is_itself_in_capitals(number, separators, data):
    typed = number
    for separator in separators:
        cut = data.draw(st.integers(0, len(typed)))
        typed = typed[:cut] + separator + typed[cut:]
    assert ants.normalize_application_id(typed) == number.upper()


def test_full_width_and_arabic_digits_are_the_digits_they_are():
    assert ants.normalize_application_id("ＡＢ１２３４５６７Ｃ") == "AB1234567C"
    assert ants.normalize_application_id("AB١٢٣٤٥٦٧C") == "AB1234567C"


@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.binary(max_size=12)))
def test_anything_else_is_no_number(value):
    result = ants.normalize_application_id(value)
    assert result is None or (len(result) == 10 and result.isascii() and result.isalnum())
    if isinstance(value, str) and result:
        assert sum(ch.isalnum() for ch in value) >= 10


@pytest.fixture
def stub():
    server = ants_stub.AntsStub().start()
    yield server
    server.stop()


def client(stub, token=ants_stub.TOKEN, timeout=1.0):
    return ants.AntsClient(stub.url, token, timeout)


def test_status_reads_the_documented_shape(stub):
    stub.numbers["AB1234567C"] = {
        "status": "declared",
        "appointments": [
            {
                "management_url": "https://x.example/m",
                "meeting_point": "Mairie",
                "meeting_point_id": 12,
                "appointment_date": "2026-03-10 14:30:00",
                "extra": "ignored",
            }
        ],
    }
    answer = client(stub).status(["AB1234567C", "ZZ99887766"])
    assert answer["ZZ99887766"] == {"status": "unknown", "appointments": []}
    assert answer["AB1234567C"]["appointments"] == [
        {
            "management_url": "https://x.example/m",
            "meeting_point": "Mairie",
            "meeting_point_id": "12",
            "appointment_date": "2026-03-10 14:30:00",
        }
    ]
    (call,) = stub.calls("GET", "/api/status")
    assert call["query"] == [("application_ids", "AB1234567C"), ("application_ids", "ZZ99887766")]
    assert call["token"] == ants_stub.TOKEN


@pytest.mark.parametrize("mode", ["down", "garbage", "token"])
def test_failures_are_unavailable(stub, mode):
    stub.mode = "ok" if mode == "token" else mode
    with pytest.raises(ants.AntsUnavailable):
        client(stub, token="wrong" if mode == "token" else ants_stub.TOKEN).status(["AB1234567C"])


@pytest.mark.parametrize(
    "appointments",
    [
        [{"management_url": None, "meeting_point": None, "appointment_date": None}],
        ["a string"],
        [5],
        [{}],
        [{"meeting_point": "  ", "appointment_date": 12}],
        [{"meeting_point": "Mairie", "appointment_date": "2026-03-10 14:30:00"}, None],
        [
            {"meeting_point": "Mairie", "appointment_date": "2026-03-10 14:30:00"},
            {"meeting_point": "Mairie de Y", "appointment_date": ""},
        ],
        [{"meeting_point": "Mairie de Y"}],
    ],
)
def test_broken_appointments_are_a_broken_answer(stub, appointments):
    """Entries without their date are no appointment to show the citizen
    ("at ? on ?"): the answer is broken, as garbage is."""
    stub.numbers["AB1234567C"] = {"status": "validated", "appointments": appointments}
    with pytest.raises(ants.AntsUnavailable):
        client(stub).status(["AB1234567C"])


def test_a_slow_hub_is_given_up_after_the_timeout(stub):
    stub.mode, stub.delay = "slow", 3.0
    began = time.monotonic()
    with pytest.raises(ants.AntsUnavailable):
        client(stub, timeout=0.5).status(["AB1234567C"])
    assert time.monotonic() - began < 2.0


def test_an_unreachable_hub_is_unavailable():
    with pytest.raises(ants.AntsUnavailable):
        ants.AntsClient("http://127.0.0.1:9", "t", 0.5).status(["AB1234567C"])


def test_declare_and_withdraw_answer_their_status(stub):
    params = {
        "application_id": "AB1234567C",
        "meeting_point_id": "1",
        "meeting_point": "Mairie",
        "appointment_date": "2026-03-10 14:30:00",
        "management_url": "https://x.example/m",
    }
    hub = client(stub)
    assert hub.declare(params) == 200
    assert hub.declare(params) == 409
    assert hub.withdraw(params) == 200
    assert hub.withdraw(params) == 404


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["AB1234567C", "status", "appointments", "x"]), children)
    ),
    max_leaves=12,
)
STATUS_ENTRY = st.fixed_dictionaries(
    {"status": st.sampled_from([*ants.STATUSES, "odd", 1])},
    optional={"appointments": JSON},
)


@pytest.fixture(scope="module")
def raw_stub():
    server = ants_stub.AntsStub().start()
    server.mode = "raw"
    yield server
    server.stop()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(JSON, st.fixed_dictionaries({"AB1234567C": STATUS_ENTRY}), st.binary(max_size=40)))
def test_whatever_the_hub_answers_it_is_read_or_unavailable(raw_stub, payload):
    raw_stub.raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        answer = client(raw_stub).status(["AB1234567C"])
    except ants.AntsUnavailable:
        return
    entry = answer["AB1234567C"]
    assert entry["status"] in ants.STATUSES
    for appointment in entry["appointments"]:
        assert set(appointment) == {
            "management_url",
            "meeting_point",
            "meeting_point_id",
            "appointment_date",
        }
        assert all(isinstance(value, str) for value in appointment.values())
