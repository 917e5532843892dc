"""The cron that erases the citizens' personal data moved with the rules for
their details (``rdv.citizen._cron_erase_personal_data``).

The crons are ``noupdate``: an update of the addon keeps the model a database
got at its install, whose method no longer exists. The cron is pointed at its
new model unless someone changed its code.
"""

from odoo import SUPERUSER_ID, api

CODE = "model._cron_erase_personal_data()"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("rdv_booking.ir_cron_rdv_erase_personal_data", raise_if_not_found=False)
    if cron and cron.model_id.model == "rdv.appointment" and (cron.code or "").strip() == CODE:
        cron.write({"model_id": env.ref("rdv_booking.model_rdv_citizen").id})
