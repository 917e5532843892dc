"""Odoo tests of rdv_booking_portal."""

from . import test_fuzz, test_my_appointments, test_routes, test_security, test_tours
