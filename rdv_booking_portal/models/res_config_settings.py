from odoo import _, fields, models


class ResConfigSettings(models.TransientModel):
    """The website's limits in the RDV settings."""

    _inherit = "res.config.settings"

    rdv_live_holds_per_ip = fields.Integer(
        related="company_id.rdv_live_holds_per_ip", readonly=False
    )
    rdv_holds_per_ip_hour = fields.Integer(
        related="company_id.rdv_holds_per_ip_hour", readonly=False
    )

    # The token of the ANTS hub: typed (or pasted) here, kept hashed by the
    # company, never shown again.
    rdv_ants_hub_token = fields.Char(
        "New ANTS hub token",
        help="Paste the token registered with the ANTS hub (24 characters or more), or "
        "generate one. Only its start is kept in view.",
    )
    rdv_ants_token_hint = fields.Char(related="company_id.rdv_ants_token_hint")
    rdv_ants_endpoint = fields.Char("ANTS endpoint", compute="_compute_rdv_ants_endpoint")

    def _compute_rdv_ants_endpoint(self):
        for settings in self:
            base_url = self.env["website"]._rdv_base_url(settings.company_id)
            settings.rdv_ants_endpoint = "%s/api/ants/" % base_url

    def set_values(self):
        super().set_values()
        if self.rdv_ants_hub_token:
            self.company_id._rdv_ants_set_token(self.rdv_ants_hub_token)
            self.rdv_ants_hub_token = False

    def action_rdv_ants_generate_token(self):
        """Give the company a new token for the ANTS hub and show it, once."""
        token = self.company_id._rdv_ants_new_token()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("New ANTS hub token"),
                "message": _(
                    "Register this token with the ANTS hub now: it is not shown again. %s",
                    token,
                ),
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.client", "tag": "reload"},
            },
        }
