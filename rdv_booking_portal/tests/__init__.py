"""Odoo tests of rdv_booking_portal."""

from . import test_routes, test_security, test_tours
