"""Notifications in the app, and the e-mail outbox a worker sends.

Neither holds client data: a notification names the referral by its reference number and
what happened; an e-mail only says that a referral needs attention, with a link.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.database import new_id, utcnow
from directory.extensions import Model
from directory.sqltypes import UTCDateTime

if TYPE_CHECKING:
    from directory.auth.models import User
    from directory.institutions.models import Organization
    from directory.referrals.models import Referral

ID = Uuid(as_uuid=False)


class Notification(Model):
    __tablename__ = "notification"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    # A notification is about a referral, or (with no referral) about an organization's
    # listing: a reviewed change, a reminder that it has gone unverified.
    referral_id: Mapped[str | None] = mapped_column(
        ForeignKey("referral.id"), index=True, default=None
    )
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
    # The event that caused it: "send" or an action of the state table for a referral;
    # "listing_*" kinds for a listing.
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship()
    referral: Mapped[Referral | None] = relationship(lazy="joined")
    organization: Mapped[Organization | None] = relationship()


class OutgoingEmail(Model):
    """An e-mail waiting for (or done with) ``flask notifications send``.

    Only the address and a link path are stored; the fixed text is added when sending.
    """

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to_address: Mapped[str] = mapped_column(String(254))
    # Which fixed text to send: "referral" (a referral needs attention) or a listing kind.
    kind: Mapped[str] = mapped_column(String(20), default="referral", server_default="referral")
    link_path: Mapped[str] = mapped_column(String(300))
    # The figures some kinds' fixed text is filled with (JSON; never client data): the
    # reference number, organization names and hours overdue of an overdue reminder.
    details: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
