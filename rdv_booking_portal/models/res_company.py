import hashlib
import secrets
import string

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# What a token of the ANTS hub may hold: printable ASCII without spaces (it
# travels in an HTTP header), long enough not to be guessed.
ANTS_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + string.punctuation)
ANTS_TOKEN_MIN, ANTS_TOKEN_MAX = 24, 200


def ants_token_hash(token):
    """The stored form of a hub token (random and long: a fast hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ResCompany(models.Model):
    _inherit = "res.company"

    # One place for each rule of the website flow: read here everywhere.
    rdv_otp_validity_minutes = fields.Integer("Code validity (minutes)", default=10)
    rdv_otp_max_attempts = fields.Integer("Attempts per code", default=5)
    rdv_otp_resend_seconds = fields.Integer("Wait before a new code (seconds)", default=60)
    rdv_otp_sends_per_hour = fields.Integer(
        "Codes per phone or e-mail per hour",
        default=5,
        help="How many codes one phone number or e-mail address can receive per hour.",
    )
    rdv_otp_sends_per_ip_hour = fields.Integer(
        "Codes per connection per hour",
        default=20,
        help="How many codes one IP address can ask for per hour.",
    )
    rdv_posts_per_ip_minute = fields.Integer(
        "Website forms per connection per minute",
        default=30,
        help="Form submissions accepted from one IP address per minute.",
    )
    rdv_live_holds_per_ip = fields.Integer(
        "Times held per connection",
        default=4,
        help="How many bookings in progress one IP address can hold at once "
        "(a kiosk or a family behind one connection needs a few).",
    )
    rdv_holds_per_ip_hour = fields.Integer(
        "Times held per connection per hour",
        default=30,
        help="How many times one IP address can hold per hour.",
    )
    rdv_captcha_difficulty = fields.Integer(
        "Captcha difficulty",
        default=50000,
        help="Proof-of-work captcha: how many hashes a browser computes on average "
        "(about half a second on a phone at 50,000).",
    )

    # The national ID-card and passport search engine (ANTS hub) calls
    # /api/ants/ with this commune's token: only its hash is kept.
    rdv_ants_token_hash = fields.Char(
        "ANTS hub token hash", copy=False, readonly=True, groups="base.group_system"
    )
    rdv_ants_token_hint = fields.Char(
        "ANTS hub token",
        copy=False,
        readonly=True,
        help="The start of the token the ANTS hub sends; the token itself is shown once.",
    )

    _sql_constraints = [
        (
            "rdv_ants_token_hash_unique",
            "UNIQUE(rdv_ants_token_hash)",
            "Each commune has a token of its own for the ANTS hub.",
        ),
    ]

    @api.constrains(
        "rdv_otp_validity_minutes",
        "rdv_otp_max_attempts",
        "rdv_otp_resend_seconds",
        "rdv_otp_sends_per_hour",
        "rdv_otp_sends_per_ip_hour",
        "rdv_posts_per_ip_minute",
        "rdv_live_holds_per_ip",
        "rdv_holds_per_ip_hour",
        "rdv_captcha_difficulty",
    )
    def _check_rdv_portal_limits(self):
        for company in self:
            if not 1 <= company.rdv_otp_validity_minutes <= 10:
                raise ValidationError(_("Code validity: between 1 and 10 minutes."))
            if not 1 <= company.rdv_otp_max_attempts <= 10:
                raise ValidationError(_("Attempts per code: between 1 and 10."))
            if company.rdv_otp_resend_seconds < 0:
                raise ValidationError(_("Wait before a new code: cannot be negative."))
            if (
                min(
                    company.rdv_otp_sends_per_hour,
                    company.rdv_otp_sends_per_ip_hour,
                    company.rdv_posts_per_ip_minute,
                    company.rdv_live_holds_per_ip,
                    company.rdv_holds_per_ip_hour,
                )
                < 1
            ):
                raise ValidationError(_("Rate limits: at least 1."))
            if not 1000 <= company.rdv_captcha_difficulty <= 5000000:
                raise ValidationError(_("Captcha difficulty: between 1,000 and 5,000,000."))

    # ------------------------------------------------------------------
    # The ANTS hub's token
    # ------------------------------------------------------------------

    def _rdv_ants_set_token(self, token):
        """Make ``token`` the one the ANTS hub sends for this commune (kept
        hashed); a token that is too short or holds spaces is refused."""
        self.ensure_one()
        token = (token or "").strip()
        if not (
            ANTS_TOKEN_MIN <= len(token) <= ANTS_TOKEN_MAX and ANTS_TOKEN_CHARS.issuperset(token)
        ):
            raise ValidationError(
                _(
                    "ANTS hub token: between %(min)s and %(max)s letters, digits or "
                    "punctuation signs, without spaces.",
                    min=ANTS_TOKEN_MIN,
                    max=ANTS_TOKEN_MAX,
                )
            )
        digest = ants_token_hash(token)
        if self.sudo().search_count([("rdv_ants_token_hash", "=", digest), ("id", "!=", self.id)]):
            raise ValidationError(_("ANTS hub token: another commune already has this token."))
        self.sudo().write({"rdv_ants_token_hash": digest, "rdv_ants_token_hint": token[:4] + "…"})

    def _rdv_ants_new_token(self):
        """Give this commune a new random token for the ANTS hub (the old one
        stops working) and return it: it is never shown again."""
        self.ensure_one()
        token = secrets.token_urlsafe(32)
        self._rdv_ants_set_token(token)
        return token

    @api.model
    def _rdv_ants_from_token(self, token):
        """The active commune whose ANTS hub token is ``token``, else an empty
        recordset. Looked up by its hash: the time taken tells nothing of
        the tokens kept, and a copy of the database gives none."""
        if not isinstance(token, str) or not ANTS_TOKEN_MIN <= len(token) <= ANTS_TOKEN_MAX:
            return self.browse()
        return self.sudo().search([("rdv_ants_token_hash", "=", ants_token_hash(token))], limit=1)
