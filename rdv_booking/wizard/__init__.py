"""Wizards of the RDV booking back office."""

from . import rdv_slot_assign
from . import rdv_appointment_cancel
from . import rdv_appointment_reschedule
