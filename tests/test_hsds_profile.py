"""The directory's HSDS profile: served, documented, and every answer validates against it."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from directory.extensions import db
from directory.hsds import profile
from tests.factories import (
    OrganizationFactory,
    ServiceAtLocationFactory,
    TaxonomyTermFactory,
    full_service,
)
from tests.support.hsds import COMPILED, HSDS
from tests.support.hsds_profile import (
    assert_answer_valid,
    assert_profile_valid,
    profile_errors,
    profile_validator,
)


def commit() -> None:
    db.session.commit()
    db.session.expire_all()


# The profile's own structure


def nesting_of_the_standard() -> dict[str, dict[str, tuple[str, bool]]]:
    """Object -> {property: (object, is array)}, read from the vendored compiled schemas."""
    found: dict[str, dict[str, tuple[str, bool]]] = {}

    def walk(node: dict) -> None:
        name = node.get("name")
        for key, prop in (node.get("properties") or {}).items():
            items = prop.get("items")
            if prop.get("type") == "array" and isinstance(items, dict) and "properties" in items:
                found.setdefault(name, {})[key] = (items["name"], True)
                walk(items)
            elif prop.get("type") == "object" and "properties" in prop:
                found.setdefault(name, {})[key] = (prop["name"], False)
                walk(prop)

    for path in sorted(COMPILED.glob("*.json")):
        walk(json.loads(path.read_text()))
    return found


def test_the_nesting_table_is_the_standards():
    standard = nesting_of_the_standard()
    declared = {name: children for name, children in profile.CHILDREN.items() if children}
    assert declared == standard


@pytest.mark.parametrize("name", sorted(profile.EXTENSIONS))
def test_extension_fields_are_new_to_the_standard_object(name):
    extension = profile.EXTENSIONS[name]
    base = json.loads((HSDS / (extension.base or f"{name}.json")).read_text())
    assert not set(extension.fields) & set(base["properties"]), name
    for key, spec in extension.fields.items():
        assert spec.description_id and spec.description_en, key
        Draft202012Validator.check_schema(spec.schema)


@pytest.mark.parametrize("name", profile.served_names())
def test_each_schema_is_served(client, name):
    response = client.get(f"/api/v1/profile/{name}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/schema+json"
    document = json.loads(response.get_data(as_text=True))
    assert document["$id"] == f"http://localhost/api/v1/profile/{name}.json"
    Draft202012Validator.check_schema(document)


def test_an_unknown_schema_is_a_json_404_listing_the_others(client):
    response = client.get("/api/v1/profile/nothing.json")
    assert response.status_code == 404
    assert "service" in response.json["error"]["message"]


def test_the_root_points_profile_at_the_documentation(client):
    root = client.get("/api/v1/").json
    assert root["profile"] == "http://localhost/api/v1/profile"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_documentation_names_every_field_in_both_languages(client, lang):
    response = client.get(f"/api/v1/profile?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for name, extension in profile.EXTENSIONS.items():
        assert f"<code>{name}</code>" in page
        for key in extension.fields:
            assert f"<code>{key}</code>" in page
    assert "postcode" in page and "proximity" in page
    for name in profile.served_names():
        assert f"/api/v1/profile/{name}.json" in page
    assert "Kode wilayah Kemendagri" in page and "Kemendagri region code" in page


# The profile checks what it says


def minimal_location(**fields) -> dict:
    return {"id": "8d7b6c5a-0000-4000-8000-000000000001", "location_type": "physical", **fields}


def service_with(location: dict) -> dict:
    return {
        "id": "8d7b6c5a-0000-4000-8000-000000000002",
        "name": "Konseling",
        "status": "active",
        "accepting_referrals": True,
        "capacity_note": None,
        "service_at_locations": [
            {"id": "8d7b6c5a-0000-4000-8000-000000000003", "location": location}
        ],
    }


def test_the_profile_refuses_what_breaks_it_however_deep():
    good = minimal_location(region_code="36.04", confidential=False)
    assert_profile_valid("service", service_with(good))
    missing = minimal_location(region_code="36.04")
    assert profile_errors("service", service_with(missing))
    wrong_code = minimal_location(region_code="Serang", confidential=False)
    assert profile_errors("service", service_with(wrong_code))
    # Inside an organization's services too.
    organization = {
        "id": "8d7b6c5a-0000-4000-8000-000000000004",
        "name": "LK3",
        "description": "Lembaga",
        "services": [service_with(missing)],
    }
    assert profile_errors("organization", organization)
    # And the standard's own rules still hold.
    assert profile_errors("service", {**service_with(good), "status": "open"})


def test_extending_another_object_is_one_entry(monkeypatch):
    monkeypatch.setitem(
        profile.EXTENSIONS,
        "accessibility",
        profile.Extension(
            fields={
                "braille": profile.ExtensionField({"type": "boolean"}, "Huruf braille.", "Braille.")
            }
        ),
    )
    profile_validator.cache_clear()
    try:
        location = minimal_location(
            region_code="36.04",
            confidential=False,
            accessibility=[{"id": "8d7b6c5a-0000-4000-8000-000000000005"}],
        )
        assert profile_errors("service", service_with(location))
        location["accessibility"][0]["braille"] = True
        assert not profile_errors("service", service_with(location))
        assert "accessibility" in profile.served_names()
    finally:
        profile_validator.cache_clear()


# Every answer


@pytest.fixture
def directory(app):
    public = full_service()
    safe_house = full_service(confidential=True)
    safe_house.service_at_locations[0].location.region_code = "36.73.01"
    ServiceAtLocationFactory()
    term = TaxonomyTermFactory(parent=TaxonomyTermFactory())
    OrganizationFactory()
    commit()
    return {"service": public, "safe_house": safe_house, "term": term}


LISTS = [
    ("/api/v1/services", False),
    ("/api/v1/services?full=true", True),
    ("/api/v1/services?minimal=true", False),
    ("/api/v1/services?search=konseling", False),
    ("/api/v1/services?latitude=-6.12&longitude=106.15&full=true", True),
    ("/api/v1/services?near=Kota+Serang", False),
    ("/api/v1/services?search=zzzzqqq&latitude=-6.12&longitude=106.15&radius_km=1", False),
    ("/api/v1/organizations", False),
    ("/api/v1/organizations?full=true", True),
    ("/api/v1/organizations?full=true&full_service=false", True),
    ("/api/v1/taxonomies", False),
    ("/api/v1/taxonomy_terms", False),
    ("/api/v1/service_at_locations", False),
    ("/api/v1/service_at_locations?full=true", True),
]


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize(("url", "full"), LISTS)
def test_every_list_answer_validates_against_the_profile(client, url, full):
    response = client.get(url)
    assert response.status_code == 200, response.json
    page = response.json
    assert page["contents"] or "zzzz" in url
    path = url.removeprefix("/api/v1/").split("?")[0]
    assert_answer_valid(path, page, full=full, minimal="minimal" in url)


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize(
    ("url", "full"),
    [
        ("/api/v1/services?format=ndjson&full=true", True),
        ("/api/v1/services?format=ndjson", False),
        ("/api/v1/services?format=ndjson&search=konseling", False),
        ("/api/v1/organizations?format=ndjson&full_service=true", True),
        ("/api/v1/taxonomy_terms?format=ndjson", False),
        ("/api/v1/service_at_locations?format=ndjson&full=true", True),
    ],
)
def test_every_streamed_line_validates_against_the_profile(client, url, full):
    response = client.get(url)
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    assert lines
    for line in lines:
        assert_answer_valid(url.removeprefix("/api/v1/").split("?")[0], json.loads(line), full=full)


def test_every_single_record_validates_against_the_profile(client, directory):
    for service in (directory["service"], directory["safe_house"]):
        sal = service.service_at_locations[0]
        for url in (
            f"/api/v1/services/{service.id}",
            f"/api/v1/organizations/{service.organization_id}",
            f"/api/v1/organizations/{service.organization_id}?full_service=false",
            f"/api/v1/service_at_locations/{sal.id}",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            assert_answer_valid(url.removeprefix("/api/v1/"), response.json)
    term = directory["term"]
    assert_answer_valid("taxonomy_terms", client.get(f"/api/v1/taxonomy_terms/{term.id}").json)
    assert_answer_valid("taxonomies", client.get(f"/api/v1/taxonomies/{term.taxonomy_id}").json)


def test_the_profile_documents_every_extension_the_field_table_declares():
    """The field table (what we output) and the profile (what we document) agree: each
    extension the table declares is in the profile, and the profile adds only keys that
    search answers carry (``distance_km``, ``ranking``)."""
    from directory.institutions import hsds_fields

    search_only = {("service", "distance_km"), ("service", "ranking")}
    declared = {(obj, key) for obj, keys in hsds_fields.EXTENSIONS.items() for key in keys}
    documented = {
        (obj, key) for obj, extension in profile.EXTENSIONS.items() for key in extension.fields
    }
    assert declared <= documented
    assert documented - declared <= search_only
