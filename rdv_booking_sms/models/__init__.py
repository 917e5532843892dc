from . import (
    rdv_appointment,
    rdv_appointment_type,
    rdv_citizen,
    rdv_dashboard,
    rdv_notification,
    rdv_otp,
    rdv_sms_gateway,
    rdv_sms_usage,
    res_company,
    res_config_settings,
    sms_sms,
)
