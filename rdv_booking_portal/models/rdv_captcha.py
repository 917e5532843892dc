import base64
import datetime
import hashlib
import json
import secrets

from odoo import api, fields, models
from odoo.tools.misc import consteq, hmac


class RdvCaptcha(models.Model):
    """Self-hosted proof-of-work captcha, in the manner of ALTCHA.

    The server hides a random number under SHA-256(salt + number) and signs the
    challenge; the browser finds the number by trying them all (about half a
    second of a phone's time), which is nothing for a citizen and expensive for
    a bot posting thousands of forms. Nothing to see or hear: it works with a
    screen reader and without a third-party service. A solved challenge is
    recorded here, so it cannot be replayed.
    """

    _name = "rdv.captcha"
    _description = "Spent captcha challenge"
    _log_access = False

    challenge = fields.Char(required=True, index=True)
    expires_at = fields.Datetime(required=True)

    _sql_constraints = [("challenge_unique", "UNIQUE(challenge)", "Challenge already used.")]

    VALIDITY = datetime.timedelta(minutes=20)

    @api.model
    def _sign(self, challenge, expires):
        return hmac(self.env(su=True), "rdv-captcha", "%s|%s" % (challenge, expires))

    @api.model
    def _new_challenge(self, company):
        """A challenge for the browser: {algorithm, challenge, salt, maxnumber, signature}."""
        maxnumber = company.rdv_captcha_difficulty * 2
        expires = int(
            (fields.Datetime.now() + self.VALIDITY).replace(tzinfo=datetime.UTC).timestamp()
        )
        salt = "%s?expires=%s" % (secrets.token_hex(12), expires)
        number = secrets.randbelow(maxnumber + 1)
        challenge = hashlib.sha256(("%s%s" % (salt, number)).encode()).hexdigest()
        return {
            "algorithm": "SHA-256",
            "challenge": challenge,
            "salt": salt,
            "maxnumber": maxnumber,
            "signature": self._sign(challenge, expires),
        }

    @api.model
    def _verify(self, payload):
        """True if ``payload`` (base64 JSON from the browser) solves a challenge of ours
        that was not used before; the challenge is then spent."""
        try:
            data = json.loads(base64.b64decode(payload or "", validate=True))
            salt, number = str(data["salt"]), int(data["number"])
            challenge, signature = str(data["challenge"]), str(data["signature"])
            expires = int(salt.rsplit("?expires=", 1)[1])
        except (ValueError, KeyError, TypeError, IndexError):
            return False
        now = fields.Datetime.now().replace(tzinfo=datetime.UTC).timestamp()
        if expires < now or not consteq(signature, self._sign(challenge, expires)):
            return False
        if hashlib.sha256(("%s%s" % (salt, number)).encode()).hexdigest() != challenge:
            return False
        self.env.cr.execute(
            """
            INSERT INTO rdv_captcha (challenge, expires_at) VALUES (%s, %s)
            ON CONFLICT (challenge) DO NOTHING RETURNING id
            """,
            (
                challenge,
                datetime.datetime.fromtimestamp(expires, datetime.UTC).replace(tzinfo=None),
            ),
        )
        return bool(self.env.cr.rowcount)

    @api.autovacuum
    def _gc_spent(self):
        """Forget challenges that expired (they cannot be replayed any more)."""
        self.env.cr.execute(
            "DELETE FROM rdv_captcha WHERE expires_at < %s", (fields.Datetime.now(),)
        )
