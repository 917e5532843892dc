"""The citizens' e-mail templates read the citizen's language and direction
from one rule (``rdv.appointment._reader_lang``), which also falls back on the
commune's language for a booking at the counter or on the phone."""

from odoo.addons.rdv_booking_portal.tools.template_source import (
    READER_LANG,
    replace_in_templates,
)


def migrate(cr, version):
    replace_in_templates(cr, "mail_template", "rdv_booking_portal", READER_LANG)
