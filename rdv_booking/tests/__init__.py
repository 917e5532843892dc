"""Odoo tests of rdv_booking."""

from . import test_slot_generation
from . import test_booking
