"""Which database errors make a request a 503 "back in a moment"
(rdv_booking_portal/http_database.py): a connection gone or refused, never a
query that failed (a conflict, a timeout, bad data)."""

import importlib.util
import json

import psycopg2
import psycopg2.errors
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

_spec = importlib.util.spec_from_file_location(
    "rdv_http_database", ROOT / "rdv_booking_portal" / "http_database.py"
)
http_database = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(http_database)

SQLSTATE = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5)


def coded(cls, code):
    """An error of ``cls`` as the server sends it, with its SQLSTATE (only
    psycopg2 sets ``pgcode``, from the server's answer)."""
    subclass = type(cls.__name__, (cls,), {"pgcode": property(lambda self: code)})
    return subclass(f"error {code}")


@given(SQLSTATE)
def test_a_server_error_is_lost_only_for_connection_and_shutdown_codes(code):
    lost = code.startswith(("08", "57P"))
    assert http_database.database_lost(coded(psycopg2.OperationalError, code)) is lost


def test_libpq_failures_and_closed_connections_are_lost():
    refused = psycopg2.OperationalError("connection to server failed: Connection refused")
    assert http_database.database_lost(refused)
    assert http_database.database_lost(psycopg2.InterfaceError("connection already closed"))


def test_query_failures_are_not_lost():
    assert not http_database.database_lost(coded(psycopg2.errors.SerializationFailure, "40001"))
    assert not http_database.database_lost(coded(psycopg2.errors.QueryCanceled, "57014"))
    assert not http_database.database_lost(coded(psycopg2.errors.LockNotAvailable, "55P03"))
    assert not http_database.database_lost(coded(psycopg2.errors.UniqueViolation, "23505"))
    assert http_database.database_lost(coded(psycopg2.errors.AdminShutdown, "57P01"))
    assert not http_database.database_lost(ValueError("bad"))


def test_the_cause_is_read():
    """Odoo wraps the failure to open its registry (RegistryError from ...)."""
    try:
        try:
            raise psycopg2.OperationalError("the database system is shutting down")
        except psycopg2.OperationalError as error:
            raise RuntimeError("Cannot get registry") from error
    except RuntimeError as wrapped:
        assert http_database.database_lost(wrapped)


def test_api_clients_get_json():
    api = http_database.DatabaseUnavailable("/api/ants/status")
    assert api.get_body().startswith('{"error"')
    headers = dict(api.get_headers())
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Retry-After"] == str(http_database.RETRY_AFTER)
    page = http_database.DatabaseUnavailable("/rdv")
    assert page.code == 503
    assert dict(page.get_headers())["Content-Type"].startswith("text/html")


def test_each_api_gets_its_own_shape():
    """The public API's refusals are {"detail": {...}}, the ANTS hub's {"error": {...}}."""
    v1 = json.loads(http_database.DatabaseUnavailable("/api/v1/slots").get_body())
    assert v1["detail"]["code"] == "unavailable" and v1["detail"]["reason"]
    ants = json.loads(http_database.DatabaseUnavailable("/api/ants/slots").get_body())
    assert ants["error"]["code"] == 503


def test_citizens_get_the_maintenance_page_in_three_languages():
    """Without nginx in front (one node), a citizen gets the page nginx
    shows, not werkzeug's English 503."""
    body = http_database.DatabaseUnavailable("/rdv/type/3/slots").get_body()
    for title in (
        "Service momentanément indisponible",
        "Service temporarily unavailable",
        "الخدمة غير متاحة مؤقتًا",
    ):
        assert f"<h1>{title}</h1>" in body
    assert 'dir="rtl"' in body


def test_a_database_is_reachable_only_when_postgresql_answers_for_it():
    """A connection error may name another database (a JSON-RPC call with a
    database that does not exist): the service's own is asked before a 503."""
    assert http_database.reachable("postgres")
    assert not http_database.reachable("rdv_no_such_database_for_this_test")
