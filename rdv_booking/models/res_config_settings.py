from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rdv_horizon_days = fields.Integer(related="company_id.rdv_horizon_days", readonly=False)
    rdv_hold_minutes = fields.Integer(related="company_id.rdv_hold_minutes", readonly=False)
    rdv_retention_months = fields.Integer(related="company_id.rdv_retention_months", readonly=False)
    rdv_holiday_country_id = fields.Many2one(
        related="company_id.rdv_holiday_country_id", readonly=False
    )
    rdv_holiday_subdivision = fields.Char(
        related="company_id.rdv_holiday_subdivision", readonly=False
    )
    rdv_ants_url = fields.Char(related="company_id.rdv_ants_url", readonly=False)
    rdv_ants_token = fields.Char(
        related="company_id.rdv_ants_token", readonly=False, groups="base.group_system"
    )
    rdv_ants_when_down = fields.Selection(related="company_id.rdv_ants_when_down", readonly=False)
    rdv_ants_timeout = fields.Float(related="company_id.rdv_ants_timeout", readonly=False)

    def action_rdv_import_holidays(self):
        """Create the public-holiday closures of the company now."""
        self.env["rdv.closure"]._import_public_holidays(self.company_id)
        return self.env["ir.actions.actions"]._for_xml_id("rdv_booking.rdv_closure_action")
