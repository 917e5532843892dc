import datetime

from odoo import SUPERUSER_ID, api, fields, models

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

        A wake-up due now always gets its own trigger: a due trigger already
        there may be the one a run in progress consumes (the run read its
        work before this transaction commits, and deletes the due triggers it
        saw when it ends), and this transaction's work would then wait for
        the cron's next planned run (an hour for the mail queue and the
        codes). The cron workers are told at once (a NOTIFY, a connection of
        its own) only if no due trigger was there: one was told of it, and a
        run that ends with due triggers left tells them again
        (:meth:`_process_job`), so that under load the bookings do not pay a
        NOTIFY each. A wake-up for later is covered by a trigger still to
        come by then, if that one is not about to be consumed before this
        transaction commits.
        """
        wanted = self.env.cr.precommit.data.pop("rdv_wake_crons", {})
        if not wanted:
            return
        now = fields.Datetime.now()
        crons = list(wanted)
        # One query: what each cron has planned, and the triggers added.
        self.env.cr.execute(
            """
            WITH wanted AS (
                SELECT * FROM unnest(%(crons)s::int[], %(ats)s::timestamp[]) AS w(cron_id, at)
            ), planned AS (
                SELECT w.cron_id, w.at,
                       coalesce(bool_or(t.call_at <= %(now)s), false) AS due,
                       min(t.call_at) FILTER (WHERE t.call_at > %(safe)s) AS coming
                  FROM wanted w
                  LEFT JOIN ir_cron_trigger t ON t.cron_id = w.cron_id
                 GROUP BY w.cron_id, w.at
            ), added AS (
                INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date,
                                             write_uid, write_date)
                SELECT cron_id, greatest(at, %(now)s), %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM planned
                 WHERE NOT (at > %(safe)s AND coming IS NOT NULL AND coming <= at)
                RETURNING cron_id, call_at
            )
            SELECT coalesce(bool_or(a.call_at <= %(now)s AND NOT p.due), false)
              FROM added a JOIN planned p ON p.cron_id = a.cron_id
            """,
            {
                "crons": crons,
                "ats": [wanted[cron_id] for cron_id in crons],
                "now": now,
                "safe": now + COMMIT_MARGIN,
                "uid": self.env.uid,
            },
        )
        if self.env.cr.fetchone()[0]:
            # What ir.cron._trigger does for a trigger due now.
            self.env.cr.postcommit.add(self.sudo()._notifydb)
        self.env["ir.cron.trigger"].invalidate_model()

    @classmethod
    def _process_job(cls, db, cron_cr, job):
        """Run the job, then tell the cron workers if it has due triggers
        left: added while it ran, by transactions whose work it may not have
        seen (:meth:`_rdv_wake_now` does not tell them when a due trigger is
        there). Without it they would wait for the workers' next poll."""
        super()._process_job(db, cron_cr, job)
        cron_cr.execute(
            """
            SELECT EXISTS(SELECT 1 FROM ir_cron_trigger
                           WHERE cron_id = %s AND call_at <= (now() at time zone 'UTC'))
            """,
            (job["id"],),
        )
        left = cron_cr.fetchone()[0]
        # A new snapshot for the next job's acquisition.
        cron_cr.commit()
        if left:
            api.Environment(cron_cr, SUPERUSER_ID, {})["ir.cron"]._notifydb()
