"""Referrals as the API's JSON. Client data and free text only for the two organizations
(see ``Referral.can_see_client``: not for the receiver after a withdrawal of consent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from directory.auth.models import User
from directory.referrals import vocabulary
from directory.referrals.models import BreakGlassAccess, Referral, ReferralEvent, ReferralNote


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _named(record: Any) -> dict[str, str] | None:
    return {"id": record.id, "name": record.name} if record is not None else None


# How an action through a partner link names its taker (no account): the contract's words.
VIA_LINK = "via link"
SYSTEM_ACTIONS = frozenset({vocabulary.REMIND, vocabulary.ESCALATE})


def _actor(event: ReferralEvent) -> dict[str, Any] | None:
    if event.actor_id is None:
        if event.action in SYSTEM_ACTIONS:
            return None  # the system's own reminder or escalation: no one acted
        name = f"{VIA_LINK}: {event.link_actor_name}" if event.link_actor_name else VIA_LINK
        return {"id": None, "name": name}
    return _named(event.actor)


def note_to_json(note: ReferralNote, *, detailed: bool) -> dict[str, Any]:
    """A note; its text (client data) only where the client data is shown, and never once
    purged."""
    return {
        "id": note.id,
        "author": _named(note.author),
        "organization_id": note.organization_id,
        "at": _time(note.created_at),
        "text": note.text if detailed else None,
    }


def event_to_json(event: ReferralEvent, *, detailed: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": event.action,
        "from": event.from_status,
        "to": event.to_status,
        "at": _time(event.occurred_at),
        "actor": _actor(event),
        "actor_organization": _named(event.actor_organization),
        "via_link": event.actor_id is None,
        "reason_code": event.reason_code,
        "outcome_result": event.outcome_result,
        "outcome_service_delivered": event.outcome_service_delivered,
        # On a decline: the service the decliner suggests instead (a directory entry).
        "suggested_service_id": event.suggested_service_id,
    }
    if detailed:
        body["note"] = event.note
        body["reason_text"] = event.reason_text
        body["outcome_reason_not_successful"] = event.outcome_reason
    return body


def break_glass_to_json(access: BreakGlassAccess) -> dict[str, Any]:
    return {
        "id": access.id,
        "referral_id": access.referral_id,
        "reference_number": access.referral.reference_number,
        "user": _named(access.user),
        "purpose": access.purpose,
        "requested_at": _time(access.requested_at),
        "expires_at": _time(access.expires_at),
        "refused": access.refused,
    }


def referral_to_json(
    referral: Referral,
    viewer: User,
    now: datetime,
    *,
    with_events: bool = False,
    detailed: bool | None = None,
    break_glass: list[BreakGlassAccess] | None = None,
    notes: list[ReferralNote] | None = None,
) -> dict[str, Any]:
    """``detailed``: whether the client data is shown (default: ``can_see_client``; an
    administrator's break-glass window is decided by the caller). ``break_glass``: the
    referral's break-glass record, for its access history. ``notes``: the notes between the
    two organizations, oldest first."""
    if detailed is None:
        detailed = referral.can_see_client(viewer)
    body: dict[str, Any] = {
        "id": referral.id,
        "reference_number": referral.reference_number,
        "status": referral.status,
        "version": referral.version,
        "urgency": referral.urgency,
        "service": _named(referral.service),
        "receiving_organization": _named(referral.receiving_organization),
        "sending_organization": _named(referral.sending_organization),
        "counsellor": _named(referral.counsellor),
        "problem_terms": [_named(term) for term in referral.problem_terms],
        "previous_referral_id": referral.previous_referral_id,
        "sent_at": _time(referral.sent_at),
        "due_at": _time(referral.due_at),
        "overdue": referral.is_overdue(now),
        "received_at": _time(referral.received_at),
        "responded_at": _time(referral.responded_at),
        "closed_at": _time(referral.closed_at),
        "end_reason": (
            {
                "code": referral.end_reason_code,
                "text": referral.end_reason_text if detailed else None,
            }
            if referral.end_reason_code
            else None
        ),
        "outcome": (
            {
                "result": referral.outcome_result,
                "reason_not_successful": referral.outcome_reason if detailed else None,
                "service_delivered": referral.outcome_service_delivered,
            }
            if referral.outcome_result
            else None
        ),
        "actions": referral.actions_for(viewer),
        # Client data, the reason and consent details: the two organizations only, the
        # receiving one only while consent stands; none at all once purged.
        "consent_withdrawn_at": _time(referral.consent_withdrawn_at),
        "client_data_purged_at": _time(referral.client_data_purged_at),
        "client_data_visible": detailed,
        "reason": referral.reason if detailed else None,
        "client": None,
        "consent": None,
    }
    if detailed:
        body["client"] = {
            "reference": referral.client_reference,
            "initials": referral.client_initials,
            "age_group": referral.client_age_group,
            "sex": referral.client_sex,
            "contact": referral.client_contact,
            "safe_contact": referral.client_safe_contact,
        }
        body["consent"] = {
            "given": referral.consent_given,
            "method": referral.consent_method,
            "recorded_at": _time(referral.consent_recorded_at),
            "guardian": (
                {
                    "given": referral.guardian_consent_given,
                    "relationship": referral.guardian_relationship,
                }
                if referral.guardian_consent_given is not None
                else None
            ),
        }
    if with_events:
        body["events"] = [event_to_json(event, detailed=detailed) for event in referral.events]
    if notes is not None:
        body["notes"] = [note_to_json(note, detailed=detailed) for note in notes]
    if break_glass is not None:
        body["break_glass"] = [break_glass_to_json(access) for access in break_glass]
    return body
