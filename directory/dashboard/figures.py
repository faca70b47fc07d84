"""An organization's figures: the network report's (:mod:`directory.reports.figures`),
narrowed to the referrals it sent or those it received. Nothing is counted differently and
nothing is published otherwise: every count below 5 is ``"<5"``, and a rate or median
resting on fewer than 5 values is withheld, as in the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.institutions.models import Organization
from directory.referrals.models import Referral
from directory.reports.figures import MONTH, Report, ReportFilters, compute_report

# The dashboard covers this many months back from today, this one included.
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Dashboard:
    organization: Organization
    # Referrals the organization sent (its counsellors' outbox) and received (its inbox).
    sent: Report
    received: Report
    since: date


def first_day_of_month_back(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s: twelve months
    shown, this one included."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def organization_dashboard(
    session: Session, organization: Organization, now: datetime, today: date
) -> Dashboard:
    """The organization's figures over the last twelve months: in all, and by month (the
    reports' monthly groups)."""
    since = first_day_of_month_back(today, MONTHS_SHOWN)
    filters = ReportFilters(group_by=MONTH, date_from=since)
    sent = compute_report(
        session, filters, now, where=[Referral.sending_organization_id == organization.id]
    )
    received = compute_report(
        session, filters, now, where=[Referral.receiving_organization_id == organization.id]
    )
    return Dashboard(organization=organization, sent=sent, received=received, since=since)


def organizations_with_referrals(session: Session) -> list[Organization]:
    """For a coordinator choosing a dashboard: every organization in a referral, by name."""
    senders = select(Referral.sending_organization_id)
    receivers = select(Referral.receiving_organization_id)
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.id.in_(senders.union(receivers)))
            .order_by(Organization.name, Organization.id)
        )
    )
