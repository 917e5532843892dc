"""Odoo tests of rdv_booking_portal."""

from . import (
    test_ants,
    test_ants_details,
    test_ants_http,
    test_api,
    test_api_client_systems,
    test_fuzz,
    test_hold_limits,
    test_http_errors,
    test_manage_oracle,
    test_my_appointments,
    test_pdf_current,
    test_reader_lang,
    test_routes,
    test_rtl_documents,
    test_security,
    test_tours,
    test_truthful_answers,
    test_truthful_status,
    test_webhooks,
    test_website_ready,
)
