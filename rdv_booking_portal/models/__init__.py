"""Models of the RDV citizen website."""

from . import (
    ir_http,
    mail_template,
    rdv_access_token,
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
