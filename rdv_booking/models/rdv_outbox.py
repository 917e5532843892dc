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

    A process can die between the other system's acceptance and the commit
    that records it (a node killed, its connection cut). Run by a cron, the
    rows of a batch are therefore marked as under way (``attempt_started_at``)
    and committed before the first is handed on, each mark cleared with its
    row's outcome: a row found so marked on a later run was interrupted, and
    its model's ``_outbox_recover()`` asks the other system whether the
    interrupted attempt reached it before anything is handed again (exactly
    once where the other system can say; at least once, with the same
    reference, where it cannot).

    A model using it implements ``_deliver()``, names its cron in
    ``_outbox_cron`` and may override ``_outbox_recover()``,
    ``_outbox_given_up()`` and ``_outbox_retry_delays()``.
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
    # Set (and committed) when an attempt starts, cleared with its outcome: a
    # row found with it on a later run was interrupted (see _outbox_recover).
    attempt_started_at = fields.Datetime(
        "Attempt under way since",
        readonly=True,
        help="Set while an attempt runs. Found on a later run: the attempt was "
        "interrupted (its process stopped) and may have reached the other system.",
    )

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
        """Deliver what is due, oldest first (of these rows if called on some);
        reschedule what fails.

        Each row is delivered in a savepoint: one failure neither blocks the
        others nor undoes them. Run by a cron, each delivery is committed at once.
        """
        now = fields.Datetime.now()
        domain = [("state", "=", "pending"), ("next_attempt_at", "<=", now)]
        if self:
            domain.append(("id", "in", self.ids))
        due = self.sudo().search(domain, order="next_attempt_at, id", limit=limit)
        commit = self.env.context.get("cron_id") and not getattr(
            threading.current_thread(), "testing", False
        )
        # Rows an earlier run left under way: it was interrupted.
        in_doubt = due.filtered("attempt_started_at")
        if commit and due - in_doubt:
            # Under way, committed before the other system hears of any of
            # them: a process dying from here on leaves the mark on each row
            # it had not settled (one commit for the batch; each row's own
            # outcome clears its mark).
            (due - in_doubt).attempt_started_at = now
            self.env.cr.commit()  # pylint: disable=invalid-commit
        for row in due:
            row = row._outbox_context_row()
            if row in in_doubt and row._outbox_recovered():
                if commit:
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                continue
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
            if row.attempt_started_at:
                row.attempt_started_at = False
            if commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        due._outbox_wake_for_retries(now)
        return len(due)

    def _outbox_context_row(self):
        """This row in the context its delivery runs in: what it records (its
        errors) reads in that context's language."""
        return self

    def _outbox_recovered(self):
        """This row's last attempt was interrupted: settle it from what the
        other system says (:meth:`_outbox_recover`). True when settled (done,
        or to be asked again later), False when it is to be delivered now."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                outcome = self._outbox_recover()
        except Exception as error:  # the question failed: ask again later
            outcome = str(error) or type(error).__name__
        if outcome is None:
            _logger.warning(
                "%s %s: its last attempt was interrupted; delivering it again",
                self._name,
                self.id,
            )
            return False
        if outcome is True:
            _logger.info(
                "%s %s: its interrupted attempt was delivered; not sent again",
                self._name,
                self.id,
            )
            values = {"attempt_started_at": False, "last_error": False}
            if self.state == "pending":
                values.update(state="done", attempts=self.attempts + 1)
            self.write(values)
        else:
            # Still in doubt: the mark stays, the question is asked again later.
            self._retry_later(outcome)
        return True

    def _outbox_recover(self):
        """The last attempt of this row was interrupted after it was marked
        as under way: did it reach the other system?

        :return: None when this cannot be known, or when it did not: the row
            is delivered again (at least once: the other system should drop
            what it already has, by the reference it carries); True when it
            did: what the interrupted attempt would have recorded is recorded
            here, and the row is done; else a reason: the answer cannot be had
            now, ask again after the next back-off delay.
        """
        return None

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
