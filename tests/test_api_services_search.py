"""``GET /api/v1/services`` with search, origin, radius, open now, service areas."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from directory.extensions import db
from directory.models import Region, ServiceArea
from directory.search import follower
from directory.search.service import state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
)

# (name, latitude, longitude, region code): around Serang, Banten, and one far away.
SPOTS = [
    ("Serang kota", -6.1200, 106.1500, "36.73.01"),
    ("Cipocok", -6.1447, 106.1698, "36.73.05"),
    ("Taktakan", -6.1313, 106.1076, "36.73.06"),
    ("Kasemen", -6.0591, 106.1851, "36.73.02"),
    ("Pandeglang", -6.3085, 106.1038, "36.01.01"),
    ("Cilegon", -6.0025, 106.0111, "36.72.01"),
    ("Jakarta", -6.2000, 106.8166, "31.71.01"),
    ("Makassar", -5.1477, 119.4327, "73.71.01"),
]


def add(name, spot, *, terms=(), status="active", confidential=False, description="", areas=()):
    _, latitude, longitude, code = spot
    organization = OrganizationFactory(name=f"Lembaga {name}")
    service = ServiceFactory(
        organization=organization, name=name, description=description, status=status
    )
    location = LocationFactory(
        organization=organization,
        latitude=latitude,
        longitude=longitude,
        region_code=code,
        confidential=confidential,
    )
    ServiceAtLocationFactory(service=service, location=location)
    for term in terms:
        AttributeFactory(link_id=service.id, taxonomy_term=term)
    for area in areas:
        area_uri = f"urn:kemendagri:{area}"
        db.session.add(ServiceArea(service=service, region_code=area, uri=area_uri))
    return service


@pytest.fixture
def network(app):
    legal = TaxonomyTermFactory(name="Bantuan hukum")
    counselling = TaxonomyTermFactory(name="Konseling")
    services = {}
    for number, spot in enumerate(SPOTS):
        terms = [legal] if number % 2 == 0 else [counselling]
        if number % 3 == 0:
            terms.append(counselling if legal in terms else legal)
        services[spot[0]] = add(
            f"Layanan {spot[0]}",
            spot,
            terms=terms,
            description="Bantuan hukum dan konseling bagi korban kekerasan dalam rumah tangga.",
        )
    services["closed"] = add("Layanan tutup", SPOTS[0], terms=[legal], status="inactive")
    services["safe"] = add("Rumah aman", SPOTS[1], terms=[legal], confidential=True)
    services["zoned"] = add("Khusus Pandeglang", SPOTS[0], terms=[legal], areas=["36.01"])
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return {"legal": legal, "counselling": counselling, **services}


def get(client, query):
    response = client.get(f"/api/v1/services?{query}")
    assert response.status_code == 200, response.json
    return response.json


def public_point(location):
    """Where search may place a location: a safe house at its regency's reference point."""
    if location.confidential:
        regency = db.session.get(Region, location.region_code[:5])
        return regency.latitude, regency.longitude
    return location.latitude, location.longitude


def brute_force(network, term, latitude, longitude, radius=None):
    """Active services carrying the term, by geodesic distance, as the contract says."""
    found = []
    for key, service in network.items():
        if key in ("legal", "counselling") or service.status != "active":
            continue
        if term.id not in {attribute.taxonomy_term_id for attribute in service.attributes}:
            continue
        if service.service_areas:  # the origin (Serang) is outside Pandeglang's area
            continue
        distance = min(
            geodesic((latitude, longitude), public_point(loc)).km for loc in service.locations
        )
        if radius is None or distance <= radius:
            found.append((distance, service.id))
    return [service_id for _, service_id in sorted(found)]


@pytest.mark.parametrize("term_key", ["legal", "counselling"])
def test_results_equal_a_brute_force_geodesic_ranking(client, network, term_key):
    term = network[term_key]
    body = get(client, f"taxonomy_term_id={term.id}&latitude=-6.13&longitude=106.16&per_page=50")
    assert [item["id"] for item in body["contents"]] == brute_force(network, term, -6.13, 106.16)
    distances = [
        item["distance_km"] for item in body["contents"] if item["id"] != network["safe"].id
    ]
    assert distances == sorted(distances)


@pytest.mark.parametrize("radius", [2, 10, 30, 200])
def test_radius_is_never_exceeded(client, network, radius):
    term = network["legal"]
    body = get(
        client, f"taxonomy_term_id={term.id}&latitude=-6.13&longitude=106.16&radius_km={radius}"
    )
    expected = brute_force(network, term, -6.13, 106.16, radius)
    assert [item["id"] for item in body["contents"]] == expected
    assert body["total_items"] == len(expected)
    assert all(item["distance_km"] <= radius for item in body["contents"])


def test_near_a_place_equals_its_coordinates_by_hand(client, network):
    city = db.session.get(Region, "36.73")
    by_name = get(client, "near=Kota%20Serang&per_page=50")
    by_hand = get(client, f"latitude={city.latitude}&longitude={city.longitude}&per_page=50")
    assert by_name["contents"] == by_hand["contents"]
    assert by_name["total_items"] == by_hand["total_items"] > 0


def test_an_origin_defaults_to_active_services_and_hides_safe_house_coordinates(client, network):
    body = get(client, "latitude=-6.12&longitude=106.15&per_page=50&full=true")
    ids = [item["id"] for item in body["contents"]]
    assert network["closed"].id not in ids
    safe = next(item for item in body["contents"] if item["id"] == network["safe"].id)
    stand_in = public_point(network["safe"].locations[0])
    assert safe["distance_km"] == round(geodesic((-6.12, 106.15), stand_in).km, 2)
    for site in safe["service_at_locations"]:
        assert "latitude" not in site["location"] and not site["location"].get("addresses")
        assert site["location"]["region_code"] == "36.73"
    assert network["closed"].id in [
        item["id"] for item in get(client, "search=tutup&per_page=50")["contents"]
    ]


def test_service_areas_hold_back_services_unless_asked(client, network):
    near_serang = "latitude=-6.12&longitude=106.15&per_page=50"
    assert network["zoned"].id not in [i["id"] for i in get(client, near_serang)["contents"]]
    wider = get(client, near_serang + "&include_out_of_area=true")
    assert network["zoned"].id in [item["id"] for item in wider["contents"]]
    in_pandeglang = get(client, "near=Kab.%20Pandeglang&per_page=50")
    assert network["zoned"].id in [item["id"] for item in in_pandeglang["contents"]]


def test_text_with_an_origin_orders_by_distance_or_blends(client, network):
    body = get(client, "search=bantuan%20hukum&near=Kota%20Serang&per_page=50")
    # A safe house's distance is to its stand-in point, and it is ordered by that too.
    distances = [item["distance_km"] for item in body["contents"]]
    assert network["safe"].id in [item["id"] for item in body["contents"]]
    assert distances == sorted(distances) and body["total_items"] > 3
    blended = get(client, "search=bantuan%20hukum&near=Kota%20Serang&sort=relevance")
    assert {item["id"] for item in blended["contents"]} <= {item["id"] for item in body["contents"]}


def test_a_missing_index_is_a_degraded_answer_not_an_error(client, app, network):
    folder = state_of(app).folder
    (folder.pointer).unlink()
    body = get(client, "search=hukum&near=Kota%20Serang&per_page=50")
    assert body["degraded"] is True
    assert body["total_items"] > 0


UUID = "8a1f6c2e-3b4d-4e5f-9a0b-1c2d3e4f5a6b"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("latitude=abc&longitude=106", "latitude"),
        ("latitude=-6&longitude=east", "longitude"),
        ("latitude=91&longitude=106", "latitude"),
        ("latitude=-6&longitude=181", "longitude"),
        ("latitude=nan&longitude=106", "latitude"),
        ("latitude=1e400&longitude=106", "latitude"),
        ("latitude=-6.1", "longitude"),
        ("longitude=106.1", "latitude"),
        ("latitude=-6&longitude=106&radius_km=-5", "radius_km"),
        ("latitude=-6&longitude=106&radius_km=0", "radius_km"),
        ("latitude=-6&longitude=106&radius_km=ten", "radius_km"),
        ("radius_km=5", "radius_km"),
        ("near=xyzzyqwerty", "near"),
        ("near=serang", "near"),
        ("near=Kota%20Serang&latitude=-6&longitude=106", "near"),
        ("near=" + "a" * 101, "near"),
        ("taxonomy_term_id=not-a-uuid&near=Kota%20Serang", "taxonomy_term_id"),
        (f"organization_id={UUID[:-1]}&search=x", "organization_id"),
        ("per_page=100000&search=hukum", "per_page"),
        ("per_page=0&near=Kota%20Serang", "per_page"),
        ("page=-1&search=hukum", "page"),
        ("search=" + "k" * 5000, "search"),
        ("sort=closest&near=Kota%20Serang", "sort"),
        ("sort=distance&search=hukum", "sort"),
        ("open_now=maybe&search=hukum", "open_now"),
        ("include_out_of_area=2&near=Kota%20Serang", "include_out_of_area"),
    ],
)
def test_every_bad_parameter_is_a_400_naming_it(client, query, field):
    response = client.get(f"/api/v1/services?{query}")
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "text",
    [
        "AND%20OR%20NOT%20(",
        "%22bantuan%20hukum%22",
        "%00%01%1b",
        "%F0%9F%98%80",
        "*",
        "~",
        "hukum~2",
        "bant*",
        "%27%20OR%201%3D1%20--",
        "k" * 200,
    ],
)
def test_hostile_search_text_never_breaks(client, network, text):
    response = client.get(f"/api/v1/services?search={text}&near=Kota%20Serang")
    assert response.status_code == 200
    assert isinstance(response.json["contents"], list)
