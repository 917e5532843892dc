from urllib.parse import urlencode

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import babel_locale_parse, get_lang

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import clock

# What citizens need from a place before its counters go online: the pages,
# the e-mails, the SMS and the PDF print the address, and every time is read
# in the place's zone. A phone and coordinates help (map, nearest place) but
# the pages are right without them: they are recommended only.
WEBSITE_REQUIRED = ("street", "zip", "city", "tz")
WEBSITE_RECOMMENDED = ("phone", "coordinates")


# What makes a line of an address more than punctuation or invisible
# characters: a street names a way (a letter and one more letter or digit), a
# postcode has 3 letters or digits at least (the shortest in use), a city has
# a letter (the commune of "Y" exists).
def _meaningful(field, value):
    text = value or ""
    letters = sum(ch.isalpha() for ch in text)
    alnum = sum(ch.isalnum() for ch in text)
    if field == "street":
        return letters >= 1 and alnum >= 2
    if field == "zip":
        return alnum >= 3
    if field == "city":
        return letters >= 1
    return bool(text.strip())


class RdvPlace(models.Model):
    """Where citizens are received ("lieu"): a town hall, an annex..."""

    _name = "rdv.place"
    _description = "Appointment place"
    _inherit = ["mail.thread", "rdv.impact.preview.mixin"]
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    color = fields.Integer()

    # --- address
    street = fields.Char()
    street2 = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    country_id = fields.Many2one("res.country", default=lambda self: self.env.company.country_id)
    phone = fields.Char()
    email = fields.Char()
    access_info = fields.Html(
        "How to get there", translate=True, help="Access, parking, accessibility..."
    )
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    tz = fields.Selection(
        _tz_get,
        string="Time zone",
        required=True,
        default=lambda self: self.env.user.tz or "Europe/Paris",
        help="Opening hours are read in this zone; slots are stored in UTC.",
    )

    counter_ids = fields.One2many("rdv.counter", "place_id", string="Counters")
    counter_count = fields.Integer(compute="_compute_counter_count")
    address_display = fields.Char("Address", compute="_compute_address_display")
    map_url = fields.Char("Map link", compute="_compute_map_url")

    # --- what citizens need (see _missing_for_website)
    website_ready = fields.Boolean(
        "Ready for the website",
        compute="_compute_website_ready",
        store=True,
        help="The place has what citizens need: street, postcode, city and time zone. "
        "Until then its counters are not shown on the website; agents can still book there.",
    )
    website_missing = fields.Char("Missing for the website", compute="_compute_website_missing")
    website_advice = fields.Char("Recommended for citizens", compute="_compute_website_missing")

    @api.depends("counter_ids")
    def _compute_counter_count(self):
        for place in self:
            place.counter_count = len(place.counter_ids)

    @api.depends("street", "street2", "zip", "city", "country_id")
    def _compute_address_display(self):
        for place in self:
            town = " ".join(part for part in (place.zip, place.city) if part)
            place.address_display = ", ".join(
                part for part in (place.street, place.street2, town) if part
            )

    @api.depends("latitude", "longitude", "address_display")
    def _compute_map_url(self):
        for place in self:
            if place.latitude or place.longitude:
                query = {"mlat": place.latitude, "mlon": place.longitude}
                place.map_url = "https://www.openstreetmap.org/?%s#map=18/%s/%s" % (
                    urlencode(query),
                    place.latitude,
                    place.longitude,
                )
            elif place.address_display:
                place.map_url = "https://www.openstreetmap.org/search?%s" % urlencode(
                    {"query": place.address_display}
                )
            else:
                place.map_url = False

    @api.depends(*WEBSITE_REQUIRED)
    def _compute_website_ready(self):
        for place in self:
            place.website_ready = not place._missing_for_website()

    @api.depends(*WEBSITE_REQUIRED, "phone", "latitude", "longitude")
    def _compute_website_missing(self):
        for place in self:
            missing = place._missing_for_website()
            place.website_missing = (
                _(
                    "Its counters are not shown on the website: the place lacks %s.",
                    ", ".join(missing),
                )
                if missing
                else False
            )
            advice = place._missing_for_website(WEBSITE_RECOMMENDED)
            place.website_advice = (
                _("Recommended for citizens: %s.", ", ".join(advice)) if advice else False
            )

    def _missing_for_website(self, needs=WEBSITE_REQUIRED):
        """What citizens need from this place and it lacks, as labels in the
        user's language; empty when its counters can be shown online.

        The one rule of a place's readiness: the stored ``website_ready`` (and
        through it the counters' ``website_visible``, which every public
        query reads) and the forms' banners are computed from it.

        :param needs: the names to check (default: what is required;
            ``WEBSITE_RECOMMENDED`` for what helps)
        """
        self.ensure_one()
        labels = {
            "street": _("street"),
            "zip": _("postcode"),
            "city": _("city"),
            "tz": _("time zone"),
            "phone": _("phone"),
            "coordinates": _("map coordinates (for the nearest place)"),
        }

        def has(need):
            if need == "coordinates":
                return bool(self.latitude or self.longitude)
            if need == "tz":
                return clock.is_zone(self.tz)
            return _meaningful(need, self[need])

        return [labels[need] for need in needs if not has(need)]

    @api.onchange("tz")
    def _onchange_tz_impact(self):
        """Opening hours are wall-clock times: another zone moves every slot
        of the place's counters. Before saving, the form says which planned
        appointments would lose theirs, as the counter form does for its
        hours (the same preview: the real generation, rolled back)."""
        place = self._origin
        counters = place.counter_ids
        if not (counters and self.tz != place.tz and clock.is_zone(self.tz)):
            self._show_impact(self.env["rdv.appointment"])
            return
        overrides = {
            counter.id: counter.new({"place_id": self.id}, origin=counter) for counter in counters
        }
        lost = counters._preview_impact(counter_overrides=overrides)
        self._show_impact(lost)

    @api.constrains("latitude", "longitude")
    def _check_coordinates(self):
        for place in self:
            if not -90 <= place.latitude <= 90:
                raise ValidationError(_("Latitude: %s is not between -90 and 90.", place.latitude))
            if not -180 <= place.longitude <= 180:
                raise ValidationError(
                    _("Longitude: %s is not between -180 and 180.", place.longitude)
                )

    def _ants_name(self):
        """The place's name as the ANTS hub shows and matches it: in the
        commune's language, whoever asks (the hub, a citizen in English, an
        agent in Arabic), so that a declaration and its withdrawal agree."""
        self.ensure_one()
        return self.with_context(lang=self.company_id.partner_id.lang or "fr_FR").name

    def write(self, vals):
        tz_changed = "tz" in vals and any(place.tz != vals["tz"] for place in self)
        res = super().write(vals)
        if tz_changed:
            # Opening hours are wall-clock times: a new zone moves every slot.
            self.counter_ids._generate_slots()
        if "active" in vals and not vals["active"]:
            self.with_context(active_test=False).counter_ids.filtered("active").write(
                {"active": False}
            )
        return res

    def action_archive(self):
        """Archive the places and their counters; if planned appointments
        would lose their slots, show them and ask first."""
        counters = self.counter_ids  # the active ones
        if self.env.context.get("rdv_archive_confirmed") or not counters._planned_to_come():
            return super().action_archive()
        wizard = self.env["rdv.counter.archive"].create(
            {"counter_ids": [(6, 0, counters.ids)], "place_ids": [(6, 0, self.ids)]}
        )
        return wizard._open(_("Archive places"))

    def _today(self):
        """Today's date at this place."""
        self.ensure_one()
        return clock.today(self.tz, fields.Datetime.now())

    def _format_local(self, utc_dt, dt_format="EEEE d MMMM y, HH:mm"):
        """A naive UTC datetime as the place's wall clock reads it, in the
        reader's language (Babel pattern ``dt_format``); False for none.
        Without a place, the user's time zone."""
        if not utc_dt:
            return False
        if (self.env.lang or "").startswith("ar"):
            dt_format = dt_format.replace(", ", "، ")  # Arabic text takes the Arabic comma
        tz = self[:1].tz or self.env.user.tz or "UTC"
        return clock.format_local(
            utc_dt, tz, dt_format, babel_locale_parse(get_lang(self.env).code)
        )

    def _format_short(self, utc_dt):
        """A naive UTC datetime as the place's wall clock reads it, short
        enough for a list's column ("07/12 08:30"); False for none."""
        if not utc_dt:
            return False
        tz = self[:1].tz or self.env.user.tz or "UTC"
        return clock.format_short(
            utc_dt, tz, babel_locale_parse(get_lang(self.env).code), fields.Datetime.now()
        )

    def _to_local(self, utc_dt):
        """A naive UTC datetime as a naive wall-clock datetime of the place."""
        self.ensure_one()
        return clock.to_local(utc_dt, self.tz)

    def action_view_counters(self):
        """Open the counters of this place."""
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("rdv_booking.rdv_counter_action")
        action["domain"] = [("place_id", "=", self.id)]
        action["context"] = {"default_place_id": self.id}
        return action
