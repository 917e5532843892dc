from odoo import Command, _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.ants import normalize_application_id
from ..tools.parse import strip_control_chars
from .rdv_appointment import ONLINE_CHANNELS


class RdvAppointmentApplication(models.Model):
    """The ANTS pre-application number of one person of an ID-card or
    passport appointment (one per person: a family of three brings three).

    Numbers are stored in normal form (:func:`tools.ants.normalize_application_id`),
    so that the hub's search (:meth:`rdv.appointment._ants_by_application_ids`)
    and the duplicate check find them however they were typed.
    """

    _name = "rdv.appointment.application"
    _description = "Pre-application number (ANTS)"
    _order = "appointment_id, person"

    appointment_id = fields.Many2one(
        "rdv.appointment", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="appointment_id.company_id", store=True, index=True)
    person = fields.Integer(required=True, default=1)
    number = fields.Char("Pre-application number", required=True, index=True)
    declaration_ids = fields.One2many(
        "rdv.ants.declaration", "application_id", string="Declarations to ANTS", readonly=True
    )
    ants_state = fields.Selection(
        [
            ("none", "Not declared"),
            ("pending", "Declaration pending"),
            ("declared", "Declared"),
            ("withdrawn", "Withdrawn"),
            ("failed", "Declaration failed"),
        ],
        "At ANTS",
        compute="_compute_ants_state",
    )
    ants_error = fields.Text("ANTS error", compute="_compute_ants_state")

    _sql_constraints = [
        (
            "number_unique",
            "UNIQUE(appointment_id, number)",
            "Pre-application number: each person of an appointment has their own.",
        ),
        (
            "person_unique",
            "UNIQUE(appointment_id, person)",
            "Pre-application number: one per person.",
        ),
        ("person_positive", "CHECK(person >= 1)", "Person: at least the first."),
    ]

    @api.depends("declaration_ids.state", "declaration_ids.action")
    def _compute_ants_state(self):
        for application in self:
            # The latest work decides: a move withdraws the old declaration
            # and declares the new one.
            last = application.declaration_ids.sorted(lambda d: (d.generation, d.id))[-1:]
            application.ants_error = last.last_error if last.state != "done" else False
            if not last:
                application.ants_state = "none"
            elif last.state == "failed":
                application.ants_state = "failed"
            elif last.state == "pending":
                application.ants_state = "pending"
            else:
                application.ants_state = "declared" if last.action == "declare" else "withdrawn"

    @api.depends("person", "number")
    def _compute_display_name(self):
        for application in self:
            application.display_name = "%s: %s" % (
                application._person_label(application.person),
                application.number,
            )

    @api.model
    def _person_label(self, person):
        """'Person 2': how forms, messages and documents name a person of a booking."""
        return _("Person %s", person)

    @api.model
    def _normalize(self, value, person=1):
        """``value`` as a pre-application number in normal form.

        :raises ValidationError: not 10 letters or digits, with a message
            naming the person
        """
        number = normalize_application_id(value)
        if not number:
            raise ValidationError(
                _(
                    "%(person)s: the pre-application number has exactly 10 letters or digits "
                    "(it is on the summary of your online pre-application); “%(value)s” "
                    "is not one.",
                    person=self._person_label(person),
                    value=strip_control_chars(str(value or "")).strip()[:40],
                )
            )
        return number

    @api.model
    def _field_label(self, person):
        """'Person 2: pre-application number', the label of a person's number."""
        return _("%s: pre-application number", self._person_label(person))

    @api.model
    def _split_typed(self, text):
        """The numbers an agent typed in a dialog: one per line; a comma or
        semicolon also separates them."""
        return [
            line.strip()
            for line in (text or "").replace(";", "\n").replace(",", "\n").split("\n")
            if line.strip()
        ]

    @api.model
    def _elsewhere_text(self, error):
        """What an agent reads of an :class:`AntsElsewhereError`: each
        appointment elsewhere with its link, to ask the citizen."""
        lines = []  # a loop: _() reads the language in this frame
        for line, item in zip(str(error.args[0]).split("\n"), error.elsewhere, strict=False):
            lines.append(
                _("%(message)s Link: %(url)s", message=line, url=item["management_url"] or "-")
            )
        return "\n".join(lines)

    @api.model
    def _field_name(self, person):
        """The form field (and error key) of ``person``'s number."""
        return "application_number_%s" % person

    @api.model
    def _citizen_numbers(self, numbers, persons, channel):
        """The numbers a booking's citizen gave, one per person, checked.

        Required on the website (the hub's check needs them); an agent on the
        phone books with those the caller can read out, and adds the others
        later (:meth:`rdv.appointment._add_application_numbers`).

        :param numbers: list of what was typed, person 1 first
        :return: (commands writing the appointment's numbers, {field: error})
        """
        if not isinstance(numbers, (list, tuple)):
            numbers = []
        given = {}
        errors = {}
        for person in range(1, persons + 1):
            value = numbers[person - 1] if person <= len(numbers) else None
            if isinstance(value, str) and value.strip():
                given[person] = value
            elif channel in ONLINE_CHANNELS:
                errors[self._field_name(person)] = _(
                    "%s: the pre-application number is required.", self._person_label(person)
                )
        commands, number_errors = self._numbers_of(given)
        errors.update(number_errors)
        commands.insert(0, Command.clear())
        extra = [value for value in numbers[persons:] if isinstance(value, str) and value.strip()]
        if extra:
            # Never dropped in silence: the booking is for fewer persons.
            errors[self._field_name(persons)] = _(
                "%(count)s pre-application numbers for %(persons)s person(s): give one per person, "
                "or book for more persons.",
                count=persons + len(extra),
                persons=persons,
            )
        return commands, errors

    @api.model
    def _numbers_of(self, given, taken=None):
        """The numbers ``given`` ({person: what was typed}), checked: each in
        normal form, none twice, none of another person of the booking.

        :param taken: {number: person} the booking already has
        :return: (commands creating them, {field: error})
        """
        commands, errors, seen = [], {}, dict(taken or {})
        for person, value in sorted(given.items()):
            field = self._field_name(person)
            try:
                number = self._normalize(value, person)
            except ValidationError as error:
                errors[field] = error.args[0]
                continue
            if number in seen:
                errors[field] = _(
                    "%(person)s: this is the number of %(other)s. Each person has their own "
                    "pre-application number.",
                    person=self._person_label(person),
                    other=self._person_label(seen[number]),
                )
                continue
            seen[number] = person
            commands.append(Command.create({"person": person, "number": number}))
        return commands, errors

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "number" in vals:
                vals["number"] = self._normalize(vals["number"], vals.get("person") or 1)
        return super().create(vals_list)

    def write(self, vals):
        if "number" in vals:
            for application in self:
                application._normalize(vals["number"], vals.get("person") or application.person)
            vals = dict(vals, number=self._normalize(vals["number"]))
        return super().write(vals)
