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

        A trigger already due covers a wake-up asked for now; a later one
        needs a trigger still to come by then (a due trigger may be the one
        the running cron is consuming, deleted when it ends).
        """
        wanted = self.env.cr.precommit.data.pop("rdv_wake_crons", {})
        if not wanted:
            return
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            SELECT cron_id, bool_or(call_at <= %(now)s),
                   min(call_at) FILTER (WHERE call_at > %(now)s)
              FROM ir_cron_trigger
             WHERE cron_id = ANY(%(crons)s)
             GROUP BY cron_id
            """,
            {"now": now, "crons": list(wanted)},
        )
        planned = {cron_id: (due, coming) for cron_id, due, coming in self.env.cr.fetchall()}
        for cron_id, at in wanted.items():
            due, coming = planned.get(cron_id, (False, None))
            covered = due if at <= now else bool(coming and coming <= at)
            if not covered:
                self.sudo().browse(cron_id)._trigger(max(at, now))
        self.env.flush_all()
