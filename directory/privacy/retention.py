"""Retention: a referral's client data is purged a set time after it ended (closed,
declined or withdrawn), unless it is under a legal hold.

What goes: every client-data column of the referral, the free texts of its events
(notes, reasons) and the texts of the notes between the two organizations, which may
describe the client. What stays: the referral's statuses,
times, organizations, urgency, problems, age group and sex, its events (who did what,
when) and who opened it: the reports and the closed loop stay whole, without personal data.

Events are immutable to the ORM; the purge clears their texts with one SQL UPDATE, the one
change the retention rule makes to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select, update

from directory.extensions import db
from directory.referrals import states
from directory.referrals.models import Referral, ReferralEvent, ReferralNote

PURGED_REFERRAL_FIELDS = (
    "client_reference",
    "client_initials",
    "client_contact",
    "client_safe_contact",
    "guardian_relationship",
    "reason",
    "end_reason_text",
    "outcome_reason",
)


def purge_due(now: datetime, retention_days: int) -> Select[Referral]:
    """Ended referrals past retention, not held and not purged yet."""
    cutoff = now - timedelta(days=retention_days)
    return (
        select(Referral)
        .where(
            Referral.status.in_(states.FINAL_STATUSES),
            Referral.status_changed_at <= cutoff,
            Referral.legal_hold.is_(False),
            Referral.client_data_purged_at.is_(None),
        )
        .order_by(Referral.status_changed_at, Referral.id)
    )


def purge_client_data(referral: Referral, now: datetime) -> None:
    """Remove the referral's client data and its events' free texts; flushed."""
    for name in PURGED_REFERRAL_FIELDS:
        setattr(referral, name, None)
    referral.client_data_purged_at = now
    db.session.flush()
    db.session.execute(
        update(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .values(note=None, reason_text=None, outcome_reason=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        update(ReferralNote)
        .where(ReferralNote.referral_id == referral.id)
        .values(text=None)
        .execution_options(synchronize_session="fetch")
    )


def purge_expired(now: datetime, retention_days: int) -> int:
    """Purge every referral past retention; returns how many. The caller commits."""
    count = 0
    for referral in db.session.scalars(purge_due(now, retention_days)).all():
        purge_client_data(referral, now)
        count += 1
    return count
