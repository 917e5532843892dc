import datetime
import logging

import psycopg2

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools import actions, clock
from ..tools.ants import DATE_FORMAT as ANTS_DATE_FORMAT
from ..tools.ants import REFUSED_STATUSES as ANTS_REFUSED_STATUSES
from ..tools.ants import AntsUnavailable, normalize_application_id
from ..tools.identity import id_number_key
from ..tools.phone import PhoneError, format_phone, has_country_code, parse_phone
from ..tools.reference import new_reference, normalize_reference

_logger = logging.getLogger(__name__)

# A confirmed appointment that stands: planned, or to reschedule (its time was
# lost, not the appointment). The views write these sets out as literals:
# tests/test_states.py keeps them equal.
CONFIRMED_STATES = ("planned", "to_reschedule")
# What can still be cancelled: the confirmed ones and the website's holds.
ACTIVE_STATES = ("pending", *CONFIRMED_STATES)
# The channels where citizens book for themselves, with the website's rules:
# the website, and the client systems of the public API (a case-management
# system, a phone server), reported apart.
ONLINE_CHANNELS = ("web", "api")
# What decides whether an appointment counts against its citizen's limits
# (rdv.person._is_active), and whom or what it counts for: a write of any of them checks
# the limits again (write).
ACTIVITY_FIELDS = {"state", "hold_expiry", "stop"}
PERSON_FIELDS = ACTIVITY_FIELDS | {"phone", "email", "id_number", "type_id", "contact_proven"}

# The client systems' event of each outcome an agent sets (rdv.webhook.delivery);
# back to planned (a mistake undone) is none.
OUTCOME_EVENTS = {"done": "done", "no_show": "absent"}

# No slot is ever generated further ahead (the company's horizon is at most
# two years): a start beyond is refused before any date arithmetic on it.
FURTHEST_START_DAYS = 731


# A date and time in a list or a dialog: short, with the weekday.
SHORT_FORMAT = "EEE d MMM y, HH:mm"


class BookingError(UserError):
    """A booking refused for a reason the person can act on.

    ``code`` lets callers react (the website shows other slots on 'taken').
    """

    def __init__(self, message, code="refused", alternatives=()):
        super().__init__(message)
        self.code = code
        self.alternatives = list(alternatives)


class SlotTakenError(BookingError):
    """The slots were taken meanwhile; ``alternatives`` lists the next free ones."""

    def __init__(self, message, alternatives=()):
        super().__init__(message, code="taken", alternatives=alternatives)


class AntsElsewhereError(BookingError):
    """A pre-application number already has an appointment elsewhere: the
    citizen (or the agent) decides whether to book this one too, and books
    again with ``ants_confirmed``. ``elsewhere`` lists them: dicts of
    ``person``, ``number``, ``meeting_point``, ``date`` and ``management_url``.
    """

    def __init__(self, message, elsewhere):
        super().__init__(message, code="ants_elsewhere")
        self.elsewhere = elsewhere


class CitizenInputError(ValidationError):
    """Invalid citizen data; ``errors`` maps each field to its message,
    ``not_asked`` names the fields given that the type does not ask."""

    def __init__(self, errors, not_asked=()):
        super().__init__("\n".join(errors.values()))
        self.not_asked = set(not_asked)
        self.errors = errors


class RdvAppointment(models.Model):
    """An appointment of a citizen at a counter, and its life cycle.

    Every channel (website, counter, phone) books through :meth:`_book`, the
    one booking service: it validates the citizen's data (``rdv.citizen``
    owns those rules, up to their erasure) and the type's rules, then takes
    the slots atomically.
    """

    _name = "rdv.appointment"
    _description = "Appointment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "start desc, id desc"
    _check_company_auto = True

    # Indexed by its unique constraint.
    name = fields.Char(
        "Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self._new_reference(),
    )
    type_id = fields.Many2one(
        "rdv.appointment.type",
        "Appointment type",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    service_id = fields.Many2one(
        related="type_id.service_id", store=True, index=True, precompute=True
    )
    counter_id = fields.Many2one(
        "rdv.counter",
        "Counter",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    place_id = fields.Many2one(
        related="counter_id.place_id", store=True, index=True, precompute=True
    )
    company_id = fields.Many2one(
        related="counter_id.company_id", store=True, index=True, precompute=True
    )
    slot_ids = fields.One2many("rdv.slot", "appointment_id", string="Slots", readonly=True)
    start = fields.Datetime(required=True, tracking=True, index=True)
    stop = fields.Datetime(required=True)
    start_local = fields.Char("Date and time", compute="_compute_start_local")
    when_local = fields.Char("Date and times", compute="_compute_start_local")
    # The lists' and dialogs' times as the place's wall clock reads them: the
    # web client would write the datetimes in the browser's time zone.
    start_short = fields.Char("Date and time (short)", compute="_compute_start_local")
    arrival_local = fields.Char("Arrived", compute="_compute_start_local")
    booked_on_local = fields.Char("Booked on", compute="_compute_start_local")
    persons = fields.Integer(default=1, required=True, tracking=True)
    duration = fields.Integer(
        "Duration (minutes)",
        compute="_compute_duration",
        store=True,
        precompute=True,
        aggregator="avg",
    )
    color = fields.Integer(related="type_id.color")

    # --- the citizen
    partner_id = fields.Many2one(
        "res.partner",
        "Citizen",
        index=True,  # also finds those to link (res.partner._cron_rdv_link_appointments)
        tracking=True,
    )
    lastname = fields.Char("Last name")
    firstname = fields.Char("First name")
    citizen_name = fields.Char(
        "Citizen's name",
        compute="_compute_citizen_name",
        help="The name the citizen gave, else their contact's (a citizen logged in on "
        "the website may book for a relative: the contact is then their account's).",
    )
    file_number = fields.Char("File number")
    # --- the ID-card and passport procedure: one pre-application number per person
    application_ids = fields.One2many(
        "rdv.appointment.application",
        "appointment_id",
        string="Pre-application numbers",
        copy=False,
    )
    ants_reason = fields.Selection(related="type_id.ants_reason")
    ants_elsewhere_accepted = fields.Boolean(
        "Other appointments accepted",
        readonly=True,
        copy=False,
        help="The citizen was told their pre-application number already had an appointment "
        "elsewhere and wanted this one too.",
    )
    ants_check_skipped = fields.Boolean(
        "National check skipped",
        readonly=True,
        copy=False,
        help="The ANTS coordination API was not set up or could not be reached when "
        "this appointment was booked: its pre-application numbers were checked against "
        "this commune's appointments only.",
    )
    ants_declaration_ids = fields.One2many(
        "rdv.ants.declaration", "appointment_id", string="Declarations to ANTS", readonly=True
    )
    ants_numbers_missing = fields.Integer(
        "Pre-application numbers missing",
        compute="_compute_ants_numbers_missing",
        store=True,
        help="Persons of this ID-card or passport appointment without their pre-application "
        'number (the caller did not have it at hand): add them with "Add numbers"; each is '
        "checked with ANTS and declared.",
    )
    ants_numbers_missing_text = fields.Char(
        "Persons without their number", compute="_compute_ants_numbers_missing_text"
    )
    file_number_label = fields.Char(related="type_id.file_number_label")
    id_type = fields.Selection(
        [
            ("id_card", "National ID card"),
            ("passport", "Passport"),
            ("residence_permit", "Residence permit"),
            ("driving_licence", "Driving licence"),
            ("other", "Other"),
        ],
        "ID document type",
    )
    id_number = fields.Char("ID document number")
    identity_key = fields.Char(
        compute="_compute_identity_key",
        precompute=True,
        store=True,
        index="btree_not_null",
        help="ID document number normalised, to recognise a person across bookings.",
    )
    birthdate = fields.Date("Birth date")
    street = fields.Char("Address")
    zip = fields.Char("Postcode")
    city = fields.Char(help="The citizen's commune of residence (statistics).")
    country_id = fields.Many2one("res.country", "Country")
    email = fields.Char("E-mail", index="btree_not_null")
    phone = fields.Char("Mobile phone", index=True, help="E.164 format (+33612345678).")
    # What a code proved of the contacts (the website, a phone server): only
    # a proven contact makes two bookings one person's (rdv.person).
    contact_proven = fields.Selection(
        [("both", "Phone and e-mail"), ("email", "E-mail only"), ("phone", "Phone only")],
        "Contact proven",
        default="both",
        required=True,
        readonly=True,
        copy=False,
        help="Which of the citizen's contacts a code proved when they booked online; booked "
        "by an agent or a client system: both. Only a proven contact counts in the "
        "per-person limits: a phone or an address typed by someone else neither reveals "
        "nor blocks its owner's appointments.",
    )
    # What lists and calendars show: national format for the place's country.
    phone_display = fields.Char("Phone as shown", compute="_compute_phone_display")

    # --- life cycle
    channel = fields.Selection(
        [
            ("web", "Website"),
            ("api", "Client system (API)"),
            ("counter", "At the counter"),
            ("phone", "By phone"),
        ],
        required=True,
        default="counter",
        tracking=True,
    )
    state = fields.Selection(
        [
            ("pending", "Pending verification"),
            ("planned", "Planned"),
            ("to_reschedule", "To reschedule"),
            ("done", "Done"),
            ("no_show", "No-show"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="planned",
        tracking=True,
        copy=False,
    )  # indexed for its rare states only (init)
    cancelled_by = fields.Selection(
        [
            ("citizen", "The citizen"),
            ("client", "A client system, for the citizen"),
            ("agency", "The administration"),
        ],
        "Cancelled by",
        tracking=True,
        copy=False,
    )
    cancelled_by_client_id = fields.Many2one(
        "rdv.api.client",
        "Cancelled through",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The client system that cancelled it for the citizen, through the public API.",
    )
    cancel_reason = fields.Text(copy=False)
    # Why an appointment must be rescheduled: a cause and its detail (a name),
    # so the reason reads in each reader's language (_compute_reschedule_reason).
    reschedule_cause = fields.Selection(
        [
            ("suspended", "Slot suspended"),
            ("reserved", "Slot reserved for the administration"),
            ("closure", "Closure"),
            ("exception", "Exception range"),
            ("counter", "Counter closed"),
            ("hours", "Opening hours changed"),
            ("capacity", "Fewer seats"),
        ],
        "Cause of the rescheduling",
        copy=False,
        readonly=True,
    )
    reschedule_detail = fields.Char(
        "Detail of the cause",
        copy=False,
        readonly=True,
        help="Who suspended or reserved the slot, or the closure, exception range or "
        "counter that removed it.",
    )
    reschedule_reason = fields.Text("Why to reschedule", compute="_compute_reschedule_reason")
    comment = fields.Text("Note for agents")
    hold_expiry = fields.Datetime(copy=False, readonly=True)
    notification_ids = fields.One2many(
        "rdv.notification", "appointment_id", string="Messages to the citizen", readonly=True
    )
    booked_by_id = fields.Many2one(
        "res.users",
        "Booked by",
        help="The agent who booked it at the counter or on the phone.",
        readonly=True,
        copy=False,
    )
    is_past = fields.Boolean(compute="_compute_is_past", search="_search_is_past")
    arrival_time = fields.Datetime(
        "Arrived at",
        readonly=True,
        copy=False,
        tracking=True,
        help="When the citizen checked in at the reception (scan of the summary's QR code "
        "or the reference typed).",
    )
    can_check_in = fields.Boolean(compute="_compute_can_check_in")
    personal_data_erased = fields.Boolean(
        readonly=True,
        copy=False,
        help="The citizen's personal data were erased at the end of the retention period; "
        "what the statistics count is kept.",
    )

    # --- statistics (averaged in pivot views: a rate in %)
    cancel_rate = fields.Float(
        "Cancellation rate (%)",
        compute="_compute_rates",
        store=True,
        precompute=True,
        aggregator="avg",
    )
    no_show_rate = fields.Float(
        "No-show rate (%)",
        compute="_compute_rates",
        store=True,
        precompute=True,
        aggregator="avg",
        help="Absent among the appointments that were due (done or absent): appointments "
        "to come, cancelled or without a status yet do not count.",
    )

    _sql_constraints = [
        ("name_unique", "UNIQUE(name)", "Reference: it must be unique."),
        ("persons_positive", "CHECK(persons >= 1)", "Persons: at least one."),
        ("stop_after_start", "CHECK(stop > start)", "End: an appointment ends after it starts."),
    ]

    def init(self):
        self._init_unaccent()
        # The holds to release and the queue to reschedule are few among many
        # planned and past appointments: a partial index finds them, and the
        # bookings (planned) do not write into it.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS rdv_appointment_open_state_idx
                ON rdv_appointment (state, hold_expiry)
             WHERE state IN ('pending', 'to_reschedule')
        """)
        # Rows written in SQL (imports, bulk loads) were booked by an agent
        # or a system: both contacts count, as the field's own default says.
        self.env.cr.execute(
            "ALTER TABLE rdv_appointment ALTER COLUMN contact_proven SET DEFAULT 'both'"
        )

    def _init_unaccent(self):
        """Agents search without accents ("Helene" finds "Hélène", "Etat"
        finds "État civil"): Odoo compares through PostgreSQL's ``unaccent``
        when the database has it (read when a process loads the registry, so
        from the next start). A trusted extension: the database's owner may
        create it; if the role may not, searches stay accent-sensitive and
        the log says what to run."""
        cr = self.env.cr
        cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
        if cr.fetchone():
            return
        try:
            with cr.savepoint(flush=False):
                cr.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        except psycopg2.Error as error:
            _logger.warning(
                "Searches stay accent-sensitive: the unaccent extension could not be "
                "created (%s). Run CREATE EXTENSION unaccent; in the database as its owner.",
                error.pgerror or error,
            )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.model
    def _new_reference(self):
        """A random reference (see tools/reference.py).

        Not looked up first: two equal ones among 8.5e11 are for the unique
        constraint to refuse, and the booking service draws again then
        (:meth:`_create_booking`).
        """
        return new_reference()

    @api.depends("phone", "place_id.country_id")
    def _compute_phone_display(self):
        for appointment in self:
            appointment.phone_display = appointment.phone and format_phone(
                appointment.phone, appointment.place_id.country_id.code
            )

    @api.depends("start", "stop", "arrival_time", "create_date", "place_id.tz")
    @api.depends_context("lang")
    def _compute_start_local(self):
        for appointment in self:
            appointment.start_local = appointment._format_local(appointment.start)
            appointment.when_local = appointment._format_range(appointment.start, appointment.stop)
            appointment.start_short = appointment.place_id._format_short(appointment.start)
            appointment.arrival_local = appointment._format_local(appointment.arrival_time, "HH:mm")
            appointment.booked_on_local = appointment._format_local(
                appointment.create_date, SHORT_FORMAT
            )

    def _format_range(self, start, stop):
        """'jeudi 26 novembre 2026, 10:00 à 11:00': from ``start`` to ``stop``
        (UTC) in the place's time zone and the reader's language."""
        self.ensure_one()
        if not start:
            return False
        return _(
            "%(start)s to %(end)s",
            start=self._format_local(start),
            end=self._format_local(stop, "HH:mm"),
        )

    def _format_local(self, utc_dt, dt_format="EEEE d MMMM y, HH:mm"):
        """A UTC datetime written in the place's time zone and the reader's language."""
        self.ensure_one()
        return self.place_id._format_local(utc_dt, dt_format)

    @api.depends("start", "stop")
    def _compute_duration(self):
        for appointment in self:
            appointment.duration = self._duration_minutes(appointment.start, appointment.stop)

    @api.model
    def _duration_minutes(self, start, stop):
        return int((stop - start).total_seconds() // 60) if start and stop else 0

    @api.depends("id_number")
    def _compute_identity_key(self):
        for appointment in self:
            appointment.identity_key = self._normalize_id_number(appointment.id_number)

    @api.model
    def _normalize_id_number(self, number):
        """The ID document number in normal form (tools/identity.py)."""
        return id_number_key(number)

    @api.depends("state")
    def _compute_rates(self):
        for appointment in self:
            appointment.update(self._rates(appointment.state))

    def _read_group_select(self, aggregate_spec, query):
        """The no-show rate averages over the appointments that were due
        (done or absent) only: the others would dilute it, more so early in a
        period, while its appointments are still to come."""
        if aggregate_spec == "no_show_rate:avg":
            state = self._field_to_sql(self._table, "state", query)
            rate = self._field_to_sql(self._table, "no_show_rate", query)
            return SQL("AVG(CASE WHEN %s IN ('done', 'no_show') THEN %s END)", state, rate)
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _rates(self, state):
        """One appointment's share of the statistics' rates, in %."""
        return {
            "cancel_rate": 100.0 if state == "cancelled" else 0.0,
            "no_show_rate": 100.0 if state == "no_show" else 0.0,
        }

    @api.model
    def _add_precomputed_values(self, vals_list):
        """The stored computed fields of new appointments, from their values.

        The ORM computes them on new records, which is a third of the time of
        a booking: here the same helpers as the computes give them, and the
        related fields come from the counter and type the caller has read.
        Values without type, counter or times are left to the ORM.
        """
        for vals in vals_list:
            if not all(vals.get(name) for name in ("type_id", "counter_id", "start", "stop")):
                continue
            counter = self.env["rdv.counter"].browse(vals["counter_id"])
            start = fields.Datetime.to_datetime(vals["start"])
            stop = fields.Datetime.to_datetime(vals["stop"])
            computed = dict(
                service_id=self.env["rdv.appointment.type"].browse(vals["type_id"]).service_id.id,
                place_id=counter.place_id.id,
                company_id=counter.company_id.id,
                duration=self._duration_minutes(start, stop),
                identity_key=self._normalize_id_number(vals.get("id_number")),
                **self._rates(vals.get("state")),
            )
            vals.update(computed)
            # Only these: a precomputed field added later is still the ORM's.
            vals["__precomputed__"] = {self._fields[name] for name in computed}
        return super()._add_precomputed_values(vals_list)

    def _compute_is_past(self):
        now = fields.Datetime.now()
        for appointment in self:
            appointment.is_past = bool(appointment.start and appointment.start < now)

    def _search_is_past(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on 'is past'."))
        past = (operator == "=") == value
        return [("start", "<" if past else ">=", fields.Datetime.now())]

    @api.depends("partner_id.name", "lastname", "firstname")
    def _compute_citizen_name(self):
        for appointment in self:
            appointment.citizen_name = (
                self.env["res.partner"]._rdv_citizen_name(
                    appointment.lastname, appointment.firstname
                )
                or appointment.partner_id.name
            )

    @api.depends("name", "citizen_name")
    def _compute_display_name(self):
        # The title of the calendar's events, whose place tells the time.
        for appointment in self:
            who = appointment.citizen_name or ""
            appointment.display_name = (
                "%s - %s" % (appointment.name, who) if who else (appointment.name)
            )

    @api.model
    def _search_display_name(self, operator, value):
        """What an agent types to find an appointment, wherever one is picked
        or searched (the lists, the slots of its appointments): its reference
        as dictated ("k7mq 4xr2"), the citizen's name, e-mail address, or
        phone number however it is typed (numbers are stored in E.164)."""
        domain = super()._search_display_name(operator, value)
        if operator not in ("ilike", "=ilike", "=") or not isinstance(value, str):
            return domain
        alternatives = [
            domain,
            [("lastname", operator, value)],
            [("firstname", operator, value)],
            [("partner_id.name", operator, value)],
            [("email", operator, value)],
        ]
        words = value.split()
        if operator == "ilike" and len(words) > 1:
            # "Jules Bois", "BOIS Jules": every word in one of the names.
            alternatives.append(
                expression.AND(
                    expression.OR(
                        [
                            [("lastname", "ilike", word)],
                            [("firstname", "ilike", word)],
                            [("partner_id.name", "ilike", word)],
                        ]
                    )
                    for word in words
                )
            )
        if reference := normalize_reference(value):
            alternatives.append([("name", "=", reference)])
        if sum(char.isdigit() for char in value) >= 6:
            try:
                number = parse_phone(value, self.env.company.country_id.code)
            except PhoneError:
                number = None
            if number:
                alternatives.append([("phone", "=", number)])
        return expression.OR(alternatives)

    @api.depends("reschedule_cause", "reschedule_detail")
    @api.depends_context("lang")
    def _compute_reschedule_reason(self):
        for appointment in self:
            appointment.reschedule_reason = appointment._reschedule_message()

    def _reschedule_message(self):
        """Why this appointment must be rescheduled, in the reader's language."""
        self.ensure_one()
        detail = self.reschedule_detail or ""
        if self.reschedule_cause == "exception" and not detail:
            return _("An exception range changes the counter's opening hours that day.")
        return {
            "suspended": _("Its slot was suspended by %s.", detail),
            "reserved": _("Its slot was reserved for the administration by %s.", detail),
            "closure": _("The counter is closed at that time: %s.", detail),
            "exception": _(
                "An exception range changes the counter's opening hours that day: %s.", detail
            ),
            "counter": _("%s no longer opens that day (archived, or its validity ended).", detail),
            "hours": _("Its time is no longer within the opening hours of %s.", detail),
            "capacity": _("%s now receives fewer people at once at that time.", detail),
        }.get(self.reschedule_cause, False)

    # ------------------------------------------------------------------
    # The booking service
    # ------------------------------------------------------------------

    @api.model
    def _book(
        self,
        appointment_type,
        counter,
        start,
        persons=1,
        citizen=None,
        partner=None,
        channel="counter",
        hold=False,
        allow_reserved=False,
        comment=False,
    ):
        """Book ``persons`` at ``counter`` from ``start`` for ``appointment_type``.

        The one entry point of every channel. Checks the type's rules and the
        citizen's data, then takes the consecutive slots in one atomic
        statement: all or nothing, never two bookings on one seat.

        :param citizen: dict of the citizen's data (lastname, firstname, phone,
            email and the identity fields the type asks)
        :param partner: an existing partner to book for (back office)
        :param channel: 'web', 'api' (a client system), 'counter' or 'phone'
        :param hold: hold the slots (state 'pending') until
            :meth:`_confirm_hold`, as the website does while the citizen
            gives their details (:meth:`_set_citizen`, then the citizen may be
            None here) and proves their identity
        :param allow_reserved: agents may use slots reserved for the administration
        :raises BookingError: a rule refuses the booking (its ``code`` says which)
        :raises SlotTakenError: the slots are no longer free
        :raises CitizenInputError: invalid citizen data, per field
        :return: the appointment, planned (or pending if ``hold``)
        """
        appointment_type = appointment_type.ensure_one()
        counter = counter.ensure_one()
        # Nothing if the caller has read them already; else a third of the
        # ORM's time to read the whole records.
        appointment_type.fetch(appointment_type._booking_fnames())
        counter.fetch(counter._booking_fnames())
        self._check_booking_rules(appointment_type, counter, start, persons, channel)
        if hold and citizen is None and partner is None:
            vals = {}  # the citizen's details come with _set_citizen()
        else:
            vals = self.env["rdv.citizen"]._prepare_citizen_vals(
                appointment_type,
                citizen or {},
                partner,
                channel,
                counter._phone_region((citizen or {}).get("phone")),
                persons=persons,
            )
            # Before any lock or slot is taken: the hub may take seconds.
            confirmed = bool((citizen or {}).get("ants_confirmed"))
            vals["ants_check_skipped"] = self._ants_check(
                appointment_type, counter.company_id, vals, confirmed=confirmed
            )
            vals["ants_elsewhere_accepted"] = confirmed
            self.env["rdv.person"]._check_limits(appointment_type, vals)
            if not hold and appointment_type.ants_reason:
                self._ants_hold_numbers(self._ants_persons_of(vals), confirmed)
        starts = counter._slot_starts_for(appointment_type, start, persons)
        hold_expiry = False
        if hold:
            company = counter.company_id
            company.fetch(["rdv_hold_minutes"])  # not the whole company
            hold_expiry = fields.Datetime.now() + datetime.timedelta(
                minutes=company.rdv_hold_minutes
            )
        vals.update(
            {
                "type_id": appointment_type.id,
                "counter_id": counter.id,
                "start": starts[0],
                "stop": starts[-1] + datetime.timedelta(minutes=counter.slot_duration),
                "persons": persons,
                "channel": channel,
                "booked_by_id": self.env.user.id if channel not in ONLINE_CHANNELS else False,
                "state": "pending" if hold else "planned",
                "hold_expiry": hold_expiry,
                "comment": comment,
            }
        )
        try:
            appointment = self._create_booking(vals, counter, starts, allow_reserved)
        except SlotTakenError as error:
            error.alternatives = self._alternatives(
                appointment_type,
                start,
                persons,
                counter.place_id,
                website=channel in ONLINE_CHANNELS,
            )
            raise
        if hold:
            appointment._schedule_hold_release()
        else:
            appointment._notify_booked()
            appointment._link_partners_later()
            appointment._ants_declare()
        return appointment

    @api.model
    def _create_booking(self, vals, counter, starts, allow_reserved):
        """Create the appointment of ``vals`` and take its slots, all or nothing.

        :raises SlotTakenError: the slots are no longer free (nothing is left
            of the attempt)
        """
        vals = dict(vals)
        numbers = vals.pop("application_ids", None)
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.env.cr.savepoint():
                    # No chatter work at creation: the form shows channel,
                    # agent and date (no "created" message), the booking
                    # agent does not follow every appointment they book, no
                    # tracking template applies, and no follower comes from
                    # a user field or a parent record.
                    appointment = self.browse(
                        self.with_company(counter.company_id)
                        .with_context(tracking_disable=True)
                        .create(vals)
                        .ids
                    )
                    slots = self.env["rdv.slot"]._take(
                        appointment,
                        counter,
                        starts,
                        state="held" if vals["state"] == "pending" else "booked",
                        hold_expiry=vals["hold_expiry"],
                        allow_reserved=allow_reserved,
                    )
                    if len(slots) != len(starts):
                        raise self.env["rdv.slot"]._short_take_error(
                            counter, starts, allow_reserved
                        )
                    appointment._write_application_numbers(numbers)
                    return appointment
            except psycopg2.errors.UniqueViolation as error:
                # A reference drawn twice (see _new_reference): draw again.
                if error.diag.constraint_name != "rdv_appointment_name_unique" or attempt == 3:
                    raise

    @api.model
    def _alternatives(self, appointment_type, start, persons, place, website):
        """The other free times offered when ``start`` is refused as taken: the
        next five starts of ``appointment_type`` for ``persons`` at ``place``
        within a month, with the website's rules if ``website``."""
        return self.env["rdv.slot"]._free_starts(
            appointment_type,
            start,
            start + datetime.timedelta(days=31),
            persons,
            places=place,
            website=website,
            limit=5,
        )

    @api.model
    def _check_booking_rules(self, appointment_type, counter, start, persons, channel):
        """The type's rules about when and how many, for one booking."""
        now = fields.Datetime.now()
        if not counter._receives(appointment_type):
            raise BookingError(
                _(
                    "%(counter)s does not receive %(type)s appointments.",
                    counter=counter.display_name,
                    type=appointment_type.name,
                ),
                code="counter",
            )
        if not 1 <= persons <= appointment_type.max_persons:
            if appointment_type.max_persons == 1:
                message = _(
                    "Number of persons: %(type)s can be booked for one person only.",
                    type=appointment_type.name,
                )
            else:
                message = _(
                    "Number of persons: %(type)s can be booked for 1 to %(max)s persons.",
                    type=appointment_type.name,
                    max=appointment_type.max_persons,
                )
            raise BookingError(message, code="persons")
        if start <= now:
            raise BookingError(_("This time has already passed: choose a later slot."), code="past")
        if start > now + datetime.timedelta(days=FURTHEST_START_DAYS):
            raise BookingError(
                _("No time is open that far ahead: choose a slot in the list."), code="horizon"
            )
        if channel in ONLINE_CHANNELS:
            if not (appointment_type.is_published and counter.website_visible):
                raise BookingError(
                    _("This appointment cannot be booked online."), code="unpublished"
                )
            if start < now + datetime.timedelta(hours=appointment_type.min_notice_hours):
                raise BookingError(
                    _(
                        "%(type)s must be booked at least %(hours)s hours in advance.",
                        type=appointment_type.name,
                        hours=appointment_type.min_notice_hours,
                    ),
                    code="notice",
                )
            if start > now + datetime.timedelta(days=appointment_type.max_horizon_days):
                raise BookingError(
                    _(
                        "%(type)s can be booked at most %(days)s days in advance.",
                        type=appointment_type.name,
                        days=appointment_type.max_horizon_days,
                    ),
                    code="horizon",
                )

    # ------------------------------------------------------------------
    # The national duplicate check of ID-card and passport numbers (ANTS)
    # ------------------------------------------------------------------

    @api.depends("type_id.ants_reason", "persons", "application_ids")
    def _compute_ants_numbers_missing(self):
        for appointment in self:
            appointment.ants_numbers_missing = (
                max(appointment.persons - len(appointment.application_ids), 0)
                if appointment.type_id.ants_reason
                else 0
            )

    @api.depends("ants_numbers_missing")
    def _compute_ants_numbers_missing_text(self):
        """The count in a sentence: one person is singular in every language."""
        for appointment in self:
            count = appointment.ants_numbers_missing
            appointment.ants_numbers_missing_text = (
                _("1 person without their number.")
                if count == 1
                else _("%s persons without their number.", count)
            )

    @api.model
    def _ants_by_application_ids(self, application_ids, states=CONFIRMED_STATES):
        """The appointments that carry any of ``application_ids``, typed in
        any form (they are normalised first; what is not a number is ignored).

        :param states: the appointments' states (default: those that stand);
            None for all
        """
        if isinstance(application_ids, str):
            application_ids = [application_ids]
        numbers = {normalize_application_id(value) for value in application_ids or ()}
        numbers.discard(None)
        if not numbers:
            return self.browse()
        domain = [("application_ids.number", "in", sorted(numbers))]
        if states is not None:
            domain.append(("state", "in", list(states)))
        return self.search(domain)

    @api.model
    def _ants_check(self, appointment_type, company, vals, confirmed=False, exclude=None):
        """Check the pre-application numbers of ``vals`` with the ANTS hub.

        The numbers unknown to the hub, expired, or already used for an
        application are refused, each on its person's field. A number with
        an appointment elsewhere is refused with where and when
        (:class:`AntsElsewhereError`) unless ``confirmed``: other editors do
        not always withdraw theirs, so the citizen decides. Call it before
        any lock or slot is taken: the hub may take up to the company's
        timeout to answer.

        :param vals: the booking's values, as :meth:`rdv.citizen._prepare_citizen_vals`
            gives them
        :param exclude: the appointment being booked (its own declarations
            are no other appointment)
        :return: True when the hub was not asked (no coordination API set
            up) or could not be and the company's policy books anyway (the
            check was skipped), else False
        :raises CitizenInputError: a number refused, per person
        :raises AntsElsewhereError: a number has an appointment elsewhere
        :raises BookingError: code 'ants_unavailable', the hub could not be
            asked and the company's policy refuses
        """
        if not appointment_type.ants_reason:
            return False
        persons = self._ants_persons_of(vals)
        if not persons:
            return False
        Application = self.env["rdv.appointment.application"]
        elsewhere = self._ants_local_elsewhere(persons, exclude)
        client = company._rdv_ants_client()
        if client is None:
            # No coordination API set up: checked against this commune's own
            # appointments only, and flagged so for agents.
            self._ants_raise_elsewhere(elsewhere, confirmed)
            return True
        try:
            answers = client.status(list(persons))
        except AntsUnavailable as error:
            _logger.warning("ANTS status check of company %s failed: %s", company.id, error)
            if company.rdv_ants_when_down == "open":
                self._ants_raise_elsewhere(elsewhere, confirmed)
                return True
            raise BookingError(
                _(
                    "The national check of pre-application numbers is unavailable at the "
                    "moment: please try again in a few minutes."
                ),
                code="ants_unavailable",
            ) from None
        errors = {}
        local_urls = {item["management_url"] for item in elsewhere}
        own_urls = {exclude._ants_management_url()} if exclude else set()
        for number, person in persons.items():
            status = answers[number]["status"]
            label = Application._person_label(person)
            if status in ANTS_REFUSED_STATUSES:
                errors[Application._field_name(person)] = {
                    "unknown": _(
                        "%(person)s: the pre-application number %(number)s is unknown to ANTS. "
                        "Check it on the summary of the online pre-application.",
                        person=label,
                        number=number,
                    ),
                    "expired": _(
                        "%(person)s: the pre-application number %(number)s has expired. "
                        "Make a new pre-application on the ANTS website.",
                        person=label,
                        number=number,
                    ),
                    "consumed": _(
                        "%(person)s: the pre-application number %(number)s was already used "
                        "for an application at a town hall.",
                        person=label,
                        number=number,
                    ),
                }[status]
                continue
            for appointment in answers[number]["appointments"]:
                url = appointment["management_url"]
                if url and (url in own_urls or url in local_urls):
                    continue
                elsewhere.append(
                    {
                        "person": label,
                        "number": number,
                        "meeting_point": appointment["meeting_point"],
                        "date": self._ants_date_label(appointment["appointment_date"]),
                        # Shown as a link: another system's web page, nothing else.
                        "management_url": appointment["management_url"]
                        if appointment["management_url"].startswith(("https://", "http://"))
                        else "",
                    }
                )
        if errors:
            raise CitizenInputError(errors)
        self._ants_raise_elsewhere(elsewhere, confirmed)
        return False

    @api.model
    def _ants_local_elsewhere(self, persons, exclude=None):
        """The appointments of this instance that stand with any of the
        numbers of ``persons`` ({number: person}), which the hub may not know
        yet (a declaration pending, the hub down when it was booked, a commune
        not connected), as :class:`AntsElsewhereError` lists them."""
        Application = self.env["rdv.appointment.application"]
        elsewhere = []
        for appointment in self.sudo()._ants_by_application_ids(list(persons)) - (
            exclude or self.browse()
        ):
            for number in set(appointment.application_ids.mapped("number")) & set(persons):
                elsewhere.append(
                    {
                        "person": Application._person_label(persons[number]),
                        "number": number,
                        "meeting_point": appointment.place_id._ants_name(),
                        "date": appointment._format_local(appointment.start, "dd/MM/y HH:mm"),
                        "management_url": appointment._ants_management_url(),
                    }
                )
        return elsewhere

    @api.model
    def _ants_hold_numbers(self, persons, confirmed, exclude=None):
        """Lock the numbers of ``persons`` ({number: person}) and check, under
        the lock, that no other appointment of this instance stands with them
        (unless ``confirmed``): the last check before an appointment with
        these numbers stands. The hub was asked before any lock
        (:meth:`_ants_check`); meanwhile another booking of the same number
        may have been made here (a pending booking confirmed later, two at
        once): the lock makes the second wait, and its request is run again
        when it would read an old snapshot.

        :raises AntsElsewhereError: as :meth:`_ants_check`
        """
        if not persons:
            return
        self.env["rdv.person"]._lock_numbers(sorted(persons))
        self.env["rdv.appointment.application"].flush_model()
        self._ants_raise_elsewhere(self._ants_local_elsewhere(persons, exclude), confirmed)

    def _ants_vals(self):
        """The values of this appointment's numbers, as the booking service
        writes them (see :meth:`_ants_persons_of`)."""
        return [{"number": a.number, "person": a.person} for a in self.application_ids]

    @api.model
    def _ants_persons_of(self, vals):
        """{number: person} of the numbers in booking values ``vals``."""
        return {
            command[2]["number"]: command[2]["person"]
            for command in vals.get("application_ids") or ()
            if command[0] == 0
        }

    @api.model
    def _ants_raise_elsewhere(self, elsewhere, confirmed):
        """Refuse a booking whose numbers have appointments ``elsewhere``
        unless the citizen ``confirmed`` they want this one too."""
        if elsewhere and not confirmed:
            # A loop, not a generator: _() finds the language in its caller's
            # frame, which a generator's frame is not.
            lines = []
            for item in elsewhere:
                lines.append(
                    _(
                        "%(person)s (%(number)s) already has an appointment at %(place)s "
                        "on %(date)s.",
                        person=item["person"],
                        number=item["number"],
                        place=item["meeting_point"] or "?",
                        date=item["date"] or "?",
                    )
                )
            raise AntsElsewhereError("\n".join(lines), elsewhere)

    @api.model
    def _ants_date_label(self, value):
        """A date the hub sent ('2026-03-05 10:00:00', or ISO 8601), as people
        read it ('05/03/2026 10:00'); as sent when it reads as no date."""
        text = str(value or "").strip()
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text[:40]
        return moment.strftime("%d/%m/%Y %H:%M")

    def _ants_management_url(self):
        """The link ANTS shows the citizen to manage this appointment (one per
        appointment: the hub keys declarations by number and link). Without
        the website, the commune's own address; the website gives its page."""
        self.ensure_one()
        return self.company_id.website or self.get_base_url()

    def _ants_params(self):
        """The query parameters that declare this appointment to the hub
        (without the number): the place and its wall-clock time."""
        self.ensure_one()
        place = self.place_id
        return {
            "meeting_point_id": str(place.id),
            "meeting_point": place._ants_name(),
            "appointment_date": clock.to_local(self.start, place.tz).strftime(ANTS_DATE_FORMAT),
            "management_url": self._ants_management_url(),
        }

    def _ants_declare(self):
        """Have these appointments declared to the hub, after the commit."""
        self.env["rdv.ants.declaration"]._queue_declare(self)

    def _add_application_numbers(self, numbers, confirmed=False):
        """Add the pre-application numbers of the persons who had none (a
        caller who did not have them at hand): the booking service checks
        them with the hub as at booking and declares them. Numbers already
        given stay as they are: they were checked and declared.

        :param numbers: what was typed for the persons without a number, the
            first of them first (empty ones are left for later)
        :param confirmed: the citizen knows of their appointment elsewhere
        :raises BookingError: not an ID-card or passport appointment that
            stands, nothing to add, or the hub unavailable (company's policy)
        :raises CitizenInputError: a number refused, per person
        :raises AntsElsewhereError: a number has an appointment elsewhere
        :return: the numbers added
        """
        self.ensure_one()
        # An agent of the appointment's service, as for any change of it.
        self.check_access("write")
        if not self.type_id.ants_reason or self.state not in CONFIRMED_STATES:
            raise BookingError(
                _(
                    "Pre-application numbers can only be added to a planned ID-card or "
                    "passport appointment."
                ),
                code="state",
            )
        Application = self.env["rdv.appointment.application"]
        have = {application.person: application.number for application in self.application_ids}
        missing = [person for person in range(1, self.persons + 1) if person not in have]
        if not missing:
            raise BookingError(
                _("Every person of this appointment already has their pre-application number."),
                code="numbers",
            )
        typed = [value for value in numbers or () if isinstance(value, str) and value.strip()]
        if not typed:
            raise BookingError(_("Give at least one pre-application number."), code="numbers")
        if len(typed) > len(missing):
            raise CitizenInputError(
                {
                    Application._field_name(self.persons): _(
                        "%(count)s pre-application numbers for %(missing)s person(s) without "
                        "one: give one per person.",
                        count=len(typed),
                        missing=len(missing),
                    )
                }
            )
        commands, errors = Application._numbers_of(
            dict(zip(missing, typed, strict=False)),
            taken={number: person for person, number in have.items()},
        )
        if errors:
            raise CitizenInputError(errors)
        # Checked as at booking, this appointment's own declarations aside.
        skipped = self._ants_check(
            self.type_id,
            self.company_id,
            {"application_ids": commands},
            confirmed=confirmed,
            exclude=self,
        )
        if self.state in CONFIRMED_STATES:
            self._ants_hold_numbers(
                self._ants_persons_of({"application_ids": commands}), confirmed, exclude=self
            )
        before = self.application_ids
        self._write_application_numbers(commands)
        if skipped:
            self.sudo().ants_check_skipped = True
        added = self.application_ids - before
        if self.state == "planned":
            # One to reschedule is declared with its new time.
            self.env["rdv.ants.declaration"]._queue_declare(self, added)
        self.message_post(
            body=_(
                "Pre-application numbers added: %s.",
                ", ".join(added.mapped("display_name")),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return added

    def _ants_withdraw(self):
        """Have these appointments' declarations withdrawn, after the commit."""
        self.env["rdv.ants.declaration"]._queue_withdraw(self)

    # ------------------------------------------------------------------
    # The citizen's contact (res.partner finds or creates it)
    # ------------------------------------------------------------------

    def _link_partners_later(self):
        """Have the citizens' contacts linked right after this transaction
        (:meth:`res.partner._rdv_link_appointments_later`)."""
        self.env["res.partner"]._rdv_link_appointments_later(self)

    def _link_partners(self):
        """Link each appointment without contact to its citizen's contact
        (:meth:`res.partner._rdv_link_appointments`)."""
        return self.env["res.partner"]._rdv_link_appointments(self)

    # ------------------------------------------------------------------
    # Per-person limits (rdv.person): checked again when the details change
    # ------------------------------------------------------------------

    def _office_lang(self):
        """The language of the commune's office: the notes a cron writes in
        the history, which its agents read, are in it."""
        self.ensure_one()
        return self.company_id.partner_id.lang or self.env.lang or "en_US"

    def _person_vals(self):
        """This appointment's citizen values, as :meth:`rdv.person._keys` reads
        them: the contacts proven only (:attr:`contact_proven`)."""
        self.ensure_one()
        return {
            "phone": self.phone if self.contact_proven != "email" else False,
            "email": self.email if self.contact_proven != "phone" else False,
            "id_number": self.id_number,
        }

    def write(self, vals):
        """Contacts in normal form, and the per-person limits checked again
        when an appointment starts to count (a past or expired one moved or
        confirmed, one set back to planned) or changes whom or what it counts
        for (phone, e-mail, ID number, type): a limit cannot be passed by
        booking under other details and editing them afterwards. Control
        characters in the citizen's texts are refused first."""
        self.env["rdv.citizen"]._check_citizen_texts(vals)
        if not self:
            return super().write(vals)
        if vals.get("phone") and not has_country_code(vals["phone"]):
            regions = self.grouped(lambda a: a.counter_id._phone_region())
            if len(regions) > 1:  # one country each: written in groups
                for appointments in regions.values():
                    appointments.write(vals)
                return True
        if vals.get("phone") or vals.get("email"):
            vals = self.env["rdv.citizen"]._clean_contact_vals(vals, self.counter_id[:1])
        watched = PERSON_FIELDS.intersection(vals)
        if not watched:
            return super().write(vals)
        Person = self.env["rdv.person"]
        now = fields.Datetime.now()
        counted = {
            appointment.id
            for appointment in self
            if Person._is_active(appointment.state, appointment.hold_expiry, appointment.stop, now)
        }
        result = super().write(vals)
        identity_changed = bool(watched - ACTIVITY_FIELDS)
        for appointment in self:
            if not Person._is_active(
                appointment.state, appointment.hold_expiry, appointment.stop, now
            ):
                continue
            if identity_changed or appointment.id not in counted:
                Person._check_limits(
                    appointment.type_id, appointment._person_vals(), exclude=appointment
                )
        return result

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------

    def _set_citizen(self, citizen, partner=None):
        """Give a held booking its citizen (the website's contact form).

        Same validation as :meth:`_book`. The per-person limits are checked at
        confirmation (:meth:`_confirm_hold`), once the code proved the
        contact: checked here, the answer would tell anyone whether the phone,
        e-mail or ID number they typed has appointments.

        :param partner: the contact to book for, when known (a citizen logged
            in books for their account), else it is linked after confirmation

        :raises CitizenInputError: invalid data, per field
        :raises BookingError: the person's limits are reached
        """
        self.ensure_one()
        if self.state != "pending":
            raise BookingError(
                _("This booking is no longer waiting for confirmation."), code="state"
            )
        vals = self.env["rdv.citizen"]._prepare_citizen_vals(
            self.type_id,
            citizen,
            partner,
            self.channel if self.channel in ONLINE_CHANNELS else "web",
            self.counter_id._phone_region(citizen.get("phone")),
            persons=self.persons,
        )
        confirmed = bool(citizen.get("ants_confirmed"))
        vals["ants_check_skipped"] = self._ants_check(
            self.type_id, self.company_id, vals, confirmed=confirmed, exclude=self
        )
        vals["ants_elsewhere_accepted"] = confirmed
        numbers = vals.pop("application_ids", None)
        self.write(vals)
        self._write_application_numbers(numbers)
        return True

    def _write_application_numbers(self, commands):
        """Write the pre-application numbers the booking service checked.
        Nobody creates, edits or deletes a number otherwise (the access
        rights say so): a number in the base is one checked with the hub."""
        if commands:
            self.sudo().write({"application_ids": commands})

    def _confirm_hold(self, proven=None):
        """Turn a pending booking into a planned one (identity verified).

        The per-person limits first, under the person's lock: a hold did not
        count (:meth:`rdv.person._is_active`), the planned appointment does.
        Refused, the hold stays as it was.

        :param proven: the contact a code proved ('email' or 'phone', see
            :attr:`contact_proven`); None: both (an agent, a trusted system)

        :raises BookingError: ``code`` 'limit' or 'elsewhere'
        :raises SlotTakenError: the hold expired and its time was taken
        """
        self.ensure_one()
        if self.state != "pending":
            raise BookingError(
                _("This booking is no longer waiting for confirmation."), code="state"
            )
        persons = {a.number: a.person for a in self.application_ids}
        if self.type_id.ants_reason and persons:
            # Checked when held; the hub, and this instance, may know of
            # another appointment of a number since: asked again, before any
            # lock (the hub may take seconds).
            skipped = self._ants_check(
                self.type_id,
                self.company_id,
                {"application_ids": [Command.create(vals) for vals in self._ants_vals()]},
                confirmed=self.ants_elsewhere_accepted,
                exclude=self,
            )
            if skipped:
                self.sudo().ants_check_skipped = True
        if (proven or "both") != self.contact_proven:
            self.sudo().contact_proven = proven or "both"
        self.env["rdv.person"]._check_limits(self.type_id, self._person_vals(), exclude=self)
        if self.type_id.ants_reason and persons:
            self._ants_hold_numbers(persons, self.ants_elsewhere_accepted, exclude=self)
        self.type_id.fetch(self.type_id._booking_fnames())
        expected = self.counter_id._slot_count_for(self.type_id, self.persons)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rdv_slot SET state = 'booked', hold_expiry = NULL "
            "WHERE appointment_id = %s AND state = 'held' RETURNING id",
            (self.id,),
        )
        if self.env.cr.rowcount != expected:
            self.env.cr.execute(
                "UPDATE rdv_slot SET state = 'free', appointment_id = NULL, hold_expiry = NULL "
                "WHERE appointment_id = %s",
                (self.id,),
            )
            self.env["rdv.slot"].invalidate_model(["state", "appointment_id", "hold_expiry"])
            self.invalidate_recordset(["slot_ids"])
            raise SlotTakenError(
                _("Your hold expired and the time was given to someone else."),
                alternatives=self._alternatives(
                    self.type_id, self.start, self.persons, self.place_id, website=True
                ),
            )
        self.env["rdv.slot"].invalidate_model(["state", "hold_expiry"])
        # No tracking message: the hold was the citizen's draft, the
        # appointment's history starts here (a third of the cost otherwise).
        self.with_context(mail_notrack=True).write({"state": "planned", "hold_expiry": False})
        self._notify_booked()
        self._link_partners_later()
        self._ants_declare()
        return True

    def _release_hold(self):
        """Give back held times: their slots are free again and the
        unverified bookings are gone (nothing of them is kept). Only
        pending bookings: a confirmed appointment is cancelled, never
        released.

        :raises BookingError: code 'state', one of them is no longer pending
        """
        if any(appointment.state != "pending" for appointment in self):
            raise BookingError(
                _("This booking is no longer waiting for confirmation."), code="state"
            )
        self.slot_ids._release()
        self.unlink()
        return True

    def _schedule_hold_release(self):
        """Wake the hold cleaner when the first of these holds expires (a cron
        trigger, not a poll); each run plans the next (:meth:`_expire_holds`),
        so one trigger serves every hold made meanwhile."""
        if self:
            self.env["ir.cron"]._rdv_wake(
                "rdv_booking.ir_cron_release_holds", at=min(self.mapped("hold_expiry"))
            )

    @api.model
    def _expire_holds(self):
        """Release the slots of expired holds and delete those unverified
        bookings; wake up again when the next hold expires."""
        now = fields.Datetime.now()
        expired = self.sudo().search([("state", "=", "pending"), ("hold_expiry", "<", now)])
        expired._release_hold()
        self.sudo().search(
            [("state", "=", "pending"), ("hold_expiry", ">=", now)], order="hold_expiry", limit=1
        )._schedule_hold_release()
        return len(expired)

    def _check_move(self, counter, start, by_citizen=False):
        """Refuse, without moving anything, a move :meth:`_change_slot` would
        refuse whoever took the time meanwhile: the type's rules (notice,
        horizon) and a time on offer at ``counter`` (the website's "move it to
        this time?" page asks only about a time it may confirm). A time taken
        meanwhile is not refused here: the move itself offers the next ones.

        :raises BookingError:
        """
        self.ensure_one()
        if self.state == "planned" and (self.counter_id, self.start) == (counter, start):
            raise BookingError(
                _("Your appointment is already at this time: choose another one."),
                code="same_time",
            )
        self._check_booking_rules(
            self.type_id, counter, start, self.persons, "web" if by_citizen else "counter"
        )
        starts = counter._slot_starts_for(self.type_id, start, self.persons)
        error = self.env["rdv.slot"]._short_take_error(counter, starts, not by_citizen)
        if not isinstance(error, SlotTakenError):
            raise error

    def _change_slot(self, counter, start, allow_reserved=True, by_citizen=False, channel=None):
        """Move the appointment to ``start`` at ``counter`` (same type).

        All in one savepoint: if the new time is taken, nothing changes.

        :param by_citizen: the citizen moves it (the website's rules)
        :param channel: through which channel, for its history (default: the
            website for a citizen, else the appointment's own)
        """
        self.ensure_one()
        if self.state not in CONFIRMED_STATES:
            raise BookingError(
                _("Only planned appointments or appointments to reschedule can change slot."),
                code="state",
            )
        if self.state == "planned" and (self.counter_id, self.start) == (counter, start):
            # Already there (a form sent twice, a page reloaded): nothing to
            # move, nobody to tell again.
            return True
        channel = channel or ("web" if by_citizen else self.channel)
        self._check_booking_rules(
            self.type_id, counter, start, self.persons, "web" if by_citizen else "counter"
        )
        starts = counter._slot_starts_for(self.type_id, start, self.persons)
        old_slots = self.slot_ids
        old_label = self.start_local
        same_time = (self.counter_id, self.start) == (counter, start)
        try:
            with self.env.cr.savepoint():
                # Free the old seats first (this transaction keeps them locked,
                # so nobody else can take them), then take the new ones: a move
                # of a few minutes may reuse some of the same slots. If the new
                # time is taken, the savepoint gives the old seats back.
                old_slots._release()
                slots = self.env["rdv.slot"]._take(
                    self,
                    counter,
                    starts,
                    allow_reserved=allow_reserved and not by_citizen,
                )
                if len(slots) != len(starts):
                    raise self.env["rdv.slot"]._short_take_error(
                        counter, starts, allow_reserved and not by_citizen
                    )
        except SlotTakenError as error:
            error.alternatives = self._alternatives(
                self.type_id, start, self.persons, counter.place_id, website=by_citizen
            )
            raise
        self.write(
            {
                "counter_id": counter.id,
                "start": starts[0],
                "stop": starts[-1] + datetime.timedelta(minutes=counter.slot_duration),
                "state": "planned",
                "reschedule_cause": False,
                "reschedule_detail": False,
                "arrival_time": False,  # a check-in was for the old time
            }
        )
        if same_time:  # a to-reschedule appointment back at its own time
            body = _("Back at its own time: its slots are free again.")
        else:
            body = _(
                "Moved from %(old)s to %(new)s (%(channel)s).",
                old=old_label,
                new=self.start_local,
                channel=dict(self._fields["channel"]._description_selection(self.env))[channel],
            )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        self._notify_changed()
        # The hub knows an appointment by its place and time: a move is the
        # old one withdrawn and the new one declared; one to reschedule was
        # withdrawn when it lost its time, and is declared again with its
        # time, its own or another.
        self._ants_withdraw()
        self._ants_declare()
        return True

    def _cancel(self, by="agency", reason=False, client=None):
        """Cancel and free the slots.

        :param by: 'citizen', 'agency', or 'client' (a client system of the
            API for its citizen: then ``client`` is that ``rdv.api.client``)
        """
        if client:
            by = "client"
        for appointment in self:
            if appointment.state not in ACTIVE_STATES:
                raise BookingError(
                    _("Appointment %s cannot be cancelled any more.", appointment.name),
                    code="state",
                )
        self.slot_ids._release()
        self.write(
            {
                "state": "cancelled",
                "cancelled_by": by,
                "cancelled_by_client_id": client.id if client else False,
                "cancel_reason": reason,
            }
        )
        self._ants_withdraw()
        for appointment in self:
            appointment.message_post(
                body=_(
                    "Cancelled by %(who)s. %(reason)s",
                    who=dict(self._fields["cancelled_by"]._description_selection(self.env))[by],
                    reason=reason or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._notify_cancelled()
        return True

    def _cancelled_by_public(self):
        """(who, client's name) of a cancellation as client systems read it
        (the API's answer and the webhooks alike): 'citizen', 'agency' or
        'client' with the client system named; (None, None) when not
        cancelled."""
        self.ensure_one()
        if self.state != "cancelled":
            return None, None
        if self.cancelled_by == "client":
            return "client", self.sudo().cancelled_by_client_id.name or None
        return self.cancelled_by or "agency", None

    def _lose_slots(self, cause, detail=False):
        """The appointment's slot disappeared: it must be rescheduled.

        Its other slots are freed (a to-reschedule appointment holds none),
        agents see it in the "to reschedule" queue and the citizen is told.
        Unverified bookings simply expire. The appointment keeps its counter
        and time: :meth:`_restore_own_time` gives them back if they reopen.

        :param cause: a key of ``reschedule_cause``
        :param detail: the name that explains it (who, which closure...)
        """
        pending = self.filtered(lambda a: a.state == "pending")
        if pending:
            pending.slot_ids._release()
            pending.write({"hold_expiry": fields.Datetime.now()})
        planned = self.filtered(lambda a: a.state == "planned")
        if not planned:
            return
        planned.slot_ids._release()
        planned.write(
            {
                "state": "to_reschedule",
                "reschedule_cause": cause,
                "reschedule_detail": detail,
                "arrival_time": False,
            }
        )
        for appointment in planned:
            appointment.message_post(
                body=appointment.reschedule_reason, subtype_xmlid="mail.mt_note"
            )
        planned._notify_to_reschedule()
        # Its time no longer holds: the hub stops showing it (and a citizen
        # who types the number there is not sent to a time that is gone).
        planned._ants_withdraw()

    def _restore_own_time(self):
        """Give these to-reschedule appointments their own time back where its
        slots are free again: a closure deleted by mistake, a suspended slot
        released. The citizen is told the time stands.

        :return: the appointments planned again
        """
        restored = self.browse()
        for appointment in self.filtered(lambda a: a.state == "to_reschedule"):
            try:
                with self.env.cr.savepoint():
                    appointment._change_slot(
                        appointment.counter_id, appointment.start, allow_reserved=False
                    )
            except BookingError:
                continue  # not all its slots, or the counter no longer takes its type
            restored |= appointment
        return restored

    def _check_started(self):
        for appointment in self:
            if appointment.start > fields.Datetime.now():
                raise UserError(_("Appointment %s has not started yet.", appointment.name))

    # --- notifications: queued here, delivered by rdv_booking_portal (e-mail)
    #     and rdv_booking_sms (SMS) through _deliver_notification; the client
    #     systems' webhooks (rdv.webhook.delivery) queued with them

    def _notify_booked(self):
        """The appointment is confirmed: tell the citizen and the client systems."""
        self.env["rdv.notification"]._queue(self, "booked")
        self._rdv_webhook("booked")

    def _notify_changed(self):
        """The appointment moved to another slot: tell the citizen and the client systems."""
        self.env["rdv.notification"]._queue(self, "changed")
        self._rdv_webhook("moved")

    def _notify_cancelled(self):
        """The appointment was cancelled: tell the citizen and the client systems."""
        self.env["rdv.notification"]._queue(self, "cancelled")
        # A website hold never confirmed (it keeps its expiry) was never
        # announced to anyone.
        self.filtered(lambda appointment: not appointment.hold_expiry)._rdv_webhook("cancelled")

    def _notify_to_reschedule(self):
        """The appointment lost its slot: ask the citizen to choose another;
        tell the client systems."""
        self.env["rdv.notification"]._queue(self, "to_reschedule")
        self._rdv_webhook("to_reschedule")

    def _rdv_webhook(self, event):
        """Queue ``event`` of these appointments for the client systems
        subscribed to it, in this transaction: the calls exist exactly when
        the change commits, and are sent after it."""
        self.env["rdv.webhook.delivery"]._queue_event(self, event)

    def _deliver_notification(self, kind):
        """Deliver one queued notification; raise to have it retried later.

        The back office alone has no channel to the citizen: the website and
        SMS addons deliver by e-mail and SMS.

        :return: the ``mail.mail`` handed to the mail queue, or the code of
            the reason why nothing was sent (see rdv.notification's REASONS)
        """
        self.ensure_one()
        return self._rdv_silence() or "no_channel"

    @api.model
    def _rdv_silence_reason(self, company, email, phone):
        """Why a citizen with this e-mail address and phone (E.164) would get
        no message from ``company`` at all, as a reason code; '' when they will.

        The one rule behind the booking dialog's warning, the agents' notices
        and the messages marked "not sent"; the channel addons extend it.
        """
        return "no_channel"

    def _rdv_silence(self):
        """Why this appointment's citizen gets no message at all, or ''."""
        self.ensure_one()
        return self._rdv_silence_reason(
            self.company_id, self.email or self.partner_id.email, self.phone
        )

    # ------------------------------------------------------------------
    # Actions (buttons of the back office)
    # ------------------------------------------------------------------

    def _set_outcome(self, state, allowed_from):
        """Done or absent, one appointment or a selection (all or nothing).

        An outcome recorded is corrected (done to absent, absent to done, or
        back to planned) on the appointment's own day, in its place's time
        zone: an agent who clicked the wrong button. On a later day the
        statistics and the client systems have it: only a manager of the
        back office changes it then, and no client system does.
        """
        refused = self.filtered(lambda appointment: appointment.state not in allowed_from)
        if refused:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                _(
                    "Not possible for %(appointments)s in their current state (%(state)s).",
                    appointments=", ".join(refused[:5].mapped("name"))
                    + (", …" if len(refused) > 5 else ""),
                    state=", ".join(sorted({states[a.state] for a in refused})),
                )
            )
        self.filtered(lambda appointment: appointment.state in OUTCOME_EVENTS)._check_correction()
        # A citizen who checked in may be served before their time.
        self.filtered(lambda appointment: not appointment.arrival_time)._check_started()
        self.write({"state": state})
        if state in OUTCOME_EVENTS:
            self._rdv_webhook(OUTCOME_EVENTS[state])
        return True

    def action_moved_notice(self):
        """The notice after saving a change that moved these appointments
        (the counter, reference week, closure and place forms ask it once
        saved): how many were moved, the messages queued to their citizens by
        channel and status, and whom to call."""
        self.check_access("read")
        notifications = self.env["rdv.notification"]
        text, everyone = notifications._moved_summary(self)
        return actions.notification(text, "success" if everyone else "warning", sticky=not everyone)

    def _check_correction(self):
        """Refuse to correct an outcome after the appointment's day, unless
        a manager of the back office asks (see :meth:`_set_outcome`).

        :raises BookingError: code 'state'
        """
        if self.env.user.has_group("rdv_booking.group_rdv_manager"):
            return
        for appointment in self:
            place = appointment.place_id
            if place._to_local(appointment.start).date() != place._today():
                raise BookingError(
                    _(
                        "%(appointment)s was recorded as %(state)s and its day is over: only "
                        "a manager can correct it now.",
                        appointment=appointment.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            appointment.state
                        ],
                    ),
                    code="state",
                )

    def action_done(self):
        """The citizen came and was served."""
        return self._set_outcome("done", (*CONFIRMED_STATES, "no_show"))

    def action_no_show(self):
        """The citizen did not come."""
        arrived = self.filtered("arrival_time")[:1]
        if arrived:
            raise UserError(
                _(
                    "%(citizen)s checked in at %(time)s: they came. If it was a mistake, "
                    "undo the check-in first.",
                    citizen=arrived.citizen_name,
                    time=arrived._format_local(arrived.arrival_time, "HH:mm"),
                )
            )
        return self._set_outcome("no_show", (*CONFIRMED_STATES, "done"))

    @api.depends("state", "arrival_time", "start")  # and today's date: not stored
    def _compute_can_check_in(self):
        for appointment in self:
            appointment.can_check_in = bool(appointment.id) and not appointment._check_in_refusal()

    def _check_in_refusal(self):
        """Why the citizen cannot check in for this appointment now, or ''."""
        self.ensure_one()
        if self.arrival_time:
            return _(
                "%(citizen)s already checked in at %(time)s.",
                citizen=self.citizen_name,
                time=self._format_local(self.arrival_time, "HH:mm"),
            )
        if self.state == "to_reschedule":
            return _("This appointment lost its slot: give it another one first (Change slot).")
        if self.state == "no_show":
            return _(
                "This appointment was marked absent: if the citizen came, "
                "use Back to planned first."
            )
        if self.state != "planned":
            return _(
                "This appointment is %(state)s: there is nothing to check in.",
                state=dict(self._fields["state"]._description_selection(self.env))[self.state],
            )
        if self.place_id._to_local(self.start).date() != self.place_id._today():
            return _(
                "This appointment is on %(date)s, not today.",
                date=self._format_local(self.start, "EEEE d MMMM y, HH:mm"),
            )
        return ""

    def action_check_in(self):
        """The citizen arrived at the reception: note the time."""
        for appointment in self:
            refusal = appointment._check_in_refusal()
            if refusal:
                raise UserError(refusal)
        self.write({"arrival_time": fields.Datetime.now()})
        return True

    def action_undo_check_in(self):
        """A check-in by mistake (another citizen's summary scanned)."""
        if any(appointment.state not in ("planned", "done") for appointment in self):
            raise UserError(_("Only the check-in of a planned or done appointment can be undone."))
        self.write({"arrival_time": False})
        return True

    def action_reset_planned(self):
        """Undo 'done' or 'no-show' set by mistake."""
        return self._set_outcome("planned", ("done", "no_show"))

    def action_cancel(self):
        """Ask the reason, then cancel (wizard)."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Cancel the appointment"),
            "res_model": "rdv.appointment.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_appointment_ids": self.ids},
        }

    def action_add_application_numbers(self):
        """Add the pre-application numbers the caller did not have (wizard)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Add pre-application numbers"),
            "res_model": "rdv.appointment.ants.numbers",
            "view_mode": "form",
            "target": "new",
            "context": {"default_appointment_id": self.id},
        }

    def _form_action(self):
        """The window action that opens this appointment's form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            # The title of the dialog the board opens it in (else "Odoo").
            "name": _("Appointment %s", self.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_change_slot(self):
        """Pick another free slot of the same type (wizard)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Change the slot"),
            "res_model": "rdv.appointment.reschedule",
            "view_mode": "form",
            "target": "new",
            "context": {"default_appointment_id": self.id},
        }

    @api.constrains("state", "partner_id", "lastname")
    def _check_partner(self):
        for appointment in self:
            if (
                appointment.state != "pending"
                and not appointment.personal_data_erased
                and not (appointment.partner_id or appointment.lastname)
            ):
                raise ValidationError(
                    _("Citizen: appointment %s has no citizen.", appointment.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.env["rdv.citizen"]._check_citizen_texts(vals)
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        if any(appointment.state not in ("pending", "cancelled") for appointment in self):
            raise UserError(_("Appointments are kept for history: cancel them instead."))

    def unlink(self):
        self.slot_ids._release()
        return super().unlink()
