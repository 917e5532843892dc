import calendar
import contextlib
import datetime

from odoo import api, fields, models
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
        """Count one hit of ``value`` in ``scope``; False once more than ``limit``
        hits fall in the last ``period`` seconds.

        Counters are kept per window of ``period`` seconds aligned on the epoch;
        the hits of the last ``period`` seconds are the current window's plus
        the previous window's, weighted by the share of it still inside the
        period. A burst astride two windows is thus seen as one burst, where
        fixed windows would let twice the limit through at each boundary.
        """
        now = calendar.timegm(fields.Datetime.now().timetuple())
        elapsed = now % period
        start = now - elapsed
        window, previous_window = self._window(start), self._window(start - period)
        hits, previous = self._count(scope, value, window, previous_window)
        return hits + previous * (period - elapsed) / period <= limit

    @api.model
    def _hit(self, scope, value, window_start):
        """Count one hit of ``value`` in ``scope`` in the window opened at
        ``window_start`` (e.g. a code's life); return the hits of that window."""
        return self._count(scope, value, window_start)[0]

    @api.model
    def _window(self, epoch):
        return datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)

    @api.model
    def _count(self, scope, value, window_start, previous_start=None):
        """Count one hit; return the hits of the window and of the previous one.

        :param scope: what is limited ('otp-send-ip', 'post-ip'...)
        :param value: who (an IP address, a phone number, an e-mail)
        :param window_start: the window counted in (naive UTC)
        :param previous_start: the window before it, read only (None: no such)

        The hit is counted in a transaction of its own, so that it holds even
        if the request that made it fails and rolls back, and at READ
        COMMITTED, so that parallel hits queue on the row instead of failing.
        Its commit does not wait for the disk: a crash can forget the last
        hits of a counter, never the data of a booking.
        """
        key = "%s:%s" % (scope, hmac(self.env(su=True), "rdv-rate-limit", "%s|%s" % (scope, value)))
        with self._own_cursor() as cr:
            if not self.env.registry.in_test_mode():  # tests share one transaction
                cr.execute(
                    "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;"
                    " SET LOCAL synchronous_commit TO OFF"
                )
            cr.execute(
                """
                WITH hit AS (
                    INSERT INTO rdv_rate_limit (key, window_start, hits) VALUES (%s, %s, 1)
                    ON CONFLICT (key, window_start) DO UPDATE SET hits = rdv_rate_limit.hits + 1
                    RETURNING hits
                )
                SELECT hit.hits, COALESCE(
                    (SELECT hits FROM rdv_rate_limit WHERE key = %s AND window_start = %s), 0
                ) FROM hit
                """,
                (key, window_start, key, previous_start),
            )
            return cr.fetchone()

    @api.model
    @contextlib.contextmanager
    def _own_cursor(self):
        """A cursor of its own, committed on leaving: what is counted or
        logged there holds even if the request's transaction rolls back.

        Under the test runner, every cursor is the test's one transaction,
        guarded by a lock that the thread serving the request holds. The
        public API's routes run in worker threads (FastAPI) while that thread
        waits for them: they would wait for the lock for ever, so they work
        in the request's cursor, under a savepoint, instead (only they: the
        lock is free or their own for every other caller).
        """
        registry = self.env.registry
        lock = registry.test_lock if registry.in_test_mode() else None
        if lock is not None:
            if not lock.acquire(blocking=False):  # held by the thread serving the request
                with self.env.cr.savepoint(flush=False):
                    yield self.env.cr
                return
            lock.release()
        with registry.cursor() as cr:
            yield cr

    @api.autovacuum
    def _gc_windows(self):
        """Forget counters older than two days."""
        self.env.cr.execute(
            "DELETE FROM rdv_rate_limit WHERE window_start < %s",
            (fields.Datetime.now() - datetime.timedelta(days=2),),
        )
