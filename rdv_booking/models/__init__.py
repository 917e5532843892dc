"""Models of the RDV booking back office."""

from . import res_company
from . import res_config_settings
from . import res_partner
from . import rdv_service
from . import rdv_appointment_type
from . import rdv_place
from . import rdv_reference_week
from . import rdv_counter
from . import rdv_counter_exception
from . import rdv_closure
from . import rdv_slot
from . import rdv_appointment
from . import rdv_slot_report
