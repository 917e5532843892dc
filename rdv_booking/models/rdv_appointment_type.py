from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Identity fields a type may ask of the citizen (a file number, an ID
# document, an address...). One place lists them: the portal form, the agent
# wizard, the booking service and the reports read this table.
# (field on rdv.appointment, setting field on rdv.appointment.type)
IDENTITY_FIELDS = [
    ("file_number", "ask_file_number"),
    ("id_type", "ask_id_type"),
    ("id_number", "ask_id_number"),
    ("birthdate", "ask_birthdate"),
    ("street", "ask_street"),
    ("zip", "ask_zip"),
    ("city", "ask_city"),
    ("country_id", "ask_country_id"),
    ("email", "ask_email"),
    ("phone", "ask_phone"),
]

ASK_SELECTION = [
    ("no", "Not asked"),
    ("optional", "Optional"),
    ("required", "Required"),
]


# The procedures the ANTS hub asks for, and the types (by their
# ``ants_reason``) that receive each: an "identity card and passport" type
# receives either; a request for both documents at once goes to such types
# only, since a type of one document is not planned for the time of two.
ANTS_REASON_TYPES = {
    "CNI": ("CNI", "CNI-PASSPORT"),
    "PASSPORT": ("PASSPORT", "CNI-PASSPORT"),
    "CNI-PASSPORT": ("CNI-PASSPORT",),
}


class RdvAppointmentType(models.Model):
    """A reason for an appointment ("motif"): ID card, civil status, the mayor..."""

    _name = "rdv.appointment.type"
    _description = "Appointment type"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    # --- identity
    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    service_id = fields.Many2one(
        "rdv.service",
        index=True,
        check_company=True,
        tracking=True,
        help="Only the agents of this service manage this type. Empty: every agent.",
    )
    procedure_code = fields.Char(
        help="Types of different communes sharing this code are the same procedure: "
        "a citizen cannot hold active appointments for it in two places of the "
        "instance (e.g. 'cni-passport').",
    )
    color = fields.Integer()
    mode = fields.Selection(
        [
            ("on_site", "On site"),
            ("phone", "By phone"),
            ("home", "At home"),
            ("video", "Video call"),
        ],
        required=True,
        default="on_site",
    )
    is_published = fields.Boolean(
        "Published on the website", default=False, tracking=True, copy=False
    )

    # --- texts shown to the citizen
    description = fields.Html(translate=True, sanitize=True, prefetch="rdv_texts")
    gdpr_text = fields.Html(
        "Personal data notice",
        translate=True,
        prefetch="rdv_texts",
        help="Shown before the citizen gives personal data (GDPR information).",
    )
    documents_to_bring = fields.Html(translate=True, prefetch="rdv_texts")
    file_number_label = fields.Char(
        translate=True,
        # No default: one written at creation would stay in its creator's
        # language; empty, each reader sees "File number" in theirs.
        help="Label of the file number field for this type (e.g. 'Pre-application number'). "
        "Empty: 'File number'.",
    )

    # --- rules (one place for each: the booking service reads them here)
    duration = fields.Integer(
        "Duration (minutes)",
        required=True,
        default=15,
        help="Duration of one person's appointment. Must be a multiple of the slot "
        "duration of the counters serving the type.",
    )
    max_persons = fields.Integer(
        "Max persons per booking",
        default=1,
        required=True,
        help="Persons booked together take consecutive slots (a family).",
    )
    max_active_per_person = fields.Integer(
        "Max active bookings per person",
        default=3,
        required=True,
        help="Upcoming appointments of this type one citizen can hold at the same time.",
    )
    min_notice_hours = fields.Integer(
        "Minimum notice (hours)",
        default=2,
        help="Citizens cannot book a slot starting sooner than this.",
    )
    max_horizon_days = fields.Integer(
        "Booking horizon (days)",
        default=60,
        help="Citizens cannot book further ahead than this.",
    )
    change_deadline_hours = fields.Integer(
        "Cancel / reschedule deadline (hours)",
        default=24,
        help="Citizens can cancel or reschedule online until this many hours before.",
    )
    reminder_hours = fields.Integer(
        "Reminder (hours before)",
        default=48,
        help="A reminder is sent this many hours before the appointment (0: none), by SMS "
        "or e-mail, once the SMS add-on (rdv_booking_sms) is installed. An appointment "
        "booked or moved less than this before its time gets none: its confirmation has "
        "just given the time.",
    )

    # --- the national ID-card and passport procedure (ANTS hub)
    ants_reason = fields.Selection(
        [
            ("CNI", "Identity card"),
            ("PASSPORT", "Passport"),
            ("CNI-PASSPORT", "Identity card and passport"),
        ],
        "ANTS procedure",
        help="Set when this type is the national identity card or passport procedure: its "
        "places are published to the ANTS hub, and each person gives their pre-application "
        "number, checked with the hub. 'Identity card and passport' receives both.",
    )

    # --- identity fields asked to the citizen
    ask_file_number = fields.Selection(ASK_SELECTION, "File number", default="no", required=True)
    ask_id_type = fields.Selection(ASK_SELECTION, "ID document type", default="no", required=True)
    ask_id_number = fields.Selection(
        ASK_SELECTION, "ID document number", default="no", required=True
    )
    ask_birthdate = fields.Selection(ASK_SELECTION, "Birth date", default="no", required=True)
    ask_street = fields.Selection(ASK_SELECTION, "Address", default="no", required=True)
    ask_zip = fields.Selection(ASK_SELECTION, "Postcode", default="no", required=True)
    ask_city = fields.Selection(ASK_SELECTION, "City", default="optional", required=True)
    ask_country_id = fields.Selection(ASK_SELECTION, "Country", default="no", required=True)
    ask_email = fields.Selection(ASK_SELECTION, "E-mail", default="optional", required=True)
    ask_phone = fields.Selection(ASK_SELECTION, "Mobile phone", default="required", required=True)

    # --- links
    counter_ids = fields.Many2many(
        "rdv.counter",
        "rdv_counter_type_rel",
        "type_id",
        "counter_id",
        string="Counters",
    )
    counter_count = fields.Integer(compute="_compute_counter_count")
    appointment_ids = fields.One2many("rdv.appointment", "type_id")

    _sql_constraints = [
        ("duration_positive", "CHECK(duration > 0)", "The duration must be positive."),
        (
            "max_persons_positive",
            "CHECK(max_persons >= 1)",
            "At least one person per booking must be allowed.",
        ),
        (
            "max_active_positive",
            "CHECK(max_active_per_person >= 1)",
            "At least one active booking per person must be allowed.",
        ),
        (
            "notice_positive",
            "CHECK(min_notice_hours >= 0)",
            "The minimum notice cannot be negative.",
        ),
        (
            "horizon_positive",
            "CHECK(max_horizon_days >= 1)",
            "The booking horizon must be at least one day.",
        ),
        (
            "deadline_positive",
            "CHECK(change_deadline_hours >= 0)",
            "The cancel / reschedule deadline cannot be negative.",
        ),
        (
            "reminder_positive",
            "CHECK(reminder_hours >= 0)",
            "The reminder delay cannot be negative.",
        ),
    ]

    @api.depends("counter_ids")
    def _compute_counter_count(self):
        for rdv_type in self:
            rdv_type.counter_count = len(rdv_type.counter_ids)

    @api.constrains("duration")
    def _check_duration_grid(self):
        for rdv_type in self:
            for counter in rdv_type.counter_ids:
                if rdv_type.duration % counter.slot_duration:
                    raise ValidationError(
                        _(
                            "Duration: %(type)s lasts %(duration)s minutes, which is not a "
                            "multiple of the %(slot)s-minute slots of counter %(counter)s.",
                            type=rdv_type.name,
                            duration=rdv_type.duration,
                            slot=counter.slot_duration,
                            counter=counter.display_name,
                        )
                    )

    @api.constrains("ask_phone", "ask_email")
    def _check_contact_asked(self):
        for rdv_type in self:
            if rdv_type.ask_phone == "no" and rdv_type.ask_email == "no":
                raise ValidationError(
                    _(
                        "%s: ask at least a mobile phone or an e-mail, or the citizen "
                        "cannot receive the confirmation.",
                        rdv_type.name,
                    )
                )

    @api.model
    def _booking_fnames(self):
        """The fields the booking service reads, fetched in one narrow query
        (the forms' long texts, translations and settings are not needed)."""
        return [
            "active",
            "company_id",
            "service_id",
            "procedure_code",
            "is_published",
            "duration",
            "max_persons",
            "max_active_per_person",
            "min_notice_hours",
            "max_horizon_days",
            *(setting for _field, setting in IDENTITY_FIELDS),
            "file_number_label",  # names the field in the citizen's errors
            "ants_reason",  # one pre-application number per person, checked with ANTS
        ]

    def _identity_requirements(self):
        """Return {appointment field: 'optional' | 'required'} for the asked fields."""
        self.ensure_one()
        asked = {
            field: self[setting] for field, setting in IDENTITY_FIELDS if self[setting] != "no"
        }
        if self.ants_reason:
            # The ANTS procedure asks each person's pre-application number:
            # a file number beside them would be asked twice.
            asked.pop("file_number", None)
        return asked

    @api.model
    def _ants_types(self, company, reason):
        """The published types of ``company`` that receive the ANTS hub's
        ``reason`` (see :data:`ANTS_REASON_TYPES`; an unknown reason, none)."""
        return self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("is_published", "=", True),
                ("ants_reason", "in", ANTS_REASON_TYPES.get(reason, ())),
            ]
        )

    def action_view_counters(self):
        """Open the counters serving this type."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("rdv_booking.rdv_counter_action")
        action["domain"] = [("type_ids", "in", self.ids)]
        action["context"] = {"default_type_ids": self.ids}
        return action
