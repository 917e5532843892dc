"""Odoo tests of rdv_booking."""

from . import test_slot_generation
from . import test_booking
from . import test_constraints
from . import test_access
from . import test_wizards
