import datetime

from odoo import _, api, fields, models

from odoo.addons.rdv_booking.models.rdv_appointment_type import ANTS_REASON_TYPES
from odoo.addons.rdv_booking.tools import clock
from odoo.addons.rdv_booking.tools.ants import MAX_IDS as ANTS_MAX_IDS
from odoo.addons.rdv_booking.tools.ants import MAX_PERSONS as ANTS_MAX_PERSONS
from odoo.addons.rdv_booking.tools.ants import AntsQueryError, hub_datetime
from odoo.addons.rdv_booking.tools.parse import parse_date, parse_id, parse_int

# The longest range of days the hub may ask for in one call: a year (no slot
# exists beyond the company's horizon anyway, so a longer one costs nothing
# more, but no search of the hub is that long).
ANTS_MAX_DAYS = 366


class RdvPlace(models.Model):
    _inherit = "rdv.place"

    @api.model_create_multi
    def create(self, vals_list):
        places = super().create(vals_list)
        if places.country_id:
            places._load_localities_later()
        return places

    def write(self, vals):
        res = super().write(vals)
        if vals.get("country_id"):
            self._load_localities_later()
        return res

    def _load_localities_later(self):
        """Citizens find a place from the town they type: have the towns of a
        country new to the places loaded (a few seconds, not in this request)."""
        self.env["ir.cron"]._rdv_wake("rdv_booking_portal.ir_cron_rdv_localities")

    # ------------------------------------------------------------------
    # The ANTS hub (identity cards and passports)
    # ------------------------------------------------------------------

    @api.model
    def _ants_places(self, company, types=None):
        """The places of ``company`` published to the ANTS hub: those with a
        counter open online for a published type of an ANTS procedure (of
        ``types`` if given)."""
        if types is None:
            types = (
                self.env["rdv.appointment.type"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("is_published", "=", True),
                        ("ants_reason", "!=", False),
                    ]
                )
            )
        return (
            self.sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("counter_ids.website_visible", "=", True),
                    ("counter_ids.type_ids", "in", types.ids),
                ]
            )
            .filtered(
                lambda place: any(
                    counter.website_visible and counter.type_ids & types
                    for counter in place.counter_ids
                )
            )
        )

    @api.model
    def _ants_meeting_points(self, company):
        """The hub's ``getManagedMeetingPoints``: ``company``'s places, in
        the shape the hub reads (ids as strings)."""
        base_url = self.env["website"]._rdv_base_url(company)
        # Odoo's placeholder ("Your logo") is no commune's logo: none then.
        logo = not company.uses_default_logo and "%s/web/binary/company_logo?company=%s" % (
            base_url,
            company.id,
        )
        return [
            {
                "id": str(place.id),
                "name": place._ants_name(),
                # No coordinates is null, not a point off the coast of Africa.
                "longitude": place.longitude if place.latitude or place.longitude else None,
                "latitude": place.latitude if place.latitude or place.longitude else None,
                "public_entry_address": ", ".join(
                    part for part in (place.street, place.street2) if part
                ),
                "zip_code": place.zip or "",
                "city_name": place.city or "",
                "website": company.website or "%s/rdv" % base_url,
                "city_logo": logo or None,
            }
            for place in self._ants_places(company)
        ]

    @api.model
    def _ants_available_time_slots(
        self, company, meeting_point_ids, start_date, end_date, reason, documents_number
    ):
        """The hub's ``availableTimeSlots``: {place id: [{datetime, callback_url}]}
        for ``company``'s places among ``meeting_point_ids`` (strings, as
        sent), each day from ``start_date`` to ``end_date`` (included, in
        the place's zone), where ``documents_number`` persons can be received
        one after the other for the procedure ``reason``.

        The website's engine and rules (notice, horizon, counters shown,
        consecutive free times): the times the hub shows are those the
        website offers. Raises :class:`AntsQueryError` naming the parameter
        that cannot be read; ids of no place of ``company`` get no entry.
        """
        reasons = ", ".join(ANTS_REASON_TYPES)
        if reason not in ANTS_REASON_TYPES:
            raise AntsQueryError("reason", _("reason: one of %s.", reasons))
        today = fields.Date.context_today(self)
        low, high = today - datetime.timedelta(days=366), today + datetime.timedelta(days=731)
        first = parse_date(start_date, low, high)
        if first is None:
            raise AntsQueryError("start_date", _("start_date: a date, YYYY-MM-DD."))
        last = parse_date(end_date, low, high)
        if last is None:
            raise AntsQueryError("end_date", _("end_date: a date, YYYY-MM-DD."))
        if first > last:
            raise AntsQueryError("start_date", _("start_date: after end_date."))
        if (last - first).days >= ANTS_MAX_DAYS:
            raise AntsQueryError(
                "end_date", _("end_date: at most %s days after start_date.", ANTS_MAX_DAYS)
            )
        if len(meeting_point_ids) > ANTS_MAX_IDS:
            raise AntsQueryError(
                "meeting_point_ids", _("meeting_point_ids: at most %s ids.", ANTS_MAX_IDS)
            )
        types = self.env["rdv.appointment.type"]._ants_types(company, reason)
        # More persons than a type receives at once is a search with no
        # time (the hub shows "no appointment"), not a malformed call.
        persons = parse_int(documents_number or "1", 1, ANTS_MAX_PERSONS)
        if persons is None:
            raise AntsQueryError(
                "documents_number",
                _("documents_number: a whole number from 1 to %s.", ANTS_MAX_PERSONS),
            )
        ids = {parse_id(value) for value in meeting_point_ids} - {None}
        places = self._ants_places(company, types).filtered(lambda place: place.id in ids)
        types = types.filtered(lambda rdv_type: rdv_type.max_persons >= persons)
        if not places or not types:
            return {str(place.id): [] for place in places}
        # The widest day in UTC of the places' zones; each start is then
        # kept if its own place's wall clock is within the days asked for.
        zones = {place.id: clock.zone(place.tz) for place in places}
        date_from = min(clock.day_start_utc(first, tz) for tz in zones.values())
        date_to = max(
            clock.day_start_utc(last + datetime.timedelta(days=1), tz) for tz in zones.values()
        )
        starts = self.env["rdv.slot"]._free_starts_by_place(
            types, date_from, date_to, persons, places
        )
        # Tens of thousands of times for a whole search: each start is
        # converted once per zone (the places share their times), and each
        # link is the place's prefix and the time's query.
        types_url = "%s/rdv/type/" % self.env["website"]._rdv_base_url(company)
        local_of, answer = {}, {}
        for place in places:
            zone, slots = zones[place.id], []
            query = "/slots?place=%s&persons=%s&day=" % (place.id, persons)
            for start, type_id in starts.get(place.id, ()):
                local = local_of.get((zone, start))
                if local is None:
                    moment = clock.to_local(start, zone)
                    local = local_of[(zone, start)] = (
                        moment.date(),
                        hub_datetime(moment),
                        moment.strftime("%Y-%m-%d&time=%H:%M"),
                    )
                if first <= local[0] <= last:
                    slots.append(
                        {
                            "datetime": local[1],
                            "callback_url": "%s%s%s%s" % (types_url, type_id, query, local[2]),
                        }
                    )
            answer[str(place.id)] = slots
        return answer
