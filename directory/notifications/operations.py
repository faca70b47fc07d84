"""Who hears of what happens to a referral.

The receiving organization hears of a new referral and of a withdrawal; the counsellor who
sent it hears of every change of status. Nobody is told of their own action.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update

from directory.auth.models import ADMIN, User
from directory.database import utcnow
from directory.extensions import db
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals import states
from directory.referrals.models import Referral
from directory.referrals.paths import referral_path
from directory.referrals.vocabulary import SEND

# Events the receiving organization is told of.
RECEIVER_HEARS = frozenset({SEND, states.WITHDRAW})


def recipients(referral: Referral, kind: str, actor: User) -> list[User]:
    chosen: dict[str, User] = {}
    if kind in RECEIVER_HEARS:
        members = db.session.scalars(
            select(User)
            .where(
                User.organization_id == referral.receiving_organization_id,
                User.active.is_(True),
                User.role != ADMIN,
            )
            .order_by(User.email)
        )
        chosen.update((user.id, user) for user in members)
    if kind != SEND and referral.counsellor.active:
        chosen[referral.counsellor.id] = referral.counsellor
    chosen.pop(actor.id, None)
    return list(chosen.values())


def notify_referral_event(referral: Referral, kind: str, actor: User) -> list[Notification]:
    """An in-app notification and a queued e-mail for each recipient; flushed, not committed."""
    created = []
    for user in recipients(referral, kind, actor):
        notification = Notification(user_id=user.id, referral_id=referral.id, kind=kind)
        db.session.add(notification)
        db.session.add(OutgoingEmail(to_address=user.email, link_path=referral_path(referral.id)))
        created.append(notification)
    db.session.flush()
    return created


def notify_listing_event(
    users: Iterable[User], organization_id: str, kind: str, *, email_link: str | None = None
) -> list[Notification]:
    """An in-app notification about an organization's listing for each user, and with
    ``email_link`` an e-mail of the fixed text of ``kind`` too; flushed, not committed."""
    created = []
    for user in users:
        notification = Notification(user_id=user.id, organization_id=organization_id, kind=kind)
        db.session.add(notification)
        if email_link is not None:
            db.session.add(OutgoingEmail(to_address=user.email, kind=kind, link_path=email_link))
        created.append(notification)
    db.session.flush()
    return created


def unread_count(user: User) -> int:
    statement = select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    return db.session.scalar(statement) or 0


def mark_read(notification: Notification, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user: User, now: datetime | None = None) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    db.session.flush()
