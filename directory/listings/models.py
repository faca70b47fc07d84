"""A partner's proposed change to its own listing, waiting in the admin review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.auth.models import User
from directory.database import new_id, utcnow
from directory.extensions import Model
from directory.institutions.models import Organization
from directory.sqltypes import UTCDateTime

ID = Uuid(as_uuid=False)

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
CHANGE_STATUSES = (PENDING, APPROVED, REJECTED, WITHDRAWN)


class ListingChange(Model):
    """One proposed change to one record of an organization's listing.

    ``changes`` maps each field to ``{"old": text, "new": text}`` as the partner saw and
    wanted it (the textual forms of :func:`directory.audit.record.as_text`); a change to
    a record not yet in the directory has ``resource_id`` None.
    """

    __tablename__ = "listing_change"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    submitted_by_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reviewed_by_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)

    organization: Mapped[Organization] = relationship(lazy="joined")
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id], lazy="joined")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
