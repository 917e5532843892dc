from . import rdv_appointment_report
