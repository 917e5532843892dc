from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    rdv_sms_enabled = fields.Boolean(related="company_id.rdv_sms_enabled", readonly=False)
    rdv_sms_country_id = fields.Many2one(related="company_id.rdv_sms_country_id", readonly=False)
    rdv_sms_gateway_id = fields.Many2one(related="company_id.rdv_sms_gateway_id", readonly=False)
    rdv_sms_attempts = fields.Integer(related="company_id.rdv_sms_attempts", readonly=False)
    rdv_sms_segment_price = fields.Float(related="company_id.rdv_sms_segment_price", readonly=False)
    rdv_sms_monthly_cap = fields.Integer(related="company_id.rdv_sms_monthly_cap", readonly=False)
    rdv_sms_alert_percent = fields.Integer(
        related="company_id.rdv_sms_alert_percent", readonly=False
    )
    rdv_reminder_hours = fields.Integer(related="company_id.rdv_reminder_hours", readonly=False)
    rdv_sms_month_count = fields.Integer("SMS this month", compute="_compute_rdv_sms_month")
    rdv_sms_month_segments = fields.Integer("Segments this month", compute="_compute_rdv_sms_month")
    rdv_sms_month_cost = fields.Float("Estimated cost this month", compute="_compute_rdv_sms_month")

    @api.depends("company_id")
    def _compute_rdv_sms_month(self):
        for settings in self:
            usage = settings.company_id._rdv_sms_month_usage()
            settings.rdv_sms_month_count = usage["sms"]
            settings.rdv_sms_month_segments = usage["segments"]
            settings.rdv_sms_month_cost = usage["cost"]

    def action_rdv_sms_usage(self):
        """The SMS statistics of the company."""
        return self.env["ir.actions.actions"]._for_xml_id("rdv_booking_sms.rdv_sms_usage_action")
