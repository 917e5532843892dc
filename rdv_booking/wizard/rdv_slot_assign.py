from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.rdv_appointment import AntsElsewhereError
from ..models.rdv_appointment_type import IDENTITY_FIELDS
from ..models.rdv_slot import PICKABLE_DOMAIN
from ..tools import actions
from ..tools.phone import PhoneError, parse_phone


class RdvSlotAssign(models.TransientModel):
    """Agent booking at the counter or on the phone ("Attribuer" in the agents' words)."""

    _name = "rdv.slot.assign"
    _description = "Assign a slot to a citizen"

    type_id = fields.Many2one(
        "rdv.appointment.type",
        "Appointment type",
        required=True,
        domain="[('id', 'in', fitting_type_ids)]",
    )
    # The types the chosen time can take (all of them before a time is chosen).
    fitting_type_ids = fields.Many2many(
        "rdv.appointment.type", string="Types that fit", compute="_compute_fitting_type_ids"
    )
    place_id = fields.Many2one("rdv.place", "Place")
    slot_id = fields.Many2one("rdv.slot", "Slot", required=True, domain=PICKABLE_DOMAIN)
    persons = fields.Integer(default=1, required=True)
    max_persons = fields.Integer(related="type_id.max_persons")
    channel = fields.Selection(
        [("counter", "At the counter"), ("phone", "By phone")], required=True, default="phone"
    )
    partner_id = fields.Many2one(
        "res.partner",
        "Existing citizen",
        help="Leave empty to create the citizen from the name and contact below.",
    )
    lastname = fields.Char("Last name")
    firstname = fields.Char("First name")
    phone = fields.Char("Mobile phone")
    email = fields.Char("E-mail")
    file_number = fields.Char()
    file_number_label = fields.Char(related="type_id.file_number_label")
    # The ID-card and passport procedure: each person's pre-application number.
    ants_reason = fields.Selection(related="type_id.ants_reason")
    application_numbers = fields.Text(
        "Pre-application numbers",
        help="One per person, person 1 first (one per line): the 10 letters or digits of "
        "each person's online pre-application. Checked with ANTS before booking.",
    )
    ants_elsewhere = fields.Text("Appointments elsewhere", readonly=True)
    ants_confirmed = fields.Boolean(
        "Book anyway",
        help="The citizen knows of their appointment elsewhere and wants this one too.",
    )
    id_type = fields.Selection(
        # The appointment's labels in the user's language (the field's own
        # selection list would stay in English).
        lambda self: (
            self.env["rdv.appointment"]._fields["id_type"]._description_selection(self.env)
        ),
        "ID document type",
    )
    id_number = fields.Char("ID document number")
    birthdate = fields.Date("Birth date")
    street = fields.Char("Address")
    zip = fields.Char("Postcode")
    city = fields.Char()
    country_id = fields.Many2one("res.country", "Country")
    comment = fields.Text("Note for agents")
    # Said before booking: this citizen will get no message at all.
    silence_warning = fields.Char("Warning", compute="_compute_silence_warning")
    enter_needs = fields.Char("Fields Enter waits for", compute="_compute_enter_needs")
    # which identity fields the type asks (drives the form's invisible attributes)
    ask_file_number = fields.Selection(
        related="type_id.ask_file_number", string="File number asked"
    )
    ask_id_type = fields.Selection(related="type_id.ask_id_type", string="ID type asked")
    ask_id_number = fields.Selection(related="type_id.ask_id_number", string="ID number asked")
    ask_birthdate = fields.Selection(related="type_id.ask_birthdate", string="Birth date asked")
    ask_street = fields.Selection(related="type_id.ask_street", string="Address asked")
    ask_zip = fields.Selection(related="type_id.ask_zip", string="Postcode asked")
    ask_city = fields.Selection(related="type_id.ask_city", string="City asked")
    ask_country_id = fields.Selection(related="type_id.ask_country_id", string="Country asked")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        slot = self.env["rdv.slot"].browse(values.get("slot_id"))
        if slot:
            values.setdefault("place_id", slot.place_id.id)
            if len(slot.counter_id.type_ids) == 1:
                values.setdefault("type_id", slot.counter_id.type_ids.id)
        elif "type_id" in fields_list and not values.get("type_id"):
            # An agent whose services book one type has nothing to choose.
            types = self.env["rdv.appointment.type"].search([], limit=2)
            if len(types) == 1:
                values["type_id"] = types.id
        return values

    @api.depends("slot_id", "persons")
    def _compute_fitting_type_ids(self):
        """Before a time: every type; at a time: the types of its counter
        that fit there (:meth:`rdv.slot._fitting_types`), so that a type
        picked never empties the time clicked nor fails to book."""
        every_type = self.env["rdv.appointment.type"].search([])
        for wizard in self:
            wizard.fitting_type_ids = (
                wizard.slot_id._fitting_types(wizard.persons) if wizard.slot_id else every_type
            )

    @api.depends("type_id", "partner_id")
    def _compute_enter_needs(self):
        """The fields that plain Enter in the dialog waits for, one group a
        word (``phone|email``: either of them): the type and time, then what
        an agent gathers before booking (:meth:`rdv.citizen._agent_essentials`).
        Agents may still book with less (Ctrl+Enter, the button). Never a box
        of several lines (the pre-application numbers): Enter there makes a
        new line, so the agent sent into it could not book with Enter at all."""
        Citizen = self.env["rdv.citizen"]
        for wizard in self:
            needs = [("type_id",), ("slot_id",)]
            needs += Citizen._agent_essentials(wizard.type_id, wizard.partner_id)
            wizard.enter_needs = " ".join("|".join(group) for group in needs)

    @api.depends("email", "phone", "partner_id", "slot_id")
    def _compute_silence_warning(self):
        Appointment = self.env["rdv.appointment"]
        for wizard in self:
            counter = wizard.slot_id.counter_id
            company = counter.company_id or self.env.company
            phone = False
            if wizard.phone:
                try:
                    phone = parse_phone(
                        wizard.phone,
                        counter._phone_region(wizard.phone) if counter else company.country_id.code,
                    )
                except PhoneError:
                    phone = False
            reason = Appointment._rdv_silence_reason(
                company, wizard.email or wizard.partner_id.email, phone
            )
            wizard.silence_warning = reason and _(
                "This citizen will receive no confirmation: %(reason)s. Give them the "
                "reference and the time now.",
                reason=self.env["rdv.notification"]._reason_text(reason),
            )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id:
            self.lastname, self.firstname = self.partner_id._rdv_citizen_names()
            self.phone = self.partner_id.phone
            self.email = self.partner_id.email
            self.street = self.partner_id.street
            self.zip = self.partner_id.zip
            self.city = self.partner_id.city
            self.country_id = self.partner_id.country_id

    @api.onchange("type_id", "place_id")
    def _onchange_type_id(self):
        # No type yet (a counter of several types): the slot clicked stays.
        if self.slot_id and (
            (self.type_id and self.type_id not in self.slot_id.counter_id.type_ids)
            or (self.place_id and self.slot_id.place_id != self.place_id)
        ):
            self.slot_id = False

    def _citizen_values(self):
        values = {"lastname": self.lastname, "firstname": self.firstname}
        if self.ants_reason:
            # One per line, as typed; a comma or semicolon also separates them.
            values["application_numbers"] = self.env["rdv.appointment.application"]._split_typed(
                self.application_numbers
            )
            values["ants_confirmed"] = self.ants_confirmed
        asked = self.type_id._identity_requirements()
        for field_name, _setting in IDENTITY_FIELDS:
            if field_name not in asked:
                continue  # hidden in the dialog (a contact's address, say)
            value = self[field_name]
            values[field_name] = value.id if isinstance(value, models.BaseModel) else value
        return values

    def action_confirm(self):
        """Book through the booking service, then show the appointment."""
        self.ensure_one()
        if self.slot_id.state not in ("free", "reserved"):
            raise UserError(_("This slot is no longer free: choose another one."))
        try:
            appointment = self.env["rdv.appointment"]._book(
                self.type_id,
                self.slot_id.counter_id,
                self.slot_id.start,
                persons=self.persons,
                citizen=self._citizen_values(),
                partner=self.partner_id or None,
                channel=self.channel,
                allow_reserved=True,
                comment=self.comment,
            )
        except AntsElsewhereError as error:
            # The agent reads where, asks the citizen, and books anyway or not.
            self.ants_elsewhere = self.env["rdv.appointment.application"]._elsewhere_text(error)
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "view_mode": "form",
                "target": "new",
                "name": _("Book an appointment"),
            }
        # The agent sees the citizen's contact at once (the booking service
        # leaves it to a cron otherwise).
        appointment._link_partners()
        if self.env.context.get("rdv_board"):
            # From the board: the agent stays on it, the reference to say on
            # the phone in the notice.
            return actions.notification(
                _(
                    "Booked: %(reference)s, %(citizen)s, %(time)s.",
                    reference=appointment.name,
                    citizen=appointment.citizen_name,
                    time=appointment.counter_id.place_id._format_local(
                        appointment.start, "EEE d MMM HH:mm"
                    ),
                ),
                next_action=actions.CLOSE,
            )
        return appointment._form_action()
