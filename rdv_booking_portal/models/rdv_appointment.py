import base64
import datetime

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import email_normalize, is_html_empty
from odoo.tools.misc import hmac

from odoo.addons.rdv_booking.models.rdv_appointment import CONFIRMED_STATES, BookingError
from odoo.addons.rdv_booking.tools import clock
from odoo.addons.rdv_booking.tools.ants import MAX_IDS as ANTS_MAX_IDS
from odoo.addons.rdv_booking.tools.ants import hub_datetime, normalize_application_id
from odoo.addons.rdv_booking.tools.bidi import isolate, text_direction
from odoo.addons.rdv_booking.tools.contact import mask_email
from odoo.addons.rdv_booking.tools.phone import (
    PhoneError,
    format_phone,
    mask_phone,
    parse_phone,
)
from odoo.addons.rdv_booking.tools.reference import normalize_reference

from ..tools.ics import calendar_file
from .mail_template import plain_text


class HoldLimitError(BookingError):
    """A hold refused because the connection holds, or took, too many."""

    def __init__(self, message):
        super().__init__(message, code="hold_limit")


def _html_or_false(value):
    """An HTML field's value, or False when an editor left it empty ("<p><br></p>")."""
    return False if is_html_empty(value) else value


class RdvAppointment(models.Model):
    _inherit = "rdv.appointment"

    citizen_lang = fields.Char(
        "Citizen language", help="Language of the website when the citizen booked."
    )
    ics_sequence = fields.Integer(
        "Calendar file version",
        readonly=True,
        copy=False,
        help="SEQUENCE of the appointment's calendar file: one more at each move, so that "
        "the citizen's calendar replaces the event it holds.",
    )

    api_client_id = fields.Many2one(
        "rdv.api.client",
        "Booked through",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The client system that booked it through the public API.",
    )

    # Who holds a pending booking (HMACs: the table says how many, never who).
    hold_ip_key = fields.Char("Held from connection", index="btree_not_null", copy=False)
    hold_session_key = fields.Char("Held from browser", index="btree_not_null", copy=False)

    def _manage_key(self):
        """What a browser that opened this appointment (a link, a code) keeps
        beside its id: it opens it while the citizen's contacts stay those it
        was opened for. An agent who corrects them (a message gone to someone
        else) closes the browsers opened before, as the links (:meth:`write`)."""
        self.ensure_one()
        return hmac(self.env(su=True), "rdv-manage", "%s|%s|%s" % (self.id, self.email, self.phone))

    def write(self, vals):
        """A contact corrected (an address typed wrong, a new number): the
        links already sent to the old one no longer open the appointment;
        the messages that follow carry new ones."""
        before = None
        if {"email", "phone"}.intersection(vals):
            before = {
                appointment.id: (appointment.email, appointment.phone) for appointment in self
            }
        result = super().write(vals)
        if before:
            changed = self.filtered(
                lambda appointment: (appointment.email, appointment.phone) != before[appointment.id]
            )
            if changed:
                self.env["rdv.access.token"].sudo().search(
                    [("appointment_id", "in", changed.ids)]
                ).unlink()
        return result

    # ------------------------------------------------------------------
    # Holds taken on the website
    # ------------------------------------------------------------------

    @api.model
    def _hold_key(self, scope, value):
        return hmac(self.env(su=True), "rdv-hold", "%s|%s" % (scope, value))

    def _live_hold_domain(self):
        return [("state", "=", "pending"), ("hold_expiry", ">", fields.Datetime.now())]

    @api.model
    def _hold_for_client(
        self,
        appointment_type,
        counter,
        start,
        persons,
        client_ip,
        session_id,
        requester=None,
        channel="web",
    ):
        """Hold ``start`` for a citizen of the website, as :meth:`_book` does
        with ``hold=True``, within the limits of one connection and browser.

        A browser (``session_id``) holds one booking at a time: a new hold
        gives back the one it held. A connection (``client_ip``) holds at most
        the company's ``rdv_live_holds_per_ip`` live holds at once, and takes
        at most ``rdv_holds_per_ip_hour`` new ones an hour (counted in
        PostgreSQL, across workers): nobody can hold every free time of a day
        by opening new sessions. Holds from one connection are taken one at a
        time (a transaction lock on its key), so parallel requests cannot pass
        the limit together.

        :param requester: ``(name, live holds, holds per hour)`` of a client
            system of the API, which holds for many citizens: its own limits,
            counted for it whatever its address, instead of the connection's
        :param channel: 'web', or 'api' for a client system
        :raises HoldLimitError: a limit is reached (nothing is given back)
        :raises BookingError, SlotTakenError: as :meth:`_book`
        """
        company = counter.company_id
        company.fetch(["rdv_live_holds_per_ip", "rdv_holds_per_ip_hour"])
        live_limit, hour_limit = company.rdv_live_holds_per_ip, company.rdv_holds_per_ip_hour
        if requester:
            client_ip, live_limit, hour_limit = requester
        ip_key = self._hold_key("ip", client_ip)
        session_key = self._hold_key("session", session_id)
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [ip_key])
        mine = self.sudo().search(
            [("hold_session_key", "=", session_key), ("state", "=", "pending")]
        )
        others = self.sudo().search_count(
            expression.AND(
                [
                    self._live_hold_domain(),
                    [("hold_ip_key", "=", ip_key), ("id", "not in", mine.ids)],
                ]
            )
        )
        if others >= live_limit:
            raise HoldLimitError(
                _(
                    "Too many times are already held by this client system (%(count)s at "
                    "once). Let a citizen confirm or a hold expire, within %(minutes)s minutes.",
                    count=live_limit,
                    minutes=company.rdv_hold_minutes,
                )
                if requester
                else _(
                    "Too many times are already held from your connection. Please finish "
                    "or give up a booking in progress, or try again in %s minutes.",
                    company.rdv_hold_minutes,
                )
            )
        if not self.env["rdv.rate.limit"]._allow("hold-ip", client_ip, hour_limit, 3600):
            raise HoldLimitError(
                _("Too many times were held by this client system. Please try again in an hour.")
                if requester
                else _(
                    "Too many times were held from your connection. Please try again in an hour."
                )
            )
        mine._release_hold()
        return self.with_context(
            default_hold_ip_key=ip_key, default_hold_session_key=session_key
        )._book(appointment_type, counter, start, persons=persons, channel=channel, hold=True)

    def _hold_minutes_left(self):
        """Whole minutes left before the hold ends (at least 1 while it holds)."""
        self.ensure_one()
        if self.state != "pending" or not self.hold_expiry:
            return 0
        seconds = (self.hold_expiry - fields.Datetime.now()).total_seconds()
        return max(1, -int(-seconds // 60)) if seconds > 0 else 0

    # ------------------------------------------------------------------
    # The citizen and their data (hooks of rdv_booking)
    # ------------------------------------------------------------------

    def _reader_lang(self):
        """The language the citizen reads, for every message and document
        (e-mails, SMS, PDF, calendar file): the one they booked in, else their
        contact's, else the commune's (a booking at the counter or on the
        phone), else the context's."""
        self.ensure_one()
        return self.citizen_lang or self.partner_id.lang or self._office_lang()

    def _reader_direction(self):
        """'rtl' or 'ltr': the direction of :meth:`_reader_lang`."""
        self.ensure_one()
        return self.env["res.lang"]._get_data(code=self._reader_lang()).direction or "ltr"

    def _link_partners(self):
        """The contact speaks the language the citizen booked in."""
        unlinked = self.filtered(lambda appointment: not appointment.partner_id)
        result = super()._link_partners()
        for appointment in unlinked.filtered("citizen_lang"):
            partner = appointment.partner_id.sudo()
            if partner and partner.lang != appointment.citizen_lang:
                partner.lang = appointment.citizen_lang
        return result

    def _set_citizen(self, citizen, partner=None):
        # A code proves the phone or e-mail it was sent to: after a change of
        # either, the codes sent before no longer confirm the booking (nor
        # hold back a new code to the new address).
        before = (self.phone, self.email)
        result = super()._set_citizen(citizen, partner=partner)
        if (self.phone, self.email) != before:
            self.env["rdv.otp"].sudo().search(
                [("appointment_id", "=", self.id), ("purpose", "=", "booking")]
            ).unlink()
        return result

    # ------------------------------------------------------------------
    # Identity check by one-time code
    # ------------------------------------------------------------------

    def _otp_destination(self):
        """(channel, destination) of the codes for this appointment.

        By e-mail here; rdv_booking_sms sends them by SMS to domestic numbers.
        """
        self.ensure_one()
        if not self.email:
            raise UserError(
                _("E-mail: give an e-mail address so that we can send you a confirmation code.")
            )
        return "email", self.email

    # ------------------------------------------------------------------
    # What the citizen sees (pages, messages, PDF)
    # ------------------------------------------------------------------

    def _at_reception(self):
        """Whether the citizen is expected at the reception: a planned
        appointment to come. Only then do the pages and the PDF show the code
        to scan and offer the summary to bring."""
        self.ensure_one()
        return self.state == "planned" and not self.is_past

    def _masked_contact(self):
        """The citizen's phone and e-mail, masked, for pages and the PDF."""
        self.ensure_one()
        return {
            "phone": mask_phone(self.phone, self.place_id.country_id.code),
            "email": mask_email(self.email),
        }

    def _shown_contact(self):
        """The citizen's phone and e-mail as pages show them.

        In full while the booking is pending: the citizen has just typed them
        in this browser, and a typo must be seen before a code is sent there.
        Masked once it is confirmed (pages opened by reference, the PDF).
        """
        self.ensure_one()
        if self.state != "pending":
            return self._masked_contact()
        return {
            "phone": self.phone and format_phone(self.phone, self.place_id.country_id.code),
            "email": self.email or "",
        }

    def _summary_lines(self):
        """[(label, value, direction)] describing the appointment; direction
        'ltr' for values written left to right in every language (reference,
        phone, e-mail, file number), else 'auto': on an Arabic page, a
        phone number or a French address must not be reordered.

        A booking not confirmed yet has no reference to show (and shows the
        contact in full, see :meth:`_shown_contact`).
        """
        self.ensure_one()
        pending = self.state == "pending"
        lines = [] if pending else [(_("Reference"), self.name, "ltr")]
        lines += [
            (_("Appointment"), self.type_id.name, "auto"),
            (_("Date and time"), self.when_local, "auto"),
            (_("Place"), self.place_id.name, "auto"),
            (_("Address"), self.place_id.address_display, "auto"),
        ]
        if self.persons > 1:
            lines.append((_("Persons"), str(self.persons), "auto"))
        lines.append((_("Name"), self.citizen_name or "", "auto"))
        contact = self._shown_contact()
        if contact["phone"]:
            lines.append((_("Mobile phone"), contact["phone"], "ltr"))
        if contact["email"]:
            lines.append((_("E-mail"), contact["email"], "ltr"))
        if self.file_number:
            lines.append(
                (self.type_id.file_number_label or _("File number"), self.file_number, "ltr")
            )
        for application in self.application_ids:
            lines.append((application._field_label(application.person), application.number, "ltr"))
        return lines

    def _ants_numbers_text(self):
        """The persons' pre-application numbers on one line, for the e-mails
        (empty without any)."""
        self.ensure_one()
        return Markup(
            self.env["res.lang"]._rdv_join(
                Markup("%s %s")
                % (
                    application._field_label(application.person),
                    self._bidi(application.number, "ltr"),
                )
                for application in self.application_ids
            )
        )

    def _ants_management_url(self):
        """The page where the citizen sent by ANTS manages this appointment:
        managing by reference, the reference filled in (the code sent to their
        phone or e-mail proves it is theirs; a link with a token would be kept
        by another system)."""
        self.ensure_one()
        return self.env["rdv.access.token"]._citizen_url(
            self, "/rdv/manage/find?reference=%s" % self.name
        )

    def _documents_to_bring(self):
        """The type's list of documents to bring (HTML), or False if it lists none."""
        self.ensure_one()
        return _html_or_false(self.type_id.documents_to_bring)

    def _access_info(self):
        """How to get to the place (HTML), or False if the place says nothing."""
        self.ensure_one()
        return _html_or_false(self.place_id.access_info)

    def _bring_on_the_day(self):
        """What to bring on the day, in one sentence, for the pages, messages,
        PDF and calendar file: the type's documents when it lists them (a
        fixed "your ID document" would contradict a list for a lost ID),
        else an ID document."""
        self.ensure_one()
        if self._documents_to_bring():
            return _(
                'Bring the documents listed under "Documents to bring" and the reference of '
                "the appointment."
            )
        return _("Bring your ID document and the reference of the appointment.")

    def _bidi(self, value, direction="auto", marks=True):
        """``value`` (plain text) kept in its own direction whatever the
        direction of the line around it: a phone number, an address, a
        reference in an Arabic PDF or e-mail (``isolate`` in
        ``rdv_booking/tools/bidi.py``; ``direction`` 'ltr' or 'auto'). The
        PDF passes ``marks=False``: wkhtmltopdf honours the markup alone.

        In a left-to-right document (the citizen's language is French or
        English: the direction the e-mails and the PDF take) a left-to-right
        value needs nothing: it stays plain, so that the text part of an e-mail has
        no invisible marks nor spaces around it ("Bonjour MARTIN Jeanne,")."""
        citizen_rtl = self._reader_direction() == "rtl"
        if not citizen_rtl and text_direction(str(value or "")) != "rtl":
            return escape(value or "")
        return Markup(isolate(value, direction, marks))

    def _reference_qr_src(self):
        """A QR code of the reference, as an image URL (SVG data), for the
        check-in at the reception (Appointments / Reception: check-in): on the
        summary PDF and on the citizen's pages, to be scanned from paper or a
        phone screen.

        Vector, by the qrcode package Odoo requires: a few milliseconds, where
        Odoo's PNG barcodes (reportlab) take about 40.
        """
        self.ensure_one()
        svg = qrcode.make(
            self.name, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4
        ).to_string()
        return "data:image/svg+xml;base64,%s" % base64.b64encode(svg).decode()

    # ------------------------------------------------------------------
    # Changing it online
    # ------------------------------------------------------------------

    def _can_change(self):
        """Whether the citizen may still cancel or move it online (the type's deadline)."""
        self.ensure_one()
        deadline = self.start - datetime.timedelta(hours=self.type_id.change_deadline_hours)
        return self.state in CONFIRMED_STATES and (
            self.state == "to_reschedule" or fields.Datetime.now() < deadline
        )

    def _too_late_message(self):
        """Why the citizen cannot cancel or move it online any more, and whom to call."""
        self.ensure_one()
        if self.state not in CONFIRMED_STATES:
            return _("This appointment is no longer planned: it cannot be changed.")
        place = self.place_id
        if place.phone:
            return _(
                "This appointment can no longer be changed online (less than %(hours)s hours "
                "before). Please call %(place)s on %(phone)s.",
                hours=self.type_id.change_deadline_hours,
                place=place.name,
                phone=place.phone,
            )
        return _(
            "This appointment can no longer be changed online (less than %(hours)s hours "
            "before). Please contact %(place)s.",
            hours=self.type_id.change_deadline_hours,
            place=place.name,
        )

    # ------------------------------------------------------------------
    # Calendar file
    # ------------------------------------------------------------------

    def _ics(self):
        """The appointment as a calendar file (bytes, ``tools/ics.py``), its
        texts in the language of the context. Once cancelled, the cancellation
        of the same event; its version (:attr:`ics_sequence`) grows at each
        move, so that calendars replace the event they hold."""
        self.ensure_one()
        company, place = self.company_id, self.place_id
        description = [
            _("Reference: %(reference)s.", reference=self.name),
            self._bring_on_the_day(),
        ]
        if documents := self._documents_to_bring():
            description += [_("Documents to bring:"), plain_text(documents)]
        return calendar_file(
            "rdv-%s@%s" % (self.name, company.id),
            self.ics_sequence,
            self.start,
            self.stop,
            fields.Datetime.now(),
            summary="%s - %s" % (self.type_id.name, place.name),
            location=self.env["res.lang"]._rdv_join([place.name, place.address_display]),
            description="\n".join(description),
            organizer=(company.email, company.name) if company.email else None,
            cancelled=self.state == "cancelled",
        )

    # ------------------------------------------------------------------
    # Notifications by e-mail (hooks of rdv_booking)
    # ------------------------------------------------------------------

    # Messages by e-mail for each kind of notification (rdv_booking queues
    # them; a failure here is retried by the queue).
    MAIL_TEMPLATES = {
        "booked": ("rdv_booking_portal.mail_template_rdv_confirmation", True),
        "changed": ("rdv_booking_portal.mail_template_rdv_changed", True),
        "cancelled": ("rdv_booking_portal.mail_template_rdv_cancelled", False),
        "to_reschedule": ("rdv_booking_portal.mail_template_rdv_to_reschedule", False),
    }

    def _citizen_email(self):
        return email_normalize(self.email or self.partner_id.email or "")

    def _notify_changed(self):
        """A new version of the calendar file: the event moved."""
        for appointment in self:
            appointment.ics_sequence += 1
        return super()._notify_changed()

    def _deliver_notification(self, kind):
        """By e-mail, to the citizens who gave an address."""
        if kind in self.MAIL_TEMPLATES and self._citizen_email():
            xmlid, with_files = self.MAIL_TEMPLATES[kind]
            return self.env.ref(xmlid)._rdv_send_to_citizen(self, with_files=with_files)
        return super()._deliver_notification(kind)

    @api.model
    def _rdv_silence_reason(self, company, email, phone):
        """Citizens with an e-mail address get their messages by e-mail."""
        if email_normalize(email or ""):
            return ""
        reason = super()._rdv_silence_reason(company, email, phone)
        return "no_email" if reason == "no_channel" else reason

    def _rdv_silence(self):
        self.ensure_one()
        return self._rdv_silence_reason(self.company_id, self._citizen_email(), self.phone)

    # ------------------------------------------------------------------
    # "My appointments" of a logged-in user (/my), and finding one by reference
    # ------------------------------------------------------------------

    @api.model
    def _portal_user_domain(self, user):
        """The appointments ``user`` sees in "My appointments" (read with sudo).

        Those of their own partner, confirmed: appointments are personal (ID
        documents), so not those of the other contacts of a company; and not
        matched by e-mail, as Odoo does not check that an account's e-mail is
        its holder's (free sign-up) and anybody could then read them.
        """
        if user._is_public():
            return expression.FALSE_DOMAIN
        return [("partner_id", "=", user.partner_id.id), ("state", "!=", "pending")]

    @api.model
    def _upcoming_domain(self):
        """Appointments still to come (or to move)."""
        return [
            ("state", "in", CONFIRMED_STATES),
            "|",
            ("state", "=", "to_reschedule"),
            ("stop", ">", fields.Datetime.now()),
        ]

    @api.model
    def _past_domain(self):
        """Appointments over: held, missed, cancelled, or their time passed."""
        return [
            "|",
            ("state", "not in", CONFIRMED_STATES),
            "&",
            ("state", "=", "planned"),
            ("stop", "<=", fields.Datetime.now()),
        ]

    @api.model
    def _portal_find(self, reference, contact, companies=None):
        """The appointment with ``reference`` whose phone or e-mail is ``contact``.

        Used by "manage my appointment" without a link: the caller answers the
        same whatever the result, so that references cannot be probed.

        :param companies: the communes where to look (a website's: another
            commune's appointments are not managed there); None: any
        """
        reference = normalize_reference(reference)
        if not reference or not contact:
            return self.browse()
        domain = [("name", "=", reference)]
        if companies is not None:
            domain.append(("company_id", "in", companies.ids))
        # What the match needs, in the query that looks for the reference: a
        # known reference costs no more queries than an unknown one.
        appointment = self.sudo().search_fetch(
            domain, ["state", "email", "phone", "partner_id"], limit=1
        )
        if not appointment or appointment.state not in CONFIRMED_STATES:
            return self.browse()
        email = email_normalize(contact)
        if email and email == appointment._citizen_email():
            return appointment
        try:
            phone = parse_phone(contact, appointment.counter_id._phone_region(contact))
        except PhoneError:
            return self.browse()
        return appointment if phone == appointment.phone else self.browse()

    # ------------------------------------------------------------------
    # The ANTS hub (identity cards and passports)
    # ------------------------------------------------------------------

    @api.model
    def _ants_search(self, company, application_ids):
        """The hub's ``searchApplicationIds``: {number as sent: [{meeting_point,
        datetime, management_url, cancel_url}]} of ``company``'s planned
        appointments to come carrying each of ``application_ids``.

        Every number sent gets its entry, ``[]`` when it has none or is no
        pre-application number: the answer says nothing more of a number
        than the appointments it has in this commune. Never raises on what
        the hub sends.
        """
        # Beyond the first ids a search sends, numbers are not looked up:
        # the hub gets its answer, never an error.
        numbers = {
            raw: normalize_application_id(raw) if rank < ANTS_MAX_IDS else None
            for rank, raw in enumerate(dict.fromkeys(application_ids))
        }
        appointments = (
            self.sudo()
            ._ants_by_application_ids(set(numbers.values()) - {None}, states=("planned",))
            .filtered(
                lambda appointment: (
                    appointment.company_id == company
                    and appointment.type_id.ants_reason
                    and appointment.start >= fields.Datetime.now()
                )
            )
            .sorted(lambda appointment: (appointment.start, appointment.id))
        )
        answer = {}
        for raw, number in numbers.items():
            entries = []
            for appointment in appointments:
                if number not in appointment.application_ids.mapped("number"):
                    continue
                # The page of managing by reference: the hub keeps and shows
                # this link, so it carries no token (the citizen proves the
                # appointment is theirs with a code); the same link declared
                # to the hub, so that a withdrawal matches it.
                url = appointment._ants_management_url()
                local = clock.to_local(appointment.start, appointment.place_id.tz or "UTC")
                entries.append(
                    {
                        "meeting_point": appointment.place_id._ants_name(),
                        "datetime": hub_datetime(local),
                        "management_url": url,
                        "cancel_url": url,
                    }
                )
            answer[raw] = entries
        return answer
