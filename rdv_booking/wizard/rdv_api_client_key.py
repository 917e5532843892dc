from odoo import fields, models


class RdvApiClientKey(models.AbstractModel):
    """Shows a client system's new key once. Abstract, as Odoo's own
    "Show API Key": the key travels in the dialog's context and is never
    written to the database."""

    _name = "rdv.api.client.key"
    _description = "New API key"

    # The onchange that fills the dialog reads the record's id.
    id = fields.Id()
    key = fields.Char(readonly=True)
    secret = fields.Char("Signing secret", readonly=True)
