from odoo import api, fields, models
from odoo.tools import SQL


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

    def _rdv_companies_query(self):
        """SQL: the ids of the companies whose appointments this website books.

        Its communes (``rdv_company_ids``) that are active, else its own
        company: an archived commune books nothing, and a website whose
        communes are all archived books its own company's. The one rule of
        :meth:`_rdv_companies` and :meth:`_rdv_offer`.
        """
        self.ensure_one()
        self.flush_model(["rdv_company_ids"])
        self.env["res.company"].flush_model(["active"])
        return SQL(
            """
            WITH chosen AS (
                SELECT rel.company_id AS id
                  FROM rdv_website_company_rel rel
                  JOIN res_company co ON co.id = rel.company_id AND co.active
                 WHERE rel.website_id = %(website)s
            )
            SELECT id FROM chosen
             UNION ALL
            SELECT %(own)s WHERE NOT EXISTS (SELECT 1 FROM chosen)
            """,
            website=self.id,
            own=self._get_cached("company_id"),
        )

    def _rdv_companies(self):
        """The companies whose appointments this website books."""
        self.env.cr.execute(self._rdv_companies_query())
        return self.env["res.company"].browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _rdv_website_of(self, company):
        """The website that books ``company``'s appointments, or none: the one
        with a domain of its own first (the commune's own website before a
        shared one), then by sequence."""
        websites = (
            self.sudo().search([]).filtered(lambda website: company in website._rdv_companies())
        )
        return websites.sorted(lambda website: (not website.domain, website.company_id != company))[
            :1
        ]

    @api.model
    def _rdv_base_url(self, company):
        """The address every link to ``company``'s booking pages starts with,
        for citizens and for other systems (the ANTS hub): the domain of the
        website that books it when it has one, else ``web.base.url``. On a
        shared instance each commune's links then name its own site."""
        domain = self._rdv_website_of(company).domain
        if not domain:
            return self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        if "://" not in domain:
            domain = "https://" + domain
        return domain.rstrip("/")

    def _rdv_offer(self):
        """What this website offers: {type id: (procedure code, place ids)}.

        The published types of the website's communes (:meth:`_rdv_companies`),
        each with the places of its active counters shown online; a type
        without such a counter is not offered. One query: every page of the
        booking flow starts with it.
        """
        self.ensure_one()
        return self._rdv_offer_of(self._rdv_companies_query())

    @api.model
    def _rdv_offer_of(self, companies_query):
        """What is booked online for the companies whose ids ``companies_query``
        (SQL) selects: {type id: (procedure code, place ids)}. The one rule
        of what is online, read by the websites and the public API."""
        self.env["rdv.appointment.type"].flush_model(
            ["active", "is_published", "company_id", "procedure_code"]
        )
        self.env["rdv.counter"].flush_model(["active", "website_visible", "place_id", "type_ids"])
        self.env.cr.execute(
            SQL(
                """
                SELECT t.id, t.procedure_code, array_agg(DISTINCT c.place_id)
                  FROM rdv_appointment_type t
                  JOIN rdv_counter_type_rel r ON r.type_id = t.id
                  JOIN rdv_counter c ON c.id = r.counter_id AND c.active AND c.website_visible
                 WHERE t.active AND t.is_published AND t.company_id IN (%s)
                 GROUP BY t.id
                 ORDER BY t.id
                """,
                companies_query,
            )
        )
        return {type_id: (code, places) for type_id, code, places in self.env.cr.fetchall()}
