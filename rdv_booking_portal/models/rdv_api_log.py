import datetime
import logging

import psycopg2

from odoo import api, fields, models

from odoo.addons.rdv_booking.tools.parse import strip_control_chars

_logger = logging.getLogger(__name__)

# Calls are kept this long (who called what, for support and abuse reports).
LOG_DAYS = 90


class RdvApiLog(models.Model):
    """One call of the public API: which client, which route, the answer's
    status and how long it took. Written in a transaction of its own, so
    that a refused call (rolled back) is logged too."""

    _name = "rdv.api.log"
    _description = "API call"
    _order = "id desc"
    _log_access = False

    client_id = fields.Many2one("rdv.api.client", index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one(related="client_id.company_id", store=True, readonly=True)
    called_at = fields.Datetime("Called at", required=True, readonly=True, index=True)
    method = fields.Char(readonly=True)
    route = fields.Char(readonly=True)
    status = fields.Integer(readonly=True)
    duration_ms = fields.Integer("Duration (ms)", readonly=True)

    @api.model
    def _record(self, client_id, method, route, status, duration_ms):
        """Log one call in a transaction of its own (kept if the call's own
        transaction rolls back)."""
        try:
            self._insert(client_id, method, route, status, duration_ms)
        except psycopg2.Error as error:  # the log never turns a call into an error
            _logger.warning("API call %s %s not logged: %s", method, route[:200], error)

    @api.model
    def _insert(self, client_id, method, route, status, duration_ms):
        with self.env["rdv.rate.limit"]._own_cursor() as cr:
            cr.execute(
                "INSERT INTO rdv_api_log"
                " (client_id, company_id, called_at, method, route, status, duration_ms)"
                " SELECT %s, (SELECT company_id FROM rdv_api_client WHERE id = %s),"
                " %s, %s, %s, %s, %s",
                (
                    client_id,
                    client_id,
                    fields.Datetime.now(),
                    strip_control_chars(method)[:10],
                    # As asked, but for control characters (PostgreSQL takes no NUL).
                    strip_control_chars(route)[:200],
                    status,
                    duration_ms,
                ),
            )

    @api.autovacuum
    def _gc_calls(self):
        """Forget calls older than :data:`LOG_DAYS` days."""
        self.env.cr.execute(
            "DELETE FROM rdv_api_log WHERE called_at < %s",
            (fields.Datetime.now() - datetime.timedelta(days=LOG_DAYS),),
        )
