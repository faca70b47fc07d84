"""The notifications that referral events cause: receivers of
:mod:`directory.referrals.signals`, connected once by the app factory.

Each receiver writes in the sender's open transaction (blinker calls it inside ``send``):
the notifications of an event are committed with the event, or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select

from directory.auth.models import ADMIN, User
from directory.extensions import db
from directory.notifications.models import Notification, OutgoingEmail
from directory.notifications.operations import notify_referral_event
from directory.referrals import signals
from directory.referrals.break_glass import BREAK_GLASS_FLAG, REPORT_PATH
from directory.referrals.models import Referral
from directory.referrals.paths import referral_path
from directory.referrals.reminders import EMAIL_KINDS


def on_referral_event(referral: Referral, *, kind: str, actor: User | None, **_: Any) -> None:
    """An in-app notification and a queued e-mail for each party to hear of it."""
    notify_referral_event(referral, kind, actor)


def on_break_glass_refused(referral: Referral, *, actor: User, **_: Any) -> None:
    """Tell every other active administrator, without client data or the purpose."""
    others = db.session.execute(
        select(User.id, User.email).where(
            User.role == ADMIN, User.active.is_(True), User.id != actor.id
        )
    ).all()
    if not others:
        return
    db.session.execute(
        insert(cast(Table, Notification.__table__)),
        [
            {"user_id": row.id, "referral_id": referral.id, "kind": BREAK_GLASS_FLAG}
            for row in others
        ],
    )
    db.session.execute(
        insert(cast(Table, OutgoingEmail.__table__)),
        [
            {"to_address": row.email, "kind": BREAK_GLASS_FLAG, "link_path": REPORT_PATH}
            for row in others
        ],
    )


def on_referral_overdue(
    referral_id: str, *, action: str, people: list[User], details: str, now: datetime, **_: Any
) -> None:
    """An in-app notification and an e-mail (reference, organizations, hours) per person."""
    link = referral_path(referral_id)
    for person in people:
        db.session.add(
            Notification(user_id=person.id, referral_id=referral_id, kind=action, created_at=now)
        )
        db.session.add(
            OutgoingEmail(
                to_address=person.email,
                kind=EMAIL_KINDS[action],
                link_path=link,
                details=details,
                created_at=now,
            )
        )
    db.session.flush()


def on_referral_notices_forgotten(_: None, *, referral_ids: list[str], **__: Any) -> None:
    """Delete the notifications and queued e-mails of these referrals."""
    for start in range(0, len(referral_ids), 500):
        chunk = referral_ids[start : start + 500]
        db.session.execute(delete(Notification).where(Notification.referral_id.in_(chunk)))
        paths = [referral_path(referral_id) for referral_id in chunk]
        db.session.execute(delete(OutgoingEmail).where(OutgoingEmail.link_path.in_(paths)))


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    signals.referral_event.connect(on_referral_event, weak=False)
    signals.break_glass_refused.connect(on_break_glass_refused, weak=False)
    signals.referral_overdue.connect(on_referral_overdue, weak=False)
    signals.referral_notices_forgotten.connect(on_referral_notices_forgotten, weak=False)
