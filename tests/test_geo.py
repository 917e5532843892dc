"""Tests of ``rdv_booking_portal/tools/geo.py``: distances to the nearest places."""

import math

import pytest
import rdv_geo as geo
from hypothesis import given
from hypothesis import strategies as st

LAT = st.floats(-90, 90)
LON = st.floats(-180, 180)


def test_known_distances():
    # Paris (Notre-Dame) to Lyon (Bellecour): 392 km as the crow flies.
    assert geo.haversine_km(48.853, 2.3499, 45.7578, 4.832) == pytest.approx(392, abs=1)
    # A quarter of the equator.
    assert geo.haversine_km(0, 0, 0, 90) == pytest.approx(math.pi * geo.EARTH_RADIUS_KM / 2)


@given(LAT, LON, LAT, LON)
def test_a_distance_is_symmetric_and_at_most_half_the_earth(lat1, lon1, lat2, lon2):
    there = geo.haversine_km(lat1, lon1, lat2, lon2)
    assert there == pytest.approx(geo.haversine_km(lat2, lon2, lat1, lon1), abs=1e-6)
    assert 0 <= there <= math.pi * geo.EARTH_RADIUS_KM + 1e-6


@given(LAT, LON)
def test_a_point_is_at_no_distance_from_itself(lat, lon):
    assert geo.haversine_km(lat, lon, lat, lon) == 0
