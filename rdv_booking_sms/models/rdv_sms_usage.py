from odoo import fields, models

from .sms_sms import SMS_KINDS


class RdvSmsUsage(models.Model):
    """One SMS a gateway accepted: what it cost, for the statistics and the monthly cap.

    Kept apart from ``sms.sms`` (whose sent records Odoo deletes, and whose
    text may hold a code): no number and no text here.
    """

    _name = "rdv.sms.usage"
    _description = "SMS sent"
    _order = "sent_at desc, id desc"
    _rec_name = "sent_at"

    company_id = fields.Many2one("res.company", "Commune", required=True, readonly=True)
    sent_at = fields.Datetime("Sent on", required=True, readonly=True, default=fields.Datetime.now)
    appointment_id = fields.Many2one(
        "rdv.appointment", "Appointment", readonly=True, ondelete="set null", index="btree_not_null"
    )
    kind = fields.Selection(SMS_KINDS, "Message", readonly=True)
    gateway_id = fields.Many2one("rdv.sms.gateway", "Gateway", readonly=True, ondelete="set null")
    encoding = fields.Selection([("gsm7", "GSM-7"), ("ucs2", "UCS-2")], readonly=True)
    segments = fields.Integer(readonly=True, aggregator="sum")
    sms_count = fields.Integer("SMS", default=1, readonly=True, aggregator="sum")
    cost = fields.Monetary("Estimated cost", readonly=True, aggregator="sum")
    currency_id = fields.Many2one(related="company_id.currency_id")

    def init(self):
        # The monthly cap sums one company's month: an index-only scan.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS rdv_sms_usage_company_month "
            "ON rdv_sms_usage (company_id, sent_at) INCLUDE (segments, cost)"
        )
