"""The OpenAPI 3.1 description of ``/api/v1``, built from the app's URL map.

Every route of the ``api`` blueprint appears; what it says comes from ``OPERATIONS``,
keyed ``"METHOD /path"`` with the path as OpenAPI writes it (``/services/{service_id}``,
relative to ``/api/v1``). A module adding endpoints either adds entries here or calls
:func:`describe` at import time. ``tests/test_openapi.py`` fails for a route that has no
entry and for an entry that has no route.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app
from werkzeug.routing import Rule

BLUEPRINT = "api"
HSDS_SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema"
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def hsds_schema(name: str, *, compiled: bool = True) -> dict[str, str]:
    folder = f"{HSDS_SCHEMAS}/compiled" if compiled else HSDS_SCHEMAS
    return {"$ref": f"{folder}/{name}.json"}


def _parameter(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **extra,
    }


BOOLEAN = {"type": "boolean"}
UUID = {"type": "string", "format": "uuid"}

PARAMETERS: dict[str, dict[str, Any]] = {
    "page": _parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
    "per_page": _parameter(
        "per_page",
        "Results per page (default 20).",
        {"type": "integer", "minimum": 1, "maximum": 100},
    ),
    "full": _parameter("full", "true: fully nested records; false (default): a summary.", BOOLEAN),
    "taxonomy_term_id": _parameter(
        "taxonomy_term_id",
        "Only records linked to this taxonomy term. Repeatable (or comma-separated): every "
        "term given must match.",
        {"type": "array", "items": UUID},
        style="form",
        explode=True,
    ),
    "organization_id": _parameter("organization_id", "Only services of this organization.", UUID),
    "region": _parameter(
        "region",
        "Kemendagri region code or prefix (`36` Banten, `36.04` Kabupaten Serang, "
        "`36.04.01` a district): only services with a location in that region.",
        {"type": "string", "pattern": r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"},
    ),
    "modified_after": _parameter(
        "modified_after",
        "Only services modified on or after this ISO 8601 date or date-time. A date means "
        "its midnight UTC; a date-time without an offset is UTC.",
        {"type": "string"},
    ),
    "status": _parameter(
        "status",
        "Service status; repeatable. Without it: every status, or only `active` when a "
        "filter (other than `modified_after`) is given.",
        {
            "type": "array",
            "items": {
                "type": "string",
                "enum": ["active", "inactive", "defunct", "temporarily closed"],
            },
        },
        style="form",
        explode=True,
    ),
    "accepting_referrals": _parameter(
        "accepting_referrals", "Only services that accept (or do not accept) referrals.", BOOLEAN
    ),
    "free": _parameter(
        "free",
        "true: only services with no cost option asking for money; false: only those with one.",
        BOOLEAN,
    ),
    "language": _parameter(
        "language",
        "ISO 639 code (`id`, `jv`, `su`...): only services offered in that language, at the "
        "service or at one of its locations.",
        {"type": "string", "pattern": "^[a-z]{2,3}$"},
    ),
    "search": _parameter(
        "search",
        "Words to find in names, descriptions, taxonomy terms and region names (Indonesian "
        "stemming, acronyms such as KDRT or UPTD PPA, typo tolerance; the last word may be a "
        "prefix). At most 200 characters; query syntax has no special meaning.",
        {"type": "string", "maxLength": 200},
    ),
    "latitude": _parameter(
        "latitude",
        "Origin latitude (with `longitude`): results carry `distance_km` and come nearest first.",
        {"type": "number", "minimum": -90, "maximum": 90},
    ),
    "longitude": _parameter(
        "longitude",
        "Origin longitude (with `latitude`).",
        {"type": "number", "minimum": -180, "maximum": 180},
    ),
    "near": _parameter(
        "near",
        "Origin as a place name (`Kota Serang`, `Kab. Serang`, `Cipocok Jaya`), resolved by "
        "the gazetteer (`/places`); an unknown or ambiguous name is a 400 naming candidates.",
        {"type": "string", "maxLength": 100},
    ),
    "radius_km": _parameter(
        "radius_km",
        "With an origin: only services with a location within this geodesic distance.",
        {"type": "number", "exclusiveMinimum": 0, "maximum": 5000},
    ),
    "open_now": _parameter(
        "open_now",
        "Only services open now, by their schedules in each location's own time zone "
        "(WIB, WITA, WIT).",
        BOOLEAN,
    ),
    "include_out_of_area": _parameter(
        "include_out_of_area",
        "With an origin: also services whose declared service area does not hold it.",
        BOOLEAN,
    ),
    "sort": _parameter(
        "sort",
        "`distance` (default with an origin) or `relevance` (default with `search` alone; "
        "with an origin, relevance blended with distance), or `policy` (with an origin: the "
        "counsellor's ranking: services of the origin's regency/city and province first, "
        "then by the institution types the policy designates for the problems "
        "(`problem_term_id`, else those the words were read as), then distance; each "
        "result carries `ranking` `{designation, jurisdiction, problem_term_ids}`, each "
        "line of `format=ndjson` too).",
        {"type": "string", "enum": ["distance", "relevance", "policy"]},
    ),
    "problem_term_id": _parameter(
        "problem_term_id",
        "Problem terms, repeatable or comma-separated (at most 20): services tagged with any "
        "of them; `sort=policy` orders by the institution types designated for them.",
        {"type": "array", "items": UUID},
        style="form",
        explode=True,
    ),
    "client_age": _parameter(
        "client_age",
        "The client's age in years: services whose minimum or maximum age excludes it are "
        "left out.",
        {"type": "integer", "minimum": 0, "maximum": 120},
    ),
    "client_sex": _parameter(
        "client_sex",
        "The client's sex, `female` or `male`: services limited to the other sex (their "
        "eligibility terms, taxonomy `urn:jejaring-rujukan:taxonomy:kelayakan`: "
        "`khusus_perempuan`, `khusus_laki_laki`) are left out; a service with neither "
        "or both serves everyone.",
        {"type": "string", "enum": ["female", "male"]},
    ),
    "exclude_organization_id": _parameter(
        "exclude_organization_id",
        "Organizations to leave out, repeatable (a counsellor's own: they cannot refer "
        "to themselves).",
        {"type": "array", "items": UUID},
        style="form",
        explode=True,
    ),
    "taxonomy_id": _parameter("taxonomy_id", "Only terms of this taxonomy.", UUID),
    "parent_id": _parameter("parent_id", "Only the children of this term.", UUID),
    "top_only": _parameter("top_only", "Only terms without a parent.", BOOLEAN),
    # HSDS parameters (the standard's OpenAPI), as this directory reads them.
    "format": _parameter(
        "format",
        "`json` (default): one page in the page wrapper. `ndjson`: every result, without "
        "paging (`page` and `per_page` do not apply), one JSON document per line "
        "(`application/x-ndjson`), streamed as it is read.",
        {"type": "string", "enum": ["json", "ndjson"]},
    ),
    "minimal": _parameter(
        "minimal",
        "true: each service as its `id` and `last_modified` only (with `name` and "
        "`status`, which the standard's `service_list` schema requires), 10,000 to a page "
        "by default, to fetch every service in one call. Not with `full=true`.",
        BOOLEAN,
    ),
    "service_taxonomy_id": _parameter(
        "taxonomy_id", "Only services with any term of this taxonomy.", UUID
    ),
    "full_service": _parameter(
        "full_service",
        "With a fully nested organization: true nests its services whole, false as "
        "summaries (their one-to-one fields). On the list it implies `full=true`; "
        "default: true with `full=true` and on `/organizations/{organization_id}`.",
        BOOLEAN,
    ),
    "sal_modified_after": _parameter(
        "modified_after",
        "Only services at locations whose pairing, service or location was modified on or "
        "after this ISO 8601 date or date-time (a date means its midnight UTC; without an "
        "offset, UTC).",
        {"type": "string"},
    ),
    "words": _parameter(
        "search",
        "Words that must all appear, in any letter case, in the name, other name or "
        "description (taxonomies and terms: also the English name; terms: also the code; "
        "services at locations: the service's, and a public location's name). At most 200 "
        "characters.",
        {"type": "string", "maxLength": 200},
    ),
    "postcode": _parameter(
        "postcode",
        "Not supported here (always a 400 naming it): there is no Indonesian postcode data "
        "with a clear licence. Use `region`, or an origin and `radius_km` on `/services`.",
        {"type": "string"},
    ),
    "proximity": _parameter(
        "proximity",
        "Not supported here (always a 400 naming it), as `postcode`.",
        {"type": "string"},
    ),
}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def params(*names: str) -> list[dict[str, str]]:
    return [ref("parameters", name) for name in names]


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


NDJSON = "application/x-ndjson"


def page_of(item_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "allOf": [ref("schemas", "Page")],
        "properties": {"contents": {"type": "array", "items": item_schema}},
    }


def list_operation(
    summary: str, item_schema: dict[str, Any], parameters: list[dict[str, str]], tag: str
) -> dict[str, Any]:
    return {
        "summary": summary,
        "tags": [tag],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "One page of results; with `format=ndjson` every result, "
                "one per line.",
                "content": {
                    "application/json": {"schema": page_of(item_schema)},
                    NDJSON: {"schema": {"type": "string"}},
                },
            },
            "400": ref("responses", "BadRequest"),
            "429": json_response(
                "Too many requests from this address (searches; whole lists streamed with "
                "`format=ndjson`): `Retry-After` says when to try again.",
                ref("schemas", "Error"),
            ),
        },
    }


def detail_operation(summary: str, schema: dict[str, Any], tag: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "tags": [tag],
        "responses": {
            "200": json_response(summary, schema),
            "400": ref("responses", "BadRequest"),
            "404": ref("responses", "NotFound"),
        },
    }


DIRECTORY = "directory"

OPERATIONS: dict[str, dict[str, Any]] = {
    "GET /": {
        "summary": "HSDS API meta information: version, profile and this document's URL.",
        "tags": [DIRECTORY],
        "responses": {"200": json_response("Meta information.", {"type": "object"})},
    },
    "GET /openapi.json": {
        "summary": "This OpenAPI description.",
        "tags": [DIRECTORY],
        "responses": {"200": json_response("OpenAPI 3.1 document.", {"type": "object"})},
    },
    "GET /services": list_operation(
        "Services (summaries, or fully nested with `full=true`). Extension keys: "
        "`accepting_referrals`, `capacity_note`. A search adds to the page `understood`, "
        "`hidden_out_of_area` (with an origin) and, when nothing was found, "
        "`nearest_beyond`, `resembling_terms` and `hotlines`.",
        {"oneOf": [hsds_schema("service_list"), hsds_schema("service")]},
        params(
            "page",
            "per_page",
            "full",
            "format",
            "minimal",
            "service_taxonomy_id",
            "taxonomy_term_id",
            "organization_id",
            "region",
            "modified_after",
            "status",
            "accepting_referrals",
            "free",
            "language",
            "search",
            "latitude",
            "longitude",
            "near",
            "radius_km",
            "open_now",
            "include_out_of_area",
            "sort",
            "problem_term_id",
            "client_age",
            "exclude_organization_id",
            "client_sex",
        ),
        DIRECTORY,
    ),
    "GET /services/{service_id}": detail_operation(
        "A fully nested service. Confidential locations (safe houses) carry no coordinates, "
        "address or phones, and their regency's region code only; search places them at "
        "their regency's reference point (docs/threat-model.md).",
        hsds_schema("service"),
        DIRECTORY,
    ),
    "GET /organizations": list_operation(
        "Organizations (summaries, or fully nested with their services with `full=true`).",
        {"oneOf": [hsds_schema("organization_list"), hsds_schema("organization")]},
        params("page", "per_page", "full", "full_service", "words", "format"),
        DIRECTORY,
    ),
    "GET /organizations/{organization_id}": {
        **detail_operation(
            "A fully nested organization with its services.",
            hsds_schema("organization"),
            DIRECTORY,
        ),
        "parameters": params("full_service"),
    },
    "GET /taxonomies": list_operation(
        "Taxonomies. Extension key: `name_en`.",
        hsds_schema("taxonomy", compiled=False),
        params("page", "per_page", "words", "format"),
        DIRECTORY,
    ),
    "GET /taxonomies/{taxonomy_id}": detail_operation(
        "A taxonomy.", hsds_schema("taxonomy", compiled=False), DIRECTORY
    ),
    "GET /taxonomy_terms": list_operation(
        "Taxonomy terms, with their taxonomy in `taxonomy_detail`. Extension key: `name_en`.",
        hsds_schema("taxonomy_term", compiled=False),
        params("page", "per_page", "taxonomy_id", "parent_id", "top_only", "words", "format"),
        DIRECTORY,
    ),
    "GET /taxonomy_terms/{term_id}": detail_operation(
        "A taxonomy term.", hsds_schema("taxonomy_term", compiled=False), DIRECTORY
    ),
    "GET /service_at_locations": list_operation(
        "Services at locations (summaries, or fully nested with `full=true`).",
        {"oneOf": [hsds_schema("service_at_location_list"), hsds_schema("service_at_location")]},
        params(
            "page",
            "per_page",
            "full",
            "taxonomy_term_id",
            "service_taxonomy_id",
            "organization_id",
            "region",
            "sal_modified_after",
            "words",
            "format",
            "postcode",
            "proximity",
        ),
        DIRECTORY,
    ),
    "GET /service_at_locations/{sal_id}": detail_operation(
        "A service at a location, fully nested.", hsds_schema("service_at_location"), DIRECTORY
    ),
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "What is wrong with each named parameter or field.",
                    "additionalProperties": {"type": "string"},
                },
            },
        }
    },
}

PAGE_SCHEMA = {
    "type": "object",
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ],
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer", "description": "Items on this page."},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean", "description": "This page holds no items."},
        "contents": {"type": "array"},
        "understood": {
            "type": "array",
            "description": "Searches with `search`: the taxonomy terms the words were read "
            "as (lay words, inflections, typos), each `{term_id, name}`.",
            "items": {"type": "object"},
        },
        "hidden_out_of_area": {
            "type": "integer",
            "description": "Searches with an origin: services left out by the service-area "
            "rule (within the radius, if any); `include_out_of_area=true` shows them.",
        },
        "nearest_beyond": {
            "type": "array",
            "description": "When nothing was found: the nearest matches beyond the radius "
            "and service areas, each `{id, name, distance_km}`.",
            "items": {"type": "object"},
        },
        "resembling_terms": {
            "type": "array",
            "description": "When nothing was found: problems and service types the words "
            "resemble, each `{term_id, name}`.",
            "items": {"type": "object"},
        },
        "hotlines": {
            "type": "array",
            "description": "When nothing was found: SAPA 129 and 112, each `{name, number}`.",
            "items": {"type": "object"},
        },
    },
}


def describe(operations: dict[str, dict[str, Any]]) -> None:
    """Add descriptions of endpoints defined elsewhere: ``{"POST /referrals": {...}}``."""
    clashes = set(operations) & set(OPERATIONS)
    if clashes:
        raise ValueError(f"already described: {', '.join(sorted(clashes))}")
    OPERATIONS.update(operations)


def api_prefix(app: Flask) -> str:
    """Where the blueprint is mounted (``/api/v1``), read from its root route."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == f"{BLUEPRINT}.root":
            return rule.rule.rstrip("/")
    raise LookupError("the api blueprint has no root route")


def openapi_path(rule: Rule, prefix: str) -> str:
    """``/api/v1/services/<service_id>`` -> ``/services/{service_id}``."""
    path = rule.rule[len(prefix) :] or "/"
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)


def api_operations(app: Flask) -> list[tuple[str, str, Rule]]:
    """(method, OpenAPI path, rule) of every route of the blueprint."""
    prefix = api_prefix(app)
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{BLUEPRINT}."):
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found.append((method, openapi_path(rule, prefix), rule))
    return sorted(found, key=lambda item: (item[1], item[0]))


def undescribed(app: Flask) -> list[str]:
    """Routes with no entry in ``OPERATIONS``."""
    return [
        f"{method} {path}"
        for method, path, _rule in api_operations(app)
        if f"{method} {path}" not in OPERATIONS
    ]


def stale(app: Flask) -> list[str]:
    """Entries in ``OPERATIONS`` with no route."""
    routes = {f"{method} {path}" for method, path, _rule in api_operations(app)}
    return sorted(set(OPERATIONS) - routes)


def _path_parameters(rule: Rule, declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {p.get("name") for p in declared if p.get("in") == "path"}
    return [
        {
            "name": argument,
            "in": "path",
            "required": True,
            "schema": UUID if argument.endswith("id") else {"type": "string"},
        }
        for argument in sorted(rule.arguments)
        if argument not in names
    ]


def build_openapi(app: Flask | None = None) -> dict[str, Any]:
    app = app or current_app
    paths: dict[str, dict[str, Any]] = {}
    for method, path, rule in api_operations(app):
        operation = dict(
            OPERATIONS.get(
                f"{method} {path}",
                {"summary": rule.endpoint, "responses": {"default": {"description": ""}}},
            )
        )
        operation["operationId"] = rule.endpoint.removeprefix(f"{BLUEPRINT}.")
        declared = list(operation.get("parameters", []))
        parameters = _path_parameters(rule, declared) + declared
        if parameters:
            operation["parameters"] = parameters
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Jejaring Rujukan API",
            "version": "1.0.0",
            "summary": "The LK3 referral network's directory (Open Referral HSDS 3.0) and "
            "referrals.",
            "description": "Public directory endpoints follow the HSDS 3.0 API reference; "
            'errors are `{"error": {"code", "message", "fields"}}`. Path ids that are '
            "not UUIDs answer 400, unknown ids 404.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": api_prefix(app)}],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS,
            "schemas": {"Page": PAGE_SCHEMA, "Error": ERROR_SCHEMA},
            "responses": {
                "BadRequest": json_response(
                    "Bad parameters: `error.fields` names each one.", ref("schemas", "Error")
                ),
                "NotFound": json_response("No such record.", ref("schemas", "Error")),
            },
        },
    }
