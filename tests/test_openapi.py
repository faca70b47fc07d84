"""/api/v1/openapi.json describes every route of the api blueprint, and nothing else."""

from __future__ import annotations

import re

import pytest

from directory.api import openapi


def resolve(document: dict, pointer: str) -> object:
    node: object = document
    for part in pointer.removeprefix("#/").split("/"):
        assert isinstance(node, dict) and part in node, pointer
        node = node[part]
    return node


def local_refs(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return found + [ref for item in value.values() for ref in local_refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in local_refs(item)]
    return []


def test_every_api_route_is_described(app):
    assert openapi.undescribed(app) == []


def test_every_description_has_a_route(app):
    assert openapi.stale(app) == []


def test_a_route_without_description_is_noticed(app):
    app.add_url_rule("/api/v1/undocumented", endpoint="api.undocumented", view_func=lambda: "")
    assert openapi.undescribed(app) == ["GET /undocumented"]
    # Still listed in the document, so a client sees it exists.
    assert "/undocumented" in openapi.build_openapi(app)["paths"]


def test_describe_adds_and_refuses_duplicates(monkeypatch):
    monkeypatch.setattr(openapi, "OPERATIONS", dict(openapi.OPERATIONS))
    openapi.describe({"GET /examples": {"summary": "Examples", "responses": {}}})
    assert "GET /examples" in openapi.OPERATIONS
    with pytest.raises(ValueError, match="GET /services"):
        openapi.describe({"GET /services": {"summary": "again", "responses": {}}})


def test_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "/api/v1"}]
    for path in (
        "/services",
        "/services/{service_id}",
        "/organizations",
        "/organizations/{organization_id}",
        "/taxonomies",
        "/taxonomies/{taxonomy_id}",
        "/taxonomy_terms",
        "/taxonomy_terms/{term_id}",
        "/service_at_locations",
        "/service_at_locations/{sal_id}",
    ):
        assert "get" in document["paths"][path], path


def test_root_points_at_the_document(client):
    root = client.get("/api/v1/").json
    assert root["version"] == "3.0"
    assert root["openapi_url"].endswith("/api/v1/openapi.json")


def test_document_is_consistent(app):
    document = openapi.build_openapi(app)
    for ref in local_refs(document):
        if ref.startswith("#/"):
            resolve(document, ref)
        else:
            assert ref.startswith(openapi.HSDS_SCHEMAS), ref
    operation_ids = []
    for path, item in document["paths"].items():
        placeholders = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            assert operation["summary"]
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)
            parameters = [
                resolve(document, p["$ref"]) if "$ref" in p else p
                for p in operation.get("parameters", [])
            ]
            names = [(p["name"], p["in"]) for p in parameters]
            assert len(names) == len(set(names)), (method, path)
            declared = {p["name"] for p in parameters if p["in"] == "path"}
            assert declared == placeholders, (method, path)
            assert all(p["required"] for p in parameters if p["in"] == "path")
    assert len(operation_ids) == len(set(operation_ids))


# Parameters whose every value is acceptable; the others must reject a garbage value.
FREE_TEXT_PARAMETERS = {"search", "near"}


@pytest.mark.parametrize(
    "path", ["/services", "/organizations", "/taxonomy_terms", "/service_at_locations"]
)
def test_documented_query_parameters_are_read(client, path):
    """Each documented filter is really checked by the API: garbage answers 400 naming it."""
    document = openapi.build_openapi()
    parameters = [
        resolve(document, p["$ref"]) if "$ref" in p else p
        for p in document["paths"][path]["get"]["parameters"]
    ]
    names = {p["name"] for p in parameters if p["in"] == "query"} - FREE_TEXT_PARAMETERS
    assert names
    for name in sorted(names):
        response = client.get(f"/api/v1{path}?{name}=%25%25bad")
        assert response.status_code == 400, name
        assert name in response.json["error"]["fields"]
