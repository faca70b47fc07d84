"""Conformance to the HSDS 3.0 API reference: schemathesis driven by the standard's own
OpenAPI (``tests/vendor/hsds-3.0/openapi.json``), in process through WSGI, no network.

The standard's document refers to its schemas by their canonical URLs
(``https://raw.githubusercontent.com/openreferral/specification/3.0/schema/...``); they are
bundled here from the vendored copies into ``components/schemas`` before schemathesis
reads it. No answer may be a server error, and every answer the standard describes (its
200s) must match the standard's schema. Bounded: ``MAX_EXAMPLES`` cases per operation,
derandomized so a failure replays; every record is then also asked for by its real id.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import given
from schemathesis import checks

from directory.extensions import db
from directory.hsds.profile import HSDS_SCHEMAS
from tests.factories import TaxonomyTermFactory, full_service
from tests.support.fuzzing import fuzz_settings
from tests.support.hsds import HSDS, OPENAPI

MAX_EXAMPLES = 12
CHECKS = [checks.not_a_server_error, checks.response_schema_conformance]


# Errata of the vendored document, each checked to be still there (a fixed standard makes
# the test say so). ``/service_at_locations/{id}`` says it answers "fully nested
# service_at_location" but its schema is the compiled *service*.
ERRATA = {
    ("/service_at_locations/{id}", "compiled/service.json"): "compiled/service_at_location.json",
}


def component_name(relative: str) -> str:
    return "hsds_" + relative.removesuffix(".json").replace("/", "_")


def bundled_standard() -> dict[str, Any]:
    """The standard's OpenAPI with each remote schema inlined from the vendored files."""
    document = json.loads(OPENAPI.read_text())
    schemas = document.setdefault("components", {}).setdefault("schemas", {})

    def load(relative: str) -> str:
        name = component_name(relative)
        if name not in schemas:
            schemas[name] = {}  # placeholder: a schema may refer to itself
            folder = relative.rpartition("/")[0]
            schemas[name] = rewrite(json.loads((HSDS / relative).read_text()), folder)
        return name

    def rewrite(node: Any, folder: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                if ref.startswith(f"{HSDS_SCHEMAS}/"):
                    relative = ref.removeprefix(f"{HSDS_SCHEMAS}/")
                else:  # relative to the referring file
                    relative = f"{folder}/{ref}" if folder else ref
                return {**node, "$ref": f"#/components/schemas/{load(relative)}"}
            return {key: rewrite(value, folder) for key, value in node.items()}
        if isinstance(node, list):
            return [rewrite(item, folder) for item in node]
        return node

    paths = copy.deepcopy(document["paths"])
    for (path, wrong), right in ERRATA.items():
        content = paths[path]["get"]["responses"]["200"]["content"]["application/json"]
        assert content["schema"] == {"$ref": f"{HSDS_SCHEMAS}/{wrong}"}, "erratum fixed?"
        content["schema"] = {"$ref": f"{HSDS_SCHEMAS}/{right}"}
    document["paths"] = rewrite(paths, "")
    document["servers"] = [{"url": "/api/v1"}]
    return document


def remote_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        here = [ref] if isinstance(ref, str) and not ref.startswith("#") else []
        return here + [found for value in node.values() for found in remote_refs(value)]
    if isinstance(node, list):
        return [found for item in node for found in remote_refs(item)]
    return []


def test_the_bundle_leaves_no_remote_reference():
    document = bundled_standard()
    assert remote_refs(document) == []
    assert "hsds_compiled_service" in document["components"]["schemas"]
    assert "hsds_metadata" in document["components"]["schemas"]  # via taxonomy.json


def fuzz(operation, ran: Counter) -> None:
    @fuzz_settings(MAX_EXAMPLES)
    @given(case=operation.as_strategy())
    def run(case) -> None:
        response = case.call()
        case.validate_response(response, checks=CHECKS)
        ran[operation.label] += 1

    run()


def test_the_api_conforms_to_the_standards_openapi(app, capsys):
    public = full_service()
    safe_house = full_service(confidential=True)
    term = TaxonomyTermFactory(parent=TaxonomyTermFactory())
    db.session.commit()
    real_ids = {
        "/services/{id}": [public.id, safe_house.id],
        "/organizations/{id}": [public.organization_id, safe_house.organization_id],
        "/service_at_locations/{id}": [
            public.service_at_locations[0].id,
            safe_house.service_at_locations[0].id,
        ],
        "/taxonomies/{id}": [term.taxonomy_id],
        "/taxonomy_terms/{id}": [term.id, term.parent_id],
    }
    schema = schemathesis.openapi.from_dict(bundled_standard())
    schema.app = app
    ran: Counter = Counter()
    statuses: Counter = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fuzz(operation, ran)
        for record_id in real_ids.get(operation.path, []):
            case = operation.Case(path_parameters={"id": record_id})
            response = case.call()
            assert response.status_code == 200, (operation.path, response.text)
            case.validate_response(response, checks=CHECKS)
            statuses[response.status_code] += 1
    # The lists with the standard's own values for its parameters.
    list_paths = ["/services", "/organizations", "/taxonomies", "/taxonomy_terms"]
    for path in [*list_paths, "/service_at_locations"]:
        operation = schema[path]["GET"]
        for query in ({}, {"full": "true"}, {"page": "1", "per_page": "5"}):
            if path == "/taxonomies" or (path == "/taxonomy_terms" and "full" in query):
                query = {key: value for key, value in query.items() if key != "full"}
            case = operation.Case(query=query)
            response = case.call()
            assert response.status_code == 200, (path, query, response.text)
            case.validate_response(response, checks=CHECKS)
            statuses[response.status_code] += 1
    case = schema["/services"]["GET"].Case(query={"minimal": "true"})
    case.validate_response(case.call(), checks=CHECKS)
    case = schema["/"]["GET"].Case()
    case.validate_response(case.call(), checks=CHECKS)
    with capsys.disabled():
        print(
            f"\nHSDS conformance: {sum(ran.values())} generated cases over {operations} "
            f"operations, {sum(statuses.values())} explicit calls"
        )
    assert operations == 11
    assert all(ran[label] >= 1 for label in ran) and len(ran) == operations
