"""Keeping the index current: rebuild it, or apply the change log past its cursor.

The database is the source of truth. The index stores the id of the last change-log
entry it applied (its cursor, in the index folder); :func:`apply_pending` reads the
entries after it, works out which services they touch, reloads those from the database
and replaces them in the index (or removes them), then moves the cursor. Applying an
entry twice does no harm, so a crash between the index commit and the cursor write only
repeats work. One process writes at a time (the folder's writer lock).

Ids come from the database in insertion order, but a transaction that inserted a lower
id may commit after one with a higher id (PostgreSQL sequences). The cursor therefore
stops before the first missing id, and passes it only once the entries after it are
older than :data:`GAP_PATIENCE` (a rolled-back transaction leaves a permanent hole).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.database import utcnow
from directory.institutions.models import (
    Attribute,
    ChangeLogEntry,
    Location,
    Service,
    ServiceAtLocation,
)
from directory.search import index, parallel_build
from directory.search.records import (
    RegionNames,
    count_services,
    iter_all_records,
    load_records,
)

log = logging.getLogger(__name__)

BATCH = 1000
GAP_PATIENCE = timedelta(seconds=60)


def latest_entry_id(session: Session) -> int:
    return int(session.scalar(select(func.max(ChangeLogEntry.id))) or 0)


def rebuild(
    session: Session,
    folder: index.IndexFolder,
    progress: Callable[[int], None] = lambda done: None,
    *,
    bulk: bool = True,
    parallel: bool = False,
) -> int:
    """Build a new index from the database and swap it in; returns services indexed.
    ``bulk``: the bulk writer (``SEARCH_BULK_WRITER``) or Whoosh's public one.
    ``parallel``: a worker process writes the segment (``SEARCH_PARALLEL_BUILD``), if
    the directory is large enough for it to pay (:func:`worth_a_worker`).

    The cursor is read before the records: an entry written meanwhile is applied again
    by the follower, which is harmless.
    """
    cursor = latest_entry_id(session)
    regions = RegionNames.load(session)
    indexed = 0

    def counted() -> Iterable[Any]:
        nonlocal indexed
        for record in iter_all_records(session, regions):
            indexed += 1
            yield record

    with folder.writer_lock():
        index.build(
            folder,
            counted(),
            cursor,
            progress,
            bulk=bulk,
            parallel=parallel and worth_a_worker(session),
        )
    return indexed


def worth_a_worker(session: Session) -> bool:
    """Whether a rebuild of the directory is large enough for a worker process."""
    return parallel_build.worth_a_worker(count_services(session))


def affected_services(session: Session, entries: Sequence[ChangeLogEntry]) -> set[str]:
    """The ids of the services whose index documents the entries may change."""
    services: set[str] = set()
    organizations: set[str] = set()
    locations: set[str] = set()
    terms: set[str] = set()
    for entry in entries:
        details = entry.details or {}

        def each(key: str, details: dict[str, Any] = details) -> list[str]:
            return [str(details[name]) for name in (key, f"previous_{key}") if details.get(name)]

        if entry.entity == "service":
            services.add(entry.entity_id)
        elif entry.entity == "organization":
            organizations.add(entry.entity_id)
        elif entry.entity == "location":
            locations.add(entry.entity_id)
        elif entry.entity == "taxonomy_term":
            terms.add(entry.entity_id)
        elif entry.entity == "attribute":
            link_entities = {details.get("link_entity"), details.get("previous_link_entity")}
            for link_id in each("link_id"):
                if "service" in link_entities:
                    services.add(link_id)
                if "organization" in link_entities:
                    organizations.add(link_id)
        else:
            services.update(each("service_id"))
            locations.update(each("location_id"))
            if entry.entity == "service_at_location":
                services.add(entry.entity_id)
            for site in each("service_at_location_id"):
                services.update(
                    session.scalars(
                        select(ServiceAtLocation.service_id).where(ServiceAtLocation.id == site)
                    )
                )
            if entry.entity in ("phone", "contact") and not details.get("service_id"):
                organizations.update(each("organization_id"))
    if organizations:
        services.update(
            session.scalars(select(Service.id).where(Service.organization_id.in_(organizations)))
        )
        # Organization-level locations change the services held there.
        locations.update(
            session.scalars(select(Location.id).where(Location.organization_id.in_(organizations)))
        )
    if locations:
        services.update(
            session.scalars(
                select(ServiceAtLocation.service_id).where(
                    ServiceAtLocation.location_id.in_(locations)
                )
            )
        )
    if terms:
        services.update(
            session.scalars(
                select(Attribute.link_id).where(
                    Attribute.link_entity == "service", Attribute.taxonomy_term_id.in_(terms)
                )
            )
        )
        owners = session.scalars(
            select(Attribute.link_id).where(
                Attribute.link_entity == "organization", Attribute.taxonomy_term_id.in_(terms)
            )
        )
        services.update(
            session.scalars(select(Service.id).where(Service.organization_id.in_(list(owners))))
        )
    return services


def next_cursor(cursor: int, entries: Sequence[ChangeLogEntry]) -> int:
    """How far the cursor may move after applying ``entries`` (ids above ``cursor``)."""
    expected = cursor + 1
    for entry in entries:
        if entry.id != expected:
            changed_at = entry.changed_at
            if changed_at.tzinfo is None:
                changed_at = changed_at.replace(tzinfo=utcnow().tzinfo)
            if utcnow() - changed_at < GAP_PATIENCE:
                return expected - 1
        expected = entry.id + 1
    return expected - 1


def apply_pending(session: Session, folder: index.IndexFolder, *, batch: int = BATCH) -> int:
    """Apply the change-log entries past the index's cursor; returns how many were read.

    The caller holds the writer lock. Raises :class:`index.IndexUnavailable` when there
    is no index to update (rebuild instead).
    """
    cursor = folder.cursor()
    if cursor is None:
        raise index.IndexUnavailable("no index to follow the log with")
    read = 0
    regions: RegionNames | None = None
    while True:
        entries = list(
            session.scalars(
                select(ChangeLogEntry)
                .where(ChangeLogEntry.id > cursor)
                .order_by(ChangeLogEntry.id)
                .limit(batch)
            )
        )
        if not entries:
            return read
        read += len(entries)
        ids = sorted(affected_services(session, entries))
        regions = regions or RegionNames.load(session)
        records = load_records(session, ids, regions)
        found = {record.id for record in records}
        new_cursor = next_cursor(cursor, entries)
        index.apply(folder, records, [sid for sid in ids if sid not in found], new_cursor)
        session.rollback()  # end the read transaction: a follower must not hold locks
        if new_cursor == cursor or len(entries) < batch:
            return read
        cursor = new_cursor


def pending(session: Session, folder: index.IndexFolder) -> int | None:
    """How many entries wait past the cursor (None: no usable index)."""
    cursor = folder.cursor()
    if cursor is None:
        return None
    return int(
        session.scalar(
            select(func.count()).select_from(ChangeLogEntry).where(ChangeLogEntry.id > cursor)
        )
        or 0
    )
