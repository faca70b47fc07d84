"""The committed demonstration data (``seed/*.json``): counts, labels, places, reserved
contact details, HSDS validity, integrity and the generator's determinism."""

from __future__ import annotations

import copy
import csv
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from directory.commands import SEED_DIR
from directory.geo.timezones import UTC_OFFSET_HOURS, zone_name
from directory.institutions.models import (
    SERVICE_STATUSES,
    TAXONOMY_DATA_STATUS,
    TAXONOMY_ELIGIBILITY,
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    TERM_DEMONSTRATION_DATA,
    WEEKDAYS,
)

LK3_SERVICES = (
    "Konseling",
    "Konsultasi",
    "Pemberian informasi",
    "Penjangkauan",
    "Perlindungan",
    "Pendampingan",
    "Rujukan",
)
PHONE = re.compile(r"^\+62 000 5550 \d{4}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """``seed/generate.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("seed_generate", SEED_DIR / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def organizations() -> list[dict[str, Any]]:
    return json.loads((SEED_DIR / "organizations.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def terms() -> list[dict[str, Any]]:
    return json.loads((SEED_DIR / "taxonomy_terms.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def regions() -> dict[str, dict[str, str]]:
    with (SEED_DIR / "regions.csv").open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def services_of(organizations: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for org in organizations:
        yield from org["services"]


def locations_of(organizations: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for org in organizations:
        yield from org["locations"]


def term_codes(org: dict[str, Any], terms_by_id: dict[str, dict[str, Any]]) -> set[str]:
    return {terms_by_id[a["taxonomy_term_id"]]["code"] for a in org["attributes"]}


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key path, value) below ``value``."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield f"{path}.{key}", child
            yield from walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for child in value:
            yield from walk(child, f"{path}[]")


def test_counts_and_coverage(organizations, regions):
    services = list(services_of(organizations))
    assert len(organizations) >= 300
    assert len(services) >= 600

    locations = {loc["id"]: loc for loc in locations_of(organizations)}
    provinces_served = {
        locations[sal["location_id"]]["region_code"].split(".")[0]
        for service in services
        for sal in service["service_at_locations"]
    }
    all_provinces = {code for code, row in regions.items() if row["level"] == "provinsi"}
    assert len(all_provinces) == 38
    assert provinces_served == all_provinces


def test_every_organization_is_labelled_demonstration_data(organizations, generator):
    for org in organizations:
        assert org["description"].endswith(generator.DEMO_NOTE), org["name"]
        demo = [a for a in org["attributes"] if a["taxonomy_term_id"] == TERM_DEMONSTRATION_DATA]
        assert len(demo) == 1, org["name"]
        assert demo[0]["link_id"] == org["id"]
        assert demo[0]["link_entity"] == "organization"


def test_locations_are_at_known_districts_near_their_centroid(organizations, regions):
    for loc in locations_of(organizations):
        region = regions.get(loc["region_code"])
        assert region is not None, loc["region_code"]
        distance = distance_km(
            loc["latitude"], loc["longitude"], float(region["latitude"]), float(region["longitude"])
        )
        # At a district centroid moved by less than 500 m (well within ~30 km of it); a
        # safe house 1.5-5 km from it (``test_no_published_point_gives_a_safe_house_away``).
        assert region["level"] == "kecamatan"
        assert distance < (5.01 if loc["confidential"] else 0.5), (loc["name"], distance)
        address = loc["addresses"][0]
        regency = regions[region["parent_code"]]
        assert address["city"] == regency["name"]
        assert address["state_province"] == regions[regency["parent_code"]]["name"]
        assert re.fullmatch(r"\d{5}", address["postal_code"])


def test_no_location_at_an_offshore_district(organizations, generator):
    used = {loc["region_code"] for loc in locations_of(organizations)}
    assert not used & generator.OFFSHORE_DISTRICTS


def test_phones_reach_nobody(organizations):
    numbers = [value for path, value in walk(organizations) if path.endswith("phones[].number")]
    assert len(numbers) > len(organizations)
    assert all(PHONE.match(number) for number in numbers), [
        n for n in numbers if not PHONE.match(n)
    ][:5]
    assert len(set(numbers)) == len(numbers)


def test_emails_and_websites_use_reserved_domains(organizations):
    emails = [v for p, v in walk(organizations) if p.endswith(("email", "assurer_email"))]
    urls = [v for p, v in walk(organizations) if p.endswith((".website", ".url"))]
    assert emails and urls
    for email in emails:
        domain = email.rpartition("@")[2]
        assert domain == "example.org" or domain.endswith(".example.org"), email
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert parts.hostname is not None and parts.hostname.endswith(".example.org"), url


def test_ids_are_unique_uuids(organizations, terms):
    ids = [
        value
        for path, value in walk(organizations)
        if path.endswith(".id") and ".taxonomy_term." not in path
    ]
    ids += [term["id"] for term in terms]
    assert len(set(ids)) == len(ids)
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    assert all(uuid.match(i) for i in ids)


def test_referential_integrity(organizations, terms, regions):
    terms_by_id = {term["id"]: term for term in terms}

    def check_attribute(attribute: dict[str, Any], owner_id: str, entity: str) -> None:
        term = terms_by_id[attribute["taxonomy_term_id"]]
        assert attribute["link_id"] == owner_id
        assert attribute["link_entity"] == entity
        assert attribute["taxonomy_term"] == {
            "id": term["id"],
            "name": term["name"],
            "description": term["description"],
        }

    for org in organizations:
        location_ids = {loc["id"] for loc in org["locations"]}
        for attribute in org["attributes"]:
            check_attribute(attribute, org["id"], "organization")
        for loc in org["locations"]:
            assert loc["organization_id"] == org["id"]
            assert all(a["location_id"] == loc["id"] for a in loc["addresses"])
            assert all(p["location_id"] == loc["id"] for p in loc["phones"])
            assert all(lang["location_id"] == loc["id"] for lang in loc["languages"])
        for service in org["services"]:
            assert service["organization_id"] == org["id"]
            assert service["service_at_locations"]
            for sal in service["service_at_locations"]:
                assert sal["service_id"] == service["id"]
                assert sal["location_id"] in location_ids
            for key in ("phones", "schedules", "languages", "cost_options", "service_areas"):
                assert all(child["service_id"] == service["id"] for child in service[key])
            for area in service["service_areas"]:
                prefix, _, code = area["uri"].rpartition(":")
                assert prefix == "urn:kemendagri"
                assert area["name"] == regions[code]["name"]
            for attribute in service["attributes"]:
                check_attribute(attribute, service["id"], "service")
            taxonomies = {
                terms_by_id[a["taxonomy_term_id"]]["taxonomy_id"] for a in service["attributes"]
            }
            # Each service says what it offers and for which problems.
            assert {TAXONOMY_SERVICE_TYPES, TAXONOMY_PROBLEMS} <= taxonomies, service["name"]
        types = {terms_by_id[a["taxonomy_term_id"]]["taxonomy_id"] for a in org["attributes"]}
        assert TAXONOMY_INSTITUTION_TYPES in types


def test_taxonomy_terms(terms):
    codes = [term["code"] for term in terms]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z0-9_]+", code) for code in codes)
    assert {term["taxonomy_id"] for term in terms} == {
        TAXONOMY_SERVICE_TYPES,
        TAXONOMY_PROBLEMS,
        TAXONOMY_INSTITUTION_TYPES,
        TAXONOMY_DATA_STATUS,
        TAXONOMY_ELIGIBILITY,
    }
    for term in terms:
        assert term["taxonomy_detail"]["id"] == term["taxonomy_id"]
        assert term["name"] and term["name_en"] and term["description"]
    demo = [term for term in terms if term["taxonomy_id"] == TAXONOMY_DATA_STATUS]
    assert [term["id"] for term in demo] == [TERM_DEMONSTRATION_DATA]
    assert demo[0]["name"] == "Data demonstrasi"


def test_the_seven_lk3_services_are_terms_exactly(terms):
    names = {term["name"] for term in terms if term["taxonomy_id"] == TAXONOMY_SERVICE_TYPES}
    assert set(LK3_SERVICES) <= names
    for name in LK3_SERVICES:
        matching = [t for t in terms if t["name"] == name]
        assert len(matching) == 1 and matching[0]["taxonomy_id"] == TAXONOMY_SERVICE_TYPES


def test_every_capital_has_the_standard_mix(organizations, terms, generator):
    terms_by_id = {term["id"]: term for term in terms}
    by_regency: dict[str, list[dict[str, Any]]] = {}
    for org in organizations:
        regency = org["locations"][0]["region_code"].rsplit(".", 1)[0]
        by_regency.setdefault(regency, []).append(org)
    standard = {"lk3", "uptd_ppa", "rumah_sakit", "unit_ppa_polri", "lbh", "pengadilan_agama"}
    standard.add("puspaga")
    assert len(generator.CAPITALS) == 38
    for province, capital in generator.CAPITALS.items():
        assert capital.split(".")[0] == province
        orgs = by_regency[capital]
        kinds = set().union(*(term_codes(org, terms_by_id) for org in orgs))
        assert standard <= kinds, (capital, standard - kinds)
        # The capital's LK3 offers all seven LK3 services.
        lk3 = next(org for org in orgs if "lk3" in term_codes(org, terms_by_id))
        offered = {
            terms_by_id[a["taxonomy_term_id"]]["name"]
            for service in lk3["services"]
            for a in service["attributes"]
        }
        assert set(LK3_SERVICES) <= offered, lk3["name"]


@pytest.mark.parametrize("regency", ["36.73", "36.04"])
def test_serang_has_a_full_mix(organizations, terms, regency):
    terms_by_id = {term["id"]: term for term in terms}
    here = [org for org in organizations if org["locations"][0]["region_code"][:5] == regency]
    kinds = set().union(*(term_codes(org, terms_by_id) for org in here))
    assert {"lk3", "puskesmas", "unit_ppa_polri", "kua", "uptd_ppa", "dinas_sosial"} <= kinds
    assert len(here) >= 10


def test_cipocok_jaya_has_services(organizations):
    at_cipocok = [
        org["name"]
        for org in organizations
        if any(loc["region_code"] == "36.73.05" for loc in org["locations"])
    ]
    assert "Puskesmas Cipocok Jaya" in at_cipocok
    assert "KUA Kecamatan Cipocok Jaya" in at_cipocok


def test_eligibility_terms_limit_a_few_services_by_sex_in_serang_too(organizations, terms):
    """The taxonomy "Kelayakan" holds "Khusus perempuan" and "Khusus laki-laki"; services
    carry them as HSDS attributes, a service limited to one sex carries exactly one, and
    Kota Serang has both kinds (the tests and the demonstration use them)."""
    eligibility = {t["code"]: t for t in terms if t["taxonomy_id"] == TAXONOMY_ELIGIBILITY}
    assert set(eligibility) == {"khusus_perempuan", "khusus_laki_laki"}
    assert {t["name_en"] for t in eligibility.values()} == {"Women only", "Men only"}
    assert {t["taxonomy_detail"]["uri"] for t in eligibility.values()} == {
        "urn:jejaring-rujukan:taxonomy:kelayakan"
    }
    by_id = {t["id"]: code for code, t in eligibility.items()}
    limited: dict[str, list[tuple[str, str]]] = {"khusus_perempuan": [], "khusus_laki_laki": []}
    for org in organizations:
        assert not {a["taxonomy_term_id"] for a in org["attributes"]} & set(by_id)
        for service in org["services"]:
            linked = [a["taxonomy_term_id"] for a in service["attributes"]]
            codes = [by_id[term_id] for term_id in linked if term_id in by_id]
            assert len(codes) <= 1, service["name"]
            for code in codes:
                limited[code].append((org["locations"][0]["region_code"][:5], service["name"]))
    assert 2 <= len(limited["khusus_perempuan"]) <= 20
    assert 1 <= len(limited["khusus_laki_laki"]) <= 10
    assert "36.73" in {regency for regency, _ in limited["khusus_perempuan"]}
    assert "36.73" in {regency for regency, _ in limited["khusus_laki_laki"]}
    assert all("laki" in name.lower() for _, name in limited["khusus_laki_laki"])


def test_safe_houses_are_confidential_with_neutral_names(organizations, terms):
    terms_by_id = {term["id"]: term for term in terms}
    confidential = [
        (org, loc) for org in organizations for loc in org["locations"] if loc["confidential"]
    ]
    assert 8 <= len(confidential) <= 12
    assert len({loc["region_code"][:2] for _, loc in confidential}) >= 5
    for org, loc in confidential:
        assert "rumah_aman" in term_codes(org, terms_by_id)
        assert "aman" not in loc["name"].lower()
        assert loc["addresses"][0]["address_1"].startswith(("Jl.", "Gg."))


def test_no_published_point_gives_a_safe_house_away(organizations, regions):
    """Every published point of the gazetteer lies at least 1.2 km from a demonstration
    safe house, and its regency's stand-in point at least 2.4 km: no district point
    (nor a search from one) lands on it."""
    safe_houses = [loc for loc in locations_of(organizations) if loc["confidential"]]
    assert safe_houses
    for loc in safe_houses:
        nearest = min(
            distance_km(
                loc["latitude"], loc["longitude"], float(row["latitude"]), float(row["longitude"])
            )
            for row in regions.values()
        )
        regency = regions[loc["region_code"][:5]]
        from_regency = distance_km(
            loc["latitude"],
            loc["longitude"],
            float(regency["latitude"]),
            float(regency["longitude"]),
        )
        assert nearest >= 1.2 and from_regency >= 2.4, (loc["id"], nearest, from_regency)


def test_service_mix_is_realistic(organizations):
    services = list(services_of(organizations))
    statuses = Counter(service["status"] for service in services)
    assert set(statuses) <= set(SERVICE_STATUSES)
    assert statuses["temporarily closed"] > 0 and statuses["inactive"] > 0
    assert statuses["active"] > 0.9 * len(services)
    refusing = sum(not service["accepting_referrals"] for service in services)
    assert 0.03 * len(services) <= refusing <= 0.15 * len(services)
    assert any(service["capacity_note"] for service in services)
    assert all("capacity_note" in service for service in services)
    paid = [s for s in services if any(c["amount"] > 0 for c in s["cost_options"])]
    free = [s for s in services if all(c["amount"] == 0 for c in s["cost_options"])]
    assert paid and len(free) > len(paid)
    assert all(c["currency"] == "IDR" for s in services for c in s["cost_options"])
    areas = [s for s in services if s["service_areas"]]
    assert 0 < len(areas) < len(services)


def test_schedules_are_well_formed(organizations):
    locations = {loc["id"]: loc for loc in locations_of(organizations)}
    hours = set()
    for service in services_of(organizations):
        assert service["schedules"], service["name"]
        region = locations[service["service_at_locations"][0]["location_id"]]["region_code"]
        for schedule in service["schedules"]:
            assert schedule["freq"] == "WEEKLY"
            assert set(schedule["byday"].split(",")) <= set(WEEKDAYS)
            assert CLOCK.match(schedule["opens_at"]) and CLOCK.match(schedule["closes_at"])
            assert schedule["timezone"] == UTC_OFFSET_HOURS[zone_name(region)]
            hours.add((schedule["opens_at"], schedule["closes_at"]))
    assert ("08:00", "16:00") in hours
    assert ("00:00", "23:59") in hours  # police and emergency rooms
    assert any(closes < opens for opens, closes in hours)  # a night line past midnight


def test_languages_follow_the_region(organizations):
    locations = {loc["id"]: loc for loc in locations_of(organizations)}
    spoken: dict[str, set[str]] = {}
    for service in services_of(organizations):
        codes = [language["code"] for language in service["languages"]]
        assert codes[0] == "id"
        province = locations[service["service_at_locations"][0]["location_id"]]["region_code"][:2]
        spoken.setdefault(province, set()).update(codes)
    expected = {"33": "jv", "35": "jv", "34": "jv", "32": "su", "36": "su", "51": "ban"}
    expected |= {"73": "bug", "13": "min", "11": "ace", "63": "bjn", "52": "sas", "12": "bbc"}
    for province, code in expected.items():
        assert code in spoken[province], province
    assert "mad" in set().union(*spoken.values())
    assert "en" in set().union(*spoken.values())


def hsds_validator(hsds_dir: Path, name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((hsds_dir / "compiled" / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_sample_validates_against_hsds(organizations, generator):
    """A sample here (every seventh organization, each service of it); the generator checks
    them all before it writes, and the determinism test below runs it."""
    organization_schema = hsds_validator(generator.DEFAULT_HSDS_DIR, "organization.json")
    service_schema = hsds_validator(generator.DEFAULT_HSDS_DIR, "service.json")
    sample = organizations[::7]
    for org in sample:
        assert not list(organization_schema.iter_errors(org)), org["name"]
        for service in org["services"]:
            assert not list(service_schema.iter_errors(service)), service["id"]

    # The validator does check formats: a broken id or e-mail is caught.
    broken = copy.deepcopy(sample[0])
    broken["id"] = "not-a-uuid"
    broken["services"][0]["email"] = "nobody"
    messages = [error.message for error in organization_schema.iter_errors(broken)]
    assert any("uuid" in message for message in messages)
    assert any("email" in message for message in messages)


def test_generator_rejects_invalid_data(organizations, terms, generator):
    broken = copy.deepcopy(organizations[:1])
    broken[0]["locations"][0]["location_type"] = "somewhere"
    with pytest.raises(SystemExit, match="location_type"):
        generator.validate(broken, terms, generator.DEFAULT_HSDS_DIR)


@pytest.mark.slow
def test_generator_is_deterministic(tmp_path):
    """Regenerating writes exactly the committed files, whatever the hash seed."""
    subprocess.run(
        [sys.executable, str(SEED_DIR / "generate.py"), "--output", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "20250101"},
    )
    for name in ("taxonomy_terms.json", "organizations.json"):
        assert (tmp_path / name).read_bytes() == (SEED_DIR / name).read_bytes(), name


def test_a_fair_share_lists_documents_to_bring_and_accessibility(organizations):
    services = [service for org in organizations for service in org["services"]]
    locations = [location for org in organizations for location in org["locations"]]
    with_documents = [s for s in services if s.get("required_documents")]
    accessible = [loc for loc in locations if loc.get("accessibility")]
    assert 0.4 < len(with_documents) / len(services) < 0.8
    assert 0.3 < len(accessible) / len(locations) < 0.7
    for service in with_documents:
        for document in service["required_documents"]:
            assert document["service_id"] == service["id"] and document["document"]
    safe_houses = {loc["id"] for loc in locations if loc["confidential"]}
    for org in organizations:
        for service in org["services"]:
            if {sal["location_id"] for sal in service["service_at_locations"]} <= safe_houses:
                assert "required_documents" not in service, service["name"]
    for location in accessible:
        for item in location["accessibility"]:
            assert item["location_id"] == location["id"] and item["description"]
            if location["confidential"]:
                assert set(item) == {"id", "location_id", "description"}
