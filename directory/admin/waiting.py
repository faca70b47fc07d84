"""What waits for the network's administrators, counted for their landing page (``/admin``).

Read-only queries; each count says what an administrator should look at, never anything
of a client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from directory.auth.models import ORGANIZATION_ROLES, User
from directory.institutions.models import Organization, Service
from directory.listings.models import PENDING, ListingChange
from directory.listings.stale import stale_cutoff
from directory.referrals import states
from directory.referrals.models import BreakGlassAccess, Referral

# How far back the landing page counts administrators' emergency access to client data.
BREAK_GLASS_DAYS = 7


@dataclass(frozen=True)
class Waiting:
    listing_changes: int  # partners' listing changes waiting for review
    overdue_referrals: int  # sent or opened, past the response deadline
    overdue_emergencies: int  # of those, the emergencies
    organizations_without_account: int  # accepting referrals, nobody to answer them
    stale_listings: int  # listings unverified for six months
    break_glass_accesses: int  # emergency access to client data in the past week

    @property
    def total(self) -> int:
        return (
            self.listing_changes
            + self.overdue_referrals
            + self.organizations_without_account
            + self.stale_listings
        )


def _count(session: Session, statement: object) -> int:
    return int(session.scalar(statement) or 0)  # type: ignore[call-overload]


def waiting(session: Session, now: datetime) -> Waiting:
    """The counts at ``now``."""
    overdue = select(func.count(Referral.id)).where(
        Referral.status.in_(states.AWAITING_RESPONSE), Referral.due_at < now
    )
    staffed = exists().where(
        User.organization_id == Organization.id,
        User.active.is_(True),
        User.role.in_(ORGANIZATION_ROLES),
    )
    accepting = exists().where(
        Service.organization_id == Organization.id,
        Service.status == "active",
        Service.accepting_referrals.is_(True),
    )
    cutoff = stale_cutoff(now)
    # As directory.listings.stale.stale_organizations counts them.
    stale = select(func.count(Organization.id)).where(
        Organization.active.is_(True),
        or_(
            Organization.verified_at < cutoff,
            and_(Organization.verified_at.is_(None), Organization.created_at < cutoff),
        ),
    )
    return Waiting(
        listing_changes=_count(
            session, select(func.count(ListingChange.id)).where(ListingChange.status == PENDING)
        ),
        overdue_referrals=_count(session, overdue),
        overdue_emergencies=_count(session, overdue.where(Referral.urgency == "emergency")),
        organizations_without_account=_count(
            session,
            select(func.count(Organization.id)).where(
                Organization.active.is_(True), accepting, ~staffed
            ),
        ),
        stale_listings=_count(session, stale),
        break_glass_accesses=_count(
            session,
            select(func.count(BreakGlassAccess.id)).where(
                BreakGlassAccess.requested_at > now - timedelta(days=BREAK_GLASS_DAYS)
            ),
        ),
    )
