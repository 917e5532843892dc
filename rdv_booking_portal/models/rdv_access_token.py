import datetime
import hashlib
import re
import secrets

from odoo import api, fields, models

# What ``secrets.token_urlsafe`` writes: anything else is no token of ours.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


class RdvAccessToken(models.Model):
    """The secret of a link sent to a citizen (manage, reschedule), and the
    links to the website that messages and documents give.

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

    # ------------------------------------------------------------------
    # Links to the website in the citizen's messages and documents
    # ------------------------------------------------------------------

    @api.model
    def _citizen_url(self, appointment, path):
        """Absolute link to the website's ``path``, in the language
        ``appointment``'s citizen booked in: prefixed (/ar, /en) unless it is
        the default language of the website that books its commune, or a
        language that website does not offer."""
        appointment.ensure_one()
        prefix = ""
        website = self.env["website"]._rdv_website_of(appointment.company_id)
        lang = appointment.citizen_lang
        if (
            website
            and lang
            and lang != website.default_lang_id.code
            and lang in website.language_ids.mapped("code")
        ):
            prefix = "/" + self.env["res.lang"]._get_data(code=lang).url_code
        base_url = self.env["website"]._rdv_base_url(appointment.company_id)
        return "%s%s%s" % (base_url, prefix, path)

    @api.model
    def _manage_url(self, appointment, action=None):
        """Absolute link with a fresh token that opens ``appointment``
        (``action``: the step it opens, e.g. 'reschedule')."""
        token = self._new_token(appointment)
        return self._citizen_url(
            appointment, "/rdv/manage/%s%s" % (token, "?next=%s" % action if action else "")
        )

    @api.model
    def _book_again_url(self, appointment):
        """Absolute link to book ``appointment``'s type again."""
        return self._citizen_url(appointment, "/rdv/type/%s" % appointment.type_id.id)
