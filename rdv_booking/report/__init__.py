"""The reports of the RDV back office."""

from . import rdv_day_sheet_report
