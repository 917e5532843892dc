from odoo import _, api, models

from odoo.addons.rdv_booking.models.rdv_appointment import ONLINE_CHANNELS, CitizenInputError
from odoo.addons.rdv_booking.tools.phone import PhoneError, parse_phone


class RdvCitizen(models.AbstractModel):
    _inherit = "rdv.citizen"

    @api.model
    def _prepare_citizen_vals(self, appointment_type, citizen, partner, channel, region, persons=1):
        """On the website, an e-mail address is required when codes cannot go by SMS."""
        errors = {}
        if channel in ONLINE_CHANNELS and not (citizen.get("email") or "").strip():
            message = self._rdv_email_needed(appointment_type, citizen.get("phone"), region)
            if message:
                field = "email" if appointment_type.ask_email != "no" else "phone"
                errors[field] = message
        try:
            vals = super()._prepare_citizen_vals(
                appointment_type, citizen, partner, channel, region, persons=persons
            )
        except CitizenInputError as error:
            raise CitizenInputError({**errors, **error.errors}, not_asked=error.not_asked) from None
        if errors:
            raise CitizenInputError(errors)
        return vals

    @api.model
    def _rdv_email_needed(self, appointment_type, phone, region):
        """Why the citizen must give an e-mail address (a message), or False.

        Only where the company sends SMS: a number that cannot get them (from
        abroad, or while SMS cannot be sent) needs an address for the code.
        Without SMS at all, the website's own rules apply unchanged.
        """
        company = appointment_type.company_id or self.env.company
        if not company.rdv_sms_enabled:
            return False
        try:
            number = parse_phone(phone, region, mobile_only=True) if phone else False
        except PhoneError:
            return False  # the phone field says what is wrong with it
        if company._rdv_is_sms_number(number) and not company._rdv_sms_unavailable():
            return False
        country = company._rdv_sms_country()
        if number and country and not company._rdv_is_sms_number(number):
            if appointment_type.ask_email == "no":
                return _(
                    "Mobile phone: we can send text messages to %s mobile numbers only. "
                    "Give such a number.",
                    country.name,
                )
            return _(
                "E-mail: required with a phone number from abroad: we send your code "
                "and confirmation by e-mail."
            )
        if appointment_type.ask_email == "no":
            return _(
                "Mobile phone: we cannot send text messages at the moment, and this "
                "appointment cannot be confirmed by e-mail. Please call us to book."
            )
        return _(
            "E-mail: required while we cannot send text messages: we send your code and "
            "confirmation by e-mail."
        )
