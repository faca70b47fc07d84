"""The HSDS table (``directory.institutions.hsds_fields``) against the standard, and the answers
against the table.

The standard is read from the vendored copy only (``tests/vendor/hsds-3.0``):
``simple/schema.csv`` for names and order, the JSON schemas for types and for the fields
the CSV list lacks.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from directory.hsds.exporter import CSV_COLUMNS
from directory.hsds.importer import CSV_FILES, KINDS, MODELS
from directory.hsds.serialize import (
    organization_to_hsds,
    service_at_location_to_hsds,
    service_to_hsds,
)
from directory.institutions import hsds_fields as fields
from tests.factories import full_service

STANDARD = Path(__file__).parent / "vendor" / "hsds-3.0"
HELD = list(fields.OBJECTS)


@cache
def schema_csv() -> dict[str, list[str]]:
    """``simple/schema.csv``: each table's field names, in order."""
    tables: dict[str, list[str]] = {}
    with (STANDARD / "simple" / "schema.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["table_name"] and row["name"]:
                tables.setdefault(row["table_name"], []).append(row["name"])
    return tables


@cache
def json_schema(name: str, *, compiled: bool = False) -> dict[str, Any]:
    path = STANDARD / ("compiled" if compiled else "") / f"{name}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["properties"]


def csv_name(name: str, key: str) -> str:
    """The name ``simple/schema.csv`` gives a key of ours (it pluralizes ``addresss``)."""
    obj = fields.OBJECTS[name]
    for child in obj.children:
        if child.key == key and child.csv_name:
            return child.csv_name
    return key


def test_every_object_is_one_of_the_standard():
    assert set(fields.OBJECTS) <= set(schema_csv())
    assert {"program", "funding", "required_document", "accessibility"} <= set(fields.OBJECTS)
    assert "organization_identifier" in fields.OBJECTS


@pytest.mark.parametrize("name", HELD)
def test_every_key_is_the_standards_or_a_declared_extension(name):
    standard = (
        set(schema_csv()[name]) | set(json_schema(name)) | set(json_schema(name, compiled=True))
    )
    declared = set(fields.EXTENSIONS.get(name, ()))
    for key in fields.output_keys(name):
        field = next((f for f in fields.OBJECTS[name].fields if f.name == key), None)
        if field is not None and field.extension:
            assert key in declared, f"{name}.{key} is an undeclared extension"
            assert key not in standard, f"{name}.{key} is the standard's, not ours"
        else:
            assert csv_name(name, key) in standard, f"{name}.{key} is not in HSDS 3.0"
    extensions = {f.name for f in fields.OBJECTS[name].fields if f.extension}
    assert extensions == declared


@pytest.mark.parametrize("name", HELD)
def test_keys_follow_the_standards_order(name):
    """The keys the CSV list has come in its order; the standard's fields before ours."""
    listed = schema_csv()[name]
    ours = [csv_name(name, key) for key in fields.output_keys(name)]
    in_list = [key for key in ours if key in listed]
    assert in_list == [key for key in listed if key in in_list]
    scalars = list(fields.OBJECTS[name].fields)
    first_extension = next((i for i, f in enumerate(scalars) if f.extension), len(scalars))
    assert all(f.extension for f in scalars[first_extension:])


@pytest.mark.parametrize("name", HELD)
def test_types_are_the_standards(name):
    schema = json_schema(name)
    for field in fields.OBJECTS[name].fields:
        if field.extension or field.name not in schema:
            continue
        assert schema[field.name].get("type") == field.type, f"{name}.{field.name}"


@pytest.mark.parametrize("name", [name for name in HELD if name != "metadata"])
def test_every_stored_field_is_a_column_of_its_model(name):
    columns = set(inspect(MODELS[name]).columns.keys())
    for field in fields.OBJECTS[name].fields:
        if field.attribute is not None:
            assert field.attribute in columns, f"{name}.{field.name}"


def test_the_importer_and_the_exporter_are_read_from_the_table():
    for name, obj in fields.OBJECTS.items():
        assert CSV_FILES[name] == obj.csv_files
        assert CSV_COLUMNS[name] == obj.columns
        if name in KINDS:
            assert {many.key for many in KINDS[name].many} == {
                child.key for child in obj.children if child.many
            }


def test_the_table_names_the_standards_csv_files():
    """Every file name the export writes is the one of the standard's CSV example."""
    examples = {path.name for path in (STANDARD / "examples" / "csv").glob("*.csv")}
    for name, obj in fields.OBJECTS.items():
        assert obj.csv_files[0] in examples, name


def walk(name: str, value: dict[str, Any], seen: set[str]) -> None:
    """Assert that ``value`` has only the keys the table gives object ``name``, in its
    order, and so for everything nested."""
    keys = fields.output_keys(name)
    assert set(value) <= set(keys), f"{name}: {set(value) - set(keys)}"
    assert list(value) == [key for key in keys if key in value], name
    seen.add(name)
    for child in fields.OBJECTS[name].children:
        nested = value.get(child.key)
        if child.key == "taxonomy_detail" and nested is not None:
            walk("taxonomy", nested, seen)
            continue
        for item in nested if isinstance(nested, list) else [nested] if nested else []:
            walk(child.object, item, seen)


def test_answers_have_the_tables_keys_in_its_order(db):
    service = full_service()
    db.session.commit()
    seen: set[str] = set()
    walk("organization", organization_to_hsds(service.organization, metadata=[]), seen)
    walk("service", service_to_hsds(service), seen)
    walk("service_at_location", service_at_location_to_hsds(service.service_at_locations[0]), seen)
    # Every object the directory holds but metadata came out at least once.
    assert seen >= set(fields.OBJECTS) - {"metadata"}


def test_children_deleted_with_a_record_are_the_lists_it_owns():
    assert {c.key for c in fields.owned_parts("location")} == {
        "phones",
        "accessibility",
        "contacts",
        "schedules",
        "languages",
        "addresses",
        "attributes",
    }
    assert "locations" not in {c.key for c in fields.owned_parts("organization")}
    assert "services" not in {c.key for c in fields.owned_parts("organization")}
    assert "required_documents" in {c.key for c in fields.owned_parts("service")}
