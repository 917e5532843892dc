"""Schemathesis against the public booking API of a live server: every
operation of its OpenAPI document, every documented parameter, generated
from the document itself; 0 server error, every status documented, every
answer matching its schema.

Bounded (``max_examples`` per operation) to stay within the time of
``make test``; CI draws the same examples each run (conftest's profile).
"""

import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.odoo_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_key(odoo_registry, portal_site):
    """A key of a trusted client of the live commune (no rate limit in the way)."""
    from odoo import SUPERUSER_ID, api

    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        client = env["rdv.api.client"].create(
            {
                "name": "Schemathesis %s" % uuid.uuid4().hex[:6],
                "company_id": portal_site.company_id,
                "trusted": True,
                "rate_limit": 100000,
            }
        )
        key = client._rdv_new_key()
    return key


@pytest.fixture(scope="module")
def api_schema(live_server, api_key):
    response = requests.get(live_server.url + "/api/v1/openapi.json", timeout=60)
    response.raise_for_status()
    return schemathesis.openapi.from_dict(response.json())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case, api_key, live_server):
    """Every answer of every operation matches the document, none is a 5xx."""
    since = live_server.log_size()
    case.call_and_validate(
        base_url=live_server.url + "/api/v1",
        headers={"X-API-Key": api_key},
        checks=CHECKS,
        timeout=60,
    )
    assert not live_server.problems(since), live_server.problems(since)


def test_refused_calls_are_logged(odoo_registry, live_server, api_key, portal_site):
    """A refused call is logged with its client and status, in a transaction
    of its own (the call's own rolls back)."""
    from odoo import SUPERUSER_ID, api

    base = live_server.url + "/api/v1"
    response = requests.get(
        base + "/appointments/ZZZZ-ZZZZ", headers={"X-API-Key": api_key}, timeout=60
    )
    assert response.status_code == 404
    assert response.json()["detail"]["field"] == "reference"
    with odoo_registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        logs = env["rdv.api.log"].search(
            [("route", "=", "/api/v1/appointments/ZZZZ-ZZZZ"), ("status", "=", 404)]
        )
        assert logs and logs[0].client_id.company_id.id == portal_site.company_id
