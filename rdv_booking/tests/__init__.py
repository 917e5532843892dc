"""Odoo tests of rdv_booking."""

from . import (
    test_access,
    test_agent_tour,
    test_ants_check,
    test_booking,
    test_check_in,
    test_citizen_input,
    test_constraints,
    test_day_sheet,
    test_i18n,
    test_not_offered,
    test_notifications,
    test_outcome_correction,
    test_person_limits,
    test_personal_data,
    test_slot_generation,
    test_states,
    test_webhooks,
    test_website_ready,
    test_wizards,
)
