"""A referral as an HL7 FHIR R4 ``Bundle``: the ``ServiceRequest`` (what was asked of
whom) and its ``Task`` (how far the receiver has got). Pure: no Flask, no database
session; the caller decides who may have what.

Without client data (the default) the bundle holds only what both organizations and
the network's administrators already see without it: codes, dates, the organizations
and the service. The ``ServiceRequest.subject`` FHIR requires is then a reference with
only a ``data-absent-reason`` of ``masked``. Free text (the reason, notes, the reasons
given for declining or withdrawing and for an unsuccessful outcome) never leaves: codes
do. With ``include_client`` the client becomes a ``Patient`` entry (reference, initials,
age group, sex, contact) and the reason a note; :func:`client_export_refusal` says when
that is allowed.

Identifiers: our UUIDs as ``urn:uuid:`` values of the system ``urn:ietf:rfc:3986`` (the
FHIR way to carry a UUID); our own code systems and identifier systems are URNs under
``urn:jejaring-rujukan:fhir``, the same on every installation.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from directory.auth.models import User
from directory.institutions.models import Organization, TaxonomyTerm
from directory.referrals import states
from directory.referrals.models import Referral
from directory.referrals.vocabulary import CHILD_AGE_GROUPS, SUCCESSFUL

FhirDict = dict[str, Any]

MEDIA_TYPE = "application/fhir+json"
FHIR_VERSION = "4.0.1"

URI_SYSTEM = "urn:ietf:rfc:3986"
SYSTEM = "urn:jejaring-rujukan:fhir"
REFERENCE_NUMBER_SYSTEM = f"{SYSTEM}:referral-number"
REFERRAL_STATUS_SYSTEM = f"{SYSTEM}:referral-status"
DECLINE_REASON_SYSTEM = f"{SYSTEM}:decline-reason"
WITHDRAW_REASON_SYSTEM = f"{SYSTEM}:withdraw-reason"
HOLD_REASON_SYSTEM = f"{SYSTEM}:hold-reason"
OUTPUT_TYPE_SYSTEM = f"{SYSTEM}:referral-output"
OUTCOME_SYSTEM = f"{SYSTEM}:referral-outcome"
SERVICE_SYSTEM = f"{SYSTEM}:service"
AGE_GROUP_EXTENSION = f"{SYSTEM}:extension:age-group"
SAFE_CONTACT_EXTENSION = f"{SYSTEM}:extension:safe-contact"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
SNOMED = "http://snomed.info/sct"
# Our Task and Patient ids are derived from the referral's, so that an export names them
# the same way every time.
_ID_NAMESPACE = uuid.UUID("0b6f4a53-52f4-4c3e-9a51-9d2f5f0e1c7a")

TASK_STATUS = {
    states.SENT: "requested",
    states.RECEIVED: "received",
    states.ACCEPTED: "accepted",
    states.DECLINED: "rejected",
    states.IN_PROGRESS: "in-progress",
    # states.CLOSED: "completed" or "failed", by the outcome (task_status).
    states.WITHDRAWN: "cancelled",
    states.ON_HOLD: "on-hold",
}
# ServiceRequest.status: the request stands until it is answered for good.
SERVICE_REQUEST_STATUS = {
    states.SENT: "active",
    states.RECEIVED: "active",
    states.ACCEPTED: "active",
    states.IN_PROGRESS: "active",
    # The receiver paused the task; the request itself stands.
    states.ON_HOLD: "active",
    states.CLOSED: "completed",
    states.DECLINED: "revoked",
    states.WITHDRAWN: "revoked",
}
PRIORITY = {"emergency": "stat", "high": "urgent", "normal": "routine"}
GENDER = {"female": "female", "male": "male"}

# Why client data may not go out (see client_export_refusal).
NOT_ADMIN = "not_admin"
NO_CONSENT = "no_consent"
CONSENT_WITHDRAWN = "consent_withdrawn"
NO_PURPOSE = "no_purpose"
CLIENT_DATA_PURGED = "client_data_purged"


def task_status(referral: Referral) -> str:
    """FHIR Task.status: closed is ``completed`` when the outcome was successful, else
    ``failed``."""
    if referral.status == states.CLOSED:
        return "completed" if referral.outcome_result == SUCCESSFUL else "failed"
    return TASK_STATUS[referral.status]


def service_request_status(referral: Referral) -> str:
    return SERVICE_REQUEST_STATUS[referral.status]


def client_export_refusal(
    referral: Referral, user: User, *, purpose_stated: bool = False
) -> str | None:
    """Why the client data may not be exported to ``user``, or None when it may.

    Only an administrator (for a subject access or a court, say) takes client data out
    of the network this way, and only while the client's recorded consent (a guardian's
    too for a child) stands and the data still exists, within a break-glass window
    (``purpose_stated``: see :mod:`directory.referrals.break_glass`).
    """
    if not (user.is_authenticated and user.is_active and user.is_admin):
        return NOT_ADMIN
    if referral.client_data_purged_at is not None:
        return CLIENT_DATA_PURGED
    if referral.consent_withdrawn_at is not None:
        return CONSENT_WITHDRAWN
    guardian_needed = referral.client_age_group in CHILD_AGE_GROUPS
    if not referral.consent_given or (guardian_needed and not referral.guardian_consent_given):
        return NO_CONSENT
    if not purpose_stated:
        return NO_PURPOSE
    return None


def derived_id(referral: Referral, role: str) -> str:
    """The id of the referral's Task or Patient: a UUID derived from the referral's."""
    return str(uuid.uuid5(_ID_NAMESPACE, f"{referral.id}/{role}"))


def _urn(identifier: str) -> str:
    return f"urn:uuid:{identifier}"


def _instant(value: datetime) -> str:
    return value.isoformat()


def _coding(system: str, code: str, display: str | None = None) -> FhirDict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None) -> FhirDict:
    return {"coding": [_coding(system, code, display)]}


def organization_reference(organization: Organization) -> FhirDict:
    return {
        "type": "Organization",
        "identifier": {"system": URI_SYSTEM, "value": _urn(organization.id)},
        "display": organization.name,
    }


def _term_concept(term: TaxonomyTerm) -> FhirDict:
    taxonomy = term.taxonomy
    system = (taxonomy.uri if taxonomy is not None else None) or (
        f"{SYSTEM}:taxonomy:{term.taxonomy_id}" if term.taxonomy_id else f"{SYSTEM}:taxonomy"
    )
    return {"coding": [_coding(system, term.code or term.id, term.name)], "text": term.name}


def _masked_subject() -> FhirDict:
    return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "masked"}]}


def _patient(referral: Referral) -> FhirDict:
    patient: FhirDict = {
        "resourceType": "Patient",
        "id": derived_id(referral, "client"),
        "identifier": [
            {
                "system": f"{SYSTEM}:client-reference:{referral.sending_organization_id}",
                "value": referral.client_reference,
                "assigner": organization_reference(referral.sending_organization),
            }
        ],
        "extension": [{"url": AGE_GROUP_EXTENSION, "valueCode": referral.client_age_group}],
    }
    if referral.client_safe_contact:
        patient["extension"].append(
            {"url": SAFE_CONTACT_EXTENSION, "valueString": referral.client_safe_contact}
        )
    if referral.client_initials:
        patient["name"] = [{"text": referral.client_initials}]
    if referral.client_sex in GENDER:
        patient["gender"] = GENDER[referral.client_sex]
    if referral.client_contact:
        patient["telecom"] = [{"system": "phone", "value": referral.client_contact}]
    return patient


def service_request(referral: Referral, *, subject: FhirDict) -> FhirDict:
    resource: FhirDict = {
        "resourceType": "ServiceRequest",
        "id": referral.id,
        "meta": {"lastUpdated": _instant(referral.status_changed_at)},
        "identifier": [
            {"system": URI_SYSTEM, "value": _urn(referral.id)},
            {"system": REFERENCE_NUMBER_SYSTEM, "value": referral.reference_number},
        ],
        "status": service_request_status(referral),
        "intent": "order",
        "category": [_concept(SNOMED, "3457005", "Patient referral")],
        "priority": PRIORITY[referral.urgency],
        "code": {
            "coding": [_coding(SERVICE_SYSTEM, referral.service_id, referral.service.name)],
            "text": referral.service.name,
        },
        "subject": subject,
        "authoredOn": _instant(referral.sent_at),
        "requester": organization_reference(referral.sending_organization),
        "performer": [organization_reference(referral.receiving_organization)],
    }
    if referral.problem_terms:
        resource["reasonCode"] = [_term_concept(term) for term in referral.problem_terms]
    if referral.previous_referral_id:
        resource["replaces"] = [
            {
                "type": "ServiceRequest",
                "identifier": {"system": URI_SYSTEM, "value": _urn(referral.previous_referral_id)},
            }
        ]
    return resource


def _status_reason(referral: Referral) -> FhirDict | None:
    """The code (never the free text) of why it was declined, withdrawn or put on hold."""
    if referral.status == states.ON_HOLD:
        holds = [event for event in referral.events if event.action == states.HOLD]
        if holds and holds[-1].reason_code:
            return _concept(HOLD_REASON_SYSTEM, holds[-1].reason_code)
        return None
    if not referral.end_reason_code:
        return None
    if referral.status == states.DECLINED:
        return _concept(DECLINE_REASON_SYSTEM, referral.end_reason_code)
    if referral.status == states.WITHDRAWN:
        return _concept(WITHDRAW_REASON_SYSTEM, referral.end_reason_code)
    return None


def _execution_period(referral: Referral) -> FhirDict | None:
    """From the receiver's first action to the last one, once the referral has ended."""
    period: FhirDict = {}
    start = referral.received_at or referral.responded_at
    if start is not None:
        period["start"] = _instant(start)
    if referral.status in states.FINAL_STATUSES:
        period["end"] = _instant(referral.closed_at or referral.status_changed_at)
    return period or None


def _outputs(referral: Referral) -> list[FhirDict]:
    outputs: list[FhirDict] = []
    if referral.outcome_result:
        outputs.append(
            {
                "type": _concept(OUTPUT_TYPE_SYSTEM, "outcome"),
                "valueCodeableConcept": _concept(OUTCOME_SYSTEM, referral.outcome_result),
            }
        )
    if referral.outcome_service_delivered is not None:
        outputs.append(
            {
                "type": _concept(OUTPUT_TYPE_SYSTEM, "service-delivered"),
                "valueBoolean": referral.outcome_service_delivered,
            }
        )
    return outputs


def task(referral: Referral, *, subject: FhirDict | None) -> FhirDict:
    request_reference = {"reference": _urn(referral.id), "type": "ServiceRequest"}
    resource: FhirDict = {
        "resourceType": "Task",
        "id": derived_id(referral, "task"),
        "meta": {"lastUpdated": _instant(referral.status_changed_at)},
        "identifier": [{"system": URI_SYSTEM, "value": _urn(derived_id(referral, "task"))}],
        "basedOn": [request_reference],
        "status": task_status(referral),
        "businessStatus": _concept(REFERRAL_STATUS_SYSTEM, referral.status),
        "intent": "order",
        "priority": PRIORITY[referral.urgency],
        "focus": request_reference,
        "authoredOn": _instant(referral.sent_at),
        "lastModified": _instant(referral.status_changed_at),
        "requester": organization_reference(referral.sending_organization),
        "owner": organization_reference(referral.receiving_organization),
        # The receiver is to answer by the due date.
        "restriction": {"period": {"end": _instant(referral.due_at)}},
    }
    if subject is not None:
        resource["for"] = subject
    reason = _status_reason(referral)
    if reason is not None:
        resource["statusReason"] = reason
    period = _execution_period(referral)
    if period is not None:
        resource["executionPeriod"] = period
    outputs = _outputs(referral)
    if outputs:
        resource["output"] = outputs
    return resource


def referral_bundle(referral: Referral, now: datetime, *, include_client: bool = False) -> FhirDict:
    """The referral as a FHIR R4 ``collection`` Bundle: ServiceRequest, Task and, with
    ``include_client`` (the caller has checked :func:`client_export_refusal`), Patient."""
    entries: list[FhirDict] = []
    if include_client:
        patient = _patient(referral)
        subject = {"reference": _urn(patient["id"]), "type": "Patient"}
        request = service_request(referral, subject=subject)
        if referral.reason:
            request["note"] = [{"text": referral.reason}]
        entries = [request, task(referral, subject=subject), patient]
    else:
        entries = [
            service_request(referral, subject=_masked_subject()),
            task(referral, subject=None),
        ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(now)},
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": _urn(resource["id"]), "resource": resource} for resource in entries],
    }
