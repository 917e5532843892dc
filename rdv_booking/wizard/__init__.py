"""Wizards of the RDV booking back office."""

# First: the impact wizards (counter archive, slot block) inherit it.
from . import rdv_impact_wizard

# isort: split
from . import (
    rdv_api_client_key,
    rdv_appointment_ants_numbers,
    rdv_appointment_cancel,
    rdv_appointment_reschedule,
    rdv_check_in,
    rdv_counter_archive,
    rdv_day_sheet_print,
    rdv_slot_assign,
    rdv_slot_block,
)
