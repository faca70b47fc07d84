"""Recording changes to directory records in the audit trail.

Callers take a :func:`snapshot` of the fields they may change before changing them and
pass it, with the snapshot after, to :func:`record_changes`; one ``metadata`` row is added
per field whose value differs, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from directory.audit.models import ACTION_TYPES, MetadataEntry
from directory.database import utcnow


def as_text(value: Any) -> str:
    """One stored form of a field's value: '' for none, ISO 8601 for dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def snapshot(record: Any, fields: Iterable[str]) -> dict[str, str]:
    """The textual value of each of ``fields`` on ``record``."""
    return {name: as_text(getattr(record, name)) for name in fields}


def record_changes(
    session: Session,
    *,
    resource_type: str,
    resource_id: str,
    before: Mapping[str, str],
    after: Mapping[str, str],
    action: str,
    actor_email: str,
    actor_id: str | None = None,
    organization_id: str | None = None,
    when: datetime | None = None,
) -> list[MetadataEntry]:
    """Add one audit row per field whose value differs between ``before`` and ``after``.

    A field missing on one side counts as empty, so a creation is ``before={}`` and a
    deletion ``after={}``. With no field changed but an action that is itself the news
    (``verify``, ``deactivate``), one row with ``field_name`` of the action is kept.
    """
    if action not in ACTION_TYPES:
        raise ValueError(f"unknown audit action {action!r}")
    when = when or utcnow()
    entries = [
        MetadataEntry(
            resource_id=resource_id,
            resource_type=resource_type,
            last_action_date=when,
            last_action_type=action,
            field_name=name,
            previous_value=before.get(name, ""),
            replacement_value=after.get(name, ""),
            updated_by=actor_email,
            updated_by_id=actor_id,
            organization_id=organization_id,
        )
        for name in sorted(set(before) | set(after))
        if before.get(name, "") != after.get(name, "")
    ]
    if not entries and action not in ("create", "update"):
        entries.append(
            MetadataEntry(
                resource_id=resource_id,
                resource_type=resource_type,
                last_action_date=when,
                last_action_type=action,
                field_name=action,
                updated_by=actor_email,
                updated_by_id=actor_id,
                organization_id=organization_id,
            )
        )
    session.add_all(entries)
    return entries
