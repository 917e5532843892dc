"""The cron that links appointments to their citizens' contacts moved to the
contacts (``res.partner._cron_rdv_link_appointments``).

The crons are ``noupdate``: an update of the addon keeps the model and code a
database got at its install, which would call a method that no longer exists.
The cron is pointed at its new method unless someone changed its code.
"""

from odoo import SUPERUSER_ID, api

OLD_CODE = "model._cron_link_partners()"
NEW_CODE = "model._cron_rdv_link_appointments()"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("rdv_booking.ir_cron_rdv_link_partners", raise_if_not_found=False)
    if cron and (cron.code or "").strip() == OLD_CODE:
        cron.write({"model_id": env.ref("base.model_res_partner").id, "code": NEW_CODE})
