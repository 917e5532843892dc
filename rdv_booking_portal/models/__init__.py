"""Models of the RDV citizen website."""

from . import (
    fastapi_endpoint,
    ir_http,
    mail_template,
    rdv_access_token,
    rdv_api_client,
    rdv_api_log,
    rdv_appointment,
    rdv_captcha,
    rdv_citizen,
    rdv_locality,
    rdv_otp,
    rdv_place,
    rdv_rate_limit,
    res_company,
    res_config_settings,
    res_lang,
    website,
)
