"""Each parameter of the HSDS 3.0 API reference (its OpenAPI), on each endpoint where the
standard defines it, doing what its description says; unknown parameters are 400s."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from directory import create_app
from directory.extensions import db
from directory.institutions.models import Location, Service, ServiceAtLocation
from tests.conftest import base_test_config
from tests.factories import (
    AttributeFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)
from tests.support.hsds import OPENAPI

LISTS = ["services", "organizations", "taxonomies", "taxonomy_terms", "service_at_locations"]


def commit() -> None:
    db.session.commit()
    db.session.expire_all()


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.json["contents"]]


def lines(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/x-ndjson"
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def refused(response, name: str) -> str:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["code"] == "invalid_parameter"
    assert name in error["fields"], error
    return error["fields"][name]


def tag(service_id: str, term) -> None:
    AttributeFactory(link_id=service_id, link_entity="service", taxonomy_term=term)


def standard_parameters() -> list[tuple[str, str]]:
    """(endpoint, query parameter) of the standard's OpenAPI."""
    document = json.loads(OPENAPI.read_text())
    components = document["components"]["parameters"]
    found = []
    for path, item in document["paths"].items():
        operation = item.get("get", {})
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = components[parameter["$ref"].rsplit("/", 1)[1]]
            if parameter.get("in", "query") == "query":
                found.append((path, parameter["name"]))
    return found


@pytest.mark.parametrize(("path", "name"), standard_parameters())
def test_every_standard_parameter_is_accepted_where_the_standard_defines_it(client, path, name):
    """Not refused as unknown: read and checked (postcode/proximity refused by name)."""
    path = path.replace("{id}", "00000000-0000-4000-8000-000000000000")
    response = client.get(f"/api/v1{path}?{name}=%25%25bad")
    if response.status_code == 400:
        reason = response.json["error"]["fields"].get(name, "")
        assert "tidak dikenal" not in reason, (path, name, reason)


# Unknown parameters


@pytest.mark.parametrize(
    "url",
    [f"/api/v1/{name}" for name in LISTS]
    + [
        "/api/v1/services/00000000-0000-4000-8000-000000000000",
        "/api/v1/organizations/00000000-0000-4000-8000-000000000000",
        "/api/v1/service_at_locations/00000000-0000-4000-8000-000000000000",
        "/api/v1/taxonomies/00000000-0000-4000-8000-000000000000",
        "/api/v1/taxonomy_terms/00000000-0000-4000-8000-000000000000",
        "/api/v1/places?search=serang",
    ],
)
def test_a_misspelt_parameter_is_a_400_listing_the_accepted_ones(client, url):
    joiner = "&" if "?" in url else "?"
    reason = refused(client.get(f"{url}{joiner}per_pgae=5"), "per_pgae")
    assert "lang" in reason
    # The interface language is accepted everywhere.
    assert client.get(f"{url}{joiner}lang=en").status_code in (200, 404)


def test_a_misspelt_filter_never_answers_the_whole_directory(client):
    ServiceFactory()
    commit()
    reason = refused(client.get("/api/v1/services?taxonomyid=x"), "taxonomyid")
    assert "taxonomy_id" in reason and "latitude" in reason and "open_now" in reason


def test_a_parameter_of_another_endpoint_is_unknown_here(client):
    refused(client.get("/api/v1/taxonomies?full=true"), "full")
    refused(client.get("/api/v1/organizations?region=36"), "region")
    refused(client.get("/api/v1/services/00000000-0000-4000-8000-000000000000?full=true"), "full")


# search


def test_search_on_organizations(client):
    wanted = OrganizationFactory(name="Puspaga Kota Serang")
    OrganizationFactory(name="LK3 Kota Cilegon")
    other_name = OrganizationFactory(name="Pusat", alternate_name="PUSPAGA Banten")
    commit()
    assert set(ids(client.get("/api/v1/organizations?search=puspaga"))) == {
        wanted.id,
        other_name.id,
    }
    assert ids(client.get("/api/v1/organizations?search=puspaga+serang")) == [wanted.id]
    # Wildcards are plain characters.
    assert ids(client.get("/api/v1/organizations?search=%25")) == []
    assert ids(client.get("/api/v1/organizations?search=_")) == []


def test_search_on_taxonomies_and_terms(client):
    problems = TaxonomyFactory(name="Masalah klien", name_en="Client problems")
    TaxonomyFactory(name="Jenis layanan")
    violence = TaxonomyTermFactory(
        taxonomy=problems, name="Kekerasan dalam rumah tangga", name_en="Domestic violence"
    )
    TaxonomyTermFactory(taxonomy=problems, name="Perceraian", name_en="Divorce")
    commit()
    assert ids(client.get("/api/v1/taxonomies?search=KLIEN")) == [problems.id]
    assert ids(client.get("/api/v1/taxonomies?search=client")) == [problems.id]
    assert ids(client.get("/api/v1/taxonomy_terms?search=kekerasan")) == [violence.id]
    assert ids(client.get("/api/v1/taxonomy_terms?search=domestic")) == [violence.id]
    assert ids(client.get(f"/api/v1/taxonomy_terms?search={violence.code}")) == [violence.id]


def test_search_on_service_at_locations_never_finds_a_safe_house_by_its_name(client):
    def at(name: str):
        return ServiceAtLocationFactory(service=ServiceFactory(name=name, description="Layanan"))

    counselling = at("Konseling keluarga")
    at("Bantuan hukum")
    shelter = at("Penampungan")
    shelter.location.name = "Wisma Melati"
    shelter.location.confidential = True
    public = at("Posyandu")
    public.location.name = "Wisma Mawar"
    commit()
    assert ids(client.get("/api/v1/service_at_locations?search=konseling")) == [counselling.id]
    assert ids(client.get("/api/v1/service_at_locations?search=mawar")) == [public.id]
    assert ids(client.get("/api/v1/service_at_locations?search=melati")) == []
    assert ids(client.get("/api/v1/service_at_locations?search=penampungan")) == [shelter.id]


def test_search_on_services(client):
    wanted = ServiceFactory(name="Pendampingan hukum", description="Bantuan hukum gratis")
    ServiceFactory(name="Posyandu", description="Penimbangan balita")
    commit()
    assert ids(client.get("/api/v1/services?search=hukum")) == [wanted.id]


@pytest.mark.parametrize("name", LISTS)
def test_search_too_long_is_refused(client, name):
    refused(client.get(f"/api/v1/{name}?search={'a' * 201}"), "search")


# page, per_page


@pytest.mark.parametrize("name", LISTS)
def test_page_and_per_page_on_every_list(client, name):
    for _ in range(3):
        ServiceAtLocationFactory(service=ServiceFactory(), location__confidential=False)
        TaxonomyTermFactory()
    commit()
    first = client.get(f"/api/v1/{name}?per_page=2").json
    second = client.get(f"/api/v1/{name}?per_page=2&page=2").json
    assert first["size"] == 2 and first["page_number"] == 1 and first["first_page"]
    assert second["page_number"] == 2 and not second["first_page"]
    assert first["total_items"] == second["total_items"] >= 3
    assert first["total_pages"] == -(-first["total_items"] // 2)
    assert not {i["id"] for i in first["contents"]} & {i["id"] for i in second["contents"]}
    refused(client.get(f"/api/v1/{name}?per_page=0"), "per_page")
    refused(client.get(f"/api/v1/{name}?page=x"), "page")


# format


@pytest.mark.parametrize("name", LISTS)
def test_ndjson_streams_every_result_without_paging(client, name):
    for _ in range(25):
        ServiceAtLocationFactory()
    TaxonomyTermFactory.create_batch(25)
    commit()
    paged = client.get(f"/api/v1/{name}?per_page=100").json
    streamed = lines(client.get(f"/api/v1/{name}?format=ndjson&per_page=2"))
    assert len(streamed) == paged["total_items"] >= 25
    assert [line["id"] for line in streamed] == [item["id"] for item in paged["contents"]]
    assert client.get(f"/api/v1/{name}?format=json").json == paged | {
        "contents": client.get(f"/api/v1/{name}").json["contents"],
        "size": 20,
        "total_pages": -(-paged["total_items"] // 20),
        "last_page": False,
    }
    assert "json" in refused(client.get(f"/api/v1/{name}?format=xml"), "format")


def test_ndjson_keeps_the_filters_and_the_ranking(client):
    term = TaxonomyTermFactory()
    tagged = [ServiceFactory(name=f"Konseling {n}") for n in range(3)]
    for service in tagged:
        tag(service.id, term)
    ServiceFactory(name="Konseling lain")
    near = ServiceAtLocationFactory(location__latitude=-6.12, location__longitude=106.15)
    far = ServiceAtLocationFactory(location__latitude=-6.5, location__longitude=106.9)
    commit()
    filtered = lines(client.get(f"/api/v1/services?format=ndjson&taxonomy_term_id={term.id}"))
    assert {line["id"] for line in filtered} == {service.id for service in tagged}
    ranked = lines(
        client.get("/api/v1/services?format=ndjson&latitude=-6.12&longitude=106.15&per_page=1")
    )
    assert [line["id"] for line in ranked][:1] == [near.service_id]
    assert far.service_id in [line["id"] for line in ranked]
    assert all("distance_km" in line for line in ranked)
    # An answer that depends on where the caller is is kept by no shared cache.
    response = client.get("/api/v1/services?format=ndjson&latitude=-6.12&longitude=106.15")
    assert "no-store" in response.headers["Cache-Control"]
    assert len(lines(response)) == len(ranked)


def test_ndjson_lines_are_the_records_as_json_gives_them(client):
    service = ServiceAtLocationFactory().service
    commit()
    streamed = lines(client.get("/api/v1/services?format=ndjson&full=true"))
    assert streamed == [client.get(f"/api/v1/services/{service.id}").json]


# taxonomy_term_id, taxonomy_id, organization_id


def test_taxonomy_id_selects_services_with_any_term_of_the_taxonomy(client):
    problems, kinds = TaxonomyFactory(), TaxonomyFactory()
    a, b = TaxonomyTermFactory(taxonomy=problems), TaxonomyTermFactory(taxonomy=problems)
    other = TaxonomyTermFactory(taxonomy=kinds)
    with_a = ServiceAtLocationFactory(service=ServiceFactory(name="Konseling A"))
    with_b = ServiceAtLocationFactory(service=ServiceFactory(name="Konseling B"))
    with_other = ServiceAtLocationFactory(service=ServiceFactory(name="Konseling C"))
    tag(with_a.service_id, a)
    tag(with_b.service_id, b)
    tag(with_other.service_id, other)
    empty = TaxonomyFactory()
    commit()
    expected = {with_a.service_id, with_b.service_id}
    assert set(ids(client.get(f"/api/v1/services?taxonomy_id={problems.id}"))) == expected
    assert set(ids(client.get(f"/api/v1/services?taxonomy_id={kinds.id}"))) == {
        with_other.service_id
    }
    assert ids(client.get(f"/api/v1/services?taxonomy_id={empty.id}")) == []
    # Through the search index too.
    searched = client.get(f"/api/v1/services?taxonomy_id={problems.id}&search=konseling")
    assert set(ids(searched)) == expected
    near = client.get(f"/api/v1/services?taxonomy_id={empty.id}&latitude=-6.12&longitude=106.15")
    assert ids(near) == []
    at = client.get(f"/api/v1/service_at_locations?taxonomy_id={problems.id}")
    assert set(ids(at)) == {with_a.id, with_b.id}
    terms = client.get(f"/api/v1/taxonomy_terms?taxonomy_id={problems.id}")
    assert set(ids(terms)) == {a.id, b.id}
    refused(client.get("/api/v1/services?taxonomy_id=nope"), "taxonomy_id")


def test_taxonomy_term_id_and_organization_id_on_service_at_locations(client):
    term = TaxonomyTermFactory()
    tagged = ServiceAtLocationFactory()
    tag(tagged.service_id, term)
    other = ServiceAtLocationFactory()
    commit()
    assert ids(client.get(f"/api/v1/service_at_locations?taxonomy_term_id={term.id}")) == [
        tagged.id
    ]
    organization_id = other.service.organization_id
    assert ids(client.get(f"/api/v1/service_at_locations?organization_id={organization_id}")) == [
        other.id
    ]
    assert ids(client.get(f"/api/v1/services?organization_id={organization_id}")) == [
        other.service_id
    ]


# modified_after


def set_modified(model, record_id: str, moment: datetime) -> None:
    db.session.execute(update(model).where(model.id == record_id).values(last_modified=moment))


def test_modified_after_on_services_and_service_at_locations(client):
    old = datetime(2024, 1, 1, tzinfo=UTC)
    cut = datetime(2025, 1, 1, tzinfo=UTC)
    untouched, location_changed, service_changed = (ServiceAtLocationFactory() for _ in range(3))
    commit()
    for sal in (untouched, location_changed, service_changed):
        set_modified(ServiceAtLocation, sal.id, old)
        set_modified(Service, sal.service_id, old)
        set_modified(Location, sal.location_id, old)
    set_modified(Location, location_changed.location_id, cut + timedelta(days=1))
    set_modified(Service, service_changed.service_id, cut)  # on or after: included
    commit()
    assert set(ids(client.get("/api/v1/service_at_locations?modified_after=2025-01-01"))) == {
        location_changed.id,
        service_changed.id,
    }
    assert ids(client.get("/api/v1/services?modified_after=2025-01-01T00:00:00Z")) == [
        service_changed.service_id
    ]
    refused(client.get("/api/v1/service_at_locations?modified_after=yesterday"), "modified_after")


# minimal, full, full_service


def test_minimal_gives_every_service_its_id_and_last_modification(client):
    for _ in range(25):
        ServiceFactory()
    commit()
    page = client.get("/api/v1/services?minimal=true").json
    assert page["size"] == page["total_items"] == 25
    assert all(set(item) == {"id", "last_modified", "name", "status"} for item in page["contents"])
    streamed = lines(client.get("/api/v1/services?minimal=true&format=ndjson"))
    assert streamed == page["contents"]
    assert "full" in refused(client.get("/api/v1/services?minimal=true&full=true"), "minimal")


def test_full_nests_the_records(client):
    sal = ServiceAtLocationFactory()
    commit()
    summary = client.get("/api/v1/services").json["contents"][0]
    full = client.get("/api/v1/services?full=true").json["contents"][0]
    assert "service_at_locations" not in summary
    assert full["service_at_locations"][0]["id"] == sal.id
    at_full = client.get("/api/v1/service_at_locations?full=true").json["contents"][0]
    assert "schedules" in at_full["service"]


def test_full_service_nests_the_services_whole_or_as_summaries(client):
    sal = ServiceAtLocationFactory()
    organization_id = sal.service.organization_id
    commit()

    def services_of(url: str) -> list[dict]:
        answer = client.get(url).json
        record = answer["contents"][0] if "contents" in answer else answer
        return record["services"]

    whole = services_of(f"/api/v1/organizations/{organization_id}")
    assert whole[0]["service_at_locations"][0]["id"] == sal.id
    assert services_of(f"/api/v1/organizations/{organization_id}?full_service=true") == whole
    summaries = services_of(f"/api/v1/organizations/{organization_id}?full_service=false")
    assert summaries[0]["id"] == sal.service_id and "service_at_locations" not in summaries[0]
    assert services_of("/api/v1/organizations?full_service=true") == whole
    assert services_of("/api/v1/organizations?full=true") == whole
    assert services_of("/api/v1/organizations?full=true&full_service=false") == summaries
    assert "services" not in client.get("/api/v1/organizations").json["contents"][0]
    refused(client.get(f"/api/v1/organizations/{organization_id}?full_service=2"), "full_service")


# postcode, proximity


@pytest.mark.parametrize("query", ["postcode=42111", "proximity=5000", "postcode="])
def test_postcode_and_proximity_are_refused_as_unsupported(client, query):
    name = query.split("=")[0]
    reason = refused(client.get(f"/api/v1/service_at_locations?{query}"), name)
    assert "kode pos" in reason
    reason_en = refused(client.get(f"/api/v1/service_at_locations?{query}&lang=en"), name)
    assert reason_en


def test_streaming_whole_lists_shares_one_rate_limit(app, tmp_path, database_url):
    limited = create_app(
        {
            **base_test_config(tmp_path / "limited", database_url),
            "RATELIMIT_BULK": "2 per minute",
        }
    )
    try:
        client = limited.test_client()
        assert len(lines(client.get("/api/v1/taxonomies?format=ndjson"))) == 0
        assert lines(client.get("/api/v1/services?format=ndjson")) == []
        over = client.get("/api/v1/organizations?format=ndjson")
        assert over.status_code == 429 and over.json["error"]["code"] == "rate_limited"
        assert int(over.headers["Retry-After"]) >= 1
        # Pages are not counted.
        for _ in range(3):
            assert client.get("/api/v1/organizations").status_code == 200
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
