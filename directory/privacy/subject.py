"""The data subject's right of access (UU No. 27 Tahun 2022): what we hold about a client
reference, who saw it and when, and the export an administrator may release.

A request may come from the abuser posing as the client. The full record is for the
administrator deciding; the export leaves out what would endanger the client or reveal
others: the contact and the safe-contact instructions (how to reach the client), every
free text (reasons and notes describe other people: family, the alleged abuser, staff), the
names of staff, and the receiving organization when any of its locations is confidential
(a safe house).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from directory.auth.models import User
from directory.crypto import cipher
from directory.extensions import db
from directory.referrals.models import Referral, ReferralView

OMITTED = (
    "client.contact",
    "client.safe_contact",
    "reason",
    "notes_and_reason_texts",
    "staff_names",
    "confidential_locations",
)


def referrals_about(reference: str) -> list[Referral]:
    """Every referral with this client reference (by its keyed hash), oldest first."""
    digest = cipher().reference_hash(reference)
    if digest is None:
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.client_reference_hash == digest)
            .order_by(Referral.sent_at, Referral.id)
        )
    )


def accesses(referral: Referral) -> list[ReferralView]:
    """Who opened or changed the referral, newest first."""
    return list(
        db.session.scalars(
            select(ReferralView)
            .where(ReferralView.referral_id == referral.id)
            .order_by(ReferralView.opened_at.desc(), ReferralView.id.desc())
        )
    )


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _organization_label(user: User) -> str:
    if user.is_admin:
        return "administrator"
    return user.organization.name if user.organization is not None else "-"


def _hides_location(referral: Referral) -> bool:
    return any(location.confidential for location in referral.receiving_organization.locations)


def export_for_subject(reference: str, referrals: list[Referral], now: datetime) -> dict[str, Any]:
    """What the client may receive: see the module's note for what is left out and why."""
    items = []
    for referral in referrals:
        receiver = (
            "(dirahasiakan)" if _hides_location(referral) else referral.receiving_organization.name
        )
        items.append(
            {
                "reference_number": referral.reference_number,
                "sent_at": _time(referral.sent_at),
                "status": referral.status,
                "urgency": referral.urgency,
                "problems": [term.name for term in referral.problem_terms],
                "sending_organization": referral.sending_organization.name,
                "receiving_organization": receiver,
                "client": {
                    "initials": referral.client_initials,
                    "age_group": referral.client_age_group,
                    "sex": referral.client_sex,
                },
                "consent": {
                    "method": referral.consent_method,
                    "recorded_at": _time(referral.consent_recorded_at),
                    "withdrawn_at": _time(referral.consent_withdrawn_at),
                },
                "client_data_purged_at": _time(referral.client_data_purged_at),
                "history": [
                    {"action": event.action, "to": event.to_status, "at": _time(event.occurred_at)}
                    for event in referral.events
                ],
                "accessed": [
                    {
                        "at": _time(view.opened_at),
                        "by": _organization_label(view.user),
                        "purpose": view.purpose,
                        "client_data_shown": view.client_data_shown,
                    }
                    for view in reversed(accesses(referral))
                ],
            }
        )
    return {
        "client_reference": reference,
        "generated_at": _time(now),
        "referrals": items,
        "omitted": list(OMITTED),
    }
