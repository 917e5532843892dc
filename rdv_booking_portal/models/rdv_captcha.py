import datetime
import secrets

import altcha

from odoo import api, fields, models
from odoo.tools.misc import hmac


class RdvCaptcha(models.Model):
    """Self-hosted proof-of-work captcha: the ALTCHA protocol (version 2), whose
    challenges the ``altcha`` library makes and checks.

    The server picks a random counter below twice the company's difficulty,
    signs a challenge whose key prefix only that counter gives (one SHA-256 per
    try), and the browser finds it by trying them in turn (about half a second
    of a phone's time), which is nothing for a citizen and expensive for a bot
    posting thousands of forms. Nothing to see or hear: it works with a screen
    reader and without a third-party service. A solved challenge is recorded
    here, so it cannot be replayed, by any worker.
    """

    _name = "rdv.captcha"
    _description = "Spent captcha challenge"
    _log_access = False

    challenge = fields.Char(required=True, index=True)
    expires_at = fields.Datetime(required=True)

    _sql_constraints = [("challenge_unique", "UNIQUE(challenge)", "Challenge already used.")]

    VALIDITY = datetime.timedelta(minutes=20)
    ALGORITHM = "SHA-256"

    @api.model
    def _hmac_secret(self):
        """The key that signs the challenges, derived from the database's secret."""
        return hmac(self.env(su=True), "rdv-captcha", "altcha-hmac-key")

    @api.model
    def _new_challenge(self, company):
        """A challenge for the browser, as the protocol's JSON object:
        ``{"parameters": {...}, "signature": ...}``."""
        expires = fields.Datetime.now() + self.VALIDITY
        challenge = altcha.create_challenge(
            self.ALGORITHM,
            cost=1,
            counter=secrets.randbelow(company.rdv_captcha_difficulty * 2 + 1),
            expires_at=int(expires.replace(tzinfo=datetime.UTC).timestamp()),
            hmac_secret=self._hmac_secret(),
        )
        return challenge.to_dict()

    @api.model
    def _verify(self, payload):
        """True if ``payload`` (base64 JSON from the browser) solves a challenge of ours
        that has not expired and was not used before; the challenge is then spent."""
        if not isinstance(payload, str):
            return False
        try:
            # The errors the library itself treats as a malformed payload.
            solved = altcha.Payload.from_base64(payload)
        except (ValueError, KeyError, TypeError, RecursionError):
            return False
        if not altcha.verify_solution(solved, self._hmac_secret()).verified:
            return False
        # Signed, so ours: its signature names it and its expiry is a number.
        expires = datetime.datetime.fromtimestamp(
            solved.challenge.parameters.expires_at, datetime.UTC
        ).replace(tzinfo=None)
        self.env.cr.execute(
            """
            INSERT INTO rdv_captcha (challenge, expires_at) VALUES (%s, %s)
            ON CONFLICT (challenge) DO NOTHING RETURNING id
            """,
            (solved.challenge.signature, expires),
        )
        return bool(self.env.cr.rowcount)

    @api.autovacuum
    def _gc_spent(self):
        """Forget challenges that expired (they cannot be replayed any more)."""
        self.env.cr.execute(
            "DELETE FROM rdv_captcha WHERE expires_at < %s", (fields.Datetime.now(),)
        )
