import re

import pytz

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import RdvPortalCase


def without_tokens(text):
    """A page without what changes at each request (CSRF tokens)."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", text)
    return re.sub(r'csrf_token: "[^"]+"', "", text)


@tagged("post_install", "-at_install")
class TestIncompletePlace(RdvPortalCase, HttpCase):
    """A counter at a place without an address is not offered by any public
    route: not on /rdv, not among the places nor the slots, and a hold on
    one of its times (its id typed in by hand) is refused as an unknown
    counter is. Completing the place puts it online."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        # A place made from its name alone, as the quick-create of the
        # counter form made it, and a type that only its counter receives.
        cls.annex = cenv["rdv.place"].create({"name": "Mairie annexe", "tz": "Europe/Paris"})
        cls.annex_type = cls.rdv_type.copy(
            {"name": "Passeport annexe", "is_published": True, "counter_ids": [(5, 0, 0)]}
        )
        cls.annex_counter = cenv["rdv.counter"].create(
            {
                "name": "Guichet annexe",
                "place_id": cls.annex.id,
                "type_ids": [(6, 0, (cls.rdv_type | cls.annex_type).ids)],
                "reference_week_id": cls.week.id,
                "slot_duration": 15,
                "date_start": fields.Date.today(),
            }
        )

    def _annex_start(self):
        slot = self.env["rdv.slot"].search(
            [
                ("counter_id", "=", self.annex_counter.id),
                ("state", "=", "free"),
                ("start", ">", fields.Datetime.add(fields.Datetime.now(), days=1)),
            ],
            order="start",
            limit=1,
        )
        self.assertTrue(slot, "the counter has slots: agents book there")
        return fields.Datetime.to_string(slot.start)

    def _hold(self, type_id, counter_id, start):
        page = self.url_open("/rdv/type/%s/slots?place=any" % self.rdv_type.id)
        return self.url_open(
            "/rdv/hold",
            data={
                "csrf_token": self.csrf(page),
                "type_id": type_id,
                "counter_id": counter_id,
                "start": start,
                "persons": 1,
            },
        )

    def _slots_url(self, place, start):
        """The slots page of ``place`` on the day of ``start`` (its times listed)."""
        day = pytz.utc.localize(fields.Datetime.to_datetime(start)).astimezone(
            pytz.timezone("Europe/Paris")
        )
        return "/rdv/type/%s/slots?place=%s&month=%s&day=%s" % (
            self.rdv_type.id,
            place,
            day.strftime("%Y-%m"),
            day.date().isoformat(),
        )

    def _counters_on(self, url):
        """The counters whose times the page offers to hold."""
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200, url)
        return {int(value) for value in re.findall(r'name="counter_id" value="(\d+)"', page.text)}

    def test_not_offered_until_complete(self):
        self.assertFalse(self.annex_counter.website_visible)
        types = self.url_open("/rdv").text
        self.assertIn("Carte d&#39;identité", types)
        self.assertNotIn("Passeport annexe", types)
        self.assertEqual(self.url_open("/rdv/type/%s" % self.annex_type.id).status_code, 404)
        places = self.url_open("/rdv/type/%s/places" % self.rdv_type.id).text
        self.assertIn("Mairie du Portail", places)
        self.assertNotIn("Mairie annexe", places)
        start = self._annex_start()
        self.assertEqual(self._counters_on(self._slots_url("any", start)), {self.counter.id})
        self.assertEqual(self.url_open(self._slots_url(self.annex.id, start)).status_code, 404)

        # A hold on one of its times, typed in by hand: refused, as for a
        # counter that does not exist, and nothing is held.
        refused = self._hold(self.rdv_type.id, self.annex_counter.id, start)
        unknown = self._hold(self.rdv_type.id, 999999, start)
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(unknown.status_code, 404)
        self.assertEqual(without_tokens(refused.text), without_tokens(unknown.text))
        self.assertNotIn("Traceback", refused.text)
        self.assertFalse(
            self.env["rdv.appointment"].search([("counter_id", "=", self.annex_counter.id)])
        )

        # The place completed: the counter goes online by itself.
        self.annex.write({"street": "2 rue du Marché", "zip": "74100", "city": "Portail"})
        self.assertTrue(self.annex_counter.website_visible)
        self.assertIn("Passeport annexe", self.url_open("/rdv").text)
        self.assertEqual(
            self._counters_on(self._slots_url(self.annex.id, start)), {self.annex_counter.id}
        )
        held = self._hold(self.rdv_type.id, self.annex_counter.id, start)
        self.assertEqual(held.status_code, 200)
        self.assertTrue(
            self.env["rdv.appointment"].search([("counter_id", "=", self.annex_counter.id)])
        )
