"""The public directory API under /api/v1: HSDS shapes, paging, filters, errors, privacy."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import event

from directory.extensions import db
from tests.factories import (
    AttributeFactory,
    CostOptionFactory,
    LanguageFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
    full_service,
)
from tests.support.hsds import COMPILED

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
# Coordinates and address of the safe house: distinctive, so that a leak is visible.
SECRET_LATITUDE = -6.137913
SECRET_LONGITUDE = 106.151719


@cache
def hsds_validator(name: str) -> Draft202012Validator:
    schema = json.loads((COMPILED / f"{name}.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(name: str, document: dict) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in hsds_validator(name).iter_errors(document)]
    assert not errors


def commit() -> None:
    db.session.commit()
    db.session.expire_all()


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["contents"]]


def assert_bad_parameter(response, name: str) -> None:
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"]
    assert name in error["fields"]


def service_in(region_code: str, **fields) -> str:
    sal = ServiceAtLocationFactory(service=ServiceFactory(**fields))
    sal.location.region_code = region_code
    return sal.service_id


def tag(service_id: str, term) -> None:
    AttributeFactory(link_id=service_id, link_entity="service", taxonomy_term=term)


# Lists and paging


def test_service_list_is_an_hsds_page_of_summaries(client):
    service = ServiceFactory()
    commit()
    response = client.get("/api/v1/services")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.cache_control.public
    assert response.cache_control.max_age == 60
    page = response.json
    assert {k: v for k, v in page.items() if k != "contents"} == {
        "total_items": 1,
        "total_pages": 1,
        "page_number": 1,
        "size": 1,
        "first_page": True,
        "last_page": True,
        "empty": False,
    }
    [summary] = page["contents"]
    assert summary["id"] == service.id
    assert summary["organization"]["id"] == service.organization_id
    assert "service_at_locations" not in summary
    assert_valid("service_list", summary)


def test_paging_arithmetic(client):
    created = [ServiceFactory(name=f"Layanan {letter}") for letter in "EDCBA"]
    commit()
    expected = [s.id for s in sorted(created, key=lambda s: s.name)]

    pages = [client.get(f"/api/v1/services?per_page=2&page={n}").json for n in (1, 2, 3, 4)]
    assert [p["size"] for p in pages] == [2, 2, 1, 0]
    assert {p["total_items"] for p in pages} == {5}
    assert {p["total_pages"] for p in pages} == {3}
    assert [p["page_number"] for p in pages] == [1, 2, 3, 4]
    assert [p["first_page"] for p in pages] == [True, False, False, False]
    assert [p["last_page"] for p in pages] == [False, False, True, True]
    assert [p["empty"] for p in pages] == [False, False, False, True]
    assert [item["id"] for p in pages for item in p["contents"]] == expected


def test_paging_of_nothing(client):
    page = client.get("/api/v1/services").json
    assert page["total_items"] == 0
    assert page["total_pages"] == 0
    assert page["empty"] is True
    assert page["first_page"] is True
    assert page["last_page"] is True
    assert page["contents"] == []


def test_per_page_defaults_to_20(client):
    ServiceFactory.create_batch(21)
    commit()
    page = client.get("/api/v1/services").json
    assert page["size"] == 20
    assert page["total_pages"] == 2


def test_full_service_list_validates(client):
    full_service()
    ServiceFactory()
    commit()
    page = client.get("/api/v1/services?full=true").json
    assert page["size"] == 2
    for service in page["contents"]:
        assert_valid("service", service)
        assert "service_at_locations" in service


# Filters


def test_taxonomy_terms_must_all_match(client):
    both, only_a, neither = ServiceFactory(), ServiceFactory(), ServiceFactory()
    term_a, term_b = TaxonomyTermFactory(), TaxonomyTermFactory()
    tag(both.id, term_a)
    tag(both.id, term_b)
    tag(only_a.id, term_a)
    commit()
    assert set(ids(client.get(f"/api/v1/services?taxonomy_term_id={term_a.id}"))) == {
        both.id,
        only_a.id,
    }
    query = f"taxonomy_term_id={term_a.id}&taxonomy_term_id={term_b.id}"
    assert ids(client.get(f"/api/v1/services?{query}")) == [both.id]
    assert ids(client.get(f"/api/v1/services?taxonomy_term_id={term_a.id},{term_b.id}")) == [
        both.id
    ]
    assert neither.id not in ids(client.get(f"/api/v1/services?taxonomy_term_id={term_a.id}"))


def test_organization_filter(client):
    organization = OrganizationFactory()
    mine = ServiceFactory(organization=organization)
    ServiceFactory()
    commit()
    assert ids(client.get(f"/api/v1/services?organization_id={organization.id}")) == [mine.id]


def test_region_filter_takes_code_prefixes(client):
    kota_serang = service_in("36.73.01")
    kabupaten_serang = service_in("36.04.05")
    bandung = service_in("32.73")
    ServiceFactory()  # no location at all
    commit()
    assert set(ids(client.get("/api/v1/services?region=36"))) == {kota_serang, kabupaten_serang}
    assert ids(client.get("/api/v1/services?region=36.04")) == [kabupaten_serang]
    assert ids(client.get("/api/v1/services?region=36.73.01")) == [kota_serang]
    assert ids(client.get("/api/v1/services?region=32")) == [bandung]
    assert ids(client.get("/api/v1/services?region=11")) == []


def test_modified_after(client):
    old, new = ServiceFactory(), ServiceFactory()
    old.last_modified = datetime(2020, 1, 1, tzinfo=UTC)
    new.last_modified = datetime(2024, 6, 1, 12, tzinfo=UTC)
    commit()
    assert ids(client.get("/api/v1/services?modified_after=2024-01-01")) == [new.id]
    assert ids(client.get("/api/v1/services?modified_after=2024-06-01T12:00:00Z")) == [new.id]
    # 19:00 in Jakarta is 12:00 UTC; one second later excludes it.
    assert ids(client.get("/api/v1/services?modified_after=2024-06-01T19:00:00%2B07:00")) == [
        new.id
    ]
    assert ids(client.get("/api/v1/services?modified_after=2024-06-01T19:00:01%2B07:00")) == []
    assert len(ids(client.get("/api/v1/services?modified_after=2019-12-31"))) == 2


def test_status_defaults(client):
    active = service_in("36.73", status="active")
    inactive = service_in("36.73", status="inactive")
    defunct = service_in("36.73", status="defunct")
    commit()
    assert set(ids(client.get("/api/v1/services"))) == {active, inactive, defunct}
    assert ids(client.get("/api/v1/services?region=36")) == [active]
    assert ids(client.get("/api/v1/services?region=36&status=inactive")) == [inactive]
    assert ids(client.get("/api/v1/services?status=defunct")) == [defunct]
    both = set(ids(client.get("/api/v1/services?status=defunct&status=inactive")))
    assert both == {inactive, defunct}


def test_accepting_referrals(client):
    accepting = ServiceFactory(accepting_referrals=True)
    full = ServiceFactory(accepting_referrals=False)
    commit()
    assert ids(client.get("/api/v1/services?accepting_referrals=true")) == [accepting.id]
    assert ids(client.get("/api/v1/services?accepting_referrals=false")) == [full.id]


def test_free(client):
    no_costs = ServiceFactory()
    zero = CostOptionFactory(amount=0).service
    paid = CostOptionFactory(amount=Decimal("75000")).service
    CostOptionFactory(service=paid, amount=0)
    commit()
    assert set(ids(client.get("/api/v1/services?free=true"))) == {no_costs.id, zero.id}
    assert ids(client.get("/api/v1/services?free=false")) == [paid.id]


def test_language_at_the_service_or_its_location(client):
    at_service = ServiceFactory()
    LanguageFactory(service_id=at_service.id, code="jv", name="Basa Jawa")
    sal = ServiceAtLocationFactory()
    LanguageFactory(location_id=sal.location_id, code="jv", name="Basa Jawa")
    indonesian_only = ServiceFactory()
    LanguageFactory(service_id=indonesian_only.id)
    commit()
    assert set(ids(client.get("/api/v1/services?language=jv"))) == {at_service.id, sal.service_id}
    assert ids(client.get("/api/v1/services?language=ID")) == [indonesian_only.id]


def test_unknown_parameters_are_a_400_naming_them(client):
    ServiceFactory()
    commit()
    response = client.get("/api/v1/services?colour=blue&lang=en")
    assert_bad_parameter(response, "colour")
    assert "taxonomy_term_id" in response.json["error"]["fields"]["colour"]
    # The interface language is not unknown.
    assert len(ids(client.get("/api/v1/services?lang=en"))) == 1


# Bad parameters


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=1000", "per_page"),
        ("per_page=abc", "per_page"),
        ("per_page=0", "per_page"),
        ("full=maybe", "full"),
        ("taxonomy_term_id=12345", "taxonomy_term_id"),
        ("organization_id=not-a-uuid", "organization_id"),
        ("region=36.x", "region"),
        ("region=36%25", "region"),
        ("modified_after=kemarin", "modified_after"),
        ("modified_after=2024-02-30", "modified_after"),
        ("status=open", "status"),
        ("accepting_referrals=ya", "accepting_referrals"),
        ("free=2", "free"),
        ("language=indonesia", "language"),
    ],
)
def test_bad_service_parameters_answer_400(client, query, name):
    assert_bad_parameter(client.get(f"/api/v1/services?{query}"), name)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/organizations?page=0", "page"),
        ("/api/v1/organizations?full=x", "full"),
        ("/api/v1/taxonomies?per_page=101", "per_page"),
        ("/api/v1/taxonomy_terms?taxonomy_id=x", "taxonomy_id"),
        ("/api/v1/taxonomy_terms?parent_id=x", "parent_id"),
        ("/api/v1/taxonomy_terms?top_only=x", "top_only"),
        ("/api/v1/service_at_locations?region=banten", "region"),
        ("/api/v1/service_at_locations?organization_id=1", "organization_id"),
        ("/api/v1/service_at_locations?taxonomy_term_id=1", "taxonomy_term_id"),
    ],
)
def test_bad_list_parameters_answer_400(client, path, name):
    assert_bad_parameter(client.get(path), name)


DETAIL_PATHS = [
    "/api/v1/services/{}",
    "/api/v1/organizations/{}",
    "/api/v1/taxonomies/{}",
    "/api/v1/taxonomy_terms/{}",
    "/api/v1/service_at_locations/{}",
]


@pytest.mark.parametrize("path", DETAIL_PATHS)
def test_malformed_ids_answer_400(client, path):
    assert_bad_parameter(client.get(path.format("abc")), "id")


@pytest.mark.parametrize("path", DETAIL_PATHS)
def test_unknown_ids_answer_json_404(client, path):
    response = client.get(path.format(UNKNOWN_ID))
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["message"]


# Single records


def test_service_detail_validates(client):
    service = full_service()
    commit()
    response = client.get(f"/api/v1/services/{service.id}")
    assert response.status_code == 200
    assert response.cache_control.max_age == 60
    assert response.json["id"] == service.id
    assert_valid("service", response.json)
    # The id may come in upper case or without hyphens.
    assert client.get(f"/api/v1/services/{service.id.upper()}").json["id"] == service.id


def test_organization_detail_validates_and_holds_its_services(client):
    service = full_service()
    other = ServiceFactory(organization=service.organization, status="inactive")
    commit()
    response = client.get(f"/api/v1/organizations/{service.organization_id}")
    assert response.status_code == 200
    assert_valid("organization", response.json)
    assert {s["id"] for s in response.json["services"]} == {service.id, other.id}
    assert len(response.json["locations"]) == 1


def test_organization_list(client):
    full_service()
    OrganizationFactory()
    commit()
    summaries = client.get("/api/v1/organizations").json
    assert summaries["total_items"] == 2
    for organization in summaries["contents"]:
        assert_valid("organization_list", organization)
        assert "services" not in organization
    full = client.get("/api/v1/organizations?full=true").json
    for organization in full["contents"]:
        assert_valid("organization", organization)
        assert "services" in organization


def test_taxonomies(client):
    taxonomy = TaxonomyFactory(name_en="Service types")
    commit()
    page = client.get("/api/v1/taxonomies").json
    assert [t["id"] for t in page["contents"]] == [taxonomy.id]
    detail = client.get(f"/api/v1/taxonomies/{taxonomy.id}").json
    assert detail["name"] == taxonomy.name
    assert detail["name_en"] == "Service types"


def test_taxonomy_term_filters(client):
    problems, services = TaxonomyFactory(), TaxonomyFactory()
    parent = TaxonomyTermFactory(taxonomy=problems)
    child = TaxonomyTermFactory(taxonomy=problems, parent=parent)
    other = TaxonomyTermFactory(taxonomy=services)
    commit()
    assert len(ids(client.get("/api/v1/taxonomy_terms"))) == 3
    assert set(ids(client.get(f"/api/v1/taxonomy_terms?taxonomy_id={problems.id}"))) == {
        parent.id,
        child.id,
    }
    assert ids(client.get(f"/api/v1/taxonomy_terms?parent_id={parent.id}")) == [child.id]
    assert set(ids(client.get("/api/v1/taxonomy_terms?top_only=true"))) == {parent.id, other.id}
    detail = client.get(f"/api/v1/taxonomy_terms/{child.id}").json
    assert detail["parent_id"] == parent.id
    assert detail["taxonomy_detail"]["id"] == problems.id
    assert detail["name_en"] == child.name_en


def test_service_at_location_filters_and_shapes(client):
    serang = ServiceAtLocationFactory()
    serang.location.region_code = "36.73.01"
    bandung = ServiceAtLocationFactory()
    bandung.location.region_code = "32.73.01"
    term = TaxonomyTermFactory()
    tag(bandung.service_id, term)
    commit()
    base = "/api/v1/service_at_locations"
    assert set(ids(client.get(base))) == {serang.id, bandung.id}
    assert ids(client.get(f"{base}?region=36.73")) == [serang.id]
    assert ids(client.get(f"{base}?taxonomy_term_id={term.id}")) == [bandung.id]
    organization_id = serang.service.organization_id
    assert ids(client.get(f"{base}?organization_id={organization_id}")) == [serang.id]

    summary = client.get(f"{base}?region=36").json["contents"][0]
    assert_valid("service_at_location_list", summary)
    full = client.get(f"{base}?full=true&region=36").json["contents"][0]
    assert_valid("service_at_location", full)
    detail = client.get(f"{base}/{serang.id}").json
    assert_valid("service_at_location", detail)
    assert detail["service"]["id"] == serang.service_id
    assert detail["location"]["id"] == serang.location_id


# Privacy


def test_confidential_locations_never_show_whereabouts(client):
    service = full_service(confidential=True)
    safe_house = service.service_at_locations[0].location
    safe_house.latitude = SECRET_LATITUDE
    safe_house.longitude = SECRET_LONGITUDE
    safe_house.description = "Rumah aman di belakang kantor kelurahan."
    address = safe_house.addresses[0]
    address.address_1 = "Jl. Rahasia No. 7"
    address.postal_code = "42117"
    sal_id = service.service_at_locations[0].id
    commit()

    paths = [
        "/api/v1/services",
        "/api/v1/services?full=true",
        "/api/v1/services?region=36.73",
        f"/api/v1/services/{service.id}",
        "/api/v1/organizations?full=true",
        f"/api/v1/organizations/{service.organization_id}",
        "/api/v1/service_at_locations",
        "/api/v1/service_at_locations?full=true",
        f"/api/v1/service_at_locations/{sal_id}",
    ]
    secrets = [
        str(SECRET_LATITUDE),
        str(SECRET_LONGITUDE),
        "Jl. Rahasia",
        "42117",
        "belakang kantor kelurahan",
        "Angkot jurusan",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert service.id in text, path
        for secret in secrets:
            assert secret not in text, (path, secret)
        assert '"latitude"' not in text, path
    detail = client.get(f"/api/v1/services/{service.id}").json
    location = detail["service_at_locations"][0]["location"]
    assert location["confidential"] is True
    assert location["description"] == "Lokasi dirahasiakan"


def test_open_locations_show_their_coordinates(client):
    sal = ServiceAtLocationFactory(location=LocationFactory(latitude=-6.2, longitude=106.8))
    commit()
    location = client.get(f"/api/v1/services/{sal.service_id}").json["service_at_locations"][0][
        "location"
    ]
    assert location["latitude"] == -6.2
    assert location["longitude"] == 106.8


# Query counts


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services?full=true",
        "/api/v1/services",
        "/api/v1/organizations?full=true",
        "/api/v1/service_at_locations?full=true",
        "/api/v1/service_at_locations",
    ],
)
def test_queries_do_not_grow_with_the_page(client, path):
    def queries_for_page() -> int:
        db.session.expire_all()
        with counting_queries() as statements:
            assert client.get(f"{path}{'&' if '?' in path else '?'}per_page=50").status_code == 200
        return len(statements)

    full_service()
    full_service()
    commit()
    few = queries_for_page()
    for _ in range(6):
        full_service()
    commit()
    assert queries_for_page() == few


def test_every_id_in_answers_is_a_uuid(client):
    service = full_service()
    commit()
    document = client.get(f"/api/v1/services/{service.id}").json

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" or key.endswith("_id"):
                    uuid.UUID(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
