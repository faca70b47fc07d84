"""Exporting the directory as Open Referral HSDS 3.0, in the shapes the importer reads.

- ``PATH.json``: a JSON array of nested organizations (``compiled/organization.json``:
  locations, services, phones, schedules, attributes with their terms...).
- any other PATH: a folder of CSV files per ``simple/schema.csv`` (the file names of
  ``examples/csv``), our extension columns added (location ``region_code`` and
  ``confidential``, service ``accepting_referrals`` and ``capacity_note``, ``name_en``),
  and every taxonomy and term, so that importing the folder into an empty database
  reproduces the directory.

Verification dates go both ways: services' ``assured_date`` and ``assurer_email`` are
HSDS fields; an organization's ``verified_at`` is its HSDS ``metadata`` (``metadata.csv``),
built from the audit trail's verifications (``serialize.verification_metadata``).

The CSV files and their columns come from the HSDS table (``directory.institutions.hsds_fields``).
Both are built from ``directory.hsds.serialize``, the same dictionaries the API serves,
so the CSV rows are the JSON objects laid flat. A directory export is public material:
by default a confidential location (safe house) is written as the public API shows it
(``public=True`` of the serializer, by the rules of ``directory.geo.confidential``: no
coordinates, address or phones, its regency's code only); ``include_confidential`` keeps
them, for a trusted full backup, in files readable by their owner only. Cells that a
spreadsheet would run as formulas are guarded (``directory.hsds.formulas``). Nothing
about clients or referrals is ever written: the serializer knows only the directory.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from directory.audit.models import ACTION_VERIFY, MetadataEntry
from directory.hsds import formulas
from directory.hsds.importer import CSV_FILES, KINDS, TABLE_ORDER
from directory.hsds.serialize import (
    VERIFIED_AT,
    organization_to_hsds,
    taxonomy_term_to_hsds,
    taxonomy_to_hsds,
)
from directory.institutions import hsds_fields
from directory.institutions.models import Location, Organization, Taxonomy, TaxonomyTerm
from directory.institutions.queries import organization_full_options

# The columns of each CSV file: HSDS ``simple/schema.csv`` (tables we hold), then ours;
# from the HSDS table (``directory.institutions.hsds_fields``).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    name: hsds_fields.OBJECTS[name].columns for name in (*TABLE_ORDER, hsds_fields.METADATA)
}
# Loaded and serialized this many organizations at a time.
CHUNK = 100


@dataclass
class ExportSummary:
    path: Path
    # Organizations, services and locations written (JSON); rows per table (CSV).
    counts: dict[str, int] = field(default_factory=dict)
    # Confidential locations written without coordinates and street address.
    confidential_hidden: int = 0
    # Confidential locations written with them (``include_confidential``).
    confidential_included: int = 0


def is_json_path(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def count_organizations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Organization)) or 0


def export_path(
    session: Session,
    path: Path,
    *,
    include_confidential: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    """Write ``path``: JSON when it ends in ``.json``, else a folder of CSV files.
    ``progress(1)`` is called after each organization."""
    export = export_json if is_json_path(path) else export_csv
    summary = export(session, path, include_confidential=include_confidential, progress=progress)
    confidential = _confidential_locations(session)
    if include_confidential:
        summary.confidential_included = confidential
    else:
        summary.confidential_hidden = confidential
    return summary


def organizations_to_hsds(
    session: Session,
    *,
    include_confidential: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every organization, nested in full, by name; a chunk at a time in memory."""
    ids = list(
        session.scalars(select(Organization.id).order_by(Organization.name, Organization.id))
    )
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = (
            select(Organization)
            .where(Organization.id.in_(chunk))
            .options(*organization_full_options())
            .order_by(Organization.name, Organization.id)
        )
        verified = verifications(session, chunk)
        for organization in session.scalars(query):
            yield organization_to_hsds(
                organization,
                public=not include_confidential,
                metadata=verified.get(organization.id, []),
            )
            if progress is not None:
                progress(1)


def export_json(
    session: Session,
    path: Path,
    *,
    include_confidential: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    summary = ExportSummary(path, {"organization": 0, "service": 0, "location": 0})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with _create(partial, private=include_confidential) as handle:
        handle.write("[")
        for organization in organizations_to_hsds(
            session, include_confidential=include_confidential, progress=progress
        ):
            handle.write("," if summary.counts["organization"] else "")
            # One organization a line: compact JSON is written by the C encoder, several
            # times faster than an indented one.
            handle.write("\n" + json.dumps(organization, ensure_ascii=False))
            summary.counts["organization"] += 1
            summary.counts["service"] += len(organization.get("services", []))
            summary.counts["location"] += len(organization.get("locations", []))
        handle.write("\n]\n")
    os.replace(partial, path)  # a reader never sees half a file
    return summary


def export_csv(
    session: Session,
    folder: Path,
    *,
    include_confidential: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportSummary:
    tables: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in CSV_COLUMNS}
    for taxonomy in session.scalars(select(Taxonomy).order_by(Taxonomy.name, Taxonomy.id)):
        flatten("taxonomy", taxonomy_to_hsds(taxonomy), tables)
    terms = select(TaxonomyTerm).options(joinedload(TaxonomyTerm.taxonomy))
    for term in session.scalars(terms.order_by(TaxonomyTerm.name, TaxonomyTerm.id)):
        flatten("taxonomy_term", taxonomy_term_to_hsds(term), tables)
    for organization in organizations_to_hsds(
        session, include_confidential=include_confidential, progress=progress
    ):
        flatten("organization", organization, tables)
        for entry in organization["metadata"]:
            row = {column: _cell(entry.get(column)) for column in CSV_COLUMNS["metadata"]}
            tables["metadata"].setdefault(row["id"], row)

    folder.mkdir(parents=True, exist_ok=True)
    if include_confidential:
        folder.chmod(0o700)
    summary = ExportSummary(folder)
    for kind, columns in CSV_COLUMNS.items():
        file = folder / CSV_FILES[kind][0]
        with _create(file, private=include_confidential) as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(tables[kind].values())
        summary.counts[kind] = len(tables[kind])
    return summary


def _create(path: Path, *, private: bool) -> TextIO:
    """A file opened for writing; readable by its owner only when ``private`` (an export
    with safe houses' whereabouts), also when it existed before."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
    if private:
        os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "w", newline="", encoding="utf-8")


def flatten(
    kind: str,
    obj: dict[str, Any],
    tables: dict[str, dict[str, dict[str, str]]],
    *,
    link: tuple[str, str, str] | None = None,
) -> None:
    """Lay a serialized object and what it nests out as CSV rows, one table per kind.

    ``link``: (column, kind, id) of the object holding it. An object met twice (a
    location is under its organization and under each service at it) is written once.
    Taxonomy terms nested in attributes are not: the term tables are written whole.
    """
    row = {column: _cell(obj.get(column)) for column in CSV_COLUMNS[kind]}
    if link is not None:
        column, parent_kind, parent_id = link
        if column == "link_id":
            row["link_entity"] = parent_kind
        if not row[column]:
            row[column] = parent_id
    tables[kind].setdefault(row["id"], row)
    spec = KINDS[kind]
    for one in spec.one:
        nested = obj.get(one.key)
        if isinstance(nested, dict):
            row[one.column] = row[one.column] or _cell(nested.get("id"))
            if one.kind not in ("taxonomy", "taxonomy_term"):
                flatten(one.kind, nested, tables)
    for many in spec.many:
        for child in obj.get(many.key) or ():
            flatten(many.kind, child, tables, link=(many.link or "link_id", kind, row["id"]))


def verifications(session: Session, organization_ids: list[str]) -> dict[str, list[MetadataEntry]]:
    """The audit trail's verifications of these organizations, by organization."""
    query = select(MetadataEntry).where(
        MetadataEntry.resource_type == "organization",
        MetadataEntry.resource_id.in_(organization_ids),
        MetadataEntry.last_action_type == ACTION_VERIFY,
        MetadataEntry.field_name == VERIFIED_AT,
    )
    found: dict[str, list[MetadataEntry]] = {}
    for entry in session.scalars(query):
        found.setdefault(entry.resource_id, []).append(entry)
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return formulas.guard(str(value))


def _confidential_locations(session: Session) -> int:
    """Confidential locations an export reaches (those of an organization)."""
    query = select(func.count()).where(
        Location.confidential.is_(True), Location.organization_id.is_not(None)
    )
    return session.scalar(query) or 0
