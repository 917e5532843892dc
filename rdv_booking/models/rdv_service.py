from odoo import fields, models


class RdvService(models.Model):
    """A municipal department (civil status, ID documents...) and its agents.

    Agents see and act on the appointment types of their services only; a type
    with no service is open to every agent of the company.
    """

    _name = "rdv.service"
    _description = "Appointment service"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_ids = fields.Many2many(
        "res.users",
        "rdv_service_user_rel",
        "service_id",
        "user_id",
        string="Agents",
        domain=[("share", "=", False)],
        help="Agents of this service: they manage the appointments of its types.",
    )
    type_ids = fields.One2many("rdv.appointment.type", "service_id", string="Appointment types")
    color = fields.Integer()
    note = fields.Text(string="Description")
