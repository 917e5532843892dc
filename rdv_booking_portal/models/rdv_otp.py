import base64
import datetime
import logging
import smtplib
import threading

import pyotp

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize
from odoo.tools.mail import email_split_and_format_normalize
from odoo.tools.misc import hmac

from odoo.addons.base.models.ir_mail_server import MailDeliveryException
from odoo.addons.rdv_booking.tools.parse import typed_digits
from odoo.addons.rdv_booking.tools.phone import PhoneError, parse_phone
from odoo.addons.rdv_booking.tools.reference import normalize_reference

from .mail_template import plain_text

_logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class OtpError(UserError):
    """A code refused; ``code`` says why ('format', 'wrong', 'expired', 'attempts',
    'cooldown', 'limit'), ``remaining`` how many attempts are left, ``wait`` seconds to wait."""

    def __init__(self, message, code, remaining=0, wait=0):
        super().__init__(message)
        self.code = code
        self.remaining = remaining
        self.wait = wait


class RdvOtp(models.Model):
    """A one-time code that proves the citizen owns the phone or e-mail given.

    Six digits, never stored (see :meth:`_hotp`), bound to one appointment
    and one purpose, valid a few minutes, single use, and refused after a few
    wrong attempts. The limits are the company's settings.

    Managing by reference (:meth:`_challenge`), a record is made for every
    reference and contact asked for, whether they match an appointment or
    not: one with no appointment (or whose code could not be sent) has no
    key, so that no code opens it, and is otherwise the same record, counted,
    expired, locked and asked for again in the same way. Nothing tells them
    apart.
    """

    _name = "rdv.otp"
    _description = "One-time code"
    _order = "id desc"

    # Empty when the reference and contact asked for match no appointment.
    appointment_id = fields.Many2one("rdv.appointment", index=True, ondelete="cascade")
    # Whose rules apply: attempts, life, resend delay.
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    purpose = fields.Selection(
        [("booking", "Confirm a booking"), ("manage", "Manage an appointment")],
        required=True,
    )
    # Empty when no code is sent.
    channel = fields.Selection([("email", "E-mail"), ("sms", "SMS")])
    # Where the code was sent (the phone or e-mail of the appointment then):
    # pages name this one, not the contact as it is now.
    destination = fields.Char()
    # What the code is made from (see _hotp); empty while no code was made,
    # and for ever when none is sent: no code opens the record then.
    code_key = fields.Char(copy=False)
    sent_at = fields.Datetime(required=True)  # when the code was asked for
    expires_at = fields.Datetime(required=True)
    consumed_at = fields.Datetime()
    # Managing by reference: HMAC of the reference and the contact asked for.
    pair_key = fields.Char("Reference and contact asked for", index="btree_not_null")
    # The code is still to be made and sent (after the answer, by a cron).
    to_send = fields.Boolean("To send")

    @api.depends("appointment_id")
    def _compute_company_id(self):
        for otp in self:
            otp.company_id = otp.appointment_id.company_id or otp.company_id

    # ------------------------------------------------------------------
    # The code: made from a key, never stored
    # ------------------------------------------------------------------

    @api.model
    def _new_key(self):
        """A random key for a new code (160 bits)."""
        return pyotp.random_base32()

    def _hotp(self):
        """The generator of this record's code: HOTP (RFC 4226, by ``pyotp``)
        at the record's id, keyed by an HMAC of its random key under the
        server's ``database.secret``.

        No code is stored, not even hashed: the hash of a six-digit code is
        reversed by trying the million codes, in milliseconds, and a key
        stored alone would be the code in clear. With the server's secret in
        the derivation, the rows of this table (an export, a log, a copy
        without the server's parameters) give no code and no cheap guess.
        Whoever copies the whole database, its parameters included, can
        compute the codes still alive, as they could have reversed hashes:
        such a copy holds the appointments themselves, and codes live minutes.
        """
        self.ensure_one()
        digest = hmac(self.env(su=True), "rdv-otp", self.code_key or "")
        secret = base64.b32encode(bytes.fromhex(digest)).decode()
        return pyotp.HOTP(secret, digits=CODE_DIGITS)

    def _code(self):
        """This record's code, to send (never to store nor log)."""
        return self._hotp().at(self.id)

    def _matches(self, clean):
        """Whether ``clean`` (digits) is this record's code, in constant time;
        never for a record without key (the same work is done)."""
        return self._hotp().verify(clean, self.id) and bool(self.code_key)

    def _send(self):
        """Send this record's code on its channel (e-mail here) to its
        appointment's citizen. The code is never logged.

        The message of the code template is rendered and handed to the SMTP
        server at once, without a ``mail.mail`` record: the code is never
        written to the database, even when sending fails, and the caller is
        told at once if it did (UserError). The message gives the code's life
        under this record's company (codes asked for by reference follow the
        website's rules).
        """
        self.ensure_one()
        if self.channel != "email":
            raise UserError(_("This channel cannot send codes."))
        appointment = self.appointment_id
        template = (
            self.env.ref("rdv_booking_portal.mail_template_rdv_code")
            .sudo()
            .with_context(
                rdv_code=self._code(),
                rdv_purpose=self.purpose,
                rdv_validity=self.company_id.rdv_otp_validity_minutes,
            )
        )
        # In the citizen's language (the template's lang field).
        ((localized, _ids),) = template._classify_per_lang(appointment.ids).values()
        rendered = localized._generate_template(
            appointment.ids, ("subject", "email_from", "email_to")
        )[appointment.id]
        body = localized._rdv_render_body(appointment)
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
                "E-mail code for appointment %s not sent: %s", appointment.id, type(error).__name__
            )
            raise UserError(
                _("We could not send the e-mail with your code. Please try again in a few minutes.")
            ) from None

    # ------------------------------------------------------------------
    # Confirming a booking
    # ------------------------------------------------------------------

    @api.model
    def _sent_to(self, appointment, purpose="booking"):
        """Where the last code of ``purpose`` for ``appointment`` was sent, as
        pages show the contact (``_shown_contact``); "" if no code was sent to
        the appointment's phone or e-mail as they are now (none asked for yet,
        or the contact changed since)."""
        otp = self.sudo().search(
            [
                ("appointment_id", "=", appointment.id),
                ("purpose", "=", purpose),
                ("to_send", "=", False),
            ],
            limit=1,
        )
        try:
            channel, destination = appointment._otp_destination()
        except UserError:
            return ""
        if not otp or (otp.channel, otp.destination) != (channel, destination):
            return ""
        return appointment._shown_contact()["phone" if channel == "sms" else "email"]

    @api.model
    def _issue(self, appointment, purpose, client_ip, requester=None):
        """Create a new code for ``appointment`` and send it; return the code record.

        Refused (OtpError) during the resend cooldown, and beyond the send
        limits per destination and per requester (counted in PostgreSQL, so
        they hold across workers). A new code replaces the previous ones.

        :param requester: ``(scope, key, codes per hour)`` of who asks; by
            default the client IP with the website's limit. A client system
            of the API is one requester of its own, whatever its address (a
            phone server books for every caller of the commune).
        """
        company = appointment.company_id
        now = fields.Datetime.now()
        last = self.sudo().search(
            [("appointment_id", "=", appointment.id), ("purpose", "=", purpose)], limit=1
        )
        cooldown = datetime.timedelta(seconds=company.rdv_otp_resend_seconds)
        if last and last.sent_at + cooldown > now:
            wait = int((last.sent_at + cooldown - now).total_seconds()) + 1
            raise OtpError(
                _("A code was just sent. You can ask for a new one in %s seconds.", wait),
                "cooldown",
                wait=wait,
            )
        channel, destination = appointment._otp_destination()
        if requester is None:
            requester = ("otp-ip", client_ip, company.rdv_otp_sends_per_ip_hour)
        RateLimit = self.env["rdv.rate.limit"]
        hour = 3600
        if not (
            RateLimit._allow("otp-dest", destination, company.rdv_otp_sends_per_hour, hour)
            and RateLimit._allow(*requester, hour)
        ):
            raise OtpError(
                _("Too many codes were sent. Please try again in an hour."), "code_limit"
            )
        # A code that could not be sent leaves nothing behind: no code record,
        # so no cooldown, and the citizen can ask again at once.
        with self.env.cr.savepoint():
            otp = self.sudo().create(
                {
                    "appointment_id": appointment.id,
                    "purpose": purpose,
                    "channel": channel,
                    "destination": destination,
                    "code_key": self._new_key(),
                    "sent_at": now,
                    "expires_at": now
                    + datetime.timedelta(minutes=company.rdv_otp_validity_minutes),
                }
            )
            # Older codes of the same purpose stop working.
            (
                last
                | last.search(
                    [
                        ("appointment_id", "=", appointment.id),
                        ("purpose", "=", purpose),
                        ("consumed_at", "=", False),
                        ("id", "!=", otp.id),
                    ]
                )
            ).write({"consumed_at": now})
            otp._send()
        return otp

    @api.model
    def _clean_code(self, code):
        """The digits of ``code`` as typed (spaces and dashes dropped).

        :raises OtpError: not a code at all (a typo, not a guess): refused
            without using an attempt
        """
        clean = typed_digits(code)
        if len(clean) != CODE_DIGITS:
            raise OtpError(_("The code has %s digits: type all of them.", CODE_DIGITS), "format")
        return clean

    def _proven_contact(self):
        """The contact this code proves once verified: 'phone' (sent by SMS)
        or 'email' (see rdv.appointment.contact_proven)."""
        self.ensure_one()
        return "phone" if self.channel == "sms" else "email"

    def _verify(self, code):
        """Check ``code``; consume this record on success.

        Each attempt is counted before the code is compared, in the rate-limit
        table and in a transaction of its own: parallel guesses on several
        workers cannot exceed the limit, and a request that fails afterwards
        does not give the attempt back. Only this request's transaction writes
        the code itself, so the two never conflict.
        """
        self.ensure_one()
        clean = self._clean_code(code)
        limit = self.company_id.rdv_otp_max_attempts
        if self.consumed_at:
            raise OtpError(_("This code was already used. Ask for a new code."), "attempts")
        attempts = self.env["rdv.rate.limit"]._hit("otp-verify", self.id, window_start=self.sent_at)
        if attempts > limit:
            raise OtpError(_("This code can no longer be used. Ask for a new code."), "attempts")
        if self.expires_at <= fields.Datetime.now():
            raise OtpError(_("This code has expired. Ask for a new code."), "expired")
        if not self._matches(clean):
            remaining = limit - attempts
            if remaining <= 0:
                raise OtpError(
                    _("Wrong code, and no attempt left. Ask for a new code."), "attempts"
                )
            raise OtpError(
                _("Wrong code. Attempts left: %s.", remaining), "wrong", remaining=remaining
            )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rdv_otp SET consumed_at = %s WHERE id = %s AND consumed_at IS NULL "
            "RETURNING id",
            (fields.Datetime.now(), self.id),
        )
        if not self.env.cr.rowcount:
            raise OtpError(_("This code was already used. Ask for a new code."), "attempts")
        self.invalidate_recordset(["consumed_at"])
        return True

    # ------------------------------------------------------------------
    # Managing by reference: the same for every pair asked for
    # ------------------------------------------------------------------

    @api.model
    def _pair_key(self, reference, contact, company):
        """Who asked for what, whatever the way it was typed: the reference
        and the contact normalised (phones read in ``company``'s country)."""
        reference = normalize_reference(reference) or " ".join(reference.split()).upper()
        who = email_normalize(contact)
        if not who:
            try:
                who = parse_phone(contact, company.country_id.code)
            except PhoneError:
                who = " ".join(contact.split()).casefold()
        return hmac(self.env(su=True), "rdv-otp-pair", "%s|%s" % (reference, who))

    @api.model
    def _challenge(self, reference, contact, company, client_ip, companies=None):
        """The code record that a code typed next is checked against, to open
        the appointment ``reference`` whose phone or e-mail is ``contact``,
        of one of ``companies`` (the website's communes; default ``company``).

        The same work and the same record whether the pair matches or not,
        under ``company``'s rules (the website's: the appointment's would tell
        which commune the reference is of): within the resend delay, the
        last record of the pair, its attempts and its lock; after it, a new
        one that replaces it, and the send limit per client IP counted. The
        code is made and sent after the answer, by a cron
        (:meth:`_cron_send_codes`), which also finds where to send it and
        counts the limit per destination, so that the request that found the
        appointment does no more work; to no one when the pair matches
        nothing, or beyond the send limits.
        """
        Otp = self.sudo()
        now = fields.Datetime.now()
        key = self._pair_key(reference, contact, company)
        last = Otp.search([("purpose", "=", "manage"), ("pair_key", "=", key)], limit=1)
        cooldown = datetime.timedelta(seconds=company.rdv_otp_resend_seconds)
        if last and not last.consumed_at and last.sent_at + cooldown > now:
            return last
        appointment = (
            self.env["rdv.appointment"]
            .sudo()
            ._portal_find(reference, contact, company if companies is None else companies)
        )
        # Counted for every pair; the limit per destination, which needs the
        # appointment's phone or e-mail, when sending.
        allowed = self.env["rdv.rate.limit"]._allow(
            "otp-ip", client_ip, company.rdv_otp_sends_per_ip_hour, 3600
        )
        otp = Otp.create(
            {
                "appointment_id": appointment.id,
                "company_id": company.id,
                "purpose": "manage",
                "pair_key": key,
                # No key yet: the sender makes the code. Until then (and for
                # ever without a match) no code opens this record.
                "sent_at": now,
                "expires_at": now + datetime.timedelta(minutes=company.rdv_otp_validity_minutes),
                "to_send": bool(appointment) and allowed,
            }
        )
        # The codes asked for before by the same pair stop working.
        Otp.search(
            [
                ("purpose", "=", "manage"),
                ("pair_key", "=", key),
                ("consumed_at", "=", False),
                ("id", "!=", otp.id),
            ]
        ).write({"consumed_at": now})
        self.env["ir.cron"]._rdv_wake("rdv_booking_portal.ir_cron_rdv_otp_send")
        return otp

    def _open(self, code):
        """Check ``code`` (see :meth:`_verify`); return the appointment it opens.

        :raises OtpError: why the code does not open it, in the same words
            whether this record is of an appointment or not
        """
        self.ensure_one()
        self._verify(code)
        if not self.appointment_id:  # no key, so no code matches: never here
            raise OtpError(_("This code can no longer be used. Ask for a new code."), "attempts")
        return self.appointment_id

    @api.model
    def _cron_send_codes(self, limit=200):
        """Cron (woken by :meth:`_challenge`): make and send the codes asked for.

        Each code is made here, its key written and the code sent in one
        savepoint: a code that could not be sent (no address, beyond the
        limit per destination, the gateway down) leaves a record that no code
        opens, as if the pair matched nothing; the citizen asks again. The
        code is never stored nor logged. Run by the cron, each sending is
        committed at once.
        """
        self.env.cr.execute(
            "SELECT id FROM rdv_otp WHERE to_send ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            (limit,),
        )
        todo = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        commit = self.env.context.get("cron_id") and not getattr(
            threading.current_thread(), "testing", False
        )
        now = fields.Datetime.now()
        RateLimit = self.env["rdv.rate.limit"]
        for otp in todo:
            otp.to_send = False
            if otp.consumed_at or otp.expires_at <= now or not otp.appointment_id:
                continue
            company = otp.company_id
            try:
                with self.env.cr.savepoint():
                    channel, destination = otp.appointment_id._otp_destination()
                    if not RateLimit._allow(
                        "otp-dest", destination, company.rdv_otp_sends_per_hour, 3600
                    ):
                        raise UserError(_("Too many codes were sent. Please try again in an hour."))
                    otp.write({"channel": channel, "code_key": self._new_key()})
                    otp._send()
            except Exception as error:  # noqa: BLE001 - the code dies, the others go
                _logger.warning("Code %s not sent: %s", otp.id, type(error).__name__)
            if commit:
                self.env.cr.commit()
        return len(todo)

    @api.autovacuum
    def _gc_codes(self):
        """Delete codes a day after they expired."""
        self.search(
            [("expires_at", "<", fields.Datetime.now() - datetime.timedelta(days=1))]
        ).unlink()

    # ------------------------------------------------------------------
    # What the website reads of an appointment's codes
    # ------------------------------------------------------------------

    @api.model
    def _rdv_current(self, appointment, purpose):
        """The code of ``appointment`` for ``purpose`` that can still be typed
        (the last one asked for and not used), if any."""
        return self.sudo().search(
            [
                ("appointment_id", "=", appointment.id),
                ("purpose", "=", purpose),
                ("consumed_at", "=", False),
            ],
            limit=1,
        )

    @api.model
    def _rdv_channel_label(self, appointment, purpose="booking"):
        """Where a code of ``purpose`` for ``appointment`` goes, as pages show
        the contact (:meth:`rdv.appointment._shown_contact`): its phone or its
        e-mail; "" when it has neither."""
        try:
            channel, _destination = appointment._otp_destination()
        except UserError:
            return ""
        shown = appointment._shown_contact()
        return shown["phone"] if channel == "sms" else shown["email"]
