"""Attacks on the safe houses: nothing public tells more than the regency/city one is in.

The attacker is anonymous (or a counsellor, for the referral surfaces) and combines
whatever the public API and pages take: any origin, radius, text, filter, region,
sort, page; the finder page ``/cari``; the map data; the exports. Each attack is a real
algorithm (``tests/support/attacks.py``) ending in an estimate of the safe house's
position; the invariant is that the estimate is no closer to the real point than the
regency's published reference point (the stand-in) is, and that no answer carries the
real district code, a location phone, the coordinates or the street address.

The attacks run against every confidential location of the real seed (loaded once for
the module) and against generated ones (factories, a fresh database each).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from directory import create_app
from directory.commands import SEED_DIR
from directory.extensions import db
from directory.geo.models import Region
from directory.search import follower
from directory.search.service import state_of
from tests.factories import (
    TEST_PASSWORD,
    AccessibilityFactory,
    AddressFactory,
    AttributeFactory,
    ContactFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
    UserFactory,
)
from tests.support.attacks import (
    MEANINGFUL_KM,
    Attacker,
    Measurement,
    Point,
    Target,
    Verdict,
    boundary_walk,
    box_edge_walk,
    confidential_targets,
    destination,
    distance_km,
    districts_of,
    finder_results,
    neighbour_ordering,
    origin_params,
    public_neighbours,
    radius_bisection,
    ring,
    rounding_walk,
    trilaterate,
)

pytestmark = pytest.mark.slow


def _seed_safe_houses() -> list[tuple[str, str]]:
    organizations = json.loads((SEED_DIR / "organizations.json").read_text(encoding="utf-8"))
    return [
        (location["id"], organization["name"])
        for organization in organizations
        for location in organization["locations"]
        if location.get("confidential")
    ]


SEED_SAFE_HOUSES = _seed_safe_houses()
SEED_IDS = [name for _, name in SEED_SAFE_HOUSES]


@dataclass
class World:
    """An app with its database and index, the confidential places in it, and the
    districts of their regencies (as the public gazetteer has them)."""

    app: Flask
    targets: list[Target]
    regency_districts: dict[str, list[District]]

    def target(self, location_id: str) -> Target:
        found = [t for t in self.targets if t.location_id == location_id]
        assert found, f"no active service at confidential location {location_id}"
        return found[0]

    def attacker(self) -> Attacker:
        return Attacker(self.app.test_client())

    def districts(self, target: Target) -> list[District]:
        return self.regency_districts[target.regency_code]


@dataclass(frozen=True)
class District:
    code: str
    name: str
    point: Point


def _districts(targets: list[Target]) -> dict[str, list[District]]:
    return {
        target.regency_code: [
            District(d.code, d.name, (d.latitude, d.longitude))
            for d in districts_of(db.session, target.regency_code)
        ]
        for target in targets
    }


def _config(instance: Path, url: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": instance,
        "SQLALCHEMY_DATABASE_URI": url,
        "DEMO_MODE": False,
        # The attacks measure what unlimited queries could learn; rate limits (which would
        # answer 429 after 120 searches a minute) only slow an attacker down.
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture(scope="module")
def seeded(database_factory, tmp_path_factory) -> Iterator[World]:
    """The real seed (regions, terms, 425 organizations) and its search index, once for
    the module: the attacks only read."""
    folder = tmp_path_factory.mktemp("attacks-seed")
    with database_factory(folder) as url:
        app = create_app(_config(folder / "instance", url))
        with app.app_context():
            result = app.test_cli_runner().invoke(
                args=["seed", "load", "--no-demo", "--demo-institutions"]
            )
            assert result.exit_code == 0, result.output
            follower.rebuild(db.session, state_of(app).folder)
            targets = confidential_targets(db.session)
            world = World(app, targets, _districts(targets))
            db.session.remove()
        yield world
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# Generated places: a safe house in a regency whose reference point we know, among
# public services around it, all offering one problem term.

GENERATED = {
    # Kota Serang (36.73): the safe house in Cipocok Jaya, about 3 km from the city's point.
    "kota-serang": ("36.73", "36.73.05", 150.0, 3.2),
    # Kabupaten Serang (36.04): far from the regency's point, in another district.
    "kabupaten-serang": ("36.04", None, 40.0, 9.0),
}


@pytest.fixture(params=sorted(GENERATED))
def generated(request, app, db) -> World:
    # As for the seed's world: the attacks measure what unlimited queries could learn.
    app.extensions["rate_limits"].enabled = False
    regency_code, district_code, direction, km = GENERATED[request.param]
    regency = db.session.get(Region, regency_code)
    stand_in = (regency.latitude, regency.longitude)
    real = destination(stand_in, direction, km)
    if district_code is None:  # the district nearest the real point
        district_code = min(
            districts_of(db.session, regency_code),
            key=lambda d: distance_km((d.latitude, d.longitude), real),
        ).code
    term = TaxonomyTermFactory(name="Kekerasan dalam rumah tangga")
    for number, (turn, away) in enumerate(
        ((15, 1.5), (75, 2.5), (140, 1.2), (200, 3.0), (265, 2.0), (320, 4.0))
    ):
        organization = OrganizationFactory(name=f"UPTD PPA Uji {number}")
        service = ServiceFactory(organization=organization, name=f"Pendampingan korban {number}")
        point = destination(real, turn, away)
        location = LocationFactory(
            organization=organization,
            latitude=point[0],
            longitude=point[1],
            region_code=regency_code,
        )
        ServiceAtLocationFactory(service=service, location=location)
        AttributeFactory(link_id=service.id, link_entity="service", taxonomy_term=term)
    shelter_org = OrganizationFactory(name="Rumah Aman Uji")
    PhoneFactory(organization_id=shelter_org.id, number="+62 000 5550 7001")
    shelter = ServiceFactory(organization=shelter_org, name="Rumah aman uji")
    hidden = LocationFactory(
        organization=shelter_org,
        latitude=real[0],
        longitude=real[1],
        region_code=district_code,
        confidential=True,
        transportation="Angkot biru, turun di gang kedua.",
    )
    AddressFactory(location=hidden, address_1="Gg. Melati IV No. 17", postal_code="42163")
    site = ServiceAtLocationFactory(service=shelter, location=hidden)
    PhoneFactory(location_id=hidden.id, number="+62 000 5550 7002")
    PhoneFactory(service_at_location_id=site.id, number="+62 000 5550 7003")
    # Accessibility may be published (it does not locate), but not its free-text details
    # or web page; the location's own contact not at all.
    AccessibilityFactory(
        location_id=hidden.id,
        description="Akses kursi roda",
        details="Ramp di pintu samping, Gg. Melati IV No. 17",
        url="https://example.org/denah/gg-melati-iv-no-17",
    )
    ContactFactory(location_id=hidden.id, name="Penjaga Gg. Melati IV No. 17")
    AttributeFactory(link_id=shelter.id, link_entity="service", taxonomy_term=term)
    # Open day and night, as the seed's are: open_now keeps it.
    ScheduleFactory(
        service_id=shelter.id,
        byday="MO,TU,WE,TH,FR,SA,SU",
        opens_at=time(0),
        closes_at=time(23, 59),
    )
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    targets = confidential_targets(db.session)
    assert len(targets) == 1
    return World(app, targets, _districts(targets))


def _meaningful(target: Target) -> None:
    """A place right at its regency's point cannot show that an attack failed."""
    assert target.stand_in_km > MEANINGFUL_KM, (
        f"{target.organization_name} is only {target.stand_in_km * 1000:.0f} m from the "
        f"reference point of {target.stand_in_name}: the attacks could not tell it apart"
    )


def _assert_learned_nothing(verdicts: list[Verdict]) -> None:
    for verdict in verdicts:
        print(verdict.describe())  # shown with -rP: what each attack got
    leaked = [v for v in verdicts if not v.learned_nothing_finer_than_the_regency()]
    assert not leaked, "the safe house was located:\n" + "\n".join(v.describe() for v in leaked)


def _starts(target: Target, origins: list[Point]) -> list[Point]:
    """Where trilateration starts: the stand-in (public) and the origins' centroid."""
    if not origins:
        return [target.stand_in]
    centroid = (
        sum(p[0] for p in origins) / len(origins),
        sum(p[1] for p in origins) / len(origins),
    )
    return [target.stand_in, centroid]


# 1. Radius bisection from several origins, then trilateration.

RADIUS_VARIANTS = {
    "organization": lambda t: {"organization_id": t.organization_id},
    "text": lambda t: {"search": t.service_name},
    "term": lambda t: {"taxonomy_term_id": t.term_ids[0]},
    "open-now-out-of-area": lambda t: {
        "organization_id": t.organization_id,
        "open_now": "true",
        "include_out_of_area": "true",
    },
}


def radius_attack(world: World, target: Target, variant: str) -> Verdict:
    attacker = world.attacker()
    origins = ring(target.stand_in, 7.0, 3, offset_degrees=20)
    estimate, found = radius_bisection(
        attacker, target, origins, RADIUS_VARIANTS[variant](target), _starts(target, origins)
    )
    return Verdict(f"radius bisection ({variant})", target, estimate, found, attacker.requests)


# A term filter pages through hundreds of services per request: generated places only.
@pytest.mark.parametrize("variant", sorted(set(RADIUS_VARIANTS) - {"term"}))
@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_radius_bisection_finds_only_the_regency_seed(seeded, location_id, variant):
    target = seeded.target(location_id)
    _meaningful(target)
    verdict = radius_attack(seeded, target, variant)
    _assert_learned_nothing([verdict])


@pytest.mark.parametrize("variant", sorted(RADIUS_VARIANTS))
def test_radius_bisection_finds_only_the_regency_generated(generated, variant):
    target = generated.targets[0]
    _meaningful(target)
    verdict = radius_attack(generated, target, variant)
    assert verdict.estimate is not None, "the attack heard nothing: it proves nothing"
    _assert_learned_nothing([verdict])


# 2. The rounding-boundary walk: distance_km without a radius, flips located by bisection.


def walk_attack(world: World, target: Target, extra: dict[str, Any]) -> Verdict:
    attacker = world.attacker()
    start = destination(target.stand_in, 200, 1.0)
    estimate, found = rounding_walk(
        attacker, target, start, (15.0, 135.0, 255.0), extra, _starts(target, [start])
    )
    return Verdict("rounding walk", target, estimate, found, attacker.requests)


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_rounding_walk_finds_only_the_regency_seed(seeded, location_id):
    target = seeded.target(location_id)
    _meaningful(target)
    verdict = walk_attack(seeded, target, {"organization_id": target.organization_id})
    _assert_learned_nothing([verdict])


def test_rounding_walk_finds_only_the_regency_generated(generated):
    target = generated.targets[0]
    _meaningful(target)
    text = walk_attack(generated, target, {"search": target.service_name})
    organization = walk_attack(generated, target, {"organization_id": target.organization_id})
    assert organization.estimate is not None, "the walk saw no flip: it proves nothing"
    _assert_learned_nothing([text, organization])


# 3. Ordering among public neighbours whose coordinates are published.


def ordering_attack(world: World, target: Target) -> Verdict:
    attacker = world.attacker()
    for term_id in target.term_ids:
        params = {"taxonomy_term_id": term_id}
        neighbours = public_neighbours(
            attacker, target.stand_in, params, want=3, skip=target.service_id
        )
        if len(neighbours) >= 2:
            break
    else:
        return Verdict("neighbour ordering (no neighbours)", target, None, [], attacker.requests)
    estimate, found = neighbour_ordering(
        attacker,
        target,
        neighbours,
        target.stand_in,
        {**params, "radius_km": "30"},
        _starts(target, [n.point for n in neighbours]),
    )
    return Verdict(
        f"neighbour ordering ({len(neighbours)} neighbours)",
        target,
        estimate,
        found,
        attacker.requests,
    )


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_ordering_among_neighbours_finds_only_the_regency_seed(seeded, location_id):
    target = seeded.target(location_id)
    _meaningful(target)
    _assert_learned_nothing([ordering_attack(seeded, target)])


def test_ordering_among_neighbours_finds_only_the_regency_generated(generated):
    target = generated.targets[0]
    _meaningful(target)
    verdict = ordering_attack(generated, target)
    # The generated world has six neighbours around the place: the attack must have run.
    assert "no neighbours" not in verdict.attack
    _assert_learned_nothing([verdict])


# 4. District-level region filters: a district code never singles the place out.


def _mentions(attacker: Attacker, path: str, params: dict[str, Any], needles: tuple[str, ...]):
    """Whether any page of ``path`` for ``params`` mentions one of ``needles``."""
    for page in range(1, 30):
        answer = attacker.json(path, {**params, "per_page": 100, "page": page})
        text = json.dumps(answer["contents"])
        if any(needle in text for needle in needles):
            return True
        if answer["last_page"] or not answer["contents"]:
            return False
    raise AssertionError(f"{path} {params}: more than 29 pages")


def region_filter_answers(world: World, target: Target) -> dict[tuple[str, str], bool]:
    """For each surface and district of the regency, whether the place is found."""
    attacker = world.attacker()
    needles = (target.service_id, target.location_id, target.organization_id)
    surfaces = {
        "services": ("/api/v1/services", {}),
        "services+text": ("/api/v1/services", {"search": target.service_name}),
        "services+origin": ("/api/v1/services", origin_params(target.stand_in)),
        "services+term": ("/api/v1/services", {"taxonomy_term_id": target.term_ids[0]}),
        "service_at_locations": ("/api/v1/service_at_locations", {}),
        "service_at_locations+org": (
            "/api/v1/service_at_locations",
            {"organization_id": target.organization_id},
        ),
    }
    found = {}
    for district in world.districts(target):
        # ``/organizations`` filters by no region: the parameter is refused, for every
        # district alike, so the answer tells nothing.
        refused = attacker.get("/api/v1/organizations", {"region": district.code})
        assert refused.status_code == 400, district.code
        assert "region" in refused.get_json()["error"]["fields"]
        for name, (path, params) in surfaces.items():
            found[(name, district.code)] = _mentions(
                attacker, path, {**params, "region": district.code}, needles
            )
        village = f"{district.code}.1001"
        found[("services (village)", village)] = _mentions(
            attacker, "/api/v1/services", {"region": village}, needles
        )
    return found


def district_name_hits(world: World, target: Target) -> list[str]:
    """District names of the regency that a text search finds the place by, among those
    its public text does not contain anyway (the index must not hold its district)."""
    attacker = world.attacker()
    public = json.dumps(
        [
            attacker.json(f"/api/v1/services/{target.service_id}"),
            attacker.json(f"/api/v1/organizations/{target.organization_id}"),
            target.stand_in_name,
        ],
        ensure_ascii=False,
    ).casefold()
    hits = []
    for district in world.districts(target):
        if any(word in public for word in district.name.casefold().split()):
            continue
        if attacker.listed(
            target, {"search": district.name, "organization_id": target.organization_id}
        ):
            hits.append(district.name)
    return hits


def _assert_region_filters_blind(world: World, target: Target) -> None:
    found = region_filter_answers(world, target)
    by_surface: dict[str, dict[str, bool]] = {}
    for (surface, code), hit in found.items():
        by_surface.setdefault(surface, {})[code] = hit
    singled_out = {
        surface: sorted(code for code, hit in codes.items() if hit)
        for surface, codes in by_surface.items()
        if len(set(codes.values())) > 1
    }
    # The same answer for every district of the regency: the filter tells nothing.
    assert not singled_out, (
        f"{target.organization_name} (real district {target.region_code}) is found only "
        f"for: {singled_out}"
    )
    attacker = world.attacker()
    # Where ``region`` filters at all, no district finds the place.
    hits = sorted((surface, code) for (surface, code), hit in found.items() if hit)
    assert not hits, f"{target.organization_name}: a district filter finds it: {hits}"
    # Typo tolerance may match a district's name to a word of the public text ("Alak"
    # to "Alamat"); its own district's name must find it no more than the others do.
    names = district_name_hits(world, target)
    real = [d.name for d in world.districts(target) if d.code == target.region_code]
    assert real and real[0] not in names or len(names) > 1, (
        f"{target.organization_name} is found by its district's name {real}"
    )
    # The regency is published: the filter by it does find the service.
    assert attacker.listed(target, {"region": target.regency_code}), "regency filter"


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_district_region_filters_never_single_it_out_seed(seeded, location_id):
    _assert_region_filters_blind(seeded, seeded.target(location_id))


def test_district_region_filters_never_single_it_out_generated(generated):
    _assert_region_filters_blind(generated, generated.targets[0])


# 5. near=<district> with text, sort=relevance: distances from every district's point.


def near_attack(world: World, target: Target, extra: dict[str, Any]) -> Verdict:
    attacker = world.attacker()
    found = []
    for district in world.districts(target):
        point = district.point
        # The attacker reads the district's point from the public gazetteer API.
        places = attacker.json("/api/v1/places", {"search": district.name})
        listed = [p for p in places["contents"] if p.get("code") == district.code]
        if listed:
            point = (listed[0]["latitude"], listed[0]["longitude"])
        for near in (f"{district.name}, {target.stand_in_name}", district.name):
            response = attacker.get("/api/v1/services", {**extra, "near": near, "per_page": 100})
            if response.status_code != 200:
                continue  # ambiguous name: try the longer one or give up
            for entry in response.get_json()["contents"]:
                if entry["id"] == target.service_id and entry.get("distance_km") is not None:
                    found.append(Measurement(point, float(entry["distance_km"])))
            break
    estimate = trilaterate(found, _starts(target, [m.origin for m in found]))
    return Verdict(f"near=<district> {sorted(extra)}", target, estimate, found, attacker.requests)


def _near_variants(target: Target) -> list[dict[str, Any]]:
    return [
        {"organization_id": target.organization_id},
        {"search": target.service_name, "sort": "relevance"},
    ]


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_near_districts_with_text_and_relevance_find_only_the_regency_seed(seeded, location_id):
    target = seeded.target(location_id)
    _meaningful(target)
    _assert_learned_nothing([near_attack(seeded, target, v) for v in _near_variants(target)])


def test_near_districts_with_text_and_relevance_find_only_the_regency_generated(generated):
    target = generated.targets[0]
    _meaningful(target)
    verdicts = [near_attack(generated, target, v) for v in _near_variants(target)]
    assert any(v.measurements for v in verdicts), "the attack heard no distance at all"
    _assert_learned_nothing(verdicts)


# 6. /cari: what it shows for the place, and bisection with its fixed radii.

DISTANCE_NUMBER = re.compile(r"\d+([.,]\d+)?\s*(km|m)\b")


def _finder_item(world: World, target: Target, params: dict[str, Any]) -> str | None:
    return finder_results(world.attacker(), params).get(target.service_id)


def _assert_finder_shows_the_regency_only(world: World, target: Target) -> None:
    origins = {
        "device location": {"lat": f"{target.stand_in[0]:.6f}", "lon": f"{target.stand_in[1]:.6f}"},
        # The gazetteer does not know every official long name ("Kota Administrasi
        # Jakarta Timur"): the attacker types what it knows.
        "place": {"tempat": re.sub(r"^(Kota|Kabupaten) Administrasi ", "", target.stand_in_name)},
    }
    for label, origin in origins.items():
        for radius in ("", "25"):
            params = {**origin, "q": target.service_name, "radius": radius}
            item = _finder_item(world, target, params)
            assert item is not None, f"/cari {params} does not list {target.service_name}"
            text = re.sub(r"<[^>]+>", " ", item)
            assert not DISTANCE_NUMBER.search(text), (
                f"/cari ({label}) shows a distance for {target.organization_name}: "
                f"{DISTANCE_NUMBER.search(text).group(0)!r}"
            )
            assert target.stand_in_name in text, f"/cari ({label}) does not say the regency"
            _assert_no_leak(text, target, f"/cari ({label})")


def finder_attack(world: World, target: Target) -> Verdict:
    attacker = world.attacker()
    found: list[Measurement] = []
    for radius in (5, 10, 25, 50):

        def inside(point: Point, radius: int = radius) -> bool:
            params = {
                "lat": f"{point[0]:.6f}",
                "lon": f"{point[1]:.6f}",
                "radius": radius,
                "q": target.service_name,
            }
            return target.service_id in finder_results(attacker, params)

        found = boundary_walk(inside, target.stand_in, radius, (10.0, 130.0, 250.0))
        if found:
            break
    estimate = trilaterate(found, _starts(target, [m.origin for m in found]))
    return Verdict("/cari fixed radii", target, estimate, found, attacker.requests)


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_finder_shows_the_regency_not_a_distance_seed(seeded, location_id):
    _assert_finder_shows_the_regency_only(seeded, seeded.target(location_id))


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_finder_fixed_radii_find_only_the_regency_seed(seeded, location_id):
    target = seeded.target(location_id)
    _meaningful(target)
    _assert_learned_nothing([finder_attack(seeded, target)])


def test_finder_finds_only_the_regency_generated(generated):
    target = generated.targets[0]
    _meaningful(target)
    _assert_finder_shows_the_regency_only(generated, target)
    verdict = finder_attack(generated, target)
    assert verdict.estimate is not None, "the walk never left the radius: it proves nothing"
    _assert_learned_nothing([verdict])


# 7. What the pages, the map data and the API documents say about the place.


def _digits(text: str) -> str:
    return re.sub(r"[\s\-().]", "", text)


def _district_pattern(code: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\d.]){re.escape(code)}(?![\d])")


def leaks_in(
    text: str, target: Target, coordinate_decimals: int = 4, many: bool = False
) -> list[str]:
    """What of the place's whereabouts ``text`` gives away. In a document about many
    places (``many``: the map, a whole export) neither the district code nor a bare
    postal code is looked for: another place may rightly publish them."""
    found = []
    if not many and _district_pattern(target.region_code).search(text):
        found.append(f"district code {target.region_code}")
    squeezed = _digits(text)
    for phone in target.location_phones:
        if _digits(phone) in squeezed:
            found.append(f"location phone {phone}")
    for value in target.real:
        for decimals in range(coordinate_decimals, 7):
            written = f"{value:.{decimals}f}"
            if re.search(rf"(?<![\d]){re.escape(written)}", text):
                found.append(f"coordinate {written}")
                break
    for line in target.address_texts:
        if many and line.isdigit():
            continue
        if line in text:
            found.append(f"address {line!r}")
    return found


def _assert_no_leak(
    text: str, target: Target, where: str, decimals: int = 4, many: bool = False
) -> None:
    found = leaks_in(text, target, decimals, many)
    assert not found, f"{where} gives away {target.organization_name}: {found}"


def _ids(target: Target) -> tuple[str, ...]:
    return (target.organization_id, target.location_id, target.service_id)


def own_part(text: str, target: Target) -> str:
    """Of a document about many places, the part about the target: the entries (JSON
    list or page ``contents``) or lines (CSV) naming one of its ids. Another place may
    rightly publish the target's district code, or sit on its meridian."""
    try:
        document = json.loads(text)
    except ValueError:
        return "\n".join(line for line in text.splitlines() if any(i in line for i in _ids(target)))
    items = document.get("contents") if isinstance(document, dict) else document
    if not isinstance(items, list):
        return text
    mine = [item for item in items if any(i in json.dumps(item) for i in _ids(target))]
    return json.dumps(mine, ensure_ascii=False)


def _points(value: Any) -> Iterator[Point]:
    """Every (latitude, longitude) pair in a JSON value."""
    if isinstance(value, dict):
        latitude, longitude = value.get("latitude"), value.get("longitude")
        if isinstance(latitude, int | float) and isinstance(longitude, int | float):
            yield (float(latitude), float(longitude))
        for child in value.values():
            yield from _points(child)
    elif isinstance(value, list):
        for child in value:
            yield from _points(child)


def _assert_nothing_at(points: Iterator[Point], target: Target, where: str) -> None:
    near = [p for p in points if distance_km(p, target.real) < 0.03]
    assert not near, f"{where} has a point within 30 m of {target.organization_name}: {near}"


def _assert_documents_blind(world: World, target: Target) -> None:
    attacker = world.attacker()
    service = attacker.json(f"/api/v1/services/{target.service_id}")
    sites = service["service_at_locations"]
    documents: dict[str, Any] = {
        "service": service,
        "organization": attacker.json(f"/api/v1/organizations/{target.organization_id}"),
        "services?organization_id&full": attacker.json(
            "/api/v1/services", {"organization_id": target.organization_id, "full": "true"}
        ),
        "services?search&origin&full": attacker.json(
            "/api/v1/services",
            {"search": target.service_name, "full": "true", **origin_params(target.stand_in)},
        ),
        "service_at_locations?organization_id&full": attacker.json(
            "/api/v1/service_at_locations",
            {"organization_id": target.organization_id, "full": "true"},
        ),
        "service_at_locations?region=regency&organization_id&full": attacker.json(
            "/api/v1/service_at_locations",
            {
                "region": target.regency_code,
                "organization_id": target.organization_id,
                "full": "true",
            },
        ),
    }
    for site in sites:
        documents[f"service_at_location {site['id']}"] = attacker.json(
            f"/api/v1/service_at_locations/{site['id']}"
        )
    for name, document in documents.items():
        text = own_part(json.dumps(document, ensure_ascii=False), target)
        assert target.service_id in text or target.location_id in text, name
        _assert_no_leak(text, target, f"API {name}")
        _assert_nothing_at(_points(document), target, f"API {name}")
    located = [
        site["location"]
        for site in sites
        if site.get("location", {}).get("id") == target.location_id
    ]
    for location in located:
        assert location.get("region_code") in (target.regency_code, None), location
        for key in ("latitude", "longitude", "transportation", "url", "external_identifier"):
            assert location.get(key) is None, f"location {key} published: {location.get(key)}"
        assert not location.get("addresses"), location.get("addresses")
        assert not location.get("phones"), location.get("phones")
        assert not location.get("contacts"), location.get("contacts")
        for item in location.get("accessibility", []):
            assert set(item) <= {"id", "location_id", "description"}, item

    pages = {
        "service page": f"/layanan/{target.service_id}",
        "organization page": f"/lembaga/{target.organization_id}",
        "regency page": f"/wilayah/{target.regency_code}",
        "province page": f"/wilayah/{target.regency_code[:2]}",
    }
    for name, path in pages.items():
        response = attacker.get(path)
        assert response.status_code == 200, path
        # A regency or province page lists many places: coordinates to 5 decimals.
        decimals = 4 if path.startswith(("/layanan", "/lembaga")) else 5
        _assert_no_leak(response.get_data(as_text=True), target, name, decimals)
    for district in world.districts(target):
        response = attacker.get(f"/wilayah/{district.code}")
        assert response.status_code in (301, 302, 308), district.code
        assert response.headers["Location"].endswith(f"/wilayah/{target.regency_code}")


def _assert_map_blind(world: World, targets: list[Target]) -> None:
    attacker = world.attacker()
    response = attacker.get("/peta/data.json")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    document = json.loads(text)
    organizations = [row[0] for row in document["organizations"]]
    services = [row[0] for row in document["services"]]
    for target in targets:
        _assert_no_leak(text, target, "map data", decimals=6, many=True)
        _assert_nothing_at(
            ((row[0], row[1]) for row in document["locations"] if row[0] is not None),
            target,
            "map data",
        )
        organization = organizations.index(target.organization_id)
        service = services.index(target.service_id)
        rows = [row for row in document["confidential"] if service in row[1]]
        assert rows, f"{target.organization_name} missing from the map's confidential rows"
        for row in rows:
            assert row[0] == organization
            assert row[2] == target.regency_code, row
        on_map = [row for row in document["locations"] if service in row[3]]
        assert not on_map, f"{target.organization_name} has a marker: {on_map}"


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_documents_and_pages_tell_only_the_regency_seed(seeded, location_id):
    _assert_documents_blind(seeded, seeded.target(location_id))


def test_map_data_tells_only_the_regency_seed(seeded):
    assert len(seeded.targets) >= len(SEED_SAFE_HOUSES)
    _assert_map_blind(seeded, seeded.targets)


def test_documents_pages_and_map_tell_only_the_regency_generated(generated):
    target = generated.targets[0]
    _assert_documents_blind(generated, target)
    _assert_map_blind(generated, generated.targets)


# 8. The search index on disk.


def _index_files(world: World) -> list[Path]:
    with world.app.app_context():
        build = state_of(world.app).folder.current()
    assert build is not None and build.is_dir()
    return [path for path in build.rglob("*") if path.is_file()]


def _index_texts(world: World) -> list[str]:
    """Every file of the current build as bytes, and every stored field of every
    document as Whoosh itself reads it back (the files compress what they store)."""
    from whoosh import index as whoosh_index

    files = _index_files(world)
    assert files
    texts = [path.read_bytes().decode("latin-1") for path in files]
    with world.app.app_context():
        build = state_of(world.app).folder.current()
    found = whoosh_index.open_dir(str(build))
    with found.searcher() as searcher:
        texts.extend(json.dumps(fields, default=str) for fields in searcher.all_stored_fields())
    found.close()
    return texts


def _assert_index_blind(world: World, targets: list[Target]) -> None:
    texts = _index_texts(world)
    for target in targets:
        needles = [repr(value) for value in target.real]
        needles += [f"{value:.{d}f}" for value in target.real for d in (6, 5)]
        packed = [struct.pack("<d", value).decode("latin-1") for value in target.real]
        for text in texts:
            hits = [n for n in needles + packed if n in text]
            assert not hits, f"the search index holds {target.organization_name}'s {hits}"


def test_search_index_holds_no_real_coordinates_seed(seeded):
    _assert_index_blind(seeded, seeded.targets)


def test_search_index_holds_no_real_coordinates_generated(generated):
    _assert_index_blind(generated, generated.targets)


def test_the_index_search_would_see_coordinates_were_they_there(generated, db):
    """The control: the same byte search finds a public neighbour's coordinates, so a
    real point stored the same way would be found."""
    from directory.institutions.models import Location

    public = db.session.scalars(
        select(Location).where(Location.confidential.is_(False), Location.latitude.is_not(None))
    ).first()
    texts = _index_texts(generated)
    written = [repr(public.latitude), f"{public.latitude:.6f}"]
    assert any(n in text for n in written for text in texts), "not findable so"


# 9. hsds export: the public rules by default; the real data only for an active admin.


@pytest.fixture(scope="module")
def seed_exports(seeded, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("attacks-export")
    runner = seeded.app.test_cli_runner()
    texts = {}
    with seeded.app.app_context():
        for name in ("directory.json", "csv"):
            result = runner.invoke(args=["hsds", "export", str(folder / name)])
            assert result.exit_code == 0, result.output
            path = folder / name
            files = [path] if path.is_file() else sorted(path.glob("*"))
            texts[name] = "\n".join(f.read_text(encoding="utf-8") for f in files)
        db.session.remove()
    return texts


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_default_export_applies_the_public_rules_seed(seed_exports, seeded, location_id):
    target = seeded.target(location_id)
    for name, text in seed_exports.items():
        assert target.organization_id in text, f"{name}: the safe house is left out entirely"
        _assert_no_leak(own_part(text, target), target, f"hsds export {name}")
        _assert_no_leak(text, target, f"hsds export {name}", decimals=6, many=True)


def test_default_export_applies_the_public_rules_generated(generated, runner, tmp_path):
    target = generated.targets[0]
    for name in ("directory.json", "csv"):
        result = runner.invoke(args=["hsds", "export", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        path = tmp_path / name
        files = [path] if path.is_file() else sorted(path.glob("*"))
        text = "\n".join(f.read_text(encoding="utf-8") for f in files)
        _assert_no_leak(own_part(text, target), target, f"hsds export {name}")
        _assert_no_leak(text, target, f"hsds export {name}", decimals=6, many=True)
        assert target.regency_code in own_part(text, target)


@pytest.mark.parametrize("who", ["none", "unknown", "counsellor", "partner", "inactive admin"])
def test_export_with_real_data_is_refused_to_all_but_an_active_admin(
    generated, runner, db, tmp_path, who
):
    target = generated.targets[0]
    accounts = {
        "counsellor": UserFactory(role="counsellor"),
        "partner": UserFactory(role="partner"),
        "inactive admin": UserFactory(role="admin", organization=None, active=False),
    }
    db.session.commit()
    admin = {"none": [], "unknown": ["--admin", "nobody@example.org"]}.get(who)
    if admin is None:
        admin = ["--admin", accounts[who].email]
    path = tmp_path / "full.json"

    result = runner.invoke(
        args=["hsds", "export", "--include-confidential", *admin, "--password-stdin", str(path)],
        input=f"{TEST_PASSWORD}\n",
    )

    assert result.exit_code != 0, result.output
    assert not path.exists() or target.organization_id not in path.read_text(encoding="utf-8")


def test_export_with_real_data_for_an_active_admin_warns_and_is_private(
    generated, runner, db, tmp_path
):
    target = generated.targets[0]
    admin = UserFactory(role="admin", organization=None)
    db.session.commit()
    path = tmp_path / "full.json"

    wrong = runner.invoke(
        args=[
            "hsds",
            "export",
            "--include-confidential",
            "--admin",
            admin.email,
            "--password-stdin",
            str(path),
        ],
        input="not the password\n",
    )
    assert wrong.exit_code != 0 and not path.exists(), wrong.output

    result = runner.invoke(
        args=[
            "hsds",
            "export",
            "--include-confidential",
            "--admin",
            admin.email,
            "--password-stdin",
            str(path),
        ],
        input=f"{TEST_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "confidential" in result.stderr.lower(), result.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # The real data is there: the flag does what it says.
    written = [
        location
        for organization in json.loads(path.read_text(encoding="utf-8"))
        for location in organization.get("locations", [])
        if location["id"] == target.location_id
    ]
    assert written and written[0]["latitude"] == pytest.approx(target.real[0], abs=1e-6)
    assert written[0]["region_code"] == target.region_code


# 10. Property: inside a radius or not depends on the stand-in only.


def _band_km(radius: float) -> float:
    return 0.01 + 0.002 * radius


def _check_membership(world: World, target: Target, bearing_deg, away, slack) -> None:
    """From an origin ``away`` km from the stand-in, a radius ``slack`` km beyond the
    origin's distance to the stand-in (0.01 to 200 km): listed exactly when inside."""
    attacker = world.attacker()
    origin = destination(target.stand_in, bearing_deg, away)
    to_stand_in = distance_km(origin, target.stand_in)
    radius = min(max(to_stand_in + slack, 0.01), 200.0)
    if abs(to_stand_in - radius) < _band_km(radius):
        return
    page = attacker.json(
        "/api/v1/services",
        {
            "organization_id": target.organization_id,
            "radius_km": f"{radius:.4f}",
            **origin_params(origin),
        },
    )
    listed = any(entry["id"] == target.service_id for entry in page["contents"])
    assert page["total_items"] == len(page["contents"])
    assert listed == (to_stand_in <= radius), (
        f"origin {origin}, radius {radius:.3f} km: {to_stand_in:.3f} km from the stand-in, "
        f"{distance_km(origin, target.real):.3f} km from the real point, listed: {listed}"
    )


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ORIGINS = {
    "bearing_deg": st.floats(0, 360),
    "away": st.floats(0, 60),
    # Near the stand-in's distance, where the real point's would decide otherwise.
    "slack": st.floats(-25, 25) | st.floats(-200, 200),
}


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
@PROPERTY
@given(**ORIGINS)
def test_radius_membership_follows_the_stand_in_seed(seeded, location_id, bearing_deg, away, slack):
    _check_membership(seeded, seeded.target(location_id), bearing_deg, away, slack)


@PROPERTY
@given(**ORIGINS)
def test_radius_membership_follows_the_stand_in_generated(generated, bearing_deg, away, slack):
    _check_membership(generated, generated.targets[0], bearing_deg, away, slack)


# 11. Degraded search: the index missing or corrupt, the database answers.


@contextmanager
def index_missing(world: World) -> Iterator[None]:
    """The search index moved away for a while: search answers from the database, as
    it does while a missing or corrupt index is rebuilt."""
    state = state_of(world.app)
    aside = state.folder.root.with_name(state.folder.root.name + "-aside")
    shutil.move(state.folder.root, aside)
    state.reader.invalidate()
    try:
        yield
    finally:
        shutil.move(aside, state.folder.root)
        state.reader.invalidate()
        state.needs_rebuild = False


def degraded_attack(world: World, target: Target, thorough: bool = True) -> list[Verdict]:
    """The box walk (and, ``thorough``, with text and a radius bisection too): the
    database answers each request slowly, so the seed's places get the box walk only."""
    verdicts = []
    with index_missing(world):
        attacker = world.attacker()
        probe = attacker.json(
            "/api/v1/services",
            {"organization_id": target.organization_id, **origin_params(target.stand_in)},
        )
        assert probe.get("degraded") is True, "the database fallback did not answer"
        variants = [("organization", {"organization_id": target.organization_id})]
        if thorough:
            variants.append(("text", {"search": target.service_name}))
        for name, extra in variants:
            estimate, found = box_edge_walk(attacker, target, extra)
            verdicts.append(
                Verdict(f"degraded box walk ({name})", target, estimate, found, attacker.requests)
            )
        if thorough:
            origins = ring(target.stand_in, 7.0, 3, offset_degrees=20)
            estimate, found = radius_bisection(
                attacker,
                target,
                origins,
                {"organization_id": target.organization_id},
                _starts(target, origins),
            )
            verdicts.append(
                Verdict("degraded radius bisection", target, estimate, found, attacker.requests)
            )
    return verdicts


@pytest.mark.parametrize("location_id", [i for i, _ in SEED_SAFE_HOUSES], ids=SEED_IDS)
def test_degraded_search_finds_only_the_regency_seed(seeded, location_id):
    target = seeded.target(location_id)
    _meaningful(target)
    _assert_learned_nothing(degraded_attack(seeded, target, thorough=False))


def test_degraded_search_finds_only_the_regency_generated(generated):
    target = generated.targets[0]
    _meaningful(target)
    verdicts = degraded_attack(generated, target)
    assert all(v.estimate is not None for v in verdicts), "the target was never listed"
    _assert_learned_nothing(verdicts)


# 12. More surfaces: the gap analysis, a counsellor's referral to a safe house.


def test_gap_analysis_is_not_for_the_public_nor_for_counsellors(generated, app):
    anonymous = app.test_client()
    for path in ("/admin/kesenjangan", "/admin/kesenjangan.csv"):
        response = anonymous.get(path)
        assert response.status_code in (302, 401, 403), path
        assert "Rumah Aman Uji" not in response.get_data(as_text=True)
    counsellor = UserFactory(role="counsellor")
    db.session.commit()
    signed_in = app.test_client()
    from tests.support.referral_network import sign_in

    sign_in(signed_in, counsellor)
    for path in ("/admin/kesenjangan", "/admin/kesenjangan.csv"):
        assert signed_in.get(path).status_code in (302, 403), path


def test_a_counsellors_referral_to_a_safe_house_shows_no_whereabouts(generated, app, db):
    from directory.referrals import states
    from tests.factories import ReferralFactory
    from tests.support.referral_network import bearer, problems_taxonomy, sign_in

    target = generated.targets[0]
    problem = TaxonomyTermFactory(taxonomy=problems_taxonomy(), name="KDRT")
    counsellor = UserFactory(role="counsellor")
    db.session.commit()
    from directory.institutions.models import Service

    service = db.session.get(Service, target.service_id)
    referral = ReferralFactory(counsellor=counsellor, service=service, problem_terms=[problem])
    db.session.commit()
    assert referral.status == states.SENT
    client = app.test_client()
    sign_in(client, counsellor)
    headers = bearer(counsellor)
    surfaces = {
        "referral page": client.get(f"/rujukan/{referral.id}"),
        "referral letter": client.get(f"/rujukan/{referral.id}/surat"),
        "new referral form": client.get(f"/rujukan/baru?service_id={target.service_id}"),
        "finder as counsellor": client.get(
            "/cari", query_string={"q": target.service_name, "tempat": target.stand_in_name}
        ),
        "API referral": client.get(f"/api/v1/referrals/{referral.id}", headers=headers),
        "FHIR bundle": client.get(f"/api/v1/referrals/{referral.id}/fhir", headers=headers),
    }
    for name, response in surfaces.items():
        assert response.status_code == 200, (name, response.status_code)
        _assert_no_leak(response.get_data(as_text=True), target, name)
