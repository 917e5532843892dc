import datetime
import hashlib
import re
import secrets

from odoo import api, fields, models

# What ``secrets.token_urlsafe`` writes: anything else is no token of ours.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


class RdvAccessToken(models.Model):
    """The secret of a link sent to a citizen (manage, reschedule, book again).

    The link carries 192 random bits; the database keeps only their SHA-256,
    so a copy of the database opens no appointment. Each message gets its own
    token, valid until a month after the appointment.
    """

    _name = "rdv.access.token"
    _description = "Appointment link token"
    _log_access = False

    appointment_id = fields.Many2one(
        "rdv.appointment", required=True, index=True, ondelete="cascade"
    )
    token_hash = fields.Char(required=True, index=True)
    expires_at = fields.Datetime(required=True)
    created_at = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [("token_hash_unique", "UNIQUE(token_hash)", "Token collision.")]

    @api.model
    def _hash(self, token):
        return hashlib.sha256((token or "").encode()).hexdigest()

    @api.model
    def _new_token(self, appointment):
        """A fresh token for ``appointment`` (returned once, never stored)."""
        token = secrets.token_urlsafe(24)
        self.sudo().create(
            {
                "appointment_id": appointment.id,
                "token_hash": self._hash(token),
                "expires_at": max(appointment.stop, fields.Datetime.now())
                + datetime.timedelta(days=30),
            }
        )
        return token

    @api.model
    def _find_appointment(self, token):
        """The appointment a still valid token opens, or an empty recordset."""
        if not isinstance(token, str) or not TOKEN.fullmatch(token):
            return self.env["rdv.appointment"]
        record = self.sudo().search(
            [("token_hash", "=", self._hash(token)), ("expires_at", ">", fields.Datetime.now())],
            limit=1,
        )
        return record.appointment_id

    @api.autovacuum
    def _gc_tokens(self):
        """Delete expired tokens."""
        self.sudo().search([("expires_at", "<", fields.Datetime.now())]).unlink()
