import datetime

from odoo import api, fields, models

# A trigger due later than this covers a later wake-up: it cannot be consumed
# by a run that started before the transaction relying on it commits.
COMMIT_MARGIN = datetime.timedelta(minutes=1)


class IrCron(models.Model):
    """Waking the crons of the appointments: a trigger at commit, one for
    all the wake-ups of a transaction."""

    _inherit = "ir.cron"

    @api.model
    def _rdv_wake(self, xmlid, at=None):
        """Have the cron ``xmlid`` run at ``at``, by default as soon as this
        transaction commits.

        Done at commit, once for every cron woken in the transaction, with one
        query (an INSERT of the triggers).
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
        """Precommit: add the triggers :meth:`_rdv_wake` asked for.

        A wake-up due now always gets its own trigger, even if the cron has a
        due one already: that one may be the trigger a run in progress is
        consuming. Such a run read its work before this transaction commits,
        and deletes the due triggers when it ends, that one with them: this
        transaction's work would wait for the cron's next planned run (an
        hour for the mail queue and the codes). A wake-up for later is
        covered by a trigger still to come by then, if that one is not about
        to be consumed before this transaction commits.
        """
        wanted = self.env.cr.precommit.data.pop("rdv_wake_crons", {})
        if not wanted:
            return
        now = fields.Datetime.now()
        safe = now + COMMIT_MARGIN
        later = [cron_id for cron_id, at in wanted.items() if at > safe]
        coming = {}
        if later:
            self.env.cr.execute(
                """
                SELECT cron_id, min(call_at) FROM ir_cron_trigger
                 WHERE cron_id = ANY(%s) AND call_at > %s
                 GROUP BY cron_id
                """,
                (later, safe),
            )
            coming = dict(self.env.cr.fetchall())
        values = [
            {"cron_id": cron_id, "call_at": max(at, now)}
            for cron_id, at in wanted.items()
            if not (coming.get(cron_id) and coming[cron_id] <= at)
        ]
        if not values:
            return
        self.env["ir.cron.trigger"].sudo().create(values)
        if any(value["call_at"] <= now for value in values):
            # What ir.cron._trigger does: the cron workers are told at once.
            self.env.cr.postcommit.add(self.sudo()._notifydb)
        self.env.flush_all()
