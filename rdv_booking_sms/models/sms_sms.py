from odoo import api, fields, models

from ..tools.segments import segment_count

# Odoo's states of an SMS the gateway accepted ("Sent", then "Delivered").
SENT_STATES = ("pending", "sent")

SMS_KINDS = [
    ("code", "One-time code"),
    ("booked", "Confirmation"),
    ("changed", "New time"),
    ("cancelled", "Cancellation"),
    ("to_reschedule", "To reschedule"),
    ("reminder", "Reminder"),
]


class SmsSms(models.Model):
    _inherit = "sms.sms"

    rdv_company_id = fields.Many2one("res.company", "Commune", readonly=True)
    rdv_appointment_id = fields.Many2one(
        "rdv.appointment", "Appointment", readonly=True, index="btree_not_null"
    )
    rdv_kind = fields.Selection(SMS_KINDS, "Message", readonly=True)
    rdv_gateway_id = fields.Many2one(
        "rdv.sms.gateway", "Gateway", readonly=True, help="Empty: Odoo IAP."
    )
    rdv_encoding = fields.Selection(
        [("gsm7", "GSM-7"), ("ucs2", "UCS-2")],
        "Encoding",
        compute="_compute_rdv_segments",
        store=True,
    )
    rdv_segments = fields.Integer("Segments", compute="_compute_rdv_segments", store=True)
    rdv_failure_reason = fields.Char("Reason of the failure", readonly=True)
    rdv_provider_id = fields.Char("Operator's message ID", readonly=True)
    rdv_maybe_sent = fields.Boolean(
        "Perhaps taken by the gateway",
        readonly=True,
        help="The last sending got no answer after the request went (a timeout, a "
        "connection cut) or an answer that cannot be read: the gateway may have the "
        "message. It is looked up at the gateway's status URL before it goes again.",
    )

    @api.depends("body")
    def _compute_rdv_segments(self):
        for sms in self:
            sms.rdv_encoding, sms.rdv_segments = segment_count(sms.body or "")

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """HTTP gateways send their SMS themselves; the others go through Odoo IAP."""
        by_http = self.filtered(lambda sms: sms.rdv_gateway_id.provider == "http")
        for gateway, records in by_http.grouped("rdv_gateway_id").items():
            if gateway.active:
                gateway._send_sms(records)
            # A gateway switched off sends nothing; its messages stay in the queue.
        others = self - by_http
        result = None
        if others:
            result = super(SmsSms, others)._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        by_http = by_http.filtered(lambda sms: sms.state != "outgoing")
        to_delete = by_http.filtered(
            lambda sms: (
                (sms.state in SENT_STATES and unlink_sent)
                or (sms.state == "error" and unlink_failed)
            )
        )
        if to_delete:
            to_delete.to_delete = True
        self.filtered(lambda sms: sms.rdv_company_id and sms.state in SENT_STATES)._rdv_count()
        return result

    def _rdv_set_result(
        self, state, failure_type=False, reason=False, provider_id=False, maybe_sent=False
    ):
        """Odoo's state of an SMS after its gateway answered, with its tracking."""
        self.write(
            {
                "state": state,
                "failure_type": failure_type,
                "rdv_failure_reason": reason,
                "rdv_provider_id": provider_id,
                "rdv_maybe_sent": maybe_sent,
            }
        )
        self.sms_tracker_id._action_update_from_sms_state(state, failure_type=failure_type)

    def _rdv_count(self):
        """Record the sent SMS in the companies' usage (segments and estimated cost)."""
        self.env["rdv.sms.usage"].sudo().create(
            [
                {
                    "company_id": sms.rdv_company_id.id,
                    "appointment_id": sms.rdv_appointment_id.id,
                    "kind": sms.rdv_kind,
                    "gateway_id": sms.rdv_gateway_id.id,
                    "encoding": sms.rdv_encoding,
                    "segments": sms.rdv_segments,
                    "cost": sms.rdv_segments * sms.rdv_company_id.rdv_sms_segment_price,
                }
                for sms in self
            ]
        )
        for company in self.rdv_company_id:
            company._rdv_sms_check_budget()
