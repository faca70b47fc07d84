"""Overdue referrals: one reminder to the receiver once past the response deadline, then,
still unanswered one working day after that reminder, one escalation to the network
coordinators.

Both are events of the referral with no actor (the system did it), an in-app notification
and an e-mail for each person told. The e-mail names the reference number, the two
organizations and how many hours the answer is overdue: never client data (nothing of the
``client_*`` columns, the reason or a note is even read here). Coordinators are the active
administrators; those given the receiver's province (``User.province_code``) when any
is, all of them otherwise.

Idempotent: the events themselves mark what was done, and a partial unique index (one
``remind`` and one ``escalate`` per referral) holds even when two runs overlap (the
worker and cron); the loser's insert fails in its savepoint and it tells nobody. Time
comes in as ``now``, so that tests and ``--now`` can set the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Table, exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from directory.auth.models import ADMIN, User
from directory.extensions import db
from directory.geo.timezones import zone_info
from directory.institutions.models import Location, Organization, ServiceAtLocation
from directory.referrals import signals, states
from directory.referrals.deadlines import DeadlineRule, holidays_from_config, response_due_at
from directory.referrals.models import Referral, ReferralEvent
from directory.referrals.vocabulary import ESCALATE, REMIND

# Still unanswered this long after the reminder: the coordinators are told.
ESCALATE_AFTER = DeadlineRule(working_days=1)
EARLIEST_ESCALATION = timedelta(days=1)
# The e-mail texts (directory.notifications.mail.TEXTS) of each step.
EMAIL_KINDS = {REMIND: "referral_overdue", ESCALATE: "referral_escalated"}

_INSERT_EVENT = insert(cast(Table, ReferralEvent.__table__))


@dataclass
class OverdueRound:
    """What one run did: the reference numbers reminded and escalated."""

    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Overdue:
    id: str
    reference_number: str
    status: str
    due_at: datetime
    service_id: str
    receiving_organization_id: str
    receiver_name: str
    sender_name: str
    reminded_at: datetime | None


def _overdue(now: datetime) -> list[_Overdue]:
    """Referrals awaiting an answer past their deadline and not escalated yet: their
    reference, organizations and reminder time only (no client data is read)."""
    receiver = aliased(Organization)
    sender = aliased(Organization)
    reminded_at = (
        select(ReferralEvent.occurred_at)
        .where(ReferralEvent.referral_id == Referral.id, ReferralEvent.action == REMIND)
        .limit(1)
        .scalar_subquery()
    )
    escalated = exists().where(
        ReferralEvent.referral_id == Referral.id, ReferralEvent.action == ESCALATE
    )
    statement = (
        select(
            Referral.id,
            Referral.reference_number,
            Referral.status,
            Referral.due_at,
            Referral.service_id,
            Referral.receiving_organization_id,
            receiver.name,
            sender.name,
            reminded_at,
        )
        .join(receiver, receiver.id == Referral.receiving_organization_id)
        .join(sender, sender.id == Referral.sending_organization_id)
        .where(
            Referral.status.in_(states.AWAITING_RESPONSE),
            Referral.due_at < now,
            ~escalated,
        )
        .order_by(Referral.due_at, Referral.id)
    )
    return [_Overdue(*row) for row in db.session.execute(statement)]


def receiver_region(service_id: str, organization_id: str) -> str | None:
    """The Kemendagri code where the receiver works: the region of the referred service's
    first location that has one, else of its organization's first (by name)."""
    of_service = (
        select(Location.region_code)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == service_id, Location.region_code.is_not(None))
        .order_by(Location.name, Location.id)
        .limit(1)
    )
    of_organization = (
        select(Location.region_code)
        .where(Location.organization_id == organization_id, Location.region_code.is_not(None))
        .order_by(Location.name, Location.id)
        .limit(1)
    )
    return db.session.scalar(of_service) or db.session.scalar(of_organization)


def receiver_staff(organization_id: str) -> list[User]:
    """The receiving organization's active staff (administrators are told otherwise)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organization_id == organization_id,
                User.active.is_(True),
                User.role != ADMIN,
            )
            .order_by(User.email)
        )
    )


def coordinators_for(region_code: str | None) -> list[User]:
    """The active administrators responsible for the province of ``region_code``, or all
    of them when none is (or the region is unknown)."""
    everyone = list(
        db.session.scalars(
            select(User).where(User.role == ADMIN, User.active.is_(True)).order_by(User.email)
        )
    )
    province = region_code[:2] if region_code else None
    responsible = [user for user in everyone if province and user.province_code == province]
    return responsible or everyone


def _zone(region_code: str | None) -> tzinfo:
    if region_code:
        return zone_info(region_code)
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def overdue_details(referral: _Overdue, now: datetime) -> dict[str, object]:
    """What a reminder's e-mail text is filled with: nothing of the client."""
    return {
        "reference": referral.reference_number,
        "receiver": referral.receiver_name,
        "sender": referral.sender_name,
        "hours": int((now - referral.due_at).total_seconds() // 3600),
    }


def _record(referral: _Overdue, action: str, people: list[User], now: datetime) -> bool:
    """The event, then the notifications and e-mails, all or nothing (a savepoint).

    False when another run recorded this step first (the unique index refused it)."""
    try:
        with db.session.begin_nested():
            db.session.execute(
                _INSERT_EVENT,
                {
                    "referral_id": referral.id,
                    "action": action,
                    "from_status": referral.status,
                    "to_status": referral.status,
                    "actor_id": None,
                    "actor_organization_id": None,
                    "occurred_at": now,
                },
            )
    except IntegrityError:
        return False
    signals.referral_overdue.send(
        referral.id,
        action=action,
        people=people,
        details=json.dumps(overdue_details(referral, now), ensure_ascii=False),
        now=now,
    )
    db.session.flush()
    return True


def remind_overdue(now: datetime) -> OverdueRound:
    """Remind and escalate what is due at ``now``; flushed, the caller commits."""
    config = current_app.config
    holidays = holidays_from_config(config["REFERRAL_HOLIDAYS"])
    done = OverdueRound()
    for referral in _overdue(now):
        if referral.reminded_at is None:
            staff = receiver_staff(referral.receiving_organization_id)
            if _record(referral, REMIND, staff, now):
                done.reminded.append(referral.reference_number)
            continue
        if now < referral.reminded_at + EARLIEST_ESCALATION:
            continue  # a working day is a day at least: no need to look further
        region = receiver_region(referral.service_id, referral.receiving_organization_id)
        escalate_at = response_due_at(referral.reminded_at, ESCALATE_AFTER, _zone(region), holidays)
        if now >= escalate_at and _record(referral, ESCALATE, coordinators_for(region), now):
            done.escalated.append(referral.reference_number)
    return done
