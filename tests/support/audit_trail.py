"""Reading the audit trail in tests."""

from __future__ import annotations

from sqlalchemy import select

from directory.audit.models import MetadataEntry
from directory.extensions import db


def audit_rows(resource_id: str) -> list[MetadataEntry]:
    """The audit trail's rows for one record, by field name."""
    return list(
        db.session.scalars(
            select(MetadataEntry)
            .where(MetadataEntry.resource_id == resource_id)
            .order_by(MetadataEntry.field_name)
        )
    )
