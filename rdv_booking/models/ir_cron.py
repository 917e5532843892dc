import psycopg2.errors

from odoo import api, fields, models


class IrCron(models.Model):
    """Waking the crons of the appointments: a trigger at commit, one for
    all the wake-ups of a transaction."""

    _inherit = "ir.cron"

    @api.model
    def _rdv_wake(self, xmlid, at=None):
        """Have the cron ``xmlid`` run at ``at``, by default as soon as this
        transaction commits.

        Done at commit, once for every cron woken in the transaction, with one
        query: a cron that already has a trigger by then gets no other, so
        under load the bookings that find one add none (a trigger row and a
        NOTIFY each would cost as much as the booking's own writes).
        """
        # The cached xmlid lookup: env.ref() would query to check the cron exists.
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=False)
        if not cron_id:
            return
        precommit = self.env.cr.precommit
        if "rdv_wake_crons" not in precommit.data:
            precommit.data["rdv_wake_crons"] = {}
            precommit.add(self._rdv_wake_now)
        wanted = precommit.data["rdv_wake_crons"]
        at = at or fields.Datetime.now()
        wanted[cron_id] = min(at, wanted.get(cron_id, at))

    def _rdv_wake_now(self):
        """Precommit: add the triggers :meth:`_rdv_wake` asked for and that
        the crons do not have yet.

        A trigger already due covers a wake-up asked for now only while the
        cron is not running: a run in progress (its ``ir_cron`` row locked)
        may have looked for work before this transaction commits, and deletes
        the due triggers when it ends, so the work queued here would wait for
        the cron's next scheduled run (an hour for the mail queue). While the
        cron is idle, its row stays locked here until the commit, so that no
        run starts in between. A later wake-up needs a trigger still to come
        by then.
        """
        wanted = self.env.cr.precommit.data.pop("rdv_wake_crons", {})
        if not wanted:
            return
        now = fields.Datetime.now()
        query = """
            WITH idle AS MATERIALIZED (
                SELECT id FROM ir_cron WHERE id = ANY(%(crons)s) AND %(lock)s
                   FOR NO KEY UPDATE SKIP LOCKED
            )
            SELECT c.id, c.id IN (SELECT id FROM idle),
                   coalesce(bool_or(t.call_at <= %(now)s), false),
                   min(t.call_at) FILTER (WHERE t.call_at > %(now)s)
              FROM unnest(%(crons)s::int[]) AS c(id)
              LEFT JOIN ir_cron_trigger t ON t.cron_id = c.id
             GROUP BY c.id
        """
        params = {"now": now, "crons": list(wanted), "lock": True}
        try:
            with self.env.cr.savepoint(flush=False):
                # Expected now and then: not logged as a bad query.
                self.env.cr.execute(query, params, log_exceptions=False)
                rows = self.env.cr.fetchall()
        except psycopg2.errors.SerializationFailure:
            # A run ended since this transaction began (it wrote the cron's
            # row): whether another runs now is unknown, so nothing covers.
            self.env.cr.execute(query, {**params, "lock": False})
            rows = self.env.cr.fetchall()
        planned = {cron_id: (idle, due, coming) for cron_id, idle, due, coming in rows}
        for cron_id, at in wanted.items():
            idle, due, coming = planned.get(cron_id, (False, False, None))
            covered = (due and idle) if at <= now else bool(coming and coming <= at)
            if not covered:
                self.sudo().browse(cron_id)._trigger(max(at, now))
        self.env.flush_all()
