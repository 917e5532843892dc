import datetime
import json
import logging
import time
import uuid

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import clock, webhook
from .rdv_webhook_subscription import EVENTS

_logger = logging.getLogger(__name__)

# Statuses worth trying again: the receiver is busy or down, not refusing.
RETRY_STATUSES = {408, 429}
RESPONSE_EXCERPT = 500
USER_AGENT = "RDV-Webhooks/1.0"


def _utc_iso(value):
    """A naive UTC datetime as ISO 8601 with its zone: 2026-03-02T07:00:00Z."""
    return value.replace(microsecond=0).isoformat() + "Z"


class RdvWebhookDelivery(models.Model):
    """One event of an appointment to send to one subscription: the exact body
    (built when the change is made, in its transaction), then each attempt's
    answer. Sent after commit by the outbox's cron, retried with back-off,
    at most once per event and subscription (unique constraint): the event
    id, the same at every attempt, is the receiver's idempotency key.
    """

    _name = "rdv.webhook.delivery"
    _inherit = ["rdv.outbox.mixin"]
    _outbox_cron = "rdv_booking.ir_cron_rdv_webhooks"
    _description = "Webhook delivery"
    _order = "id desc"

    subscription_id = fields.Many2one(
        "rdv.webhook.subscription",
        "Subscription",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    client_id = fields.Many2one(related="subscription_id.client_id", string="Client system")
    company_id = fields.Many2one(
        related="subscription_id.company_id", store=True, index=True, precompute=True
    )
    appointment_id = fields.Many2one(
        "rdv.appointment", "Appointment", index="btree_not_null", ondelete="set null", readonly=True
    )
    event = fields.Selection(EVENTS, required=True, readonly=True)
    event_id = fields.Char(
        "Event id",
        required=True,
        readonly=True,
        help="Unique per event, the same at every attempt: the receiver's idempotency key "
        "(header X-RDV-Delivery).",
    )
    payload = fields.Text(readonly=True, help="The exact body sent (JSON, UTF-8).")
    http_status = fields.Integer("HTTP status", readonly=True)
    response_excerpt = fields.Text("Answer", readonly=True)
    duration_ms = fields.Integer("Duration (ms)", readonly=True)
    last_attempt_at = fields.Datetime("Last attempt", readonly=True)
    delivered_at = fields.Datetime("Delivered on", readonly=True)

    _sql_constraints = [
        (
            "event_once_per_subscription",
            "UNIQUE(subscription_id, event_id)",
            "An event is delivered once per subscription.",
        ),
    ]

    @api.depends("event", "event_id")
    def _compute_display_name(self):
        labels = dict(self._fields["event"]._description_selection(self.env))
        for delivery in self:
            delivery.display_name = "%s %s" % (
                labels.get(delivery.event, ""),
                (delivery.event_id or "")[:8],
            )

    # ------------------------------------------------------------------
    # Queuing: in the transaction of the change
    # ------------------------------------------------------------------

    @api.model
    def _queue_event(self, appointments, event):
        """Queue ``event`` of each appointment for every subscription that
        hears of it (:meth:`rdv.webhook.subscription._listening`), and
        wake the sender once this transaction commits."""
        # Whoever made the change (a citizen on the website, an agent, a
        # client system): the rule reads every subscription of the commune.
        appointments = appointments.sudo().filtered("id")
        if not appointments:
            return self.browse()
        listening = self.env["rdv.webhook.subscription"]._listening(appointments, event)
        vals_list = []
        for appointment, subscriptions in listening.items():
            event_id = str(uuid.uuid4())
            body = self._payload(appointment, event, event_id)
            vals_list += [
                {
                    "subscription_id": subscription.id,
                    "appointment_id": appointment.id,
                    "event": event,
                    "event_id": event_id,
                    "payload": body,
                }
                for subscription in subscriptions
            ]
        if not vals_list:
            return self.browse()
        deliveries = self.sudo().create(vals_list)
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_webhooks")
        return deliveries

    @api.model
    def _payload(self, appointment, event, event_id):
        """The body of ``event`` for ``appointment``, as sent (JSON text).

        What a client system needs to follow its appointments, and no more
        personal data: no name, phone, e-mail, ID number, birth date nor
        address (the client reads them through the API with its key if it
        may); the file number, which the client gave, links the appointment
        to its case. Names in the commune's language.
        """
        appointment = appointment.sudo()
        appointment = appointment.with_context(lang=appointment._office_lang())
        place = appointment.place_id
        tz = place.tz or "UTC"

        def local(value):
            return clock.to_local(value, tz, aware=True).replace(microsecond=0).isoformat()

        data = {
            "reference": appointment.name,
            "state": "absent" if appointment.state == "no_show" else appointment.state,
            "channel": appointment.channel,
            "type": {
                "id": appointment.type_id.id,
                "name": appointment.type_id.name,
                "procedure_code": appointment.type_id.procedure_code or None,
            },
            "place": {"id": place.id, "name": place.name, "timezone": tz},
            "counter": {"id": appointment.counter_id.id, "name": appointment.counter_id.name},
            "start": _utc_iso(appointment.start),
            "stop": _utc_iso(appointment.stop),
            "start_local": local(appointment.start),
            "stop_local": local(appointment.stop),
            "persons": appointment.persons,
            "file_number": appointment.file_number or None,
        }
        if event == "cancelled":
            who, client_name = appointment._cancelled_by_public()
            data["cancelled_by"] = who or "agency"
            if who == "client":
                data["cancelled_by_client"] = client_name
        if event == "to_reschedule":
            data["reschedule_cause"] = appointment.reschedule_cause or None
        payload = {
            "id": event_id,
            "event": event,
            "timestamp": _utc_iso(fields.Datetime.now()),
            "company": {"id": appointment.company_id.id, "name": appointment.company_id.name},
            "appointment": data,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))

    # ------------------------------------------------------------------
    # Sending: after commit, by the outbox's cron
    # ------------------------------------------------------------------

    def _deliver(self):
        """POST the body to the subscription's URL, signed.

        2xx: done. Network error, timeout, 408, 429 or 5xx: tried again after
        the back-off delay. Any other answer (a 3xx, which is not followed, a
        4xx: the receiver refuses this call as it is) is given up at once and
        shown as failed, for a manager to fix the receiver and retry.
        """
        self.ensure_one()
        subscription = self.subscription_id
        if not (subscription.active and subscription.client_id.active):
            self._drop("inactive")
            return False
        now = fields.Datetime.now()
        if self.next_attempt_at and self.next_attempt_at > now:
            return False  # put back meanwhile: its receiver is down (_retry_later)
        body = (self.payload or "").encode("utf-8")
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            webhook.EVENT_HEADER: self.event,
            webhook.DELIVERY_HEADER: self.event_id,
            webhook.TIMESTAMP_HEADER: str(timestamp),
            webhook.SIGNATURE_HEADER: webhook.signature(
                subscription.sudo().secret, timestamp, body
            ),
        }
        started = time.monotonic()
        self.write({"last_attempt_at": now})
        where = webhook.resolved_kind(subscription.url)
        if where == "forbidden" or (where == "internal" and not subscription.internal_allowed):
            self._record(started, False, "")
            self.write(
                {
                    "state": "failed",
                    "attempts": self.attempts + 1,
                    "last_error": _(
                        "The receiver's name leads to this server, a private network or a "
                        "link-local address, which only an administrator may choose: nothing "
                        "was sent. Give a public address, or have an administrator save the URL."
                    ),
                }
            )
            return False
        try:
            response = requests.post(
                subscription.url,
                data=body,
                headers=headers,
                timeout=subscription.timeout,
                allow_redirects=False,
                stream=True,  # the answer read up to an excerpt, whatever its size
            )
        except requests.Timeout:
            self._record(started, False, "")
            return _("No answer within %s seconds.", subscription.timeout)
        except requests.RequestException as error:
            self._record(started, False, "")
            return _("The receiver cannot be reached: %s", type(error).__name__)
        status = response.status_code
        try:
            excerpt = response.raw.read(RESPONSE_EXCERPT * 4, decode_content=True)
        except Exception:  # noqa: BLE001 (the status is the answer; its text is a courtesy)
            excerpt = b""
        finally:
            response.close()
        self._record(started, status, excerpt.decode("utf-8", "replace")[:RESPONSE_EXCERPT])
        if 200 <= status < 300:
            self.write({"delivered_at": fields.Datetime.now(), "last_error": False})
            return True
        if status >= 500 or status in RETRY_STATUSES:
            reason = _("The receiver answered HTTP %s.", status)
            wait = webhook.retry_after_seconds(response.headers.get("Retry-After"))
            if not wait:
                return reason
            # The receiver said when to come back: not before, nor earlier
            # than the back-off would.
            self._retry_later(reason)
            if self.state == "pending":
                self.next_attempt_at = max(
                    self.next_attempt_at, now + datetime.timedelta(seconds=wait)
                )
                self._hold_siblings()
            return False
        self.write(
            {
                "state": "failed",
                "attempts": self.attempts + 1,
                "last_error": _(
                    "The receiver refused the call (HTTP %s): not tried again. Fix the "
                    "receiver, then use Retry now.",
                    status,
                ),
            }
        )
        return False

    def _record(self, started, status, excerpt):
        """Note an attempt's answer and how long it took."""
        self.write(
            {
                "http_status": status or False,
                "response_excerpt": excerpt or False,
                "duration_ms": int((time.monotonic() - started) * 1000),
            }
        )

    def _retry_later(self, reason):
        """Count the failed attempt; the other calls due to the same receiver
        wait with it, so that a receiver down costs one timeout per run, not
        one per event."""
        super()._retry_later(reason)
        self._hold_siblings()

    def _hold_siblings(self):
        """Have the calls due before this one to the same receiver wait until it."""
        if self.state == "pending":
            self.search(
                [
                    ("subscription_id", "=", self.subscription_id.id),
                    ("state", "=", "pending"),
                    ("next_attempt_at", "<", self.next_attempt_at),
                    ("id", "!=", self.id),
                ]
            ).write({"next_attempt_at": self.next_attempt_at})

    def _drop(self, why):
        """Give these calls up without sending them (their subscription was
        switched off)."""
        if why == "inactive":
            message = _("Not sent: the subscription or its client system was deactivated.")
        else:
            message = why
        self.write({"state": "failed", "last_error": message})

    @api.autovacuum
    def _gc_given_up(self):
        """Forget the calls given up 90 days ago, as the delivered ones
        (:meth:`rdv.outbox.mixin._gc_delivered`): their bodies carry
        appointment data."""
        self.sudo().search(
            [
                ("state", "=", "failed"),
                ("write_date", "<", fields.Datetime.now() - datetime.timedelta(days=90)),
            ]
        ).unlink()

    # ------------------------------------------------------------------
    # Actions (the delivery log of the back office)
    # ------------------------------------------------------------------

    def action_retry(self):
        """Send these failed or waiting calls again as soon as possible (by
        the cron, after this request: never twice at once), with a fresh
        back-off. A call already delivered is never sent again.

        The log is read-only to everyone (what was sent, and when, is not
        edited): those who may read these calls may ask for this, and only this.
        """
        self.check_access("read")
        if self.filtered(lambda delivery: delivery.state == "done"):
            raise UserError(_("A delivered call is not sent again: the receiver has it."))
        inactive = self.filtered(
            lambda d: not (d.subscription_id.active and d.subscription_id.client_id.active)
        )
        if inactive:
            raise UserError(
                _(
                    "The subscription of %s is deactivated: activate it first.",
                    inactive[0].display_name,
                )
            )
        self.sudo().write(
            {"state": "pending", "attempts": 0, "next_attempt_at": fields.Datetime.now()}
        )
        self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_webhooks")
        return True
