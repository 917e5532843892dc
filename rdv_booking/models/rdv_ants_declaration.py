from odoo import _, api, fields, models

from ..tools.ants import NOT_ACCEPTED as ANTS_NOT_ACCEPTED
from ..tools.ants import AntsUnavailable

# A declaration and its withdrawal wait this long for an answer: they run in
# a cron, not while someone waits.
DELIVERY_TIMEOUT = 20


class RdvAntsDeclaration(models.Model):
    """One call to the ANTS hub about one pre-application number: declare an
    appointment (``POST /appointments``) or withdraw it (``DELETE``).

    Queued in the transaction that books, cancels or moves the appointment
    (so the call exists exactly when that change commits) and made by a cron
    afterwards, retried with back-off (``rdv.outbox.mixin``). Each
    declaration of a number on an appointment has a generation; its
    withdrawal carries the same one, and the pair (number, generation,
    action) is unique: each is sent once, whatever the retries and crons.
    """

    _name = "rdv.ants.declaration"
    _inherit = ["rdv.outbox.mixin"]
    _outbox_cron = "rdv_booking.ir_cron_rdv_ants_declarations"
    _description = "Declaration to ANTS"
    _order = "id desc"

    # A declaration that never reached the hub and whose appointment was
    # cancelled or moved meanwhile is not sent: its withdrawal is, in case an
    # attempt did reach the hub. Shown as such, not as "processed".
    state = fields.Selection(
        selection_add=[("superseded", "Withdrawn before sent")],
        ondelete={"superseded": "cascade"},
    )
    appointment_id = fields.Many2one(
        "rdv.appointment", required=True, index=True, ondelete="cascade", readonly=True
    )
    application_id = fields.Many2one(
        "rdv.appointment.application",
        "Pre-application number",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        related="appointment_id.company_id", store=True, index=True, readonly=True
    )
    number = fields.Char("Number", required=True, readonly=True)
    generation = fields.Integer(required=True, default=1, readonly=True)
    action = fields.Selection(
        [("declare", "Declare"), ("withdraw", "Withdraw")], required=True, readonly=True
    )
    meeting_point_id = fields.Char("Place id", readonly=True)
    meeting_point = fields.Char("Place", readonly=True)
    appointment_date = fields.Char("Date sent", readonly=True)
    management_url = fields.Char("Management link", readonly=True)

    _sql_constraints = [
        (
            "once",
            "UNIQUE(appointment_id, number, generation, action)",
            "Each declaration to ANTS, and its withdrawal, is made once.",
        ),
    ]

    # ------------------------------------------------------------------
    # Queued with the change of the appointment
    # ------------------------------------------------------------------

    @api.model
    def _queue_declare(self, appointments, applications=None):
        """Declare each number of ``appointments`` (of communes connected to
        the hub), at the appointment's current place and time; only
        ``applications`` among them when given (numbers added later)."""
        values = []
        for appointment in appointments.sudo():
            numbers = appointment.application_ids
            if applications is not None:
                numbers &= applications
            if not numbers or not appointment.company_id._rdv_ants_client():
                continue
            params = appointment._ants_params()
            for application in numbers:
                generation = max(application.declaration_ids.mapped("generation"), default=0) + 1
                values.append(
                    {
                        "appointment_id": appointment.id,
                        "application_id": application.id,
                        "number": application.number,
                        "generation": generation,
                        "action": "declare",
                        **params,
                    }
                )
        return self._queue(values)

    @api.model
    def _queue_withdraw(self, appointments):
        """Withdraw the last declaration of each number of ``appointments``,
        with the place and time it was declared with.

        A declaration never tried is simply dropped: the hub never saw it.
        """
        values = []
        for application in appointments.sudo().application_ids:
            rows = application.declaration_ids
            declared = rows.filtered(lambda row: row.action == "declare").sorted("generation")[-1:]
            if not declared or rows.filtered(
                lambda row, g=declared.generation: row.action == "withdraw" and row.generation == g
            ):
                continue
            if declared.state == "pending" and not declared.attempts:
                declared.unlink()
                continue
            if declared.state in ("pending", "failed"):
                declared._supersede()
            values.append(
                {
                    **declared.copy_data()[0],
                    "action": "withdraw",
                    "state": "pending",
                    "attempts": 0,
                    "last_error": False,
                    "next_attempt_at": fields.Datetime.now(),
                }
            )
        return self._queue(values)

    @api.model
    def _queue(self, values):
        if not values:
            return self.browse()
        rows = self.sudo().create(values)
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_ants_declarations")
        return rows

    # ------------------------------------------------------------------
    # Delivered by the cron (rdv.outbox.mixin)
    # ------------------------------------------------------------------

    def _deliver(self):
        """Make the call. The hub's answers that mean "already so" count as
        done: a declaration it already holds (409), a withdrawal of one it
        does not (404)."""
        self.ensure_one()
        if self.action == "declare" and self.search_count(
            [
                ("appointment_id", "=", self.appointment_id.id),
                ("number", "=", self.number),
                ("generation", "=", self.generation),
                ("action", "=", "withdraw"),
            ]
        ):
            # Withdrawn before it was made: nothing to declare.
            self._supersede()
            return True
        client = self.company_id._rdv_ants_client()
        if client is None:
            return _("No ANTS token is set for %s.", self.company_id.name)
        client.timeout = DELIVERY_TIMEOUT
        params = {
            "application_id": self.number,
            "meeting_point_id": self.meeting_point_id,
            "meeting_point": self.meeting_point,
            "appointment_date": self.appointment_date,
            "management_url": self.management_url,
        }
        try:
            if self.action == "declare":
                status, already = client.declare(params), 409
            else:
                status, already = client.withdraw(params), 404
        except AntsUnavailable as error:
            return _("ANTS did not answer (%s).", error)
        if 200 <= status < 300 or status == already:
            return True
        if status == ANTS_NOT_ACCEPTED:
            return _("ANTS answered without accepting it (success: false).")
        if status in (401, 403):
            return _("ANTS refused the commune's token (HTTP %s).", status)
        return _("ANTS answered HTTP %s.", status)

    def _supersede(self):
        """Give up these declarations in favour of their withdrawal: the
        appointment changed before the hub accepted them."""
        self.write(
            {
                "state": "superseded",
                "last_error": _(
                    "Not sent: the appointment was cancelled or moved before ANTS accepted "
                    "this declaration. Its withdrawal is sent instead, in case an earlier "
                    "attempt reached ANTS."
                ),
            }
        )

    def action_retry(self):
        """Try the given-up calls again now (the hub is back, the token was fixed)."""
        rows = self.filtered(lambda row: row.state == "failed")
        rows.write({"state": "pending", "attempts": 0, "next_attempt_at": fields.Datetime.now()})
        if rows:
            self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_ants_declarations")
        return True
