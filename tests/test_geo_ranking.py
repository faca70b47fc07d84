"""Nearest suitable: the ranking equals a brute-force geodesic ranking; radius holds."""

import random
from datetime import UTC, datetime, time

import numpy as np
import pytest
from geopy.distance import geodesic

from directory.geo.hours import OpeningHours, weekday_mask
from directory.search import ranking
from directory.search.documents import Place, ServiceRecord
from directory.search.ranking import (
    Catalog,
    Criteria,
    Origin,
    TextMatch,
    _haversine_one_km,
    geodesic_km,
    haversine_km,
    rank,
)

TERMS = [f"term-{n}" for n in range(5)]
NOW = datetime(2024, 6, 3, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB


def synthetic_records(count: int, seed: int = 3) -> list[ServiceRecord]:
    """Services around Java and beyond, some with two locations, some sharing a spot."""
    rng = random.Random(seed)
    spots = [(rng.uniform(-8.5, -5.8), rng.uniform(105.0, 114.5)) for _ in range(count // 3)]
    records = []
    for number in range(count):
        places = []
        for _ in range(rng.choice((1, 1, 2))):
            latitude, longitude = (
                rng.choice(spots)
                if rng.random() < 0.3
                else (
                    rng.uniform(-9.0, 2.0),
                    rng.uniform(95.0, 140.0),
                )
            )
            places.append(Place(latitude, longitude, "36.73.01", rng.random() < 0.1))
        records.append(
            ServiceRecord(
                id=f"{number:05d}-{rng.randrange(10**6):06d}",
                organization_id=f"org-{number % 7}",
                name="",
                organization_name="",
                status=rng.choice(("active", "active", "active", "inactive")),
                term_ids=tuple(rng.sample(TERMS, rng.randint(1, 3))),
                places=tuple(places),
            )
        )
    return records


def brute_force(records, term, origin, radius=None):
    """Every active service with the term, by geodesic distance to its nearest location."""
    found = []
    for record in records:
        if term not in record.term_ids or record.status != "active":
            continue
        distance = min(
            geodesic((origin.latitude, origin.longitude), (p.latitude, p.longitude)).km
            for p in record.places
        )
        if radius is None or distance <= radius:
            found.append((distance, record.id))
    return sorted(found)


@pytest.fixture(scope="module")
def records():
    return synthetic_records(900)


@pytest.fixture(scope="module")
def catalog(records):
    return Catalog(records)


@pytest.fixture(autouse=True, params=["direct", "box"])
def distances_by(request, monkeypatch):
    """Each test twice: distances to the few candidates' own locations (filter first),
    and by the growing box over every location (many candidates)."""
    if request.param == "box":
        monkeypatch.setattr(ranking, "DIRECT_LOCATIONS", -1)
    return request.param


ORIGINS = [Origin(-6.12, 106.15), Origin(-7.8, 110.4), Origin(0.5, 101.4), Origin(-2.5, 140.7)]


@pytest.mark.parametrize("term", TERMS)
@pytest.mark.parametrize("origin", ORIGINS)
def test_first_results_equal_brute_force_geodesic_ranking(records, catalog, term, origin):
    expected = brute_force(records, term, origin)
    criteria = Criteria(term_ids=(term,), statuses=("active",))
    page = rank(catalog, criteria, origin=origin, now=NOW, limit=15)
    assert [item.id for item in page.items] == [service_id for _, service_id in expected[:15]]
    for item, (distance, _) in zip(page.items, expected, strict=False):
        assert item.distance_km == pytest.approx(distance, abs=1e-9)
    assert page.total == len(expected)
    second = rank(catalog, criteria, origin=origin, now=NOW, offset=15, limit=15)
    assert [item.id for item in second.items] == [sid for _, sid in expected[15:30]]


@pytest.mark.parametrize("radius", [5.0, 40.0, 250.0, 900.0])
@pytest.mark.parametrize("origin", ORIGINS)
def test_radius_is_never_exceeded_and_nothing_inside_is_missed(records, catalog, radius, origin):
    expected = brute_force(records, TERMS[0], origin, radius)
    criteria = Criteria(term_ids=(TERMS[0],), statuses=("active",), radius_km=radius)
    page = rank(catalog, criteria, origin=origin, now=NOW, limit=1000)
    assert page.total == len(expected)
    assert [item.id for item in page.items] == [service_id for _, service_id in expected]
    assert all(item.distance_km <= radius for item in page.items)


def place(latitude, longitude, hours=()):
    return Place(latitude, longitude, "36.73.01", False, tuple(hours))


def test_service_areas_limit_who_is_offered_a_service():
    serang_only = ServiceRecord(
        "a", "o", "", "", area_codes=("36.73",), places=(place(-6.12, 106.15),)
    )
    anywhere = ServiceRecord("b", "o", "", "", places=(place(-6.13, 106.16),))
    catalog = Catalog([serang_only, anywhere])
    inside = Origin(-6.14, 106.17, "36.73.05")
    outside = Origin(-6.20, 106.10, "36.04.06")
    assert {i.id for i in rank(catalog, Criteria(), origin=inside, now=NOW).items} == {"a", "b"}
    assert [i.id for i in rank(catalog, Criteria(), origin=outside, now=NOW).items] == ["b"]
    with_all = rank(catalog, Criteria(include_out_of_area=True), origin=outside, now=NOW)
    assert {i.id for i in with_all.items} == {"a", "b"}
    assert [i.in_service_area for i in with_all.items if i.id == "a"] == [False]
    assert rank(catalog, Criteria(), origin=outside, now=NOW).hidden_out_of_area == 1
    assert with_all.hidden_out_of_area == 0
    assert rank(catalog, Criteria(), origin=None, now=NOW).hidden_out_of_area == 0


def test_a_service_in_the_origins_own_regency_is_never_hidden_by_its_area():
    # A KUA in Kota Serang (36.73) declaring a district of Kabupaten Serang as its area.
    local = ServiceRecord(
        "kua", "o", "", "", area_codes=("36.04.06",), places=(place(-6.12, 106.15),)
    )
    elsewhere = ServiceRecord(
        "far",
        "o",
        "",
        "",
        area_codes=("36.04.06",),
        places=(Place(-6.00, 106.02, "36.72.01", False),),
    )
    catalog = Catalog([local, elsewhere])
    in_the_city = Origin(-6.14, 106.17, "36.73.05")
    page = rank(catalog, Criteria(), origin=in_the_city, now=NOW)
    assert [item.id for item in page.items] == ["kua"]
    assert page.items[0].in_service_area is False  # shown, and said to be outside its area
    assert page.hidden_out_of_area == 1
    # Counted only within the radius: the other one is about 20 km away.
    assert rank(catalog, Criteria(radius_km=5), origin=in_the_city, now=NOW).hidden_out_of_area == 0
    assert (
        rank(catalog, Criteria(radius_km=50), origin=in_the_city, now=NOW).hidden_out_of_area == 1
    )
    # An origin known only to its province has no regency of its own.
    province_only = Origin(-6.14, 106.17, "36")
    assert rank(catalog, Criteria(), origin=province_only, now=NOW).items == []
    # Relevance order keeps the count too.
    blended = rank(
        catalog,
        Criteria(),
        origin=in_the_city,
        now=NOW,
        text=TextMatch(np.array([0, 1]), np.array([1.0, 2.0])),
        sort="relevance",
    )
    assert ([item.id for item in blended.items], blended.hidden_out_of_area) == (["kua"], 1)


def test_open_now_uses_each_locations_zone():
    office = [OpeningHours(weekday_mask("MO,TU,WE,TH,FR"), time(8), time(16), "WIB")]
    papua = [OpeningHours(weekday_mask("MO,TU,WE,TH,FR"), time(8), time(16), "WIT")]
    catalog = Catalog(
        [
            ServiceRecord("jakarta", "o", "", "", places=(place(-6.2, 106.8, office),)),
            ServiceRecord("jayapura", "o", "", "", places=(place(-2.5, 140.7, papua),)),
            ServiceRecord("unknown", "o", "", "", places=(place(-6.3, 106.8),)),
        ]
    )
    origin = Origin(-6.2, 106.8)
    # Monday 07:30 UTC: 14:30 WIB (open), 16:30 WIT (closed).
    at = datetime(2024, 6, 3, 7, 30, tzinfo=UTC)
    page = rank(catalog, Criteria(open_now=True), origin=origin, now=at)
    assert [item.id for item in page.items] == ["jakarta"]
    everyone = rank(catalog, Criteria(), origin=origin, now=at)
    states = {item.id: item.open for item in everyone.items}
    assert states["jakarta"].open_now and not states["jayapura"].open_now
    assert not states["unknown"].known


def test_exact_geodesic_is_geopys_and_the_single_haversine_is_the_array_one():
    origin = Origin(-6.12, 106.15, None)
    for latitude, longitude in ((-6.3, 106.5), (-8.65, 115.22), (5.55, 95.32), (-2.53, 140.7)):
        place = Place(latitude, longitude, None, False)
        assert geodesic_km(origin, place) == pytest.approx(
            geodesic((origin.latitude, origin.longitude), (latitude, longitude)).km, abs=1e-9
        )
        assert _haversine_one_km(origin, place) == pytest.approx(
            haversine_km(origin.latitude, origin.longitude, [latitude], [longitude])[0], abs=1e-9
        )
