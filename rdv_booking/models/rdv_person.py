from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools.identity import email_key, id_number_key, lock_buckets
from .rdv_appointment import BookingError


class RdvPerson(models.AbstractModel):
    """A citizen recognised across bookings, and the limits on what one
    person may book.

    A person is whoever shares a phone, an e-mail address or an ID document
    number with the booking (in normal form, tools/identity.py), in every
    company; a phone or an e-mail address counts where it was proven (a code
    sent to it, or an agent's or a client system's booking: see
    ``rdv.appointment.contact_proven``). No table of persons: their appointments are read, and the
    table ``rdv_person_lock`` serialises the bookings of one person.
    """

    _name = "rdv.person"
    _description = "Citizen across bookings"

    def init(self):
        # The locks of the per-person limits (_lock): a bounded set of
        # buckets, no personal data.
        self.env.cr.execute(
            "CREATE TABLE IF NOT EXISTS rdv_person_lock (bucket integer PRIMARY KEY)"
        )

    @api.model
    def _check_limits(self, appointment_type, vals, exclude=None):
        """At most N active bookings of a type per person; one per procedure elsewhere.

        The person of ``vals`` (cleaned citizen values, see
        :meth:`rdv.citizen._prepare_citizen_vals`) is whoever shares one of their phone,
        e-mail or ID document number (:meth:`_keys`), instance-wide
        (every company): a shared instance allows no booking for the same
        procedure in two communes. Every channel runs it: the booking service, the website's
        details (:meth:`rdv.appointment._set_citizen`), and any change that makes an
        appointment count or changes whom it counts for (:meth:`rdv.appointment.write`).

        The person's keys are locked first (:meth:`_lock`), so that
        two bookings of one person in parallel cannot both pass. One indexed
        query, the rest in Python (filtering states, times and procedures in
        SQL cost PostgreSQL seven times as much, most of it planning).

        :param exclude: appointments not to count (the one being changed)
        :raises BookingError: ``code`` 'limit' or 'elsewhere'; the message
            says neither which detail matched nor anything of the other
            appointments
        """
        keys = self._keys(vals)
        if not keys:
            return  # nothing tells who they are (an agent books a name only)
        self.env["rdv.appointment"].flush_model(
            [
                "type_id",
                "state",
                "hold_expiry",
                "stop",
                "identity_key",
                "phone",
                "email",
                "contact_proven",
            ]
        )
        self.env.cr.execute(
            SQL(
                "WITH person_lock AS (%s) "
                "SELECT a.id, a.type_id, a.state, a.hold_expiry, a.stop "
                "FROM rdv_appointment a WHERE %s",
                self._lock(keys),
                self._same_person_condition(keys),
            )
        )
        now = fields.Datetime.now()
        excluded = set(exclude.ids) if exclude else set()
        active_types = [
            type_id
            for appointment_id, type_id, state, hold_expiry, stop in self.env.cr.fetchall()
            if appointment_id not in excluded and self._is_active(state, hold_expiry, stop, now)
        ]
        most = appointment_type.max_active_per_person
        if active_types.count(appointment_type.id) >= most:
            # The type's maximum, not the count: nothing more than the refusal
            # itself about whoever shares these details.
            if most == 1:
                message = _(
                    "You already have an upcoming appointment for %(type)s with the same "
                    "phone number, e-mail address or ID document number: the most allowed. "
                    "Cancel it before booking another.",
                    type=appointment_type.name,
                )
            else:
                message = _(
                    "You already have %(max)s upcoming appointments for %(type)s with the "
                    "same phone number, e-mail address or ID document number: the most "
                    "allowed. Cancel one before booking another.",
                    max=most,
                    type=appointment_type.name,
                )
            raise BookingError(message, code="limit")
        others = set(active_types) - {appointment_type.id}
        if (
            others
            and appointment_type.procedure_code
            and appointment_type.procedure_code
            in self.env["rdv.appointment.type"].sudo().browse(others).mapped("procedure_code")
        ):
            raise BookingError(
                _(
                    "You already have an upcoming appointment for this procedure at another "
                    "place with the same phone number, e-mail address or ID document number. "
                    "Cancel it before booking here."
                ),
                code="elsewhere",
            )

    @api.model
    def _is_active(self, state, hold_expiry, stop, now):
        """Whether an appointment counts against its citizen's limits: planned
        and not over, or to reschedule.

        A website hold does not count: its details are only typed, not proven
        (no code yet), and whoever typed someone's phone in a few holds would
        otherwise keep that person from booking. It counts once confirmed,
        when :meth:`rdv.appointment._confirm_hold` checks the limits under
        the person's lock.
        """
        if state == "planned":
            return stop > now
        return state == "to_reschedule"

    @api.model
    def _keys(self, vals):
        """What recognises the person of ``vals`` across bookings, in normal
        form (tools/identity.py): {'phone', 'email', 'identity_key'}, those
        given only. A person is the same as soon as one of them is.

        :param vals: cleaned citizen values (phone in E.164, e-mail
            normalised, the ID number as typed)
        """
        keys = {
            "phone": vals.get("phone"),
            "email": email_key(vals.get("email")),
            "identity_key": id_number_key(vals.get("id_number")),
        }
        return {name: value for name, value in keys.items() if value}

    @api.model
    def _same_person_condition(self, keys):
        """SQL condition on appointment ``a``: booked by the person of
        ``keys`` (:meth:`_keys`): one of the three equal, a phone or an
        e-mail address only where it was proven (``contact_proven``: someone
        who typed another's phone in their booking neither learns of that
        person's appointments nor keeps them from booking); each column
        indexed (a bitmap OR of up to three index scans)."""
        unproven = {"phone": "email", "email": "phone"}
        return SQL(
            "(%s)",
            SQL(" OR ").join(
                SQL(
                    "(a.%s = %s AND a.contact_proven != %s)",
                    SQL.identifier(name),
                    value,
                    unproven[name],
                )
                if name in unproven
                else SQL("a.%s = %s", SQL.identifier(name), value)
                for name, value in keys.items()
            ),
        )

    @api.model
    def _lock_numbers(self, numbers):
        """Lock ANTS pre-application ``numbers`` until the transaction ends,
        in the person locks' table (see :meth:`_lock`): two bookings of one
        number in parallel cannot both see it free."""
        buckets = lock_buckets(("ants", number) for number in numbers)
        if buckets:
            self.env.cr.execute(
                "INSERT INTO rdv_person_lock (bucket) SELECT unnest(%s::int[]) ORDER BY 1 "
                "ON CONFLICT (bucket) DO UPDATE SET bucket = EXCLUDED.bucket",
                (buckets,),
            )

    def _lock(self, keys):
        """SQL statement (for a WITH clause) that locks the person of ``keys``
        until the transaction ends: one row per key in rdv_person_lock (see
        :meth:`init`), written in one order by everyone (no deadlock).

        A second booking of the same person waits there; its snapshot being
        older than the first's commit, PostgreSQL then refuses it
        (serialization failure), and Odoo runs the request again, when it sees
        the first booking. An advisory lock alone would not do: after
        waiting, the second transaction would still read its old snapshot.
        """
        kinds = {"phone": "phone", "email": "email", "identity_key": "id"}
        buckets = lock_buckets((kinds[name], value) for name, value in keys.items())
        return SQL(
            "INSERT INTO rdv_person_lock (bucket) SELECT unnest(%s::int[]) ORDER BY 1 "
            "ON CONFLICT (bucket) DO UPDATE SET bucket = EXCLUDED.bucket",
            buckets,
        )
