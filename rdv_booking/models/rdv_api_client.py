import hashlib
import secrets

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Prefix of every API key: recognisable in logs and by secret scanners.
KEY_PREFIX = "rdv_"


def key_hash(key):
    """The stored form of an API key (keys are 256 random bits: a fast hash
    is enough, no salt needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


class RdvApiClient(models.Model):
    """A system that books through the public API: a case-management system,
    a phone server, a partner. Its key is shown once and stored hashed; it
    sees only its commune and the types it is given."""

    _name = "rdv.api.client"
    _description = "API client system"
    _order = "name"
    _check_company_auto = True

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    type_ids = fields.Many2many(
        "rdv.appointment.type",
        string="Appointment types",
        check_company=True,
        help="The only types this client may read and book; none: every type its commune books "
        "online.",
    )
    trusted = fields.Boolean(
        "Identifies citizens itself",
        help="A trusted client (a case-management system whose users are logged in) books "
        "at once; any other client books with a one-time code sent to the citizen.",
    )
    key_hash = fields.Char(readonly=True, index=True, copy=False, groups="base.group_system")
    key_hint = fields.Char("Key", readonly=True, copy=False, help="The start of the key.")
    secret = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="Signs the pre-filled booking links this client makes; shown once, with its key.",
    )
    rate_limit = fields.Integer(
        "Calls per minute",
        default=120,
        help="Calls beyond this many in a minute are refused (HTTP 429).",
    )
    max_live_holds = fields.Integer(
        "Times held at once",
        default=20,
        help="A client that does not identify citizens holds a time while its citizen gives "
        "the code sent to them: at most this many at once (HTTP 429 beyond), so that no "
        "client can hold a whole day.",
    )

    webhook_subscription_ids = fields.One2many(
        "rdv.webhook.subscription", "client_id", "Webhook subscriptions"
    )

    _sql_constraints = [
        ("key_hash_unique", "unique(key_hash)", "API keys are unique."),
    ]

    @api.constrains("rate_limit", "max_live_holds")
    def _check_rate_limit(self):
        for client in self:
            if not 1 <= client.rate_limit <= 100000:
                raise ValidationError(_("Calls per minute must be between 1 and 100,000."))
            if not 1 <= client.max_live_holds <= 1000:
                raise ValidationError(_("Times held at once must be between 1 and 1,000."))

    def _rdv_new_key(self, with_secret=False):
        """Give this client a new key (the old one stops working) and a new
        secret; return the key, which is never shown again (with the secret
        if ``with_secret``: the dialog shows both once; the secret can then be
        read by administrators only, since it forges the client's links)."""
        self.ensure_one()
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        secret = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "key_hash": key_hash(key),
                "key_hint": key[: len(KEY_PREFIX) + 4] + "…",
                "secret": secret,
            }
        )
        return (key, secret) if with_secret else key

    def action_new_key(self):
        """Make a new key and secret and show them once (the previous ones
        stop working)."""
        self.ensure_one()
        key, secret = self._rdv_new_key(with_secret=True)
        return {
            "type": "ir.actions.act_window",
            "name": _("New API key"),
            "res_model": "rdv.api.client.key",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": key, "default_secret": secret},
        }

    def _rdv_covered(self, types):
        """The types among ``types`` this client reads, books and hears of:
        those it was given, or, given none, every type of its commune. The
        one rule of a client's scope (the API and the webhooks read it)."""
        self.ensure_one()
        types = types.filtered(lambda rdv_type: rdv_type.company_id == self.company_id)
        given = self.sudo().type_ids
        return types & given if given else types

    @api.model
    def _rdv_from_key(self, key):
        """The active client whose key is ``key``, or an empty recordset."""
        if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 200:
            return self.browse()
        return self.sudo().search([("key_hash", "=", key_hash(key))], limit=1)
