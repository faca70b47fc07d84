"""Importing Open Referral HSDS 3.0 data into the directory.

What it reads (``read_path``, or ``read_document`` for data already parsed):

- a JSON file holding one record, a list of records, an HSDS page wrapper (its
  ``contents``), or the tabular form of ``examples/tabular.json`` (``{"organizations.csv":
  [rows], ...}``). Records are nested organizations, services, locations, services at
  locations, taxonomies or taxonomy terms, shaped as ``shared/hsds-3.0/compiled/*.json``;
- a folder of CSV files per ``shared/hsds-3.0/simple/schema.csv`` (``organizations.csv``,
  ``services.csv``, ``locations.csv``, ...). The rows are nested back into records: each
  row hangs under the row its foreign key names (a phone under its service at location,
  contact, service, location or organization, the first of those present in the folder);
  services, locations and services at locations whose parent is not in the folder stand
  as records of their own. Other rows whose parent is not in the folder are reported.

How the kind of a JSON record is decided: by the keys only one kind has (``status`` or
``service_at_locations``: a service; ``services`` or ``website``: an organization;
``taxonomy_detail`` or ``code``: a term, ...; the kind with most such keys wins). A record
with none of them (``{"id", "name", "description"}``) takes the kind most records of the
same file have, else the one its file name says (``organizations.json``), else it is
reported.

Rules of the import:

- Upsert by id, never delete. A key absent from the input leaves the stored value as it
  is (a new row takes the model's default); ``null`` clears it. Values are compared before
  they are assigned, so importing the same data twice writes nothing: no new rows, no
  changed ``last_modified``.
- Everything is validated before anything is written. An object with a bad value (bad
  UUID, missing required field, unknown status, latitude out of range, ...) is skipped
  together with everything nested in it, and reported with its place and reason; its
  siblings and its parent still load. A reference that cannot be resolved in the import
  or the database (``location_id``, ``parent_organization_id``, a region code...) skips
  the object when the reference is required, and is left out (reported) when optional.
- Each top-level record is written all or nothing, inside a SAVEPOINT: a hundred records
  share one (a statement per table for all of them is what makes a large import fast);
  if the database refuses anything, that SAVEPOINT is rolled back and each of its
  records is written again in a SAVEPOINT of its own, so that only the refused record
  is missing, and reported.
- HSDS repeats objects: a phone under each thing it belongs to, a location under its
  organization and under each service at it, an organization under each service of a
  list. Within a record, and for one-to-one nests (``service.organization``,
  ``service_at_location.location``, ``attribute.taxonomy_term``...) across records, the
  copies are one object: the first copy's values are used (a differing copy is
  reported) and each copy adds its links. The same id twice elsewhere is reported.
- Taxonomy terms nested in attributes are created when unknown, never updated: terms are
  updated from term records (``taxonomy_terms.json``) only.
- A confidential location whose description is the placeholder a public export writes
  (``serialize.CONFIDENTIAL_NOTE``) keeps its stored description.
- Our extension keys are read when present (``region_code``, ``confidential``,
  ``accepting_referrals``, ``capacity_note``, ``name_en``); a service area's ``uri:
  urn:kemendagri:<code>`` is stored as its ``region_code``.
- An organization's ``metadata`` (in CSV: ``metadata.csv`` rows naming it by
  ``resource_type`` and ``resource_id``) gives its ``verified_at``: the latest
  ``replacement_value`` of the entries with ``last_action_type`` "verify" and
  ``field_name`` "verified_at", as the export writes them. Other metadata is not read.
- Every row created or changed is appended to the change log (``change_log``), for
  whatever follows it (the search index, the map's cache).

What is read of each object (its keys, references, nests and CSV files) comes from the
one HSDS table, ``directory.institutions.hsds_fields``: programs, funding, required documents,
accessibility and organization identifiers included. Rows are written through
``directory.institutions.operations`` (``write_rows``, ``log_upserts``).

Nothing here reads Flask's request or prints: the caller passes a session, commits, and
may pass ``progress`` (called with the number of records just written) to drive a
progress bar.
"""

from __future__ import annotations

import csv
import heapq
import json
import math
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from itertools import groupby
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    Numeric,
    String,
    Time,
    Uuid,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from directory.audit.models import ACTION_VERIFY
from directory.geo.models import Region
from directory.hsds import formulas
from directory.hsds.serialize import CONFIDENTIAL_NOTE, KEMENDAGRI_URN_PREFIX, VERIFIED_AT
from directory.institutions import hsds_fields
from directory.institutions import operations as directory_writes
from directory.institutions.models import (
    SERVICE_STATUSES,
    WEEKDAYS,
)
from directory.institutions.operations import MODELS

LOCATION_TYPES = ("physical", "postal", "virtual")
# What an attribute may describe (its ``link_entity``).
LINKABLE = ("organization", "service", "location", "service_at_location")

# The shapes


@dataclass(frozen=True)
class Many:
    """A list of nested objects; ``link`` is their column naming the enclosing object
    (``None`` for attributes, linked by ``link_entity`` and ``link_id``)."""

    key: str
    kind: str
    link: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class One:
    """One nested object whose id fills ``column`` of the enclosing object. A
    ``reference`` is created when unknown and never updated."""

    key: str
    kind: str
    column: str
    required: bool
    reference: bool = False


@dataclass(frozen=True)
class Ref:
    """A column naming another record (``kind`` "region": a Kemendagri code)."""

    column: str
    kind: str
    required: bool


@dataclass(frozen=True)
class Kind:
    model: type[Any]
    fields: tuple[str, ...]
    refs: tuple[Ref, ...] = ()
    many: tuple[Many, ...] = ()
    one: tuple[One, ...] = ()
    # HSDS key -> column, where they differ.
    renames: tuple[tuple[str, str], ...] = ()


def _kind(name: str) -> Kind:
    """What the import reads of one object, from the HSDS table (``institutions.hsds_fields``)."""
    obj = hsds_fields.OBJECTS[name]
    stored = obj.stored
    return Kind(
        MODELS[name],
        tuple(field.name for field in stored),
        refs=tuple(Ref(field.name, field.ref or "", field.required) for field in obj.refs),
        many=tuple(
            Many(child.key, child.object, child.link, child.aliases)
            for child in obj.children
            if child.many
        ),
        one=tuple(
            One(child.key, child.object, child.column or "", child.required, child.reference)
            for child in obj.children
            if not child.many
        ),
        renames=tuple(
            (field.name, field.attribute)
            for field in stored
            if field.attribute is not None and field.attribute != field.name
        ),
    )


KINDS: dict[str, Kind] = {name: _kind(name) for name in MODELS}

# ``details.source`` of the change log entries an import appends.
SOURCE = "hsds import"

# Kinds a record may have at the top of a file, in the order they are applied.
TOP_LEVEL = ("taxonomy", "taxonomy_term", "organization", "location", "service")
TOP_LEVEL_KINDS = (*TOP_LEVEL, "service_at_location")
# Order of writing within a record: whatever a row points at is written before it.
TABLE_ORDER = hsds_fields.WRITE_ORDER
LABELS = {kind: kind.replace("_", " ") for kind in (*TABLE_ORDER, "region")}
# CSV tables are nested in this order: metadata rows under the rows they describe.
METADATA = "metadata"
CSV_READ_ORDER = (*TABLE_ORDER, METADATA)

# Keys that only one kind of top-level record has (kind detection, see the docstring).
KIND_KEYS: dict[str, frozenset[str]] = {
    "taxonomy_term": frozenset({"taxonomy_detail", "taxonomy_id", "term_uri", "parent_id", "code"}),
    "taxonomy": frozenset({"version"}),
    "service_at_location": frozenset({"service_id", "location_id", "service", "location"}),
    "service": frozenset(
        {
            "status",
            "organization",
            "service_at_locations",
            "service_areas",
            "cost_options",
            "eligibility_description",
            "application_process",
            "fees_description",
            "interpretation_services",
            "accreditations",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "required_documents",
            "program",
            "accepting_referrals",
            "capacity_note",
        }
    ),
    "organization": frozenset(
        {
            "services",
            "locations",
            "website",
            "legal_status",
            "year_incorporated",
            "organization_identifiers",
            "parent_organization_id",
            "logo",
            "tax_status",
            "tax_id",
            "programs",
        }
    ),
    "location": frozenset(
        {
            "location_type",
            "latitude",
            "longitude",
            "addresses",
            "accessibility",
            "transportation",
            "external_identifier",
            "region_code",
            "confidential",
        }
    ),
}
# Words of a file name that say what it holds, most specific first.
FILE_NAME_HINTS = (
    ("taxonomy_term", "taxonomy_term"),
    ("terms", "taxonomy_term"),
    ("taxonom", "taxonomy"),
    ("service_at_location", "service_at_location"),
    ("organi", "organization"),
    ("service", "service"),
    ("location", "location"),
)

# CSV tables: the accepted file names, the first being the one the export writes.
CSV_FILES: dict[str, tuple[str, ...]] = {
    name: hsds_fields.OBJECTS[name].csv_files for name in (*TABLE_ORDER, METADATA)
}
# Where a CSV row hangs: the first of these foreign keys naming a row of the folder.
CSV_PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    name: hsds_fields.OBJECTS[name].csv_parents
    for name in TABLE_ORDER
    if hsds_fields.OBJECTS[name].csv_parents
}


# What the caller gets


@dataclass
class Problem:
    """A record or value that was not imported: where (file, index or row, field) and why.

    ``skipped``: the object at ``where`` was not stored, nor anything in ``also_skipped``
    (what was nested in it); otherwise only this value was left out.
    """

    where: str
    reason: str
    skipped: bool = True
    also_skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.skipped:
            return f"{self.where}: {self.reason} (value left out; the rest was imported)"
        text = f"{self.where}: {self.reason} (not imported"
        if self.also_skipped:
            shown = ", ".join(self.also_skipped[:3])
            more = len(self.also_skipped) - 3
            text += f", nor what it holds: {shown}" + (f" and {more} more" if more > 0 else "")
        return text + ")"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class Record:
    """One top-level object of the input, its kind decided."""

    kind: str
    data: Any
    place: str


@dataclass
class Source:
    """What was read from a file or folder, before anything is validated."""

    name: str
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # id() of an object assembled from a CSV row -> (its place, separator before a field).
    places: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    records_found: int = 0
    records_loaded: int = 0

    @property
    def records_skipped(self) -> int:
        return self.records_found - self.records_loaded

    def count(self, kind: str) -> Counts:
        return self.counts.setdefault(kind, Counts())

    def total(self) -> Counts:
        total = Counts()
        for counts in self.counts.values():
            total.add(counts)
        return total

    def summary_line(self) -> str:
        total = self.total()
        return (
            f"{self.records_loaded} of {self.records_found} records imported: rows "
            f"{total.created} created, {total.updated} updated, {total.unchanged} unchanged; "
            f"{len(self.problems)} problem(s)"
        )

    def summary_lines(self) -> list[str]:
        lines = [
            f"{LABELS.get(kind, kind)}: {c.created} created, {c.updated} updated, "
            f"{c.unchanged} unchanged"
            for kind, c in sorted(self.counts.items(), key=lambda item: _table_rank(item[0]))
        ]
        lines.append(
            f"records: {self.records_found} read, {self.records_loaded} imported, "
            f"{self.records_skipped} skipped; {len(self.problems)} problem(s)"
        )
        return lines


# Reading


def read_path(path: Path) -> Source:
    """Read a JSON file or a folder of CSV files; what cannot be read is in ``problems``."""
    if path.is_dir():
        return _read_folder(path)
    source = Source(path.name)
    if not path.is_file():
        source.problems.append(Problem(str(path), "no such file or folder"))
        return source
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as error:
        source.problems.append(Problem(path.name, f"not UTF-8 text: {error}"))
        return source
    except json.JSONDecodeError as error:
        source.problems.append(Problem(path.name, f"not valid JSON: {error}"))
        return source
    return read_document(data, path.name)


def read_document(data: Any, name: str) -> Source:
    """Records of parsed JSON: one object, a list, a page wrapper or the tabular form."""
    source = Source(name)
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        items = [(item, f"{name}.contents[{i}]") for i, item in enumerate(data["contents"])]
    elif isinstance(data, dict) and data and all(str(key).endswith(".csv") for key in data):
        tables: dict[str, list[tuple[dict[str, Any], str]]] = defaultdict(list)
        for file_name, rows in data.items():
            table = _csv_table(file_name)
            if table is None or not isinstance(rows, list):
                continue
            for i, row in enumerate(rows):
                if isinstance(row, dict):
                    tables[table].append((dict(row), f'{name}["{file_name}"][{i}]'))
                else:
                    source.problems.append(Problem(f'{name}["{file_name}"][{i}]', "not an object"))
        _assemble_tables(source, tables, separator=".")
        return source
    elif isinstance(data, list):
        items = [(item, f"{name}[{i}]") for i, item in enumerate(data)]
    elif isinstance(data, dict):
        items = [(data, name)]
    else:
        source.problems.append(Problem(name, "expected an HSDS object or a list of them"))
        return source
    _decide_kinds(source, items)
    return source


def _decide_kinds(source: Source, items: list[tuple[Any, str]]) -> None:
    decided: list[str | None] = [
        _kind_by_keys(item) if isinstance(item, dict) else None for item, _ in items
    ]
    counted = Counter(kind for kind in decided if kind)
    fallback = counted.most_common(1)[0][0] if counted else _kind_by_name(source.name)
    for (item, place), kind in zip(items, decided, strict=True):
        if not isinstance(item, dict):
            source.problems.append(Problem(place, "expected an object"))
        elif kind or fallback:
            source.records.append(Record(kind or fallback or "", item, place))
        else:
            source.problems.append(
                Problem(
                    place,
                    "cannot tell what kind of record this is (expected an organization, "
                    "service, location, service at location, taxonomy or taxonomy term)",
                )
            )


def _kind_by_keys(item: dict[str, Any]) -> str | None:
    keys = {key for key, value in item.items() if value is not None}
    if not keys & {"id", "name"}:
        return None  # not a record at all (the API root of examples/base.json, say)
    scores = [(len(keys & hints), kind) for kind, hints in KIND_KEYS.items()]
    best = max(score for score, _ in scores)
    if best == 0:
        return None
    return next(kind for score, kind in scores if score == best)


def _kind_by_name(name: str) -> str | None:
    stem = name.lower()
    return next((kind for word, kind in FILE_NAME_HINTS if word in stem), None)


def _csv_table(file_name: str) -> str | None:
    base = file_name.rsplit("/", 1)[-1].lower()
    return next((table for table, names in CSV_FILES.items() if base in names), None)


def _read_folder(path: Path) -> Source:
    source = Source(path.name)
    tables: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for table, names in CSV_FILES.items():
        file = next((path / name for name in names if (path / name).is_file()), None)
        if file is None:
            continue
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                tables[table] = [
                    (
                        {
                            key.strip(): (formulas.unguard(value) if value else None)
                            for key, value in row.items()
                            if key
                        },
                        f"{file.name} row {number}",
                    )
                    for number, row in enumerate(csv.DictReader(handle), start=2)
                ]
        except (UnicodeDecodeError, csv.Error) as error:
            source.problems.append(Problem(file.name, f"cannot be read as CSV: {error}"))
    if not tables and not source.problems:
        expected = ", ".join(names[0] for names in CSV_FILES.values())
        source.problems.append(Problem(path.name, f"no HSDS CSV file in this folder ({expected})"))
    _assemble_tables(source, tables, separator=", column ")
    return source


def _key(value: Any) -> str | None:
    return str(value).strip().lower() if value not in (None, "") else None


def _assemble_tables(
    source: Source, tables: dict[str, list[tuple[dict[str, Any], str]]], *, separator: str
) -> None:
    """Nest flat rows back into records (see the module docstring)."""
    reachable: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for table in CSV_READ_ORDER:
        for row, place in tables.get(table, []):
            parent = _csv_parent(table, row, reachable)
            if parent is not None:
                parent_row, key = parent
                parent_row.setdefault(key, []).append(row)
            elif table in TOP_LEVEL_KINDS:
                source.records.append(Record(table, row, place))
            else:
                source.problems.append(Problem(place, _orphan_reason(table, row)))
                continue
            source.places[id(row)] = (place, separator)
            row_key = _key(row.get("id"))
            if row_key is not None:
                reachable[table].setdefault(row_key, row)


def _csv_parent(
    table: str, row: dict[str, Any], reachable: dict[str, dict[str, dict[str, Any]]]
) -> tuple[dict[str, Any], str] | None:
    if table == "attribute":
        entity = str(row.get("link_entity") or "")
        parent = reachable[entity].get(_key(row.get("link_id")) or "") if entity else None
        return (parent, "attributes") if parent is not None else None
    if table == METADATA:
        entity = str(row.get("resource_type") or "")
        parent = reachable[entity].get(_key(row.get("resource_id")) or "") if entity else None
        return (parent, METADATA) if parent is not None else None
    for column, parent_table in CSV_PARENTS.get(table, ()):
        parent = reachable[parent_table].get(_key(row.get(column)) or "")
        if parent is not None:
            many = next(m for m in KINDS[parent_table].many if m.kind == table)
            return parent, many.key
    return None


def _orphan_reason(table: str, row: dict[str, Any]) -> str:
    if table == "attribute":
        entity = row.get("link_entity")
        if entity not in LINKABLE:
            return f"unknown link_entity {entity!r} (expected one of: {', '.join(LINKABLE)})"
        return f"link_id names no {LABELS[str(entity)]} of this import"
    if table == METADATA:
        return "resource_type and resource_id name no row of this import"
    columns = " or ".join(column for column, _ in CSV_PARENTS[table])
    return f"{columns} names no row of this import"


# Values


class Invalid(ValueError):
    """A value that cannot be stored; the message says why."""


_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_TRUE = ("true", "1", "yes", "y", "ya")
_FALSE = ("false", "0", "no", "n", "tidak")


def _convert(column: Column[Any], value: Any) -> Any:
    """The stored form of an HSDS value for this column (types from the model)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    return _converter(column)(value)


@cache
def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    kind = column.type
    if isinstance(kind, Uuid):
        return _uuid
    if isinstance(kind, Boolean):
        return _bool
    if isinstance(kind, Integer):
        return _int
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        scale = kind.scale or 0
        return partial(_decimal, scale=scale, digits=(kind.precision or 30) - scale)
    if isinstance(kind, Float):
        return _float
    if isinstance(kind, Date):
        return _date
    if isinstance(kind, Time):
        return _time
    return partial(_text, length=kind.length if isinstance(kind, String) else None)


def _text(value: Any, length: int | None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f"expected text, found {_json_type(value)}")
    text = value if isinstance(value, str) else _number_text(value)
    if length and len(text) > length:
        raise Invalid(f"longer than {length} characters")
    return text


_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _uuid(value: Any) -> str:
    if isinstance(value, str) and _CANONICAL_UUID.match(value):
        return value
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise Invalid(f"not a valid UUID: {_short(value)}") from None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(f"expected true or false, found {_short(value)}")


def _int(value: Any) -> int:
    number = _float(value)
    if not number.is_integer():
        raise Invalid(f"expected a whole number, found {_short(value)}")
    return int(number)


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise Invalid(f"expected a number, found {_short(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"expected a number, found {_short(value)}") from None
    if not math.isfinite(number):
        raise Invalid(f"expected a finite number, found {_short(value)}")
    return number


def _decimal(value: Any, *, scale: int, digits: int) -> Decimal:
    number = _float(value)  # type and finiteness
    try:
        amount = Decimal(str(value).strip()).quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation:
        raise Invalid(f"expected a number, found {_short(value)}") from None
    if abs(number) >= 10**digits:
        raise Invalid(f"too large: {_short(value)}")
    return amount


def _date(value: Any) -> date:
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise Invalid(f"expected a date (YYYY-MM-DD), found {_short(value)}") from None


def _instant(value: Any) -> datetime:
    """An ISO 8601 date-time (UTC when it has no offset) or date (its midnight UTC)."""
    try:
        found = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"expected a date-time (ISO 8601), found {_short(value)}") from None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _time(value: Any) -> time:
    """The wall-clock time of "08:00", "08:00:00" or "08:00+07:00", taken as the
    location's local time (the directory keeps opening hours in local time)."""
    match = _TIME.match(str(value).strip())
    if match:
        hour, minute, second = (int(part) if part else 0 for part in match.groups())
        if hour < 24 and minute < 60 and second < 60:
            return time(hour, minute, second)
    raise Invalid(f"expected a time (HH:MM), found {_short(value)}")


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return "a number" if isinstance(value, int | float) else "text"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _required(column: Column[Any]) -> bool:
    return not column.nullable and column.default is None and not column.primary_key


def _same(old: Any, new: Any) -> bool:
    # Empty text and no text are one value: forms store "" where an import brings null.
    return old == new or (old in (None, "") and new in (None, ""))


def _table_rank(kind: str) -> int:
    return TABLE_ORDER.index(kind) if kind in TABLE_ORDER else len(TABLE_ORDER)


# Planning: validate every object and every reference before writing

Errors = list[tuple[str | None, str]]


@dataclass(eq=False)
class _Link:
    """A reference found in the input, checked once everything has been read."""

    column: str  # "" for the tie of a one-to-one nested object to its enclosing one
    kind: str
    target: str
    required: bool
    where: str
    # To the enclosing object: only the import itself satisfies it (nested means owned).
    enclosing: bool = False
    dropped: bool = False


@dataclass(eq=False)
class _Row:
    kind: str
    id: str
    values: dict[str, Any]
    place: str
    record: int  # where it was first met
    reference: bool
    # Met through a one-to-one nest (or inside one): other records may nest it too, and
    # any of them may write it (``holders``).
    shared: bool
    holders: set[int] = field(default_factory=set)
    links: list[_Link] = field(default_factory=list)
    # Held by other objects (not a record of its own): it lives while one of them does.
    enclosed: bool = False
    alive: bool = True
    cause: Problem | None = None


class _Planner:
    """Turns records into rows to write, every value and reference checked."""

    def __init__(self, source: Source) -> None:
        self.places = source.places
        self.problems: list[Problem] = []
        self.rows: list[_Row] = []
        self.owners: dict[tuple[str, str], _Row] = {}
        self.invalid: set[tuple[str, str]] = set()
        self.tops: dict[int, _Row | None] = {}
        self.known: dict[str, set[str]] = {}

    # Walking the input

    def record(self, number: int, record: Record) -> None:
        self.tops[number] = self.object(record.kind, record.data, record.place, number)

    def object(
        self,
        kind: str,
        data: Any,
        place: str,
        record: int,
        *,
        parent: _Row | None = None,
        link: str | None = None,
        enclosing: _Row | None = None,
        reference: bool = False,
        shared: bool = False,
    ) -> _Row | None:
        """Check one object; plan its row and those of everything nested in it.

        ``parent`` holds it in a list and fills its column ``link`` (attributes: the
        ``link_entity``/``link_id`` pair); ``enclosing`` holds it as a one-to-one nest.
        """
        place, separator = self.places.get(id(data), (place, "."))

        def where(key: str) -> str:
            return f"{place}{separator}{key}"

        if not isinstance(data, dict):
            self.problems.append(Problem(place, f"expected an object, found {_json_type(data)}"))
            return None
        spec = KINDS[kind]
        errors: Errors = []
        links: list[_Link] = []
        row_id = self._id(data, errors)
        values = self._values(spec, data, errors)
        self._structure(spec, data, errors)
        nested_ids = self._one_ids(spec, data, values, links, errors, where)
        self._refs(spec, data, values, links, errors, where, link, parent, nested_ids)
        if kind == "attribute" and parent is not None:
            self._attribute_link(data, values, errors, parent)
        if kind == "service_area":
            self._service_area(values, links, where)
        if kind == "organization" and row_id is not None:
            self._verified_at(data, row_id, values, errors)
        _CHECKS.get(kind, _no_check)(values, errors)

        if errors or row_id is None:
            if row_id is not None:
                self.invalid.add((kind, row_id))
            nested = _nested_places(kind, data, place, self.places)
            for index, (key, reason) in enumerate(errors):
                problem = Problem(where(key) if key else place, reason)
                if index == 0:
                    problem.also_skipped = nested
                self.problems.append(problem)
            return None

        if parent is not None:
            column = link or "link_id"
            values[column] = parent.id
            links.append(_Link(column, parent.kind, parent.id, True, where(column), True))
        elif enclosing is not None:
            links.append(_Link("", enclosing.kind, enclosing.id, True, place, True))

        owner = self.owners.get((kind, row_id))
        if owner is None:
            row = _Row(kind, row_id, values, place, record, reference, shared, {record}, links)
            row.enclosed = parent is not None or enclosing is not None
            self.owners[(kind, row_id)] = row
            self.rows.append(row)
        else:
            merged = self._duplicate(owner, values, links, place, record, link, shared)
            if merged is None:
                return None
            row = merged

        for one in spec.one:
            if isinstance(data.get(one.key), dict):
                self.object(
                    one.kind,
                    data[one.key],
                    f"{place}.{one.key}",
                    record,
                    enclosing=row,
                    reference=reference or one.reference,
                    shared=True,
                )
        for many in spec.many:
            for i, child in enumerate(_many(data, many)):
                self.object(
                    many.kind,
                    child,
                    f"{place}.{many.key}[{i}]",
                    record,
                    parent=row,
                    link=many.link,
                    reference=reference,
                    shared=shared,
                )
        return row

    def _verified_at(
        self, data: dict[str, Any], row_id: str, values: dict[str, Any], errors: Errors
    ) -> None:
        """``verified_at`` from the organization's verifications in ``metadata`` (see the
        module docstring); absent when it has none, so the stored value stays."""
        entries = data.get(METADATA)
        if entries is None:
            return
        if not isinstance(entries, list):
            errors.append((METADATA, f"expected a list, found {_json_type(entries)}"))
            return
        found: list[datetime] = []
        for index, entry in enumerate(entries):
            key = f"{METADATA}[{index}]"
            if not isinstance(entry, dict):
                errors.append((key, f"expected an object, found {_json_type(entry)}"))
                continue
            resource = entry.get("resource_id")
            if resource not in (None, "") and _key(resource) != row_id:
                continue
            verification = (entry.get("last_action_type"), entry.get("field_name"))
            if verification != (ACTION_VERIFY, VERIFIED_AT) or not entry.get("replacement_value"):
                continue
            try:
                found.append(_instant(entry["replacement_value"]))
            except Invalid as error:
                errors.append((f"{key}.replacement_value", str(error)))
        if found:
            values[VERIFIED_AT] = max(found)

    @staticmethod
    def _id(data: dict[str, Any], errors: Errors) -> str | None:
        if data.get("id") in (None, ""):
            errors.append(("id", "missing required field"))
            return None
        try:
            return _uuid(data["id"])
        except Invalid as error:
            errors.append(("id", str(error)))
            return None

    @staticmethod
    def _values(spec: Kind, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
        """The plain fields, converted to their columns' types. Absent keys stay absent."""
        values: dict[str, Any] = {}
        for key, column in _field_columns(spec):
            if key not in data:
                if _required(column):
                    errors.append((key, "missing required field"))
                continue
            try:
                value = _convert(column, data[key])
            except Invalid as error:
                errors.append((key, str(error)))
                continue
            if value is None and not column.nullable:
                if _required(column):
                    errors.append((key, "missing required field"))
                continue  # null where the model has a default: as if absent
            values[column.name] = value
        return values

    @staticmethod
    def _structure(spec: Kind, data: dict[str, Any], errors: Errors) -> None:
        for many in spec.many:
            for key in (many.key, *many.aliases):
                if data.get(key) is not None and not isinstance(data[key], list):
                    errors.append((key, f"expected a list, found {_json_type(data[key])}"))
        for one in spec.one:
            if data.get(one.key) is not None and not isinstance(data[one.key], dict):
                errors.append((one.key, f"expected an object, found {_json_type(data[one.key])}"))

    @staticmethod
    def _one_ids(
        spec: Kind,
        data: dict[str, Any],
        values: dict[str, Any],
        links: list[_Link],
        errors: Errors,
        where: Callable[[str], str],
    ) -> dict[str, str]:
        """Ids of the one-to-one nested objects, by the column they fill."""
        found: dict[str, str] = {}
        for one in spec.one:
            nested = data.get(one.key)
            if not isinstance(nested, dict):
                continue
            try:
                nested_id = _uuid(nested.get("id"))
            except Invalid:
                # Reported at the nested object itself; without an id it cannot be linked.
                if one.required and data.get(one.column) in (None, ""):
                    errors.append((one.key, f"the nested {LABELS[one.kind]} has no valid id"))
                continue
            found[one.column] = nested_id
            values[one.column] = nested_id
            links.append(_Link(one.column, one.kind, nested_id, one.required, where(one.key)))
        return found

    @staticmethod
    def _refs(
        spec: Kind,
        data: dict[str, Any],
        values: dict[str, Any],
        links: list[_Link],
        errors: Errors,
        where: Callable[[str], str],
        link: str | None,
        parent: _Row | None,
        nested_ids: dict[str, str],
    ) -> None:
        for ref in spec.refs:
            from_parent = parent is not None and link == ref.column
            raw = data.get(ref.column)
            if raw in (None, ""):
                if ref.required and not (from_parent or ref.column in nested_ids):
                    errors.append((ref.column, "missing required field"))
                elif ref.column in data and not (from_parent or ref.column in nested_ids):
                    values[ref.column] = None  # an explicit null clears the link
                continue
            try:
                target = str(raw).strip() if ref.kind == "region" else _uuid(raw)
            except Invalid as error:
                errors.append((ref.column, str(error)))
                continue
            if from_parent and parent is not None and target != parent.id:
                errors.append(
                    (
                        ref.column,
                        f"{target} does not match the enclosing {LABELS[parent.kind]} {parent.id}",
                    )
                )
            elif ref.column in nested_ids and target != nested_ids[ref.column]:
                errors.append((ref.column, f"{target} does not match the nested object's id"))
            elif not from_parent and ref.column not in nested_ids:
                values[ref.column] = target
                links.append(_Link(ref.column, ref.kind, target, ref.required, where(ref.column)))

    @staticmethod
    def _attribute_link(
        data: dict[str, Any], values: dict[str, Any], errors: Errors, parent: _Row
    ) -> None:
        entity = data.get("link_entity")
        if entity not in (None, "", parent.kind):
            errors.append(
                ("link_entity", f"{_short(entity)} does not match the enclosing {parent.kind}")
            )
        if data.get("link_id") not in (None, ""):
            try:
                link_id = _uuid(data["link_id"])
            except Invalid as error:
                errors.append(("link_id", str(error)))
            else:
                if link_id != parent.id:
                    errors.append(
                        ("link_id", f"{link_id} does not match the enclosing {parent.kind}")
                    )
        values["link_entity"] = parent.kind

    @staticmethod
    def _service_area(
        values: dict[str, Any], links: list[_Link], where: Callable[[str], str]
    ) -> None:
        """``uri: urn:kemendagri:<code>`` is our region code (stored as the code alone, the
        serializer writes the URN back from it); any other uri clears the code."""
        if "uri" not in values:
            return
        uri = values["uri"] or ""
        if uri.startswith(KEMENDAGRI_URN_PREFIX):
            code = uri.removeprefix(KEMENDAGRI_URN_PREFIX).strip()
            values["region_code"] = code
            values["uri"] = None
            links.append(_Link("region_code", "region", code, False, where("uri")))
        else:
            values["region_code"] = None

    def _duplicate(
        self,
        owner: _Row,
        values: dict[str, Any],
        links: list[_Link],
        place: str,
        record: int,
        link: str | None,
        shared: bool,
    ) -> _Row | None:
        """A second copy of an id. Within a record (HSDS repeats a phone under each thing
        it belongs to) or as a one-to-one nest (each service of a list nests its
        organization) it is the same object, and adds the links the first copy lacks.
        Elsewhere it is an error."""
        if record not in owner.holders:
            if not (owner.shared and shared):
                if not shared:
                    self.problems.append(
                        Problem(place, f"the same id is already used at {owner.place}")
                    )
                    return None
                # A nested copy of another record's own object: that record writes it.
                return owner
            owner.holders.add(record)
        holder = next((item for item in links if item.enclosing), None)
        ignored = {link} if link else set()
        if holder is not None and holder.column:
            ignored.add(holder.column)
        if holder is not None and owner.enclosed:
            if not holder.column:
                owner.links.append(holder)
            elif owner.values.get(holder.column) is None:
                owner.values[holder.column] = holder.target
                owner.links.append(holder)
        differs = sorted(
            key
            for key, value in values.items()
            if key not in ignored and not _same(owner.values.get(key), value)
        )
        if differs:
            self.problems.append(
                Problem(
                    place,
                    f"differs from the copy at {owner.place} ({', '.join(differs)}); "
                    "that copy was used",
                    skipped=False,
                )
            )
        return owner

    # Resolving references

    def resolve(self, session: Session) -> None:
        """Check every reference against the import and the database: skip what needs a
        missing record (and what it holds); leave out an optional link to one."""
        wanted: dict[str, set[str]] = defaultdict(set)
        dependents: dict[tuple[str, str], list[tuple[_Row, _Link]]] = defaultdict(list)
        for row in self.rows:
            for item in row.links:
                dependents[(item.kind, item.target)].append((row, item))
                if not item.enclosing:
                    wanted[item.kind].add(item.target)
        self.known = {kind: _existing_ids(session, kind, ids) for kind, ids in wanted.items()}
        pending = [(row, item) for row in self.rows for item in row.links]
        while pending:
            row, item = pending.pop()
            if not row.alive or item.dropped or self._resolves(item):
                continue
            if item.enclosing and self._held_elsewhere(row, item):
                item.dropped = True
                if item.column:
                    row.values.pop(item.column, None)
            elif item.required:
                self._skip(row, item)
                pending.extend(dependents[(row.kind, row.id)])
            else:
                item.dropped = True
                if item.column:
                    row.values.pop(item.column, None)
                if not item.enclosing:
                    self.problems.append(Problem(item.where, self._missing(item), skipped=False))
        for row in self.rows:
            if row.kind == "taxonomy_term" and row.values.get("taxonomy_id"):
                # A taxonomy we hold names itself; the free-text name is for the others.
                row.values["taxonomy_name"] = None

    def _held_elsewhere(self, row: _Row, item: _Link) -> bool:
        """Whether another object that holds this one (a phone listed under its service
        and under its location) still stands."""
        return any(
            other is not item and other.enclosing and not other.dropped and self._resolves(other)
            for other in row.links
        )

    def _resolves(self, item: _Link) -> bool:
        target = self.owners.get((item.kind, item.target))
        if target is not None and target.alive:
            return True
        return not item.enclosing and item.target in self.known.get(item.kind, ())

    def _missing(self, item: _Link) -> str:
        if item.kind == "region":
            return f"unknown region code {item.target!r} (not in the Kemendagri gazetteer)"
        label = f"{LABELS[item.kind]} {item.target}"
        if (item.kind, item.target) in self.invalid or (item.kind, item.target) in self.owners:
            return f"{label} could not be imported (see its own problem)"
        return f"{label} is neither in this import nor in the database"

    def _skip(self, row: _Row, item: _Link) -> None:
        row.alive = False
        if item.enclosing:
            row.cause = self.owners[(item.kind, item.target)].cause
            if row.cause is not None:
                row.cause.also_skipped.append(row.place)
            return
        row.cause = Problem(item.where, self._missing(item))
        self.problems.append(row.cause)

    # Ordering

    def writing_plan(self) -> tuple[list[int], dict[int, list[_Row]]]:
        """The order of the records, and the rows each record writes.

        Records keep their input order, except that a record comes after those holding
        what its rows point at. A row nested in several records is written by the first.
        """
        depends: dict[int, set[int]] = defaultdict(set)
        for row in self.rows:
            if not row.alive:
                continue
            for item in row.links:
                target = self.owners.get((item.kind, item.target))
                if not item.column or item.dropped or target is None or not target.alive:
                    continue  # ties of a one-to-one nest to its holder carry no column
                for holder in row.holders - target.holders:
                    depends[holder].update(target.holders)
        order = _stable_topological(sorted(self.tops), depends)
        position = {number: index for index, number in enumerate(order)}
        rows: dict[int, list[_Row]] = defaultdict(list)
        for row in self.rows:
            if row.alive:
                rows[min(row.holders, key=position.__getitem__)].append(row)
        return order, rows


@cache
def _field_columns(spec: Kind) -> tuple[tuple[str, Column[Any]], ...]:
    columns = spec.model.__table__.c
    renames = dict(spec.renames)
    return tuple((key, columns[renames.get(key, key)]) for key in spec.fields)


def _many(data: dict[str, Any], many: Many) -> list[Any]:
    for key in (many.key, *many.aliases):
        if isinstance(data.get(key), list):
            return data[key]
    return []


def _nested_places(
    kind: str, data: dict[str, Any], place: str, places: dict[int, tuple[str, str]]
) -> list[str]:
    """Where the objects nested in a skipped one are (for CSV: their rows)."""
    spec = KINDS[kind]
    nests: list[tuple[str, Any, str]] = [
        (one.kind, data.get(one.key), f"{place}.{one.key}") for one in spec.one
    ]
    for many in spec.many:
        nests += [
            (many.kind, child, f"{place}.{many.key}[{i}]")
            for i, child in enumerate(_many(data, many))
        ]
    found: list[str] = []
    for child_kind, child, child_place in nests:
        if isinstance(child, dict):
            own = places.get(id(child), (child_place, "."))[0]
            found.append(own)
            found += _nested_places(child_kind, child, own, places)
    return found


def _stable_topological(nodes: list[int], depends: dict[int, set[int]]) -> list[int]:
    """``nodes`` (ascending) reordered so that each comes after what it depends on,
    otherwise keeping their order. What sits in a cycle goes last, in its order."""
    members = set(nodes)
    waiting = {node: (depends.get(node, set()) & members) - {node} for node in nodes}
    needed_by: dict[int, list[int]] = defaultdict(list)
    for node, needs in waiting.items():
        for need in needs:
            needed_by[need].append(node)
    ready = [node for node, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered: list[int] = []
    while ready:
        node = heapq.heappop(ready)
        ordered.append(node)
        for other in needed_by[node]:
            waiting[other].discard(node)
            if not waiting[other]:
                heapq.heappush(ready, other)
    done = set(ordered)
    return ordered + [node for node in nodes if node not in done]


def _existing_ids(session: Session, kind: str, ids: set[str]) -> set[str]:
    column = Region.code if kind == "region" else KINDS[kind].model.id
    found: set[str] = set()
    chunk = sorted(ids)
    for start in range(0, len(chunk), 500):
        found.update(session.scalars(select(column).where(column.in_(chunk[start : start + 500]))))
    return found


# Checks of one kind of object's values


def _no_check(values: dict[str, Any], errors: Errors) -> None:
    return None


def _one_of(key: str, value: Any, allowed: tuple[str, ...], errors: Errors) -> None:
    if value is not None and value not in allowed:
        errors.append((key, f"unknown {key} {value!r} (expected one of: {', '.join(allowed)})"))


def _check_service(values: dict[str, Any], errors: Errors) -> None:
    _one_of("status", values.get("status"), SERVICE_STATUSES, errors)
    for key in ("minimum_age", "maximum_age"):
        if values.get(key) is not None and not 0 <= values[key] <= 150:
            errors.append((key, f"age out of range: {values[key]}"))
    low, high = values.get("minimum_age"), values.get("maximum_age")
    if low is not None and high is not None and low > high:
        errors.append(("minimum_age", f"minimum_age {low} is above maximum_age {high}"))


def _check_location(values: dict[str, Any], errors: Errors) -> None:
    _one_of("location_type", values.get("location_type"), LOCATION_TYPES, errors)
    for key, limit in (("latitude", 90), ("longitude", 180)):
        if values.get(key) is not None and not -limit <= values[key] <= limit:
            errors.append((key, f"{key} {values[key]:g} out of range (-{limit} to {limit})"))
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        missing = "latitude" if values.get("latitude") is None else "longitude"
        errors.append((missing, "missing: coordinates come in pairs"))
    if values.get("confidential") and values.get("description") == CONFIDENTIAL_NOTE:
        # A public export's safe house: its placeholder is no description, and its region
        # was cut to the regency (``directory.geo.confidential``): keep what is stored.
        del values["description"]
        values.pop("region_code", None)


def _check_address(values: dict[str, Any], errors: Errors) -> None:
    _one_of("address_type", values.get("address_type"), LOCATION_TYPES, errors)


def _check_schedule(values: dict[str, Any], errors: Errors) -> None:
    for day in (values.get("byday") or "").split(","):
        if day.strip() and not _BYDAY.match(day.strip().upper()):
            expected = ", ".join(WEEKDAYS)
            errors.append(("byday", f"unknown weekday {day.strip()!r} (expected {expected})"))
            break


def _check_cost_option(values: dict[str, Any], errors: Errors) -> None:
    if values.get("amount") is not None and values["amount"] < 0:
        errors.append(("amount", f"amount below zero: {values['amount']}"))


_CHECKS: dict[str, Callable[[dict[str, Any], Errors], None]] = {
    "service": _check_service,
    "location": _check_location,
    "address": _check_address,
    "schedule": _check_schedule,
    "cost_option": _check_cost_option,
}


# Writing


def import_path(
    session: Session, path: Path, *, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Read and import a JSON file or a CSV folder; the caller commits."""
    return import_source(session, read_path(path), progress=progress)


def import_source(
    session: Session, source: Source, *, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Validate every record of ``source``, then write the valid ones, each record all or
    nothing (see ``_write``). Flushes, never commits. ``progress(n)`` is called as each
    ``n`` records are done.
    """
    report = ImportReport(problems=list(source.problems), records_found=len(source.records))
    planner = _Planner(source)
    walk = sorted(
        range(len(source.records)), key=lambda i: TOP_LEVEL_KINDS.index(source.records[i].kind)
    )
    for number in walk:
        planner.record(number, source.records[number])
    planner.resolve(session)
    report.problems += planner.problems

    order, rows_by_record = planner.writing_plan()
    existing = _prefetch(session, [row for row in planner.rows if row.alive])
    for start in range(0, len(order), BATCH):
        batch = order[start : start + BATCH]
        # A skipped record may still hold rows that another record's objects hold too.
        plans = {number: _plan_writes(rows_by_record[number], existing) for number in batch}
        refused = _write(session, plans)
        for number in batch:
            top = planner.tops[number]
            if number in refused:
                report.problems.append(Problem(source.records[number].place, refused[number]))
                continue
            for kind, counts in plans[number].counts.items():
                report.count(kind).add(counts)
            if top is not None and top.alive:
                report.records_loaded += 1
        if progress is not None:
            progress(len(batch))
    return report


def _prefetch(session: Session, rows: list[_Row]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The stored values of the rows the import touches, a few hundred per query."""
    ids: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        ids[row.kind].append(row.id)
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for kind, kind_ids in ids.items():
        table = KINDS[kind].model.__table__
        for start in range(0, len(kind_ids), 500):
            query = select(table).where(table.c.id.in_(kind_ids[start : start + 500]))
            for stored in session.execute(query).mappings():
                found[(kind, stored["id"])] = stored  # type: ignore[assignment]
    return found


# Records written together in one SAVEPOINT, unless one of them is refused.
BATCH = 100


@dataclass
class _Writes:
    """What one record changes: (row, is new, the values to write), and the counts."""

    changes: list[tuple[_Row, bool, dict[str, Any]]] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))


def _plan_writes(rows: list[_Row], existing: dict[tuple[str, str], Mapping[str, Any]]) -> _Writes:
    writes = _Writes()
    for row in _rows_in_order(rows):
        stored = existing.get((row.kind, row.id))
        diff = row.values if stored is None else {} if row.reference else _diff(stored, row.values)
        if stored is None:
            writes.changes.append((row, True, diff))
            writes.counts[row.kind].created += 1
        elif diff:
            writes.changes.append((row, False, diff))
            writes.counts[row.kind].updated += 1
        else:
            writes.counts[row.kind].unchanged += 1
    return writes


def _write(session: Session, plans: dict[int, _Writes]) -> dict[int, str]:
    """Write a batch of records; the records refused, with the database's reason.

    Each record is all or nothing: the batch goes in one SAVEPOINT (a statement per table
    for the whole batch, which is what makes a large import fast); if the database
    refuses anything, the SAVEPOINT is rolled back and each record is written again in
    a SAVEPOINT of its own, so that the good ones still load.
    """
    if not any(plan.changes for plan in plans.values()):
        return {}
    try:
        with session.begin_nested():
            _execute(session, [change for plan in plans.values() for change in plan.changes])
        return {}
    except SQLAlchemyError:
        pass  # find out which records were refused, and why
    refused: dict[int, str] = {}
    for number, plan in plans.items():
        if not plan.changes:
            continue
        try:
            with session.begin_nested():
                _execute(session, plan.changes)
        except SQLAlchemyError as error:
            refused[number] = f"the database refused it: {_database_message(error)}"
    return refused


def _execute(session: Session, changes: list[tuple[_Row, bool, dict[str, Any]]]) -> None:
    """INSERT the new rows (in bulk, one statement per table) and UPDATE the changed
    columns of the others (which also refreshes any copy the session holds), tables in
    order so that what a row points at is written before it; and log each change."""
    in_order = sorted(changes, key=lambda change: _table_rank(change[0].kind))  # stable
    for kind, group in groupby(in_order, key=lambda change: change[0].kind):
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any]]] = []
        for row, new, diff in group:
            if new:
                inserts.append({"id": row.id, **diff})
            else:
                updates.append((row.id, diff))
        directory_writes.write_rows(session, kind, inserts, updates)
    directory_writes.log_upserts(session, [(row.kind, row.id) for row, _, _ in changes], SOURCE)


def _rows_in_order(rows: list[_Row]) -> list[_Row]:
    """Tables in writing order; within a table, a row after the rows it points at."""
    ordered = sorted(rows, key=lambda row: _table_rank(row.kind))
    position = {(row.kind, row.id): index for index, row in enumerate(ordered)}
    depends: dict[int, set[int]] = defaultdict(set)
    for index, row in enumerate(ordered):
        for item in row.links:
            target = position.get((item.kind, item.target))
            if target is not None and not item.dropped and item.kind == row.kind:
                depends[index].add(target)
    return [ordered[index] for index in _stable_topological(list(range(len(ordered))), depends)]


def _diff(stored: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if not _same(stored[key], value)}


def _database_message(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original if original is not None else error).splitlines()[0]
