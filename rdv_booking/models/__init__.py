"""Models of the RDV booking back office."""

# The mixins are registered before the models that use them.
from . import rdv_impact_preview, rdv_outbox

# isort: split
from . import (
    ir_cron,
    mail_mail,
    mail_message,
    mail_thread,
    rdv_ants_declaration,
    rdv_api_client,
    rdv_appointment,
    rdv_appointment_application,
    rdv_appointment_type,
    rdv_citizen,
    rdv_closure,
    rdv_counter,
    rdv_counter_exception,
    rdv_dashboard,
    rdv_notification,
    rdv_person,
    rdv_place,
    rdv_reference_week,
    rdv_service,
    rdv_slot,
    rdv_slot_report,
    rdv_webhook_delivery,
    rdv_webhook_subscription,
    res_company,
    res_config_settings,
    res_partner,
)
