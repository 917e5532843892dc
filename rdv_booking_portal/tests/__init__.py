"""Odoo tests of rdv_booking_portal."""

from . import test_security
