"""The citizens' message templates written before the right-to-left work.

The templates are ``noupdate``: an update of the addon keeps the bodies a
database got at its install. Those of before 18.0.1.1.0 put the place's
phone, its address and the reference into an Arabic message without keeping
them left to right (``_bidi``): "12 avenue des Pommaries" read "avenue des
Pommaries 12", "+33 4 50 12 34 50" read "50 34 12 50 4 33+". Such a template,
in any language, is reset from the addon's file and translations; one that
already isolates its values (the current text, or an edit of it) is kept.
"""

from odoo import SUPERUSER_ID, api

TEMPLATES = (
    "mail_template_rdv_code",
    "mail_template_rdv_confirmation",
    "mail_template_rdv_changed",
    "mail_template_rdv_cancelled",
    "mail_template_rdv_to_reschedule",
)


def stale_templates(env):
    """The templates of the addon a body of which (in a language installed)
    does not isolate its values."""
    languages = [code for code, _name in env["res.lang"].get_installed()]
    stale = env["mail.template"]
    for xmlid in TEMPLATES:
        template = env.ref("rdv_booking_portal.%s" % xmlid, raise_if_not_found=False)
        if template and any(
            "_bidi(" not in (template.with_context(lang=lang).body_html or "") for lang in languages
        ):
            stale |= template
    return stale


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    stale_templates(env).reset_template()
