"""The notifications that referral events cause: receivers of
:mod:`directory.referrals.signals`, connected once by the app factory.

Each receiver writes in the sender's open transaction (blinker calls it inside ``send``):
the notifications of an event are committed with the event, or not at all.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert, select

from directory.auth.models import ADMIN, User
from directory.extensions import db
from directory.notifications.models import Notification, OutgoingEmail
from directory.notifications.operations import notify_referral_event
from directory.referrals import signals
from directory.referrals.break_glass import BREAK_GLASS_FLAG, REPORT_PATH
from directory.referrals.models import Referral


def on_referral_event(referral: Referral, *, kind: str, actor: User, **_: Any) -> None:
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


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    signals.referral_event.connect(on_referral_event, weak=False)
    signals.break_glass_refused.connect(on_break_glass_refused, weak=False)
