"""Agents search without typing accents: "Etat" finds "État civil", "helene"
finds "Hélène". Odoo compares through PostgreSQL's ``unaccent`` when the
database has it, which rdv_booking creates on install (a registry loaded
afterwards uses it, as every server start does)."""

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.odoo_db

ACCENTED = "éèêëàâäîïôöùûüçÉÈÊËÀÂÎÏÔÖÙÛÜÇ"
LETTERS = "abcdefghijklmnopqrstuvwxyz" + ACCENTED


def plain(text):
    """``text`` without its accents, as an agent types it."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@pytest.fixture
def env(odoo_registry):
    from odoo import SUPERUSER_ID, api

    with odoo_registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        cr.rollback()


def test_the_database_has_unaccent(odoo_registry, env):
    env.cr.execute("SELECT extname FROM pg_extension WHERE extname = 'unaccent'")
    assert env.cr.fetchone(), "rdv_booking creates the unaccent extension"
    assert odoo_registry.has_unaccent


def test_a_service_and_a_citizen_are_found_without_accents(env):
    service = env["rdv.service"].create({"name": "État civil"})
    assert env["rdv.service"].search([("name", "ilike", "Etat"), ("id", "=", service.id)])
    partner = env["res.partner"].create({"name": "Hélène Dûpont"})
    assert env["res.partner"].search([("name", "ilike", "helene dup"), ("id", "=", partner.id)])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    word=st.text(alphabet=LETTERS, min_size=3, max_size=12).filter(
        lambda w: any(c in ACCENTED for c in w)
    )
)
def test_any_accented_name_is_found_by_its_plain_letters(env, word):
    service = env["rdv.service"].create({"name": f"Service {word}"})
    found = env["rdv.service"].search([("name", "ilike", plain(word)), ("id", "=", service.id)])
    assert found == service
