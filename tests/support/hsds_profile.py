"""Validating answers against the directory's HSDS profile, offline.

The profile's schemas refer to the standard's by their canonical URLs
(``https://raw.githubusercontent.com/openreferral/specification/3.0/schema/...``), as the
standard's own OpenAPI does; here those URLs resolve to the vendored copies in
``tests/vendor/hsds-3.0`` (no network).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from directory.hsds import profile
from tests.support.hsds import HSDS

PROFILE_BASE = "http://localhost/api/v1/profile/"


def vendored(uri: str) -> Resource:
    """A standard schema by its canonical URL, read from the vendored files."""
    prefix = f"{profile.HSDS_SCHEMAS}/"
    if not uri.startswith(prefix):
        raise NoSuchResource(ref=uri)
    path = HSDS / uri.removeprefix(prefix)
    if not path.is_file():
        raise NoSuchResource(ref=uri)
    return Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)


REGISTRY: Registry = Registry(retrieve=vendored)  # type: ignore[call-arg]


@cache
def profile_validator(name: str) -> Draft202012Validator:
    document = profile.object_schema(name, f"{PROFILE_BASE}{name}.json")
    assert document is not None, name
    return Draft202012Validator(document, registry=REGISTRY, format_checker=FormatChecker())


def profile_errors(name: str, instance: Any) -> list[str]:
    return [
        f"{name} {list(error.absolute_path)}: {error.message}"
        for error in profile_validator(name).iter_errors(instance)
    ]


def assert_profile_valid(name: str, instance: Any) -> None:
    errors = profile_errors(name, instance)
    assert not errors, errors[:5]


# What each answer of the directory is, by path: (single record, list item).
ITEM_SCHEMAS = {
    "services": ("service", "service_list"),
    "organizations": ("organization", "organization_list"),
    "taxonomies": ("taxonomy", "taxonomy"),
    "taxonomy_terms": ("taxonomy_term", "taxonomy_term"),
    "service_at_locations": ("service_at_location", "service_at_location_list"),
}


def assert_answer_valid(
    path: str, document: Any, *, full: bool = False, minimal: bool = False
) -> None:
    """An answer of ``/api/v1/<path>``: a page (its items checked) or one record."""
    collection = path.strip("/").split("/")[0]
    single, listed = ITEM_SCHEMAS[collection]
    if minimal:
        listed = "service_minimal"
    if isinstance(document, dict) and "contents" in document:
        assert_profile_valid("page", document)
        for item in document["contents"]:
            assert_profile_valid(single if full else listed, item)
    else:
        assert_profile_valid(single, document)
