import logging

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import email_normalize

from ..tools.parse import has_control_chars, parse_id
from ..tools.phone import PhoneError, parse_phone
from .rdv_appointment import ONLINE_CHANNELS, CitizenInputError
from .rdv_appointment_type import IDENTITY_FIELDS

_logger = logging.getLogger(__name__)

# What identifies a citizen on an appointment, erased at the end of the
# retention period. The commune of residence and the country stay: statistics
# count them, and they identify nobody.
PERSONAL_FIELDS = [
    "lastname",
    "firstname",
    "file_number",
    "id_type",
    "id_number",
    "birthdate",
    "street",
    "zip",
    "email",
    "phone",
    "comment",
    "cancel_reason",
]


# The texts a citizen gives (website, back office, API): no control character
# (PostgreSQL refuses NUL), and a name or an identity value of a length a form
# and a day sheet can show.
CITIZEN_TEXT_FIELDS = [
    "lastname",
    "firstname",
    "file_number",
    "id_number",
    "street",
    "zip",
    "city",
    "email",
    "phone",
    "comment",
    "cancel_reason",
]
CITIZEN_TEXT_MAX = 200


class RdvCitizen(models.AbstractModel):
    """The rules for a citizen's details: cleaning, identity values, text
    limits, and their erasure at the end of the retention period.

    The details are fields of the appointments (no table of citizens): every
    channel cleans them here before it writes them, the booking service
    (:meth:`rdv.appointment._book`), the website's details form
    (:meth:`rdv.appointment._set_citizen`) and the back office's edits
    (:meth:`rdv.appointment.write`).
    """

    _name = "rdv.citizen"
    _description = "Citizen's details"

    @api.model
    def _label(self, field_name):
        """The label of an appointment's field, in the reader's language."""
        field = self.env["rdv.appointment"]._fields[field_name]
        return field.get_description(self.env)["string"]

    # ------------------------------------------------------------------
    # What the citizen types: checked the same way for every channel
    # ------------------------------------------------------------------

    @api.model
    def _prepare_citizen_vals(self, appointment_type, citizen, partner, channel, region, persons=1):
        """Validate and normalise the citizen's data.

        The citizen's contact (partner) is not looked up here: see
        :meth:`rdv.appointment._link_partners`.

        :param region: country code for phone numbers typed without prefix
        :param persons: the persons of the booking: an ID-card or passport
            type asks each one's pre-application number
            (``citizen["application_numbers"]``, a list, person 1 first)

        :raises CitizenInputError: with one message per faulty field
        """
        errors = {}
        asked = appointment_type._identity_requirements()
        # Online (the website, a client system), a value for a detail the type
        # does not ask is refused, not dropped without a word: the caller
        # believes it was kept. The agents' dialog sends only the fields it
        # shows (rdv.slot.assign), whatever a contact filled in.
        not_asked = [
            name
            for name, _setting in IDENTITY_FIELDS
            if channel in ONLINE_CHANNELS
            and name not in asked
            and citizen.get(name) not in (None, "", False)
        ]
        if not_asked:
            labels = self._identity_labels(appointment_type)
            raise CitizenInputError(
                {
                    name: self._not_asked_message(appointment_type, labels[name])
                    for name in not_asked
                },
                not_asked=not_asked,
            )
        control = [name for name, value in citizen.items() if has_control_chars(value)]
        too_long = [
            name
            for name in ("lastname", "firstname")
            if len(citizen.get(name) or "") > CITIZEN_TEXT_MAX
        ]
        if control or too_long:
            # (the labels read the type again: only when they are shown)
            labels = self._identity_labels(appointment_type)
            for name in too_long:
                errors[name] = _("%s: this value is too long.", labels[name])
            for name in control:
                if name in labels:
                    errors[name] = self._control_chars_message(labels[name])
            if errors:
                raise CitizenInputError(errors)
        vals = {}
        lastname = (citizen.get("lastname") or "").strip()
        firstname = (citizen.get("firstname") or "").strip()
        if not lastname and partner:
            lastname, firstname = partner._rdv_citizen_names()
        if not lastname and not partner:
            errors["lastname"] = _("Last name: this field is required.")
        if lastname:
            vals["lastname"] = lastname
        if firstname:
            vals["firstname"] = firstname
        for field_name, mode in asked.items():
            value = citizen.get(field_name)
            if isinstance(value, str):
                value = value.strip()
            if not value and field_name in ("email", "phone") and partner:
                value = partner[field_name]
            if not value:
                # Agents book on the phone with what the citizen can tell them.
                if mode == "required" and channel in ONLINE_CHANNELS:
                    errors[field_name] = _(
                        "%s: this field is required.",
                        self._identity_labels(appointment_type)[field_name],
                    )
                continue
            try:
                vals[field_name] = self._clean_identity_value(
                    field_name,
                    value,
                    region,
                    channel,
                    # The type's own name of the file number; the others are
                    # the fields' labels, read only for a message.
                    label=field_name == "file_number" and appointment_type.file_number_label,
                )
            except ValidationError as error:
                errors[field_name] = error.args[0]
        if appointment_type.ants_reason:
            commands, number_errors = self.env["rdv.appointment.application"]._citizen_numbers(
                citizen.get("application_numbers"), persons, channel
            )
            errors.update(number_errors)
            vals["application_ids"] = commands
        if channel in ONLINE_CHANNELS and not (vals.get("phone") or vals.get("email")):
            errors.setdefault(
                "phone",
                _(
                    "Mobile phone: give a phone number or an e-mail "
                    "address so that we can confirm your appointment."
                ),
            )
        if errors:
            raise CitizenInputError(errors)
        if partner:
            vals["partner_id"] = partner.id
        return vals

    @api.model
    def _agent_essentials(self, appointment_type, partner):
        """What an agent gathers on the phone before booking, as groups of
        fields of which one must be filled: the citizen's names (unless a
        known contact) and one way to reach them (the phone or the e-mail the
        type asks, unless the contact has one).

        The type's other details, even those it requires online, are not
        among them: an agent's booking is taken with what the caller can
        tell (:meth:`_prepare_citizen_vals`), so waiting for them would hold
        back a booking the rules accept."""
        essentials = [] if partner else [("lastname",), ("firstname",)]
        asked = appointment_type._identity_requirements() if appointment_type else {}
        contacts = tuple(name for name in ("phone", "email") if name in asked)
        if contacts and not (partner and (partner.phone or partner.email)):
            essentials.append(contacts)
        return essentials

    @api.model
    def _identity_labels(self, appointment_type):
        """{field: label} as the citizen sees them (the type may rename the file number)."""
        labels = {name: self._label(name) for name, _setting in IDENTITY_FIELDS}
        labels["lastname"] = self._label("lastname")
        labels["firstname"] = self._label("firstname")
        if appointment_type.file_number_label:
            labels["file_number"] = appointment_type.file_number_label
        return labels

    @api.model
    def _not_asked_message(self, appointment_type, label):
        """What a detail given for a type that does not ask it is told."""
        return _(
            "%(field)s: %(type)s does not ask for it.", field=label, type=appointment_type.name
        )

    @api.model
    def _given_details_errors(self, appointment_type, details, region):
        """({field: message}, fields not asked) of the details a client
        system gives ahead of a booking (a signed link fills the website's
        form with them): what the website's form would refuse of them,
        checked as :meth:`_prepare_citizen_vals` checks them. The details
        left out are not checked: the citizen completes them on the form."""
        labels = self._identity_labels(appointment_type)
        asked = appointment_type._identity_requirements()
        errors, not_asked = {}, []
        for name, value in details.items():
            if value in (None, "", False):
                continue
            label = labels.get(name, name)
            if has_control_chars(value):
                errors[name] = self._control_chars_message(label)
            elif name in ("lastname", "firstname"):
                if len(value) > CITIZEN_TEXT_MAX:
                    errors[name] = _("%s: this value is too long.", label)
            elif name not in asked:
                errors[name] = self._not_asked_message(appointment_type, label)
                not_asked.append(name)
            else:
                try:
                    self._clean_identity_value(
                        name,
                        value.strip() if isinstance(value, str) else value,
                        region,
                        "web",
                        label=label,
                    )
                except ValidationError as error:
                    errors[name] = error.args[0]
        return errors, not_asked

    @api.model
    def _clean_identity_value(self, field_name, value, region, channel, label=None):
        """One identity value, normalised, or a ValidationError naming the field
        (``label``: as the form shows it, e.g. a type's own name for the file
        number; else the field's label)."""
        if field_name == "email":
            normalized = email_normalize(value, strict=True) or ""
            # Odoo's parser takes 'a@@b.fr' (as '@b.fr') and a domain without
            # a dot: neither reaches anyone.
            local, _at, domain = normalized.rpartition("@")
            # 254: the longest address a mail server takes (RFC 5321).
            if not local or "." not in domain.strip(".") or len(normalized) > 254:
                raise ValidationError(_("E-mail: %s is not a valid e-mail address.", value))
            return normalized
        if field_name == "phone":
            try:
                return parse_phone(value, region, mobile_only=channel in ONLINE_CHANNELS)
            except PhoneError as error:
                if error.code == "not_mobile":
                    raise ValidationError(
                        _(
                            "Mobile phone: %s is not a mobile number. Give a number that can "
                            "receive text messages.",
                            value,
                        )
                    ) from error
                raise ValidationError(
                    _(
                        "Mobile phone: %s is not a valid phone number. Numbers from abroad "
                        "start with their country code (+33, +212...).",
                        value,
                    )
                ) from error
        if field_name == "birthdate":
            try:
                day = fields.Date.to_date(value)
            except ValueError as error:
                raise ValidationError(_("Birth date: %s is not a valid date.", value)) from error
            if day > fields.Date.context_today(self) or day.year < 1900:
                raise ValidationError(_("Birth date: %s is not a possible birth date.", value))
            return day
        if field_name == "id_type":
            if value not in dict(self.env["rdv.appointment"]._fields["id_type"].selection):
                raise ValidationError(_("ID document type: choose one from the list."))
            return value
        if field_name == "country_id":
            country = self.env["res.country"].browse(parse_id(value)).exists()
            if not country:
                raise ValidationError(_("Country: choose one from the list."))
            return country.id
        if len(value) > CITIZEN_TEXT_MAX:
            raise ValidationError(
                _("%s: this value is too long.", label or self._label(field_name))
            )
        return value

    @api.model
    def _clean_contact_vals(self, vals, counter):
        """``vals`` with the phone and e-mail in the normal form of the
        booking service (agents edit them in the form): the same person is
        recognised whatever way they were typed. Phones without prefix are
        read in the country of ``counter`` (the appointments').

        :raises ValidationError: an invalid phone or e-mail
        """
        vals = dict(vals)
        for name in ("phone", "email"):
            if vals.get(name) and isinstance(vals[name], str):
                region = counter._phone_region(vals[name]) if counter else None
                vals[name] = self._clean_identity_value(name, vals[name].strip(), region, "counter")
        return vals

    @api.model
    def _control_chars_message(self, label):
        """What a citizen's text with control characters is told, under ``label``."""
        return _(
            "%s: this text holds invisible control characters (such as NUL): "
            "type it again without them.",
            label,
        )

    @api.model
    def _check_citizen_texts(self, vals):
        """Refuse control characters in the citizen's texts, whoever writes
        them (the website strips them; the back office, an import or an API
        get this message rather than a database error)."""
        for name in CITIZEN_TEXT_FIELDS:
            if has_control_chars(vals.get(name)):
                raise ValidationError(self._control_chars_message(self._label(name)))

    # ------------------------------------------------------------------
    # Erased at the end of the retention period
    # ------------------------------------------------------------------

    @api.model
    def _cron_erase_personal_data(self, batch=1000):
        """Cron: erase the citizens' data of appointments older than their
        commune's retention period (GDPR: kept no longer than needed)."""
        now = fields.Datetime.now()
        Appointment = self.env["rdv.appointment"].sudo()
        for company in self.env["res.company"].sudo().search([]):
            cutoff = now - relativedelta(months=company.rdv_retention_months)
            expired = Appointment.search(
                [
                    ("company_id", "=", company.id),
                    ("stop", "<", cutoff),
                    ("personal_data_erased", "=", False),
                    ("state", "!=", "pending"),
                ],
                limit=batch,
                order="stop, id",
            )
            self._erase_personal_data(expired)
            if len(expired) == batch:
                self.env.ref("rdv_booking.ir_cron_rdv_erase_personal_data")._trigger()

    @api.model
    def _erase_personal_data(self, appointments):
        """Erase what identifies the citizens of ``appointments``: their
        details, the history (messages, tracking, attachments, activities),
        the link to their contact, and the contacts that appointments created
        and that nothing else uses any more. Type, place, counter, times,
        channel, state and commune stay, for the statistics.
        """
        if not appointments:
            return
        appointments = appointments.sudo().with_context(tracking_disable=True)
        partners = appointments.partner_id
        domain = [("model", "=", appointments._name), ("res_id", "in", appointments.ids)]
        self.env["mail.message"].sudo().search(domain).unlink()
        self.env["mail.followers"].sudo().search(
            [("res_model", "=", appointments._name), ("res_id", "in", appointments.ids)]
        ).unlink()
        self.env["ir.attachment"].sudo().search(
            [("res_model", "=", appointments._name), ("res_id", "in", appointments.ids)]
        ).unlink()
        appointments.activity_ids.unlink()
        appointments.notification_ids.unlink()
        # The pre-application numbers, and what was declared with them.
        appointments.application_ids.unlink()
        appointments.write(
            {
                **dict.fromkeys(PERSONAL_FIELDS, False),
                "partner_id": False,
                "personal_data_erased": True,
            }
        )
        # One note each, created in one go: why the form is empty now.
        appointments._message_log_batch(
            {
                # self.env._: the plain _ finds no language in a comprehension.
                appointment.id: self.with_context(lang=appointment._office_lang()).env._(
                    "The citizen's personal data were erased: the retention period "
                    "(%s months) is over.",
                    appointment.company_id.rdv_retention_months,
                )
                for appointment in appointments
            }
        )
        for partner in partners.filtered(
            lambda partner: (
                partner.rdv_citizen
                and not partner.user_ids
                and not partner.with_context(active_test=False).rdv_appointment_ids
            )
        ):
            try:
                with self.env.cr.savepoint():
                    partner.unlink()
            except (UserError, ValidationError, psycopg2.IntegrityError):
                # Used elsewhere in the database (an invoice, a letter...):
                # the contact is the commune's, no longer the appointments'.
                _logger.info("Contact %s kept: used outside appointments.", partner.id)
