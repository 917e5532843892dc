from odoo import fields, models, tools


class RdvSlotReport(models.Model):
    """Fill rate of the counters: one row per slot offered (suspended ones are not)."""

    _name = "rdv.slot.report"
    _description = "Slot fill rate"
    _auto = False
    _order = "start desc"

    counter_id = fields.Many2one("rdv.counter", readonly=True)
    place_id = fields.Many2one("rdv.place", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    type_id = fields.Many2one("rdv.appointment.type", "Booked for", readonly=True)
    start = fields.Datetime(readonly=True)
    state = fields.Selection(
        [
            ("free", "Free"),
            ("held", "Held"),
            ("booked", "Booked"),
            ("reserved", "Reserved for the administration"),
        ],
        readonly=True,
    )
    slot_count = fields.Integer("Slots", readonly=True, aggregator="sum")
    booked_count = fields.Integer("Booked slots", readonly=True, aggregator="sum")
    fill_rate = fields.Float("Fill rate (%)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT s.id, s.counter_id, c.place_id, c.company_id, a.type_id, s.start,
                       s.state, 1 AS slot_count,
                       CASE WHEN s.state = 'booked' THEN 1 ELSE 0 END AS booked_count,
                       CASE WHEN s.state = 'booked' THEN 100.0 ELSE 0.0 END AS fill_rate
                  FROM rdv_slot s
                  JOIN rdv_counter c ON c.id = s.counter_id
                  LEFT JOIN rdv_appointment a ON a.id = s.appointment_id
                 WHERE s.state != 'suspended'
            )
        """)
