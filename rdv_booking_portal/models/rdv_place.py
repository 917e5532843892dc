from odoo import api, models


class RdvPlace(models.Model):
    _inherit = "rdv.place"

    @api.model_create_multi
    def create(self, vals_list):
        places = super().create(vals_list)
        if places.country_id:
            places._load_localities_later()
        return places

    def write(self, vals):
        res = super().write(vals)
        if vals.get("country_id"):
            self._load_localities_later()
        return res

    def _load_localities_later(self):
        """Citizens find a place from the town they type: have the towns of a
        country new to the places loaded (a few seconds, not in this request)."""
        self.env["ir.cron"]._rdv_wake("rdv_booking_portal.ir_cron_rdv_localities")
