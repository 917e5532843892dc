from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The website's limits in the RDV settings."""

    _inherit = "res.config.settings"

    rdv_live_holds_per_ip = fields.Integer(
        related="company_id.rdv_live_holds_per_ip", readonly=False
    )
    rdv_holds_per_ip_hour = fields.Integer(
        related="company_id.rdv_holds_per_ip_hour", readonly=False
    )
