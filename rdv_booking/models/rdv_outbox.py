import datetime
import logging
import threading

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Minutes to wait before each new attempt; after the last one the row is
# given up (state "failed") and shown to agents.
RETRY_DELAYS = (1, 5, 15, 60, 240)


class RdvOutboxMixin(models.AbstractModel):
    """Work to do after a commit, on another system, retried with back-off.

    A row is written in the transaction that decides the work (a booking
    confirmed, a cancellation...), so the work exists exactly when that
    transaction commits; a cron delivers due rows one by one, each in its own
    savepoint and, run by the cron, committed at once: a message handed to
    another system is never handed again because a later one crashed the
    batch. The citizens' messages (rdv.notification), the declarations to the
    ANTS hub and the webhook deliveries are outboxes.

    A model using it implements ``_deliver()``, names its cron in
    ``_outbox_cron`` and may override ``_outbox_given_up()`` and
    ``_outbox_retry_delays()``.
    """

    _name = "rdv.outbox.mixin"
    _description = "Outbox (work retried after commit)"

    # The xmlid of the cron delivering the rows: woken for each planned retry.
    _outbox_cron = None

    # The queue's own work: to do (pending), done, or given up (failed).
    state = fields.Selection(
        [("pending", "To process"), ("done", "Processed"), ("failed", "Given up")],
        default="pending",
        required=True,
    )
    attempts = fields.Integer(default=0)
    next_attempt_at = fields.Datetime(default=fields.Datetime.now)
    last_error = fields.Text()

    def init(self):
        super().init()
        if self._abstract:
            return
        # What is left to deliver (by due time) and what failed: a few rows
        # among every row ever delivered.
        self.env.cr.execute(f"""
            CREATE INDEX IF NOT EXISTS {self._table}_open_idx
                ON {self._table} (state, next_attempt_at) WHERE state IN ('pending', 'failed')
        """)

    def _outbox_retry_delays(self):
        """Minutes to wait before each new attempt."""
        return RETRY_DELAYS

    @api.model
    def _process(self, limit=200):
        """Deliver what is due, oldest first; reschedule what fails.

        Each row is delivered in a savepoint: one failure neither blocks the
        others nor undoes them. Run by a cron, each delivery is committed at once.
        """
        now = fields.Datetime.now()
        due = self.sudo().search(
            [("state", "=", "pending"), ("next_attempt_at", "<=", now)],
            order="next_attempt_at, id",
            limit=limit,
        )
        commit = self.env.context.get("cron_id") and not getattr(
            threading.current_thread(), "testing", False
        )
        for row in due:
            try:
                with self.env.cr.savepoint():
                    outcome = row._deliver()
            except Exception as error:  # any failure is retried later
                _logger.warning(
                    "%s %s failed, attempt %s: %s",
                    self._name,
                    row.id,
                    row.attempts + 1,
                    type(error).__name__,
                )
                row._retry_later(str(error) or type(error).__name__)
            else:
                if outcome is False:
                    pass  # postponed by the delivery itself, which set its next attempt
                elif outcome is not True:
                    row._retry_later(outcome)
                elif row.state == "pending":
                    # Done: the error of an earlier attempt no longer tells the truth.
                    row.write({"state": "done", "attempts": row.attempts + 1, "last_error": False})
            if commit:
                self.env.cr.commit()
        due._outbox_wake_for_retries(now)
        return len(due)

    def _outbox_wake_for_retries(self, now):
        """Have the cron run when the first of these rows' retries is due: a
        retry planned a minute later ran at the cron's next planned run
        otherwise (every 5 minutes), whatever its back-off said."""
        later = self.filtered(lambda row: row.state == "pending" and row.next_attempt_at > now)
        if later and self._outbox_cron:
            self.env["ir.cron"]._rdv_wake(self._outbox_cron, min(later.mapped("next_attempt_at")))

    def _deliver(self):
        """Do this row's work.

        :return: True when done (or when nothing is left to do); False when
            postponed (the delivery set ``next_attempt_at`` itself, no attempt
            counted); else the reason of a failure to retry later, what was
            recorded being kept. Raise to retry later with everything done
            here undone.
        """
        raise NotImplementedError

    def _retry_later(self, reason):
        """Count a failed attempt: try again after the next back-off delay, or give up."""
        self.ensure_one()
        delays = self._outbox_retry_delays()
        attempt = self.attempts + 1
        values = {"attempts": attempt, "last_error": str(reason or "")[:2000]}
        if attempt > len(delays):
            values["state"] = "failed"
        else:
            values["next_attempt_at"] = fields.Datetime.now() + datetime.timedelta(
                minutes=delays[attempt - 1]
            )
        self.write(values)
        if self.state == "failed":
            self._outbox_given_up()

    def _outbox_given_up(self):
        """Called once a row is given up after its last attempt."""

    @api.model
    def _cron_process(self):
        """Cron: deliver the due rows (triggered when one is queued).

        Reports its progress, so that Odoo runs it again at once while a
        backlog remains (after an outage, or when thousands fall due).
        """
        done = self._process()
        remaining = self.sudo().search_count(
            [("state", "=", "pending"), ("next_attempt_at", "<=", fields.Datetime.now())]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.autovacuum
    def _gc_delivered(self):
        """Forget delivered rows after 90 days."""
        if self._abstract:
            return
        self.sudo().search(
            [
                ("state", "=", "done"),
                ("write_date", "<", fields.Datetime.now() - datetime.timedelta(days=90)),
            ]
        ).unlink()
