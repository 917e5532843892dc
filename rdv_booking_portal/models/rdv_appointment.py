import base64
import datetime
import logging
import re
import smtplib

import lxml.html
import qrcode
import qrcode.image.svg
import vobject
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import email_normalize, html2plaintext, is_html_empty, safe_eval
from odoo.tools.lru import LRU
from odoo.tools.mail import email_split_and_format_normalize
from odoo.tools.misc import hmac

from odoo.addons.base.models.ir_mail_server import MailDeliveryException
from odoo.addons.rdv_booking.models.rdv_appointment import CONFIRMED_STATES, BookingError
from odoo.addons.rdv_booking.tools import clock
from odoo.addons.rdv_booking.tools.bidi import isolate, printable_rtl, text_direction
from odoo.addons.rdv_booking.tools.phone import (
    PhoneError,
    format_phone,
    mask_phone,
    parse_phone,
)
from odoo.addons.rdv_booking.tools.reference import normalize_reference

_logger = logging.getLogger(__name__)

# Compiled mail bodies, see RdvAppointment._rdv_render_body.
_COMPILED_BODIES = LRU(32)


def plain_text(html):
    """``html`` as plain text with its list items on lines of their own
    ("- item"): Odoo's html2plaintext runs them together."""
    html = re.sub(r"<li\b[^>]*>", "<br/>- ", str(html or ""))
    return html2plaintext(re.sub(r"</(ul|ol)>", r"</\1><br/>", html)).strip()


def mask_email(email):
    """'jules.bois@example.com' -> 'j•••••••s@example.com'."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    if not local:
        return "•@" + domain
    if len(local) <= 2:
        return local[0] + "•@" + domain
    return local[0] + "•" * (len(local) - 2) + local[-1] + "@" + domain


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

    # Who holds a pending booking (HMACs: the table says how many, never who).
    hold_ip_key = fields.Char("Held from connection", index="btree_not_null", copy=False)
    hold_session_key = fields.Char("Held from browser", index="btree_not_null", copy=False)

    # ------------------------------------------------------------------
    # Holds taken on the website
    # ------------------------------------------------------------------

    @api.model
    def _hold_key(self, scope, value):
        return hmac(self.env(su=True), "rdv-hold", "%s|%s" % (scope, value))

    def _live_hold_domain(self):
        return [("state", "=", "pending"), ("hold_expiry", ">", fields.Datetime.now())]

    @api.model
    def _hold_for_client(self, appointment_type, counter, start, persons, client_ip, session_id):
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

        :raises HoldLimitError: a limit is reached (nothing is given back)
        :raises BookingError, SlotTakenError: as :meth:`_book`
        """
        company = counter.company_id
        company.fetch(["rdv_live_holds_per_ip", "rdv_holds_per_ip_hour"])
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
        if others >= company.rdv_live_holds_per_ip:
            raise HoldLimitError(
                _(
                    "Too many times are already held from your connection. Please finish "
                    "or give up a booking in progress, or try again in %s minutes.",
                    company.rdv_hold_minutes,
                )
            )
        if not self.env["rdv.rate.limit"]._allow(
            "hold-ip", client_ip, company.rdv_holds_per_ip_hour, 3600
        ):
            raise HoldLimitError(
                _("Too many times were held from your connection. Please try again in an hour.")
            )
        if mine:
            mine.slot_ids._release()
            mine.unlink()
        return self.with_context(
            default_hold_ip_key=ip_key, default_hold_session_key=session_key
        )._book(appointment_type, counter, start, persons=persons, channel="web", hold=True)

    def _hold_minutes_left(self):
        """Whole minutes left before the hold ends (at least 1 while it holds)."""
        self.ensure_one()
        if self.state != "pending" or not self.hold_expiry:
            return 0
        seconds = (self.hold_expiry - fields.Datetime.now()).total_seconds()
        return max(1, -int(-seconds // 60)) if seconds > 0 else 0

    def _link_partners(self):
        """The contact speaks the language the citizen booked in."""
        unlinked = self.filtered(lambda appointment: not appointment.partner_id)
        result = super()._link_partners()
        for appointment in unlinked.filtered("citizen_lang"):
            partner = appointment.partner_id.sudo()
            if partner and partner.lang != appointment.citizen_lang:
                partner.lang = appointment.citizen_lang
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

    def _send_otp(self, code, channel, purpose):
        """Send ``code`` on ``channel`` (e-mail here). The code is never logged.

        The message of the code template is rendered and handed to the SMTP
        server at once, without a ``mail.mail`` record: the code is never
        written to the database, even when sending fails, and the caller is
        told at once if it did (UserError). ``rdv_otp_validity`` in the
        context: the code's life in minutes, when not the company's (codes
        asked for by reference follow the website's rules).
        """
        self.ensure_one()
        if channel != "email":
            raise UserError(_("This channel cannot send codes."))
        template = (
            self.env.ref("rdv_booking_portal.mail_template_rdv_code")
            .sudo()
            .with_context(
                rdv_code=code,
                rdv_purpose=purpose,
                rdv_validity=self.env.context.get("rdv_otp_validity")
                or self.company_id.rdv_otp_validity_minutes,
            )
        )
        # In the citizen's language (the template's lang field).
        ((localized, _ids),) = template._classify_per_lang(self.ids).values()
        rendered = localized._generate_template(self.ids, ("subject", "email_from", "email_to"))[
            self.id
        ]
        body = self._rdv_render_body(localized)
        MailServer = self.env["ir.mail_server"].sudo()
        try:
            message = MailServer.build_email(
                email_from=rendered["email_from"],
                email_to=email_split_and_format_normalize(rendered["email_to"]),
                subject=rendered["subject"],
                body=body,
                body_alternative=plain_text(body),
                subtype="html",
                subtype_alternative="plain",
            )
            MailServer.send_email(message, mail_server_id=template.mail_server_id.id or None)
        except (MailDeliveryException, smtplib.SMTPException, OSError, UserError) as error:
            _logger.warning(
                "E-mail code for appointment %s not sent: %s", self.id, type(error).__name__
            )
            raise UserError(
                _("We could not send the e-mail with your code. Please try again in a few minutes.")
            ) from None

    def _rdv_render_body(self, template):
        """The body of the mail ``template`` (in the language of its context) for
        this appointment, as ``template._render_field("body_html", ...)`` renders it
        outside a request.

        Odoo compiles the QWeb of a mail template's body at each rendering:
        about 10 ms, most of the code step's own work, for a message sent at
        each booking. Here it is compiled once per database, language and
        text (an edited template is a new text).

        The values are those of a mail template (``_render_eval_context``),
        not those of the website page being served: a message reads the same
        whether a request or a cron sends it, and the website's page values
        (its cookie consent, read at each rendering) cost a fifth of the code step.
        """
        self.ensure_one()
        source = template.body_html
        values = template._render_eval_context()
        values["object"] = self
        qweb = template.env["ir.qweb"].with_context(minimal_qcontext=True)
        qweb = qweb._prepare_environment(values)
        safe_eval.check_values(values)
        key = (self.env.cr.dbname, qweb.env.lang, source)
        compiled = _COMPILED_BODIES.get(key)
        if compiled is None:
            compiled = qweb._compile(lxml.html.fragment_fromstring(source, create_parent="div"))
            _COMPILED_BODIES[key] = compiled
        functions, name = compiled
        # Without the <div> that wraps the fragment, as mail.render.mixin does.
        body = Markup("".join(functions[name](qweb, values))[5:-6])
        return self.env["mail.render.mixin"]._replace_local_links(body, self.get_base_url())

    # ------------------------------------------------------------------
    # Links and what the citizen sees
    # ------------------------------------------------------------------

    def _citizen_url(self, path):
        """Absolute link to the website's ``path``, in the citizen's language:
        prefixed (/ar, /en) unless it is the default language of the website
        that books this commune, or a language that website does not offer."""
        self.ensure_one()
        prefix = ""
        website = (
            self.env["website"]
            .sudo()
            .search([])
            .filtered(lambda website: self.company_id in website._rdv_companies())[:1]
        )
        lang = self.citizen_lang
        if (
            website
            and lang
            and lang != website.default_lang_id.code
            and lang in website.language_ids.mapped("code")
        ):
            prefix = "/" + self.env["res.lang"]._get_data(code=lang).url_code
        return "%s%s%s" % (self.get_base_url(), prefix, path)

    def _manage_url(self, action=None):
        """Absolute link with a fresh token that opens this appointment."""
        self.ensure_one()
        token = self.env["rdv.access.token"]._new_token(self)
        return self._citizen_url(
            "/rdv/manage/%s%s" % (token, "?next=%s" % action if action else "")
        )

    def _book_again_url(self):
        self.ensure_one()
        return self._citizen_url("/rdv/type/%s" % self.type_id.id)

    def _masked_contact(self):
        """The citizen's phone and e-mail, masked, for pages and the PDF."""
        self.ensure_one()
        return {
            "phone": mask_phone(self.phone, self.place_id.country_id.code),
            "email": mask_email(self.email),
        }

    def _erase_personal_data(self):
        # The links and codes open the citizen's appointment: nothing is left
        # to open, and they were sent to the citizen's phone or e-mail.
        self.env["rdv.access.token"].sudo().search([("appointment_id", "in", self.ids)]).unlink()
        self.env["rdv.otp"].sudo().search([("appointment_id", "in", self.ids)]).unlink()
        return super()._erase_personal_data()

    def _at_reception(self):
        """Whether the citizen is expected at the reception: a planned
        appointment to come. Only then do the pages and the PDF show the code
        to scan and offer the summary to bring."""
        self.ensure_one()
        return self.state == "planned" and not self.is_past

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

    def _code_sent_to(self, purpose="booking"):
        """Where the last code of ``purpose`` was sent, as pages show the
        contact (:meth:`_shown_contact`); "" if no code was sent to the
        appointment's phone or e-mail as they are now (none asked for yet, or
        the contact changed since)."""
        self.ensure_one()
        otp = (
            self.env["rdv.otp"]
            .sudo()
            .search(
                [
                    ("appointment_id", "=", self.id),
                    ("purpose", "=", purpose),
                    ("to_send", "=", False),
                ],
                limit=1,
            )
        )
        try:
            channel, destination = self._otp_destination()
        except UserError:
            return ""
        if not otp or (otp.channel, otp.destination) != (channel, destination):
            return ""
        return self._shown_contact()["phone" if channel == "sms" else "email"]

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
        return lines

    def _pdf_rtl(self):
        """Whether the summary PDF is written right to left (the language of
        the context: the citizen's)."""
        return self.env["res.lang"]._get_data(code=self.env.lang or "en_US").direction == "rtl"

    def _pdf_text(self, fragment):
        """``fragment`` (HTML, or plain text: escaped) ready for the summary
        PDF: right to left, its words in spans that wkhtmltopdf wraps and
        measures right (``rdv_booking/tools/bidi.py``: a label that mixes
        Arabic and Latin, or Arabic and its punctuation, otherwise runs off the
        right edge); as it is otherwise."""
        if not fragment or not self._pdf_rtl():
            return fragment
        return Markup(printable_rtl(escape(fragment)))

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
        lang = self.citizen_lang or self.partner_id.lang or self.env.lang or "en_US"
        citizen_rtl = self.env["res.lang"]._get_data(code=lang).direction == "rtl"
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

    def _can_change(self):
        """Whether the citizen may still cancel or move it online (the type's deadline)."""
        self.ensure_one()
        deadline = self.start - datetime.timedelta(hours=self.type_id.change_deadline_hours)
        return self.state in CONFIRMED_STATES and (
            self.state == "to_reschedule" or fields.Datetime.now() < deadline
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

    def _ics(self):
        """The appointment as an iCalendar file (bytes), in the language of the
        context.

        Once cancelled, a cancellation (METHOD:CANCEL) of the same event. Its
        SEQUENCE grows at each move (:attr:`ics_sequence`), and once more
        for the cancellation: calendars replace the event they hold only
        with a higher one.
        """
        self.ensure_one()
        cancelled = self.state == "cancelled"
        calendar = vobject.iCalendar()
        calendar.add("prodid").value = "-//RDV//Appointments//EN"
        calendar.add("method").value = "CANCEL" if cancelled else "PUBLISH"
        event = calendar.add("vevent")
        event.add("uid").value = "rdv-%s@%s" % (self.name, self.company_id.id)
        event.add("sequence").value = str(self.ics_sequence + (1 if cancelled else 0))
        event.add("status").value = "CANCELLED" if cancelled else "CONFIRMED"
        event.add("dtstamp").value = fields.Datetime.now().replace(tzinfo=clock.UTC)
        event.add("dtstart").value = self.start.replace(tzinfo=clock.UTC)
        event.add("dtend").value = self.stop.replace(tzinfo=clock.UTC)
        if self.company_id.email:
            organizer = event.add("organizer")
            organizer.value = "mailto:%s" % self.company_id.email
            organizer.params["CN"] = [self.company_id.name]
        event.add("summary").value = "%s - %s" % (self.type_id.name, self.place_id.name)
        event.add("location").value = self.env["res.lang"]._rdv_join(
            [self.place_id.name, self.place_id.address_display]
        )
        description = [
            _("Reference: %(reference)s.", reference=self.name),
            self._bring_on_the_day(),
        ]
        documents = self._documents_to_bring()
        if documents:
            description += [_("Documents to bring:"), plain_text(documents)]
        event.add("description").value = "\n".join(description)
        alarm = event.add("valarm")
        alarm.add("action").value = "DISPLAY"
        alarm.add("description").value = event.summary.value
        alarm.add("trigger").value = datetime.timedelta(hours=-24)
        return calendar.serialize().encode()

    # ------------------------------------------------------------------
    # Notifications (hooks of rdv_booking)
    # ------------------------------------------------------------------

    def _citizen_email(self):
        return email_normalize(self.email or self.partner_id.email or "")

    def _summary_pdf_version(self):
        """What the stored summary PDF was rendered from: its state, time,
        counter and language, and whether it shows the code to scan. A PDF of
        another version is stale. (Not the last change of any field: linking
        the citizen's contact, a new calendar sequence... change nothing the
        PDF shows, and would have each download rendered again.)"""
        self.ensure_one()
        return "|".join(
            str(value)
            for value in (
                self.state,
                self.start,
                self.stop,
                self.counter_id.id,
                self.citizen_lang,
                self._at_reception(),
            )
        )

    def _summary_pdf(self, refresh=False):
        """The summary PDF: stored on the appointment, rendered again when
        missing or when the appointment changed since (cancelled, moved,
        past: see :meth:`_summary_pdf_version`), so that the website, the
        back office and the messages never give a stale one.

        Rendered by the notification job (not in the citizen's request: it
        takes wkhtmltopdf a second or two), and again when the time changes.
        """
        self.ensure_one()
        name = "%s.pdf" % self.name
        version = self._summary_pdf_version()
        Attachment = self.env["ir.attachment"].sudo()
        stored = Attachment.search(
            [("res_model", "=", self._name), ("res_id", "=", self.id), ("name", "=", name)],
            limit=1,
        )
        if stored and not refresh and stored.description == version:
            return base64.b64decode(stored.datas)
        report = self.env.ref("rdv_booking_portal.action_report_rdv_appointment")
        # force_report_rendering: a real PDF under Odoo's test runner too, so
        # that tests read what citizens get. The text is in the citizen's
        # language and direction (see the report), whoever renders it.
        pdf, _format = (
            report.sudo()
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report.report_name, self.ids)
        )
        values = {
            "datas": base64.b64encode(pdf),
            "mimetype": "application/pdf",
            "description": version,
        }
        if stored:
            stored.write(values)
        else:
            Attachment.create(
                {
                    **values,
                    "name": name,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        return pdf

    # Messages by e-mail for each kind of notification (rdv_booking queues
    # them; a failure here is retried by the queue).
    MAIL_TEMPLATES = {
        "booked": ("rdv_booking_portal.mail_template_rdv_confirmation", True),
        "changed": ("rdv_booking_portal.mail_template_rdv_changed", True),
        "cancelled": ("rdv_booking_portal.mail_template_rdv_cancelled", False),
        "to_reschedule": ("rdv_booking_portal.mail_template_rdv_to_reschedule", False),
    }

    def _notify_changed(self):
        """A new version of the calendar file: the event moved."""
        for appointment in self:
            appointment.ics_sequence += 1
        return super()._notify_changed()

    def _deliver_notification(self, kind):
        """By e-mail, to the citizens who gave an address."""
        if kind in self.MAIL_TEMPLATES and self._citizen_email():
            xmlid, with_files = self.MAIL_TEMPLATES[kind]
            return self._send_citizen_mail(xmlid, with_files=with_files)
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

    def _send_citizen_mail(self, xmlid, with_files=False):
        """Queue a message template to the citizen, with fresh links.

        ``with_files``: the summary PDF and the calendar file are attached.
        A cancellation has the calendar file that removes the event.
        """
        self.ensure_one()
        template = self.env.ref(xmlid)
        values = {"attachment_ids": []}
        if with_files or self.state == "cancelled":
            # In the citizen's language, as the message (the template's lang).
            ics = self.with_context(
                lang=self.citizen_lang or self.partner_id.lang or self.env.lang
            )._ics()
            values["attachment_ids"].append(
                (
                    0,
                    0,
                    {
                        "name": "%s.ics" % self.name,
                        "datas": base64.b64encode(ics),
                        "mimetype": "text/calendar",
                    },
                )
            )
        if with_files:
            values["attachment_ids"].append(
                (
                    0,
                    0,
                    {
                        "name": "%s.pdf" % self.name,
                        "datas": base64.b64encode(self._summary_pdf(refresh=True)),
                        "mimetype": "application/pdf",
                    },
                )
            )
        mail_id = (
            template.sudo()
            .with_context(
                rdv_manage_url=self._manage_url(),
                rdv_reschedule_url=self._manage_url("reschedule"),
                rdv_book_again_url=self._book_again_url(),
            )
            .send_mail(self.id, email_values=values, email_layout_xmlid=False)
        )
        # Queued, not sent: the mail queue sends it, and the message's status
        # says "sent" once the mail server accepted it (rdv.notification).
        self.message_post(
            body=_(
                "%(what)s queued for sending by e-mail to %(to)s.",
                what=template.name,
                to=mask_email(self._citizen_email()),
            ),
            subtype_xmlid="mail.mt_note",
        )
        # Wake the mail queue now rather than at its next hourly run.
        self.env["ir.cron"]._rdv_wake("mail.ir_cron_mail_scheduler_action")
        return self.env["mail.mail"].sudo().browse(mail_id)

    # ------------------------------------------------------------------
    # "My appointments" of a logged-in user (/my)
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
    def _portal_find(self, reference, contact):
        """The appointment with ``reference`` whose phone or e-mail is ``contact``.

        Used by "manage my appointment" without a link: the caller answers the
        same whatever the result, so that references cannot be probed.
        """
        reference = normalize_reference(reference)
        if not reference or not contact:
            return self.browse()
        # What the match needs, in the query that looks for the reference: a
        # known reference costs no more queries than an unknown one.
        appointment = self.sudo().search_fetch(
            [("name", "=", reference)], ["state", "email", "phone", "partner_id"], limit=1
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
