from odoo import fields, models


class Website(models.Model):
    _inherit = "website"

    rdv_company_ids = fields.Many2many(
        "res.company",
        "rdv_website_company_rel",
        "website_id",
        "company_id",
        string="Communes booked on this website",
        help="Communes whose appointment types this website offers. Empty: the website's "
        "own company. A shared (département) website lists several communes: types with "
        "the same procedure code are then offered as one, with the places of all.",
    )

    def _rdv_companies(self):
        """The companies whose appointments this website books."""
        self.ensure_one()
        return self.rdv_company_ids or self.company_id
