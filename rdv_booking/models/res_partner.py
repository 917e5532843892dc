from odoo import _, api, fields, models
from odoo.osv import expression

from ..tools.phone import PhoneError, format_phone, parse_phone, phone_region


class ResPartner(models.Model):
    _inherit = "res.partner"

    rdv_citizen = fields.Boolean(
        "Created for an appointment",
        readonly=True,
        copy=False,
        help="Created by the appointments: erased with the last of its appointments' "
        "personal data, unless something else uses it.",
    )
    rdv_appointment_ids = fields.One2many("rdv.appointment", "partner_id", string="Appointments")
    rdv_appointment_count = fields.Integer(
        "Number of appointments",
        compute="_compute_rdv_appointment_count",
        groups="rdv_booking.group_rdv_agent",
    )

    def _compute_rdv_appointment_count(self):
        counts = dict(
            self.env["rdv.appointment"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.rdv_appointment_count = counts.get(partner, 0)

    @api.depends_context("rdv_citizen_picker", "company")
    def _compute_display_name(self):
        super()._compute_display_name()
        if not self.env.context.get("rdv_citizen_picker"):
            return
        # Booking for a known citizen: namesakes told apart by what the agent
        # has in front of them (the caller's number, their e-mail, their town).
        region = self.env.company.country_id.code
        for partner in self:
            known = [
                format_phone(partner.phone, region) if partner.phone else "",
                partner.email or "",
                partner.city or "",
            ]
            if any(known):
                partner.display_name = "%s — %s" % (
                    partner.display_name,
                    " · ".join(value for value in known if value),
                )

    @api.model
    def _search_display_name(self, operator, value):
        """In the citizen picker, a phone number typed in any form finds its
        contact (numbers are stored in E.164)."""
        domain = super()._search_display_name(operator, value)
        if (
            self.env.context.get("rdv_citizen_picker")
            and operator in ("ilike", "=ilike", "=")
            and isinstance(value, str)
            and sum(char.isdigit() for char in value) >= 6
        ):
            try:
                number = parse_phone(value, self.env.company.country_id.code)
            except PhoneError:
                return domain
            domain = expression.OR([domain, [("phone", "=", number)]])
        return domain

    def _rdv_citizen_names(self):
        """(last name, first name) to book for this contact: those of their
        latest appointment the agent can read, else the contact's name read as
        RDV writes it ("FOURNIER Emma": the words in capitals are the last
        name), else the whole name as last name."""
        self.ensure_one()
        latest = self.env["rdv.appointment"].search(
            [("partner_id", "=", self.id), ("lastname", "!=", False)], order="id desc", limit=1
        )
        if latest:
            return latest.lastname, latest.firstname or ""
        words = (self.name or "").split()
        capitals = 0
        while capitals < len(words) and words[capitals].isupper():
            capitals += 1
        if 0 < capitals < len(words):
            return " ".join(words[:capitals]), " ".join(words[capitals:])
        return self.name or "", ""

    def _rdv_appointments_action(self, upcoming):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("rdv_booking.rdv_appointment_action")
        action.update(
            {
                "name": _("Upcoming appointments") if upcoming else _("Appointments"),
                "domain": [("partner_id", "=", self.id)],
                "context": {
                    "default_partner_id": self.id,
                    "search_default_group_type": 1,
                    "search_default_upcoming": 1 if upcoming else 0,
                },
                "view_mode": "list,calendar,form",
                "views": [(False, "list"), (False, "calendar"), (False, "form")],
            }
        )
        return action

    def action_rdv_view_all(self):
        """All the citizen's appointments, past and upcoming, grouped by type."""
        return self._rdv_appointments_action(upcoming=False)

    def action_rdv_view_upcoming(self):
        """The citizen's planned appointments to come, grouped by type."""
        return self._rdv_appointments_action(upcoming=True)

    # ------------------------------------------------------------------
    # The citizen's contact, found or created for their appointments
    # ------------------------------------------------------------------

    @api.model
    def _rdv_citizen_name(self, lastname, firstname):
        """French administrative order: 'BOIS Jules'."""
        return " ".join(part for part in ((lastname or "").upper(), firstname or "") if part)

    @api.model
    def _rdv_find_or_create(self, vals):
        """The citizen's contact: same name and same e-mail or phone, else a new one.

        :param vals: the citizen's cleaned values (lastname, firstname, email,
            phone, street, zip, city, country_id)
        """
        name = self._rdv_citizen_name(vals.get("lastname"), vals.get("firstname"))
        Partner = self.sudo().with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True, tracking_disable=True
        )
        contact = []
        if vals.get("email"):
            contact.append([("email_normalized", "=", vals["email"])])
        if vals.get("phone"):
            contact.append([("phone", "=", vals["phone"])])
        if contact:
            partner = Partner.search(
                expression.AND([[("name", "=ilike", name)], expression.OR(contact)]), limit=1
            )
            if partner:
                return partner
        country = vals.get("country_id")
        if not country and vals.get("phone"):
            # The phone's country: also what Odoo's phone sanitizer reads first.
            region = phone_region(vals["phone"])
            found = region and self.env.ref(f"base.{region.lower()}", raise_if_not_found=False)
            country = found.id if found else False
        return Partner.create(
            {
                "rdv_citizen": True,
                "name": name,
                "email": vals.get("email"),
                "phone": vals.get("phone"),
                "street": vals.get("street"),
                "zip": vals.get("zip"),
                "city": vals.get("city"),
                "country_id": country,
                **({"lang": vals["lang"]} if vals.get("lang") else {}),
            }
        )

    @api.model
    def _rdv_link_appointments_later(self, appointments):
        """Have the contacts of these appointments' citizens linked right
        after this transaction.

        Finding or creating a contact costs as much as the booking itself
        (Odoo computes a dozen fields of a new partner): the booking service
        leaves it to a cron triggered here, and unconfirmed website holds
        leave no contact behind.
        """
        if appointments.filtered(lambda appointment: not appointment.partner_id):
            self.env["ir.cron"]._rdv_wake("rdv_booking.ir_cron_rdv_link_partners")

    @api.model
    def _rdv_link_appointments(self, appointments):
        """Link each of ``appointments`` without contact to its citizen's
        contact (same name and same e-mail or phone), created if there is none."""
        for appointment in appointments.filtered(
            lambda appointment: not appointment.partner_id and appointment.lastname
        ):
            citizen = {
                name: appointment[name]
                for name in ("lastname", "firstname", "email", "phone", "street", "zip", "city")
            }
            citizen["country_id"] = appointment.country_id.id
            # A contact made for a booking at the counter or on the phone
            # speaks the commune's language (the website's sets its own).
            citizen["lang"] = appointment._office_lang()
            partner = self._rdv_find_or_create(citizen)
            # The citizen was known since the booking: no tracking message.
            appointment.with_context(tracking_disable=True).partner_id = partner
        return True

    @api.model
    def _cron_rdv_link_appointments(self, batch=500):
        """Cron: link the booked appointments to their citizens' contacts."""
        pending = (
            self.env["rdv.appointment"]
            .sudo()
            .search(
                [("partner_id", "=", False), ("state", "!=", "pending"), ("lastname", "!=", False)],
                limit=batch,
                order="id",
            )
        )
        pending._link_partners()
        if len(pending) == batch:
            self.env.ref("rdv_booking.ir_cron_rdv_link_partners")._trigger()
