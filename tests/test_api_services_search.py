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
    # In Kota Cilegon, serving Kabupaten Pandeglang only: not local to a Serang origin.
    services["zoned"] = add("Khusus Pandeglang", SPOTS[5], terms=[legal], areas=["36.01"])
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
        if service.service_areas and not any(
            location.region_code.startswith("36.73") for location in service.locations
        ):  # the origin (Serang) is outside Pandeglang's area, and it is not in Serang
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


def test_hidden_services_are_counted_and_local_ones_never_hidden(client, network, app):
    near_serang = "latitude=-6.12&longitude=106.15&per_page=50"
    assert get(client, near_serang)["hidden_out_of_area"] == 1
    assert get(client, near_serang + "&include_out_of_area=true")["hidden_out_of_area"] == 0
    # Within 10 km of Serang, Cilegon's zoned service (about 17 km) is not counted.
    assert get(client, near_serang + "&radius_km=10")["hidden_out_of_area"] == 0
    # A KUA in Kota Serang declaring Kabupaten Serang as its area is still
    # found from Kota Serang, its own city.
    local = add("KUA Kota Serang", SPOTS[1], terms=[network["legal"]], areas=["36.04"])
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    found = get(client, near_serang)
    assert local.id in [item["id"] for item in found["contents"]]
    assert found["hidden_out_of_area"] == 1
    # From Pandeglang it is neither local nor in its area.
    in_pandeglang = get(client, "near=Kab.%20Pandeglang&per_page=50")
    assert local.id not in [item["id"] for item in in_pandeglang["contents"]]
    assert "hidden_out_of_area" not in get(client, "search=hukum")


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
        ("sort=policy&search=hukum", "sort"),
        ("problem_term_id=x&near=Kota%20Serang", "problem_term_id"),
        ("problem_term_id=" + ",".join([UUID] * 2) + f",{UUID[:-1]}", "problem_term_id"),
        (
            "problem_term_id=" + "&problem_term_id=".join(f"{UUID[:-3]}{n:03d}" for n in range(21)),
            "problem_term_id",
        ),
        ("client_age=-1&near=Kota%20Serang", "client_age"),
        ("client_age=121&near=Kota%20Serang", "client_age"),
        ("client_age=ten&near=Kota%20Serang", "client_age"),
        ("client_age=1&client_age=2&near=Kota%20Serang", "client_age"),
        ("exclude_organization_id=mine&near=Kota%20Serang", "exclude_organization_id"),
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


@pytest.fixture
def problems(app):
    """A problem term with lay words, on one service in Serang and one in Makassar."""
    from directory.institutions.models import TAXONOMY_PROBLEMS, Taxonomy, TaxonomyTermWord

    taxonomy = db.session.get(Taxonomy, TAXONOMY_PROBLEMS) or Taxonomy(
        id=TAXONOMY_PROBLEMS, name="Masalah dan situasi"
    )
    db.session.add(taxonomy)
    sexual = TaxonomyTermFactory(
        name="Kekerasan seksual",
        name_en="Sexual violence",
        description="Perkosaan, pelecehan dan bentuk kekerasan seksual lainnya.",
        taxonomy=taxonomy,
    )
    db.session.flush()
    for word in ("pelecehan", "cabul", "perkosaan"):
        db.session.add(TaxonomyTermWord(taxonomy_term_id=sexual.id, word=word))
    services = {
        "serang": add("Pendampingan korban", SPOTS[1], terms=[sexual]),
        "makassar": add("Layanan korban Makassar", SPOTS[7], terms=[sexual]),
    }
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return {"term": sexual, **services}


def test_lay_words_find_the_services_of_the_term_and_say_so(client, problems):
    # None of these words is in the services' names, descriptions or terms.
    for words in ("dicabuli", "saya dilecehkan di kantor", "pelecehn", "perkosaan"):
        body = get(client, f"search={words}&near=Kota%20Serang")
        assert body["understood"] == [
            {"term_id": problems["term"].id, "name": "Kekerasan seksual"}
        ], words
        assert body["contents"][0]["id"] == problems["serang"].id
        assert "nearest_beyond" not in body
    nothing = get(client, "search=zzqx&near=Kota%20Serang")
    assert nothing["understood"] == [] and nothing["total_items"] == 0


def test_a_dead_end_offers_the_nearest_beyond_resembling_problems_and_hotlines(client, problems):
    # Within 5 km of Makassar's point there is none (the service is about 5.6 km off).
    body = get(client, "search=cabul&latitude=-5.10&longitude=119.43&radius_km=5")
    assert body["total_items"] == 0 and body["contents"] == []
    assert body["understood"][0]["name"] == "Kekerasan seksual"
    nearest = body["nearest_beyond"]
    assert [item["id"] for item in nearest[:1]] == [problems["makassar"].id]
    assert nearest[0]["distance_km"] > 5
    assert {"name": "SAPA 129", "number": "129"} in body["hotlines"]
    assert {"name": "112", "number": "112"} in body["hotlines"]
    # Words nothing matches: the problems they resemble, and the hotlines still.
    typo = get(client, "search=seksualitas&near=Kota%20Serang")
    assert typo["total_items"] == 0
    assert typo["resembling_terms"] == [
        {"term_id": problems["term"].id, "name": "Kekerasan seksual"}
    ]
    assert typo["nearest_beyond"] == []
    assert len(typo["hotlines"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        "latitude=-6.12&longitude=106.15",
        "search=hukum&latitude=-6.12&longitude=106.15",
        "near=Kota+Serang",
        "search=konseling&near=Kota+Serang&sort=relevance",
    ],
)
def test_an_answer_with_an_origin_is_never_kept_by_a_shared_cache(client, network, query):
    """Where the person asking is (or is looking) is theirs: no proxy or CDN keeps it."""
    response = client.get(f"/api/v1/services?{query}")
    assert response.status_code == 200
    cache = response.cache_control
    assert not cache.public and cache.private and cache.no_store
    assert cache.max_age is None


def test_an_answer_without_an_origin_stays_publicly_cacheable(client, network):
    response = client.get("/api/v1/services?search=hukum")
    assert response.status_code == 200
    assert response.cache_control.public and response.cache_control.max_age == 60


def test_sort_policy_orders_by_designation_and_jurisdiction_and_says_why(client, app):
    from directory.institutions.models import TAXONOMY_INSTITUTION_TYPES, TAXONOMY_PROBLEMS
    from tests.factories import TaxonomyFactory

    problems = TaxonomyFactory(id=TAXONOMY_PROBLEMS, name="Masalah")
    types = TaxonomyFactory(id=TAXONOMY_INSTITUTION_TYPES, name="Jenis lembaga")
    kdrt = TaxonomyTermFactory(taxonomy=problems, code="kdrt", name="KDRT")
    divorce = TaxonomyTermFactory(taxonomy=problems, code="perceraian", name="Perceraian")
    kinds = {
        code: TaxonomyTermFactory(taxonomy=types, code=code, name=code)
        for code in ("uptd_ppa", "unit_ppa_polri", "lk3", "pengadilan_agama")
    }

    def typed(name, spot, kind, terms, areas=(), minimum_age=None):
        service = add(name, spot, terms=terms, areas=areas)
        service.minimum_age = minimum_age
        AttributeFactory(
            link_id=service.organization.id, link_entity="organization", taxonomy_term=kinds[kind]
        )
        return service

    own = typed("LK3 sendiri", SPOTS[0], "lk3", [kdrt], areas=["36.73"])
    lk3 = typed("LK3 lain", SPOTS[2], "lk3", [kdrt, divorce], areas=["36.73"])
    police = typed("Polresta", SPOTS[1], "unit_ppa_polri", [kdrt], areas=["36.73"])
    uptd = typed("UPTD PPA kota", SPOTS[3], "uptd_ppa", [kdrt], areas=["36.73"])
    province = typed("UPTD PPA provinsi", SPOTS[0], "uptd_ppa", [kdrt], areas=["36"])
    court = typed("Pengadilan", SPOTS[2], "pengadilan_agama", [divorce], areas=["36.73"])
    adults = typed("UPTD PPA dewasa", SPOTS[3], "uptd_ppa", [kdrt], areas=["36.73"], minimum_age=18)
    jakarta = typed("UPTD PPA Jakarta", SPOTS[6], "uptd_ppa", [kdrt])
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)

    body = get(
        client,
        f"near=Kota%20Serang&sort=policy&problem_term_id={kdrt.id}"
        f"&exclude_organization_id={own.organization.id}&per_page=20",
    )
    ids = [entry["id"] for entry in body["contents"]]
    # The two city UPTD PPA services share a place: the tie goes by id.
    assert ids == [*sorted((uptd.id, adults.id)), province.id, police.id, lk3.id, jakarta.id]
    first = body["contents"][0]["ranking"]
    assert first == {"designation": 1, "jurisdiction": "regency", "problem_term_ids": [kdrt.id]}
    assert body["contents"][2]["ranking"]["jurisdiction"] == "province"
    assert body["contents"][-1]["ranking"]["jurisdiction"] == "elsewhere"
    assert body["contents"][0]["distance_km"] > 0

    # Several problems, any of them; a child of 15 is not served by the adults' service.
    body = get(
        client,
        f"near=Kota%20Serang&sort=policy&problem_term_id={kdrt.id},{divorce.id}&client_age=15",
    )
    ids = [entry["id"] for entry in body["contents"]]
    assert court.id in ids[:3] and uptd.id in ids[:3]
    assert adults.id not in ids and own.id in ids
    lk3_entry = next(entry for entry in body["contents"] if entry["id"] == lk3.id)
    assert lk3_entry["ranking"]["problem_term_ids"] == [kdrt.id, divorce.id]
    # Without sort=policy, no ranking field (the HSDS entry stays as it was).
    plain = get(client, f"near=Kota%20Serang&problem_term_id={kdrt.id}")
    assert "ranking" not in plain["contents"][0]
    # The nearest: the own LK3 and the provincial UPTD PPA share a place (ties by id).
    assert plain["contents"][0]["id"] == min(own.id, province.id)
