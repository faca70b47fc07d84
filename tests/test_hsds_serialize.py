"""directory.hsds.serialize: HSDS 3.0 shapes, validated against the official schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from directory.extensions import db
from directory.hsds import serialize
from tests.factories import (
    AddressFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
    full_service,
)
from tests.support.hsds import COMPILED


@cache
def hsds_validator(name: str) -> Draft202012Validator:
    schema = json.loads((COMPILED / f"{name}.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(name: str, document: dict) -> None:
    errors = sorted(hsds_validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def fresh(record):
    """Commit and reload, as a request would see the record."""
    db.session.commit()
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def test_format_checker_checks_uuid_uri_email_and_date_time():
    checker = FormatChecker()
    assert {"uuid", "uri", "email", "date-time"} <= set(checker.checkers)
    validator = hsds_validator("service")
    base = {"id": "0b6f0e4e-4f6b-4c8e-9d5e-2f3a1b2c3d4e", "name": "x", "status": "active"}
    assert validator.is_valid(base)
    assert not validator.is_valid({**base, "id": "not-a-uuid"})
    assert not validator.is_valid({**base, "url": "no scheme here"})
    assert not validator.is_valid({**base, "email": "nobody"})
    assert not validator.is_valid({**base, "last_modified": "2024-13-45 25:00"})


def test_full_service_validates_against_the_compiled_schema(app):
    service = fresh(full_service())
    document = serialize.service_to_hsds(service)
    assert_valid("service", document)
    assert len(document["service_at_locations"]) == 1
    assert document["organization"]["id"] == service.organization_id


def test_service_pieces_have_hsds_shapes(app):
    service = fresh(full_service())
    document = serialize.service_to_hsds(service)

    assert document["accepting_referrals"] is True
    assert document["capacity_note"] == "Antrean sekitar satu minggu."
    assert {s["opens_at"] for s in document["schedules"]} == {"08:00"}
    assert document["schedules"][0]["closes_at"] == "16:00"
    nested_schedule = document["service_at_locations"][0]["schedules"][0]
    assert nested_schedule["opens_at"] == "09:30"
    assert nested_schedule["byday"] == "SA"
    amounts = sorted(option["amount"] for option in document["cost_options"])
    assert amounts == [12500.5, 50000]
    assert isinstance(amounts[1], int)
    assert document["service_areas"][0]["uri"] == "urn:kemendagri:36.73"
    assert document["phones"][0]["extension"] == 12
    assert [language["code"] for language in document["languages"]] == ["id"]
    location = document["service_at_locations"][0]["location"]
    assert [language["code"] for language in location["languages"]] == ["jv"]
    assert location["region_code"] == "36.73"
    assert location["confidential"] is False


def test_attributes_nest_the_term_and_its_taxonomy(app):
    service = fresh(full_service())
    attribute = serialize.service_to_hsds(service)["attributes"][0]
    term = service.attributes[0].taxonomy_term
    assert attribute["link_id"] == service.id
    assert attribute["link_entity"] == "service"
    assert attribute["taxonomy_term_id"] == term.id
    nested = attribute["taxonomy_term"]
    assert nested["name"] == term.name
    assert nested["name_en"] == term.name_en
    assert nested["taxonomy"] == term.taxonomy.name
    assert nested["taxonomy_detail"]["id"] == term.taxonomy_id
    assert nested["taxonomy_detail"]["name"] == term.taxonomy.name


def test_none_values_are_left_out_but_extension_keys_stay(app):
    service = fresh(ServiceFactory(capacity_note=None, url=None))
    document = serialize.service_to_hsds(service)
    assert None not in [value for key, value in document.items() if key != "capacity_note"]
    assert "url" not in document
    assert "capacity_note" in document
    assert document["capacity_note"] is None
    assert_valid("service", document)


def test_last_modified_is_rfc3339_utc(app):
    service = ServiceFactory()
    service.last_modified = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    service = fresh(service)
    assert serialize.service_to_hsds(service)["last_modified"] == "2024-05-01T08:30:00.000Z"


def test_confidential_location_hides_whereabouts_when_public(app):
    service = fresh(full_service(confidential=True))
    location = serialize.service_to_hsds(service)["service_at_locations"][0]["location"]
    assert location["confidential"] is True
    assert location["description"] == serialize.CONFIDENTIAL_NOTE
    for key in ("latitude", "longitude", "transportation"):
        assert key not in location
    assert location["addresses"] == []
    text = json.dumps(serialize.service_to_hsds(service))
    assert "Jl. Contoh" not in text
    assert "Angkot" not in text
    assert "-6.12" not in text


def test_confidential_location_is_whole_when_not_public(app):
    service = fresh(full_service(confidential=True))
    document = serialize.service_to_hsds(service, public=False)
    location = document["service_at_locations"][0]["location"]
    assert location["latitude"] == pytest.approx(-6.12)
    assert location["addresses"][0]["address_1"].startswith("Jl. Contoh")
    assert_valid("service", document)


def test_organization_validates_and_hides_confidential_locations(app):
    service = full_service(confidential=True)
    open_location = LocationFactory(organization=service.organization, name="Kantor terbuka")
    AddressFactory(location=open_location, address_1="Jl. Terbuka 1")
    organization = fresh(service.organization)

    document = serialize.organization_to_hsds(organization)
    assert_valid("organization", document)
    by_name = {location.get("name"): location for location in document["locations"]}
    assert by_name["Kantor terbuka"]["addresses"][0]["address_1"] == "Jl. Terbuka 1"
    assert "latitude" in by_name["Kantor terbuka"]
    hidden = [location for location in document["locations"] if location["confidential"]]
    assert len(hidden) == 1
    assert "latitude" not in hidden[0]
    assert hidden[0]["addresses"] == [] and "name" not in hidden[0]
    assert [s["id"] for s in document["services"]] == [service.id]
    assert "organization" not in document["services"][0]
    assert document["attributes"][0]["link_entity"] == "organization"


def test_organization_without_services(app):
    organization = fresh(OrganizationFactory())
    document = serialize.organization_to_hsds(organization, include_services=False)
    assert "services" not in document
    assert_valid("organization", document)


def test_service_at_location_nests_location_and_service(app):
    sal = ServiceAtLocationFactory()
    sal = fresh(sal)
    document = serialize.service_at_location_to_hsds(sal)
    assert_valid("service_at_location", document)
    assert document["location"]["id"] == sal.location_id
    assert document["service"]["id"] == sal.service_id
    assert "service_at_locations" not in document["service"]


def test_taxonomy_term_carries_name_en_and_taxonomy_detail(app):
    parent = TaxonomyTermFactory()
    term = fresh(TaxonomyTermFactory(parent=parent, taxonomy=parent.taxonomy, language="id"))
    document = serialize.taxonomy_term_to_hsds(term)
    assert document["parent_id"] == parent.id
    assert document["name_en"] == term.name_en
    assert document["language"] == "id"
    assert document["taxonomy_detail"] == serialize.taxonomy_to_hsds(term.taxonomy)
    assert document["taxonomy_detail"]["name_en"] is None


def test_term_of_a_taxonomy_we_do_not_hold_names_it(app):
    term = fresh(TaxonomyTermFactory(taxonomy=None, taxonomy_name="Open Eligibility"))
    document = serialize.taxonomy_term_to_hsds(term)
    assert document["taxonomy"] == "Open Eligibility"
    assert "taxonomy_detail" not in document
    assert "taxonomy_id" not in document
