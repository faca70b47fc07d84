"""Break-glass: an administrator reads a client's identity only after stating why.

Administrators oversee the network, not its clients: by default they see a referral's
course but no client data (``Referral.can_see_client``). When one must read it (a court
order, a subject access request, a safeguarding emergency) they state a purpose; that
opens a short window (``BREAK_GLASS_MINUTES``) on that one referral for them alone. Every
grant is recorded (who, when, which referral, purpose), shown to both organizations in the
referral's access history and listed in the administrators' report. More than
``BREAK_GLASS_MAX_PER_HOUR`` grants in an hour are refused; the refusal is recorded and
flagged to the other administrators (in the app and by e-mail, never with client data).

Staff of the sending and receiving organizations are unaffected, administrator or not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select

from directory.auth.models import User
from directory.extensions import db
from directory.referrals import signals
from directory.referrals.models import BreakGlassAccess, Referral, ReferralView

log = logging.getLogger(__name__)

# ReferralView.purpose of a grant, and Notification/OutgoingEmail.kind of a refusal.
BREAK_GLASS = "break_glass"
BREAK_GLASS_FLAG = "break_glass_flag"
MIN_PURPOSE = 10
MAX_PURPOSE = 500
REPORT_PATH = "/admin/akses-darurat"


@dataclass(frozen=True)
class Limits:
    window: timedelta = timedelta(minutes=15)
    per_hour: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """``BREAK_GLASS_MINUTES`` and ``BREAK_GLASS_MAX_PER_HOUR`` of the app's settings."""
        return cls(
            window=timedelta(minutes=int(config["BREAK_GLASS_MINUTES"])),
            per_hour=int(config["BREAK_GLASS_MAX_PER_HOUR"]),
        )


class BreakGlassNotAllowed(Exception):
    """Only an administrator outside both organizations breaks the glass."""


class PurposeInvalid(Exception):
    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


class TooMany(Exception):
    """Past the hourly limit: refused, recorded and flagged."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def needs_break_glass(referral: Referral, actor: User) -> bool:
    """Whether ``actor`` is an administrator who sees the referral but not its client."""
    return bool(
        actor.is_authenticated
        and actor.is_active
        and actor.is_admin
        and not referral.sides(actor)
        and referral.can_view(actor)
    )


def active_grant(referral: Referral, actor: User, now: datetime) -> BreakGlassAccess | None:
    if not needs_break_glass(referral, actor):
        return None
    return db.session.scalars(
        select(BreakGlassAccess)
        .where(
            BreakGlassAccess.referral_id == referral.id,
            BreakGlassAccess.user_id == actor.id,
            BreakGlassAccess.refused.is_(False),
            BreakGlassAccess.expires_at > now,
        )
        .order_by(BreakGlassAccess.expires_at.desc())
        .limit(1)
    ).first()


def client_visible(referral: Referral, actor: User, now: datetime) -> bool:
    """Whether ``actor`` sees the client data now: the two organizations (the receiver
    while consent stands), or an administrator within a break-glass window while consent
    stands and the data exists."""
    if referral.can_see_client(actor):
        return True
    if referral.consent_withdrawn_at is not None or referral.client_data_purged_at is not None:
        return False
    return active_grant(referral, actor, now) is not None


def _clean_purpose(purpose: str | None) -> str:
    text = " ".join((purpose or "").split())
    if len(text) < MIN_PURPOSE:
        raise PurposeInvalid(
            _l(
                "Tuliskan tujuan membuka data klien (paling sedikit %(n)s karakter), "
                "mis. nomor surat permintaan pengadilan.",
                n=MIN_PURPOSE,
            )
        )
    if len(text) > MAX_PURPOSE:
        raise PurposeInvalid(_l("Terlalu panjang: paling banyak %(n)s karakter.", n=MAX_PURPOSE))
    return text


def grants_in_last_hour(actor: User, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count(BreakGlassAccess.id)).where(
                BreakGlassAccess.user_id == actor.id,
                BreakGlassAccess.refused.is_(False),
                BreakGlassAccess.requested_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


def break_glass(
    referral: Referral,
    actor: User,
    purpose: str | None,
    channel: str,
    now: datetime,
    limits: Limits = Limits(),
) -> BreakGlassAccess:
    """Grant ``actor`` a window on the referral's client data for the stated purpose.

    :raises BreakGlassNotAllowed: not an administrator, or on one of the referral's sides (they see
        the client anyway, or after a withdrawal of consent may not).
    :raises PurposeInvalid: no purpose, or too short or long; nothing recorded.
    :raises TooMany: past the hourly limit: the refusal is flushed (commit it) and the
        other administrators are notified.
    """
    if not needs_break_glass(referral, actor):
        raise BreakGlassNotAllowed
    text = _clean_purpose(purpose)
    if grants_in_last_hour(actor, now) >= limits.per_hour:
        db.session.add(
            BreakGlassAccess(
                referral_id=referral.id,
                user_id=actor.id,
                purpose=text,
                requested_at=now,
                refused=True,
            )
        )
        _flag(referral, actor)
        db.session.flush()
        raise TooMany(limits.per_hour)
    grant = BreakGlassAccess(
        referral_id=referral.id,
        user_id=actor.id,
        purpose=text,
        requested_at=now,
        expires_at=now + limits.window,
    )
    db.session.add(grant)
    db.session.add(
        ReferralView(
            referral_id=referral.id,
            user_id=actor.id,
            channel=channel,
            opened_at=now,
            purpose=BREAK_GLASS,
            client_data_shown=False,
        )
    )
    db.session.flush()
    return grant


def break_glass_for_subject(
    referrals: list[Referral],
    actor: User,
    purpose: str | None,
    now: datetime,
    limits: Limits = Limits(),
) -> None:
    """A subject access search (by client reference) reads the client data of every
    referral it finds: one grant each, for the stated purpose; the hourly limit is
    checked once for the search.

    :raises BreakGlassNotAllowed: not an administrator.
    :raises PurposeInvalid: nothing recorded, nothing searched.
    :raises TooMany: refused, recorded (on the first referral found) and flagged.
    """
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise BreakGlassNotAllowed
    text = _clean_purpose(purpose)
    # Within a window already opened (the search before an export), nothing new is read.
    referrals = [referral for referral in referrals if active_grant(referral, actor, now) is None]
    if not referrals:
        return
    if grants_in_last_hour(actor, now) >= limits.per_hour:
        if referrals:
            db.session.add(
                BreakGlassAccess(
                    referral_id=referrals[0].id,
                    user_id=actor.id,
                    purpose=text,
                    requested_at=now,
                    refused=True,
                )
            )
            _flag(referrals[0], actor)
        db.session.flush()
        raise TooMany(limits.per_hour)
    for referral in referrals:
        db.session.add(
            BreakGlassAccess(
                referral_id=referral.id,
                user_id=actor.id,
                purpose=text,
                requested_at=now,
                expires_at=now + limits.window,
            )
        )
    db.session.flush()


def check_purpose(purpose: str | None) -> str:
    """:raises PurposeInvalid:"""
    return _clean_purpose(purpose)


def _flag(referral: Referral, actor: User) -> None:
    """Log the refusal and announce it: the other active administrators are told
    (:mod:`directory.notifications.receivers`), without client data or the purpose."""
    log.warning(
        "break-glass limit reached: account %s refused on referral %s", actor.id, referral.id
    )
    signals.break_glass_refused.send(referral, actor=actor)


_ANY_ACCESS = (
    select(BreakGlassAccess.id)
    .where(BreakGlassAccess.referral_id == bindparam("referral_id"))
    .limit(1)
)


def accesses_of(referral: Referral) -> list[BreakGlassAccess]:
    """The referral's break-glass grants and refusals, newest first.

    Most referrals have none: a bare probe answers those at a fraction of the cost of
    loading the records, which every referral answer of the API would otherwise pay.
    """
    if db.session.scalar(_ANY_ACCESS, {"referral_id": referral.id}) is None:
        return []
    return list(
        db.session.scalars(
            select(BreakGlassAccess)
            .where(BreakGlassAccess.referral_id == referral.id)
            .order_by(BreakGlassAccess.requested_at.desc(), BreakGlassAccess.id.desc())
        )
    )


def report() -> Select[BreakGlassAccess]:
    """Every grant and refusal of the network, newest first (the administrators' report)."""
    return select(BreakGlassAccess).order_by(
        BreakGlassAccess.requested_at.desc(), BreakGlassAccess.id.desc()
    )
