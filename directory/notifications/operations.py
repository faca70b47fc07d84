"""Who hears of what happens to a referral.

The receiving organization hears of a new referral, of a withdrawal and of a note from the
sending one; the counsellor who sent it hears of every change of status and of every note
from the receiver. Nobody is told of their own action. A note is told as "a new note on
RJK-...": its text is never in a notification or an e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, func, insert, select, update

from directory.auth.models import ADMIN, User
from directory.database import utcnow
from directory.extensions import db
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals import states
from directory.referrals.models import Referral
from directory.referrals.paths import referral_path
from directory.referrals.vocabulary import NOTE, SEND

# Events the receiving organization is told of (and a note from the sending one).
RECEIVER_HEARS = frozenset({SEND, states.WITHDRAW})


class Recipient(NamedTuple):
    id: str
    email: str


# Built once: a statement's cache key is computed once, not on every referral action.
_ACTIVE_MEMBERS = (
    select(User.id, User.email)
    .where(
        User.organization_id == bindparam("organization_id"),
        User.active.is_(True),
        User.role != ADMIN,
    )
    .order_by(User.email)
)
_INSERT_NOTIFICATION = insert(cast(Table, Notification.__table__))
_INSERT_EMAIL = insert(cast(Table, OutgoingEmail.__table__))


def recipients(referral: Referral, kind: str, actor: User | None) -> list[Recipient]:
    """``actor`` None: someone acting through a partner link (the receiving side)."""
    chosen: dict[str, Recipient] = {}
    sender_wrote = kind == NOTE and actor is not None and states.SENDER in referral.sides(actor)
    if kind in RECEIVER_HEARS or sender_wrote:
        members = db.session.execute(
            _ACTIVE_MEMBERS, {"organization_id": referral.receiving_organization_id}
        )
        chosen.update((row.id, Recipient(row.id, row.email)) for row in members)
    counsellor = referral.counsellor
    if kind != SEND and counsellor.active:
        chosen[counsellor.id] = Recipient(counsellor.id, counsellor.email)
    if actor is not None:
        chosen.pop(actor.id, None)
    return list(chosen.values())


def notify_referral_event(referral: Referral, kind: str, actor: User | None) -> None:
    """An in-app notification and a queued e-mail for each recipient; not committed.

    The referral must be flushed already. Both are written as plain inserts: nothing reads
    them back in the request, and the unit of work would cost more than the rows.
    """
    chosen = recipients(referral, kind, actor)
    if not chosen:
        return
    link = referral_path(referral.id)
    db.session.execute(
        _INSERT_NOTIFICATION,
        [{"user_id": user.id, "referral_id": referral.id, "kind": kind} for user in chosen],
    )
    db.session.execute(
        _INSERT_EMAIL, [{"to_address": user.email, "link_path": link} for user in chosen]
    )


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
