"""The confirmation e-mail lists the pre-application number of each person of
an ID-card or passport appointment: added to the template a database kept
(noupdate), in every language, unless an administrator rewrote that part."""

from odoo.addons.rdv_booking_portal.tools.template_source import (
    ANTS_NUMBERS,
    replace_in_templates,
)


def migrate(cr, version):
    replace_in_templates(cr, "mail_template", "rdv_booking_portal", ANTS_NUMBERS)
