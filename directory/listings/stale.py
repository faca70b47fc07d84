"""Listings gone unverified: flagged on their pages, and their staff reminded.

A listing is stale when it was last verified (or, never verified, created) more than six
calendar months before ``now``. Its staff get an in-app notification and an e-mail of a
fixed text, at most once every 30 days (``Organization.stale_reminder_sent_at``); verifying
the listing ends it. Time comes in as ``now``, so that a test can freeze it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select

from directory.auth.models import ORGANIZATION_ROLES, User
from directory.extensions import db
from directory.institutions import operations as directory_writes
from directory.institutions.models import Organization
from directory.notifications.operations import notify_listing_event

STALE_AFTER_MONTHS = 6
REMIND_EVERY = timedelta(days=30)
LISTING_STALE = "listing_stale"
# The page where staff verify their listing (the ``listings.overview`` route).
OVERVIEW_PATH = "/lembaga-saya"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the last day of the
    month when that month is shorter: 31 August -> 28 or 29 February)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def stale_cutoff(now: datetime) -> datetime:
    """Listings last verified before this moment are stale."""
    return months_before(now, STALE_AFTER_MONTHS)


def _aware(moment: datetime) -> datetime:
    # ``created_at`` comes back naive from SQLite; it is stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Verification:
    """What a listing's page says of it: when it was last verified (None: never), and
    whether that is too long ago."""

    verified_at: datetime | None
    stale: bool


def verification_of(organization: Organization, now: datetime) -> Verification:
    since = organization.verified_at or organization.created_at
    stale = since is not None and _aware(since) < stale_cutoff(now)
    return Verification(verified_at=organization.verified_at, stale=stale)


def stale_organizations(now: datetime) -> list[Organization]:
    """Active organizations whose listing is stale at ``now``, by name."""
    cutoff = stale_cutoff(now)
    statement = (
        select(Organization)
        .where(
            Organization.active.is_(True),
            or_(
                Organization.verified_at < cutoff,
                and_(Organization.verified_at.is_(None), Organization.created_at < cutoff),
            ),
        )
        .order_by(Organization.name, Organization.id)
    )
    return list(db.session.scalars(statement))


def staff_of(organization: Organization) -> list[User]:
    """The active accounts that keep an organization's listing."""
    statement = (
        select(User)
        .where(
            User.organization_id == organization.id,
            User.active.is_(True),
            User.role.in_(ORGANIZATION_ROLES),
        )
        .order_by(User.email)
    )
    return list(db.session.scalars(statement))


def remind_stale(now: datetime) -> list[Organization]:
    """Remind the staff of each stale listing not reminded in the last 30 days; flushed,
    not committed. Listings with nobody to remind are left for when someone is.

    Returns the organizations whose staff were reminded.
    """
    reminded = []
    for organization in stale_organizations(now):
        last = organization.stale_reminder_sent_at
        if last is not None and now - last < REMIND_EVERY:
            continue
        staff = staff_of(organization)
        if not staff:
            continue
        notify_listing_event(staff, organization.id, LISTING_STALE, email_link=OVERVIEW_PATH)
        directory_writes.assign(organization, stale_reminder_sent_at=now)
        reminded.append(organization)
    db.session.flush()
    return reminded
