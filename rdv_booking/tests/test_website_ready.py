import ast
import datetime
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from odoo.tests import Form, tagged

from ..models.rdv_appointment import BookingError
from .common import NOW, RdvCase, utc

# The address fields a citizen needs (the time zone is a required field:
# it cannot be left empty).
ADDRESS = {"street": "2 rue du Marché", "zip": "74000", "city": "Annecy"}
# Records that a name alone makes half-made: a place without address, a
# type without duration or texts, a service without agents.
GUARDED = {"rdv.place", "rdv.counter", "rdv.appointment.type", "rdv.service"}
ADDONS = ("rdv_booking", "rdv_booking_portal", "rdv_booking_sms")
_phones = itertools.count(10)


@tagged("post_install", "-at_install")
class TestWebsiteReady(RdvCase):
    """A counter goes on the website only once its place has what citizens
    need, and no back-office form makes a place (or a type, a service) from
    a name typed in a field."""

    def _annex(self, **values):
        return self.env["rdv.place"].create(
            {"name": "Mairie annexe", "tz": "Europe/Paris", **values}
        )

    def _offered(self, place):
        """Whether the website offers anything at ``place``: its free times
        and its earliest time, as the citizen pages read them."""
        Slot = self.env["rdv.slot"]
        starts = Slot._free_starts(
            self.type_id, NOW, NOW + datetime.timedelta(days=14), places=place, website=True
        )
        earliest = Slot._earliest_by_place(
            self.type_id, NOW, NOW + datetime.timedelta(days=14), places=place, website=True
        )
        self.assertEqual(bool(starts), place.id in earliest)
        return bool(starts)

    # --- no quick-create

    def _guarded_fields(self):
        """(view, model, field, options) of every editable field of our form
        and editable list views that picks a record of ``GUARDED``."""
        data = self.env["ir.model.data"].search(
            [("module", "in", ADDONS), ("model", "=", "ir.ui.view")]
        )
        roots = self.env["ir.ui.view"]
        for view in self.env["ir.ui.view"].browse(data.mapped("res_id")):
            while view.mode == "extension" and view.inherit_id:
                view = view.inherit_id
            if view.type in ("form", "list"):
                roots |= view
        found = []

        def walk(node, model, view, editable):
            for child in node:
                if not isinstance(child.tag, str):
                    continue
                if child.tag == "list":
                    walk(child, model, view, editable and bool(child.get("editable")))
                    continue
                if child.tag != "field":
                    walk(child, model, view, editable)
                    continue
                field = self.env[model]._fields.get(child.get("name"))
                if field is None:
                    continue
                shown = editable and child.get("readonly") not in ("1", "True", "true")
                if (
                    shown
                    and not field.readonly
                    and field.type in ("many2one", "many2many")
                    and field.comodel_name in GUARDED
                    and child.get("invisible") not in ("1", "True", "true")
                    and child.get("widget") != "many2many_checkboxes"
                ):
                    options = ast.literal_eval(
                        (child.get("options") or "{}").replace("true", "True")
                    )
                    found.append((view.xml_id, model, field.name, options))
                if field.type in ("one2many", "many2many"):
                    walk(child, field.comodel_name, view, shown)

        for view in roots:
            arch = self.env[view.model].get_view(view.id, view.type)["arch"]
            root = etree.fromstring(arch)
            walk(root, view.model, view, view.type == "form" or bool(root.get("editable")))
        return found

    def test_no_quick_create_of_places_types_services(self):
        found = self._guarded_fields()
        self.assertIn(
            ("rdv_booking.rdv_counter_view_form", "rdv.counter", "place_id", {"no_create": True}),
            found,
        )
        half_made = [item for item in found if not item[3].get("no_create")]
        self.assertFalse(half_made, "fields that create a place, counter, type or service")

    def test_counter_form(self):
        annex = self._annex()
        form = Form(self.env["rdv.counter"].with_user(self.manager))
        form.name = "Guichet annexe"
        form.place_id = annex
        form.type_ids.add(self.type_id)
        form.reference_week_id = self.week
        # Published by default, but blocked, and the form says why.
        self.assertTrue(form.website_published)
        self.assertEqual(
            form.website_blocker,
            "Not shown on the website: the place Mairie annexe lacks street, postcode, city. "
            "Complete the place and the counter goes online by itself; agents can book it "
            "meanwhile.",
        )
        counter = form.save()
        self.assertFalse(counter.website_visible)
        self.assertFalse(self._offered(annex))
        place_form = Form(annex.with_user(self.manager))
        self.assertEqual(
            place_form.website_missing,
            "Its counters are not shown on the website: the place lacks street, postcode, city.",
        )
        self.assertEqual(
            place_form.website_advice,
            "Recommended for citizens: phone, map coordinates (for the nearest place).",
        )
        for name, value in ADDRESS.items():
            setattr(place_form, name, value)
        self.assertFalse(place_form.website_missing)
        place_form.save()
        self.assertTrue(counter.website_visible)
        self.assertFalse(counter.website_blocker)
        self.assertTrue(self._offered(annex))
        # Unpublished by the manager: no banner, not shown.
        counter.website_published = False
        self.assertFalse(counter.website_blocker)
        self.assertFalse(self._offered(annex))
        # Older code and imports write website_visible: the manager's choice.
        counter.write({"website_visible": True})
        self.assertTrue(counter.website_published)
        self.assertTrue(counter.website_visible)
        hidden = counter.copy({"website_visible": False})
        self.assertEqual((hidden.website_published, hidden.website_visible), (False, False))

    def test_banner_in_french(self):
        self._load_french()
        annex = self._annex(street="2 rue du Marché")
        counter = self._make_counter("Guichet annexe", place=annex)
        self.assertEqual(
            counter.with_context(lang="fr_FR").website_blocker,
            "Non affiché sur le portail : au lieu Mairie annexe, il manque code postal, ville. "
            "Complétez le lieu et le guichet sera mis en ligne de lui-même ; les agents "
            "peuvent y prendre des rendez-vous en attendant.",
        )

    # --- the rule

    @settings(max_examples=30, deadline=None)
    @given(
        missing=st.sets(st.sampled_from(sorted(ADDRESS))),
        # Empty, or what an outside test typed to get a counter online: a
        # dot, a dash, a zero-width space, a lone "0".
        blank=st.sampled_from([False, "", "   ", ".", "-", "\u200b", "0", "— —"]),
        later=st.booleans(),
    )
    def test_only_ready_places_are_offered(self, missing, blank, later):
        """Whichever address fields are missing (at creation, or erased
        later), the counter is never offered nor booked online; with all of
        them it is. Agents still book there."""
        values = {name: blank if name in missing else value for name, value in ADDRESS.items()}
        place = self._annex(**(ADDRESS if later else values))
        counter = self._make_counter(
            "Guichet", place=place, week=self._make_week("W", [(0, 4, 9.0, 10.0)])
        )
        if later:
            place.write(values)
        ready = not missing
        self.assertEqual(place.website_ready, ready)
        self.assertEqual(counter.website_visible, ready)
        self.assertEqual(self._offered(place), ready)
        self.assertEqual(
            [label in (place.website_missing or "") for label in ("street", "postcode", "city")],
            [name in missing for name in ("street", "zip", "city")],
        )
        start = self.env["rdv.slot"]._free_starts(
            self.type_id,
            NOW + datetime.timedelta(days=2),
            NOW + datetime.timedelta(days=14),
            counters=counter,
        )[0][1]
        number = next(_phones)
        phone = "06 12 34 %02d %02d" % divmod(number, 100)
        if ready:
            self.book(
                start, counter=counter, channel="web", phone=phone, email="p%s@example.com" % number
            )
        else:
            with self.assertRaisesRegex(BookingError, "cannot be booked online"):
                self.book(start, counter=counter, channel="web", phone=phone)
            self.assertEqual(self.book(start, counter=counter, phone=phone).state, "planned")

    def test_time_zone_is_required(self):
        place = self._annex(**ADDRESS)
        self.assertEqual(place._missing_for_website(), [])
        self.assertEqual(
            place.new({"tz": False})._missing_for_website(),
            ["street", "postcode", "city", "time zone"],
        )

    def test_demo_places_are_complete(self):
        places = self.env["rdv.place"].with_context(active_test=False).search([])
        for place in places:
            if self.env["ir.model.data"].search_count(
                [("model", "=", "rdv.place"), ("res_id", "=", place.id), ("module", "in", ADDONS)]
            ):
                self.assertEqual(place._missing_for_website(), [], place.name)

    def test_earliest_is_from_ready_places(self):
        annex = self._annex()
        self._make_counter("Annex", place=annex)
        earliest = self.env["rdv.slot"]._earliest_by_place(
            self.type_id, utc(2026, 3, 1), utc(2026, 4, 1), website=True
        )
        self.assertIn(self.place.id, earliest)
        self.assertNotIn(annex.id, earliest)
