import calendar
import datetime

from odoo import api, fields, models
from odoo.sql_db import TestCursor
from odoo.tools.misc import hmac


class RdvRateLimit(models.Model):
    """Hit counters per key and time window, shared by every Odoo worker.

    Keys (an IP address, a phone number) are stored as HMACs: the table says
    how often, never who.
    """

    _name = "rdv.rate.limit"
    _description = "Rate limit counter"
    _log_access = False

    key = fields.Char(required=True)
    window_start = fields.Datetime(required=True)
    hits = fields.Integer(default=0, required=True)

    _sql_constraints = [
        ("key_window_unique", "UNIQUE(key, window_start)", "One counter per key and window."),
    ]

    @api.model
    def _allow(self, scope, value, limit, period=3600):
        """Count one hit of ``value`` in ``scope``; False once ``limit`` is exceeded."""
        return self._hit(scope, value, period) <= limit

    @api.model
    def _hit(self, scope, value, period=3600, window_start=None):
        """Count one hit of ``value`` in ``scope``; return the hits of the window.

        :param scope: what is limited ('otp-send-ip', 'post-ip'...)
        :param value: who (an IP address, a phone number, an e-mail)
        :param period: window length in seconds, windows aligned on the epoch
        :param window_start: a window of its own instead (a code's life)

        The hit is counted in a transaction of its own, so that it holds even
        if the request that made it fails and rolls back, and at READ
        COMMITTED, so that parallel hits queue on the row instead of failing.
        """
        if window_start is None:
            epoch = calendar.timegm(fields.Datetime.now().timetuple())
            window_start = datetime.datetime.fromtimestamp(
                epoch - epoch % period, datetime.UTC
            ).replace(tzinfo=None)
        key = "%s:%s" % (scope, hmac(self.env(su=True), "rdv-rate-limit", "%s|%s" % (scope, value)))
        with self.env.registry.cursor() as cr:
            if not isinstance(cr, TestCursor):  # tests share one transaction
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                """
                INSERT INTO rdv_rate_limit (key, window_start, hits) VALUES (%s, %s, 1)
                ON CONFLICT (key, window_start) DO UPDATE SET hits = rdv_rate_limit.hits + 1
                RETURNING hits
                """,
                (key, window_start),
            )
            return cr.fetchone()[0]

    @api.autovacuum
    def _gc_windows(self):
        """Forget counters older than two days."""
        self.env.cr.execute(
            "DELETE FROM rdv_rate_limit WHERE window_start < %s",
            (fields.Datetime.now() - datetime.timedelta(days=2),),
        )
