"""The gazetteer: forgiving look-ups over the region table, ambiguity answered."""

import math
from pathlib import Path

import pytest

from directory.commands import SEED_DIR
from directory.geo.gazetteer import Gazetteer, RegionEntry
from directory.geo.geocoding import GazetteerGeocoder
from directory.geo.regions import read_regions


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(
        RegionEntry(**row.__dict__) for row in read_regions(Path(SEED_DIR) / "regions.csv")
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Kab. Serang", "36.04"),
        ("kabupaten serang", "36.04"),
        ("KOTA SERANG", "36.73"),
        ("Kota Serag", "36.73"),
        ("Cipocok Jaya", "36.73.05"),
        ("cipocok", "36.73.05"),
        ("36.73", "36.73"),
        ("jakarta selatan", "31.74"),
        ("Kec. Serang", "36.73.01"),
    ],
)
def test_forgiving_names_find_their_place(gazetteer, text, code):
    resolution = gazetteer.resolve(text)
    assert resolution.place is not None
    assert resolution.place.code == code


def test_a_shared_name_is_answered_with_candidates(gazetteer):
    resolution = gazetteer.resolve("serang")
    assert resolution.place is None and resolution.ambiguous
    codes = [candidate.region.code for candidate in resolution.candidates]
    assert {"36.04", "36.73", "36.73.01"} <= set(codes[:3])
    assert resolution.candidates[0].label.endswith("Banten")


def test_a_parent_narrows_a_shared_name(gazetteer):
    codes = {c.region.code for c in gazetteer.search("bandung, jawa barat") if c.score == 100}
    assert codes == {"32.04", "32.73"}


def test_unknown_places_find_nothing(gazetteer):
    assert gazetteer.search("xyzzy qwerty") == []
    assert gazetteer.resolve("").place is None


def test_district_at_takes_the_nearest_centroid_inside_the_place(gazetteer):
    serang = gazetteer.regions["36.73.01"]
    assert gazetteer.district_at(serang.latitude, serang.longitude) == "36.73.01"
    inside = gazetteer.district_at(serang.latitude, serang.longitude, within="36.04")
    assert inside is not None and inside.startswith("36.04.")


def test_the_geocoder_speaks_geopy(gazetteer):
    geocoder = GazetteerGeocoder(gazetteer)
    location = geocoder.geocode("Kota Serang")
    assert (location.latitude, location.longitude) == (
        gazetteer.regions["36.73"].latitude,
        gazetteer.regions["36.73"].longitude,
    )
    assert geocoder.geocode("serang") is None  # ambiguous: no single answer
    assert len(geocoder.geocode("serang", exactly_one=False)) >= 3
    assert geocoder.reverse("-6.111881, 106.164893").raw["code"] == "36.73.01"


def _haversine_term(a: RegionEntry, b: RegionEntry) -> float:
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlon = math.radians(b.longitude - a.longitude)
    return (
        math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    )


def test_district_at_within_a_region_is_the_nearest_district_inside_it(gazetteer):
    districts = [r for r in gazetteer.regions.values() if r.level == "kecamatan"]
    others = [r for r in gazetteer.regions.values() if r.level != "kecamatan"]
    for region in [*others[::7], districts[0], districts[-1]]:
        inside = [
            d for d in districts if d.code == region.code or d.code.startswith(f"{region.code}.")
        ]
        nearest = min(inside, key=lambda d: _haversine_term(region, d))
        assert gazetteer.district_at(region.latitude, region.longitude, region.code) == (
            nearest.code
        ), region


def test_resolve_gives_the_same_answer_when_asked_again(gazetteer):
    first = gazetteer.resolve("Kab. Serang")
    assert first.place is not None and first.place.name == "Kabupaten Serang"
    assert gazetteer.resolve("Kab. Serang") == first
    assert gazetteer.resolve("Serang").ambiguous
