"""The one write path for directory records.

Organizations, services, locations, services at locations, phones, contacts, schedules,
languages, cost options, service areas, addresses, taxonomy terms and their links
(attributes), programs, funding, required documents, accessibility and organization
identifiers are written here and nowhere else: the admin (``directory.admin.operations``),
approved listing changes and the staff's own availability (``directory.listings``), the
stale-listing reminder, the HSDS import (``directory.hsds.importer``, which the seed
loads through) and the removal of demonstration data all call these functions.
``tests/test_institutions_write_path.py`` checks that no other module writes them.

What a write produces beyond the row:

- ORM writes (:func:`add`, :func:`assign`, :func:`remove`, :func:`remove_with_parts`)
  are seen by the change log's ``after_flush`` listener (``directory.search.changelog``),
  which appends one entry per row in the same transaction; the search index and the
  map's cache follow that log.
- Bulk writes (:func:`write_rows`, the import's) bypass the unit of work for speed, and
  append their change log entries themselves.

What is deleted with a record is read from the HSDS table
(:func:`directory.institutions.hsds_fields.owned_parts`): the lists it owns, each row with the lists
it owns in turn (a phone with its languages, a contact with its phones).

Nothing here audits, checks permissions or commits: callers audit (the audit trail names
the person), views commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from directory.institutions import hsds_fields
from directory.institutions.models import (
    Accessibility,
    Address,
    Attribute,
    ChangeLogEntry,
    Contact,
    CostOption,
    Funding,
    Language,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    Program,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

# The model holding each HSDS object of the directory.
MODELS: dict[str, type[Any]] = {
    "taxonomy": Taxonomy,
    "taxonomy_term": TaxonomyTerm,
    "organization": Organization,
    "organization_identifier": OrganizationIdentifier,
    "program": Program,
    "location": Location,
    "accessibility": Accessibility,
    "service": Service,
    "service_at_location": ServiceAtLocation,
    "contact": Contact,
    "phone": Phone,
    "address": Address,
    "schedule": Schedule,
    "language": Language,
    "funding": Funding,
    "required_document": RequiredDocument,
    "cost_option": CostOption,
    "service_area": ServiceArea,
    "attribute": Attribute,
}
DIRECTORY_MODELS = frozenset(MODELS.values())


def _check(record: Any) -> Any:
    if type(record) not in DIRECTORY_MODELS:
        raise TypeError(f"not a directory record: {type(record).__name__}")
    return record


# One record at a time, through the ORM (the change log sees each)


def add(session: Session, record: Any) -> Any:
    """Add a new directory record; returns it."""
    session.add(_check(record))
    return record


def assign(record: Any, **values: Any) -> None:
    """Set columns of a directory record."""
    _check(record)
    for name, value in values.items():
        setattr(record, name, value)


def remove(session: Session, record: Any) -> None:
    """Delete one directory record (its owned parts are the caller's: see
    :func:`remove_with_parts`)."""
    session.delete(_check(record))


def parts(session: Session, name: str, record: Any) -> list[tuple[str, Any]]:
    """The rows ``record`` (of HSDS object ``name``) owns, each with its object name."""
    found: list[tuple[str, Any]] = []
    for child in hsds_fields.owned_parts(name):
        model = MODELS[child.object]
        if child.link is None:
            condition = [Attribute.link_entity == name, Attribute.link_id == record.id]
        else:
            condition = [getattr(model, child.link) == record.id]
        found += [(child.object, row) for row in session.scalars(select(model).where(*condition))]
    return found


def remove_parts(session: Session, name: str, record: Any) -> None:
    """Delete what ``record`` owns (recursively), not the record itself: the deepest
    parts first, a flush per level, so that no foreign key is left dangling (the models
    do not tell the unit of work that a phone's languages go before the phone)."""
    depth: dict[int, tuple[int, Any]] = {}
    current = [(name, record)]
    level = 0
    while current:
        level += 1
        found = []
        for kind, row in current:
            for part_kind, part in parts(session, kind, row):
                # A part met at two depths (a service's phone that is also its contact's)
                # goes with the deeper one.
                depth[id(part)] = (level, part)
                found.append((part_kind, part))
        current = found
    for deepest in range(level, 0, -1):
        rows = [part for at, part in depth.values() if at == deepest]
        for part in rows:
            session.delete(part)
        if rows:
            session.flush()
    # Its collections (a service's services at locations, a location's addresses) would
    # still hold the parts, and cascade their deletion a second time.
    session.expire(record)


def remove_with_parts(session: Session, name: str, record: Any) -> None:
    """Delete ``record`` and everything it owns (HSDS table), in one flush order that the
    foreign keys accept."""
    remove_parts(session, name, record)
    remove(session, record)


def owned_references(name: str) -> list[tuple[str, str]]:
    """(table, column) of the rows deleted with a record of ``name``: references to it
    that do not keep it alive."""
    return [
        (MODELS[child.object].__tablename__, child.link)
        for child in hsds_fields.owned_parts(name)
        if child.link is not None
    ]


def set_terms(
    session: Session, entity: str, record_id: str, taxonomy_id: str, wanted: Iterable[str]
) -> None:
    """Make the record's terms of one taxonomy exactly ``wanted`` (its attributes)."""
    wanted_ids = set(wanted)
    existing = session.scalars(
        select(Attribute).where(Attribute.link_entity == entity, Attribute.link_id == record_id)
    )
    for attribute in existing:
        if attribute.taxonomy_term.taxonomy_id != taxonomy_id:
            continue
        if attribute.taxonomy_term_id in wanted_ids:
            wanted_ids.discard(attribute.taxonomy_term_id)
        else:
            session.delete(attribute)
    for term_id in sorted(wanted_ids):
        session.add(Attribute(link_entity=entity, link_id=record_id, taxonomy_term_id=term_id))


def replace(session: Session, old: Iterable[Any], new: Iterable[Any]) -> None:
    """Delete ``old`` rows, add ``new`` ones (a list of phones, of hours...)."""
    for row in old:
        remove(session, row)
    for row in new:
        add(session, row)


def offer_at(service: Service, location_id: str) -> ServiceAtLocation:
    """Offer the service at a location (a new service at location)."""
    sal = ServiceAtLocation(location_id=location_id)
    service.service_at_locations.append(sal)
    return sal


def stop_offering(service: Service, sal: ServiceAtLocation) -> None:
    """No longer offer the service there: the service at location is deleted (an orphan)."""
    service.service_at_locations.remove(sal)


# Many rows at once (the HSDS import)


def write_rows(
    session: Session,
    kind: str,
    inserts: list[dict[str, Any]],
    updates: list[tuple[str, dict[str, Any]]],
) -> None:
    """INSERT ``inserts`` in one statement and UPDATE each ``(id, changed columns)``;
    the change log entries are the caller's (:func:`log_upserts`)."""
    model = MODELS[kind]
    for row_id, values in updates:
        session.execute(update(model).where(model.id == row_id).values(values))
    if inserts:
        session.execute(insert(model), inserts)


def log_upserts(session: Session, rows: Iterable[tuple[str, str]], source: str) -> None:
    """Append a change log entry per ``(kind, id)`` written by :func:`write_rows`."""
    entries = [
        {
            "entity": kind,
            "entity_id": row_id,
            "operation": "upsert",
            "details": {"source": source},
        }
        for kind, row_id in rows
    ]
    if entries:
        session.execute(insert(ChangeLogEntry), entries)
