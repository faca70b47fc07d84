"""The change log: every change to the directory appends an entry, in the same transaction.

A SQLAlchemy ``after_flush`` listener looks at what the flush wrote and inserts one
``change_log`` row per directory record added, changed or deleted, on the flush's own
connection: the entry commits or rolls back with the change. The search index follows
the log (:mod:`directory.search.follower`); ``details`` carries the parent ids a deleted
record no longer has in the database, never any content.

Writes that bypass the ORM unit of work (``session.execute(update(...))``, Core inserts)
are not seen: directory writes go through the ORM, or run ``flask search rebuild``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, UOWTransaction

from directory.database import utcnow
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

# The directory's tables, and the parent ids worth keeping with an entry.
LOGGED: dict[type, tuple[str, ...]] = {
    Organization: (),
    Service: ("organization_id",),
    Location: ("organization_id",),
    ServiceAtLocation: ("service_id", "location_id"),
    Address: ("location_id",),
    Phone: ("organization_id", "service_id", "location_id", "service_at_location_id"),
    Schedule: ("service_id", "location_id", "service_at_location_id"),
    Language: ("service_id", "location_id"),
    CostOption: ("service_id",),
    ServiceArea: ("service_id",),
    Contact: ("organization_id", "service_id", "location_id", "service_at_location_id"),
    Attribute: ("link_entity", "link_id"),
    TaxonomyTerm: ("taxonomy_id",),
    Taxonomy: (),
    OrganizationIdentifier: ("organization_id",),
    Program: ("organization_id",),
    Funding: ("organization_id", "service_id"),
    RequiredDocument: ("service_id",),
    Accessibility: ("location_id",),
}


def _entry(target: Any, operation: str) -> dict[str, Any] | None:
    keys = LOGGED.get(type(target))
    if keys is None:
        return None
    details = {key: getattr(target, key) for key in keys if getattr(target, key, None)}
    if operation == "upsert":
        # A parent changed away: the old one must be reindexed too.
        state = inspect(target)
        for key in keys:
            history = state.attrs[key].history
            old = [value for value in history.deleted or () if value]
            if old:
                details[f"previous_{key}"] = old[0]
    return {
        "entity": type(target).__tablename__,
        "entity_id": str(target.id),
        "operation": operation,
        "changed_at": utcnow(),
        "details": details or None,
    }


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    entries = []
    for target in session.new:
        entries.append(_entry(target, "upsert"))
    for target in session.dirty:
        if session.is_modified(target, include_collections=False):
            entries.append(_entry(target, "upsert"))
    for target in session.deleted:
        entries.append(_entry(target, "delete"))
    rows = [entry for entry in entries if entry is not None]
    if rows:
        session.connection().execute(insert(ChangeLogEntry), rows)


def register_change_log(session_target: Any) -> None:
    """Listen on ``session_target`` (``db.session``); safe to call more than once."""
    if not event.contains(session_target, "after_flush", _after_flush):
        event.listen(session_target, "after_flush", _after_flush)
