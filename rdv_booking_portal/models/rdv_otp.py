import datetime
import logging
import secrets
import threading

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize
from odoo.tools.misc import consteq, hmac

from odoo.addons.rdv_booking.tools.parse import typed_digits
from odoo.addons.rdv_booking.tools.phone import PhoneError, parse_phone
from odoo.addons.rdv_booking.tools.reference import normalize_reference

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

    Six digits, stored as an HMAC (keyed by the database secret), bound to one
    appointment and one purpose, valid a few minutes, single use, and refused
    after a few wrong attempts. The limits are the company's settings.

    Managing by reference (:meth:`_challenge`), a record is made for every
    reference and contact asked for, whether they match an appointment or
    not: one with no appointment (or whose code could not be sent) has a hash
    that no code matches, and is otherwise the same record, counted, expired,
    locked and asked for again in the same way. Nothing tells them apart.
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
    code_hash = fields.Char(required=True)
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

    @api.model
    def _hash(self, otp_id, code):
        return hmac(self.env(su=True), "rdv-otp", "%s|%s" % (otp_id, code))

    @api.model
    def _issue(self, appointment, purpose, client_ip):
        """Create a new code for ``appointment`` and send it; return the code record.

        Refused (OtpError) during the resend cooldown, and beyond the send
        limits per destination and per client IP (counted in PostgreSQL, so
        they hold across workers). A new code replaces the previous ones.
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
        RateLimit = self.env["rdv.rate.limit"]
        hour = 3600
        if not (
            RateLimit._allow("otp-dest", destination, company.rdv_otp_sends_per_hour, hour)
            and RateLimit._allow("otp-ip", client_ip, company.rdv_otp_sends_per_ip_hour, hour)
        ):
            raise OtpError(_("Too many codes were sent. Please try again in an hour."), "limit")
        code = "%0*d" % (CODE_DIGITS, secrets.randbelow(10**CODE_DIGITS))
        # A code that could not be sent leaves nothing behind: no code record,
        # so no cooldown, and the citizen can ask again at once.
        with self.env.cr.savepoint():
            otp = self.sudo().create(
                {
                    "appointment_id": appointment.id,
                    "purpose": purpose,
                    "channel": channel,
                    "destination": destination,
                    "code_hash": "-",
                    "sent_at": now,
                    "expires_at": now
                    + datetime.timedelta(minutes=company.rdv_otp_validity_minutes),
                }
            )
            otp.code_hash = self._hash(otp.id, code)
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
            appointment._send_otp(code, channel, purpose)
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
        if not consteq(self.code_hash, self._hash(self.id, clean)):
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
    def _challenge(self, reference, contact, company, client_ip):
        """The code record that a code typed next is checked against, to open
        the appointment ``reference`` whose phone or e-mail is ``contact``.

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
        appointment = self.env["rdv.appointment"].sudo()._portal_find(reference, contact)
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
                # No code yet: the sender makes it. Until then (and for ever
                # without a match) no code matches this hash.
                "code_hash": secrets.token_hex(32),
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
        if not self.appointment_id:  # no code matches its hash: never here
            raise OtpError(_("This code can no longer be used. Ask for a new code."), "attempts")
        return self.appointment_id

    @api.model
    def _cron_send_codes(self, limit=200):
        """Cron (woken by :meth:`_challenge`): make and send the codes asked for.

        Each code is made here, its hash written and the code sent in one
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
            code = "%0*d" % (CODE_DIGITS, secrets.randbelow(10**CODE_DIGITS))
            company = otp.company_id
            try:
                with self.env.cr.savepoint():
                    channel, destination = otp.appointment_id._otp_destination()
                    if not RateLimit._allow(
                        "otp-dest", destination, company.rdv_otp_sends_per_hour, 3600
                    ):
                        raise UserError(_("Too many codes were sent. Please try again in an hour."))
                    otp.write({"channel": channel, "code_hash": self._hash(otp.id, code)})
                    otp.appointment_id.with_context(
                        rdv_otp_validity=company.rdv_otp_validity_minutes
                    )._send_otp(code, channel, otp.purpose)
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
