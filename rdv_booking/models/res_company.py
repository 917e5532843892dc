import holidays

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.ants import DEFAULT_URL as ANTS_DEFAULT_URL
from ..tools.ants import AntsClient
from ..tools.webhook import url_problem


class ResCompany(models.Model):
    _inherit = "res.company"

    rdv_horizon_days = fields.Integer(
        string="Slot horizon (days)",
        default=90,
        help="Slots are materialised this many days ahead, every night and after "
        "every change of a counter, reference week, exception range or closure.",
    )
    rdv_hold_minutes = fields.Integer(
        string="Hold duration (minutes)",
        default=15,
        help="How long slots chosen by a citizen stay held for them while they "
        "confirm their identity. Expired holds are released automatically.",
    )
    rdv_holiday_country_id = fields.Many2one(
        "res.country",
        string="Public holidays of",
        help="Country whose public holidays close every counter of the company. "
        "Leave empty to manage closures by hand.",
    )
    rdv_holiday_subdivision = fields.Char(
        string="Holiday subdivision",
        help="Region whose own holidays apply too, as the 'holidays' library names "
        "it: 57 for Moselle (Alsace-Moselle: also 67 and 68), 971 for Guadeloupe...",
    )

    rdv_retention_months = fields.Integer(
        string="Keep citizens' data (months)",
        default=12,
        help="The citizens' personal data of an appointment are erased this many months "
        "after it; what the statistics count is kept.",
    )

    # --- the national duplicate check of ID-card and passport numbers (ANTS)
    rdv_ants_url = fields.Char(
        "ANTS coordination API",
        default=ANTS_DEFAULT_URL,
        help="Base URL of the ANTS coordination API that checks and records the "
        "pre-application numbers of the ID-card and passport appointments.",
    )
    rdv_ants_token = fields.Char(
        "ANTS token",
        groups="base.group_system",
        copy=False,
        help="The token ANTS gave the commune for its coordination API (sent in the "
        "x-rdv-opt-auth-token header). Empty: the numbers are asked, not checked.",
    )
    rdv_ants_when_down = fields.Selection(
        [
            ("closed", "Refuse the booking (try again later)"),
            ("open", "Accept it and note that the check was skipped"),
        ],
        "When the ANTS check is unavailable",
        default="closed",
        required=True,
    )
    rdv_ants_timeout = fields.Float(
        "ANTS check timeout (seconds)",
        default=3.0,
        help="How long a booking waits for the national check before the hub counts "
        "as unavailable.",
    )

    @api.constrains("rdv_ants_url")
    def _check_rdv_ants_url(self):
        # The token travels with every call: the rule of every address we call.
        for company in self:
            if company.rdv_ants_url and url_problem(company.rdv_ants_url):
                raise ValidationError(
                    _(
                        "The ANTS coordination API is an https:// address (http:// only on this "
                        "server itself): “%s” is not one.",
                        company.rdv_ants_url[:200],
                    )
                )

    @api.constrains("rdv_ants_timeout")
    def _check_rdv_ants_timeout(self):
        for company in self:
            if not 0.5 <= company.rdv_ants_timeout <= 15:
                raise ValidationError(
                    _("The ANTS check timeout must be between 0.5 and 15 seconds.")
                )

    def _rdv_ants_client(self):
        """The coordination API client of this commune, or None when it has no token."""
        self.ensure_one()
        company = self.sudo()
        if not company.rdv_ants_token:
            return None
        return AntsClient(company.rdv_ants_url, company.rdv_ants_token, company.rdv_ants_timeout)

    @api.constrains("rdv_horizon_days", "rdv_hold_minutes", "rdv_retention_months")
    def _check_rdv_durations(self):
        for company in self:
            if not 1 <= company.rdv_retention_months <= 120:
                raise ValidationError(
                    _(
                        "Citizens' data are kept between 1 and 120 months (company %s).",
                        company.name,
                    )
                )
            if not 1 <= company.rdv_horizon_days <= 730:
                raise ValidationError(
                    _("The slot horizon must be between 1 and 730 days (company %s).", company.name)
                )
            if not 1 <= company.rdv_hold_minutes <= 120:
                raise ValidationError(
                    _(
                        "The hold duration must be between 1 and 120 minutes (company %s).",
                        company.name,
                    )
                )

    @api.constrains("rdv_holiday_country_id", "rdv_holiday_subdivision")
    def _check_rdv_holiday_subdivision(self):
        supported = holidays.list_supported_countries()
        for company in self:
            code = company.rdv_holiday_country_id.code
            if not code:
                if company.rdv_holiday_subdivision:
                    raise ValidationError(
                        _("Choose the country of public holidays before its subdivision.")
                    )
                continue
            if code not in supported:
                raise ValidationError(
                    _(
                        "No public holiday calendar is known for %s.",
                        company.rdv_holiday_country_id.name,
                    )
                )
            subdiv = company.rdv_holiday_subdivision
            if subdiv and subdiv not in supported[code]:
                raise ValidationError(
                    _(
                        "Unknown holiday subdivision %(subdiv)s for %(country)s. Known: %(known)s.",
                        subdiv=subdiv,
                        country=company.rdv_holiday_country_id.name,
                        known=", ".join(supported[code]),
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        if "rdv_horizon_days" in vals:
            # A longer horizon opens new days now, a shorter one closes them.
            counters = self.env["rdv.counter"].sudo().search([("company_id", "in", self.ids)])
            counters._generate_slots()
        return res
