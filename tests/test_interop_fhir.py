"""FHIR R4 export of referrals: the status mapping, what the resources hold (and never
hold), and ``GET /api/v1/referrals/{id}/fhir`` for each kind of visitor."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from directory.database import utcnow
from directory.extensions import db
from directory.interop import fhir
from directory.privacy.retention import purge_client_data
from directory.privacy.subject import export_for_subject, referrals_about
from directory.referrals import operations, states
from directory.referrals.models import Referral, ReferralView
from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    OTHER_COUNSELLOR,
    OTHER_PARTNER,
    RECEIVER,
    ROLES,
    SENDER,
    bearer,
    referral_in,
    transition_request,
)

# The contract's table (shared/docs/contract.md); closed depends on the outcome.
CONTRACT_TASK_STATUS = {
    states.SENT: "requested",
    states.RECEIVED: "received",
    states.ACCEPTED: "accepted",
    states.DECLINED: "rejected",
    states.IN_PROGRESS: "in-progress",
    states.CLOSED: "completed",
    states.WITHDRAWN: "cancelled",
    states.ON_HOLD: "on-hold",
}
# FHIR R4 value sets (hl7.org/fhir/R4: task-status, request-status, request-intent,
# request-priority, bundle-type, administrative-gender).
TASK_STATUSES = {
    "draft",
    "requested",
    "received",
    "accepted",
    "rejected",
    "ready",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
}
REQUEST_STATUSES = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
REQUEST_PRIORITIES = {"routine", "urgent", "asap", "stat"}

SECRET_REASON = "Alasan rahasia: suami mengancam lewat telepon"
SECRET_TEXT = "Teks bebas rahasia tentang keluarga klien"
CLIENT_FIELDS = {
    "client_reference": "LK3-RAHASIA-0099",
    "client_initials": "Q.Z.",
    "client_contact": "0812 9999 0000",
    "client_safe_contact": "Hanya lewat kakak perempuannya",
    "reason": SECRET_REASON,
}


def resources(bundle: dict) -> dict[str, dict]:
    return {entry["resource"]["resourceType"]: entry["resource"] for entry in bundle["entry"]}


def closed_unsuccessfully(network) -> Referral:
    referral = referral_in(network, states.IN_PROGRESS, **CLIENT_FIELDS)
    outcome = operations.Outcome(
        result="not_successful", service_delivered=False, reason_not_successful=SECRET_TEXT
    )
    operations.transition_referral(
        referral, network.partner, transition_request(states.CLOSE, outcome=outcome)
    )
    db.session.commit()
    return referral


def fhir_url(referral: Referral, query: str = "") -> str:
    return f"/api/v1/referrals/{referral.id}/fhir{query}"


# The mapping


@pytest.mark.parametrize("status", states.STATUSES)
def test_task_status_follows_the_contract(network, status):
    referral = referral_in(network, status)
    bundle = fhir.referral_bundle(referral, utcnow())
    task = resources(bundle)["Task"]
    assert task["status"] == CONTRACT_TASK_STATUS[status]
    assert task["businessStatus"]["coding"][0]["code"] == status
    request = resources(bundle)["ServiceRequest"]
    assert request["status"] in REQUEST_STATUSES
    assert request["intent"] == task["intent"] == "order"


def test_every_status_has_a_task_status_in_the_fhir_value_set():
    mapped = set(fhir.TASK_STATUS) | {states.CLOSED}
    assert mapped == set(states.STATUSES)
    assert set(fhir.TASK_STATUS.values()) <= TASK_STATUSES
    assert set(fhir.SERVICE_REQUEST_STATUS) == set(states.STATUSES)
    assert set(fhir.SERVICE_REQUEST_STATUS.values()) <= REQUEST_STATUSES


def test_an_unsuccessful_close_is_a_failed_task(network):
    referral = closed_unsuccessfully(network)
    found = resources(fhir.referral_bundle(referral, utcnow()))
    assert found["Task"]["status"] == "failed"
    assert found["ServiceRequest"]["status"] == "completed"
    outputs = {o["type"]["coding"][0]["code"]: o for o in found["Task"]["output"]}
    assert outputs["outcome"]["valueCodeableConcept"]["coding"][0]["code"] == "not_successful"
    assert outputs["service-delivered"]["valueBoolean"] is False


@pytest.mark.parametrize(
    ("status", "request_status"),
    [
        (states.SENT, "active"),
        (states.IN_PROGRESS, "active"),
        (states.ON_HOLD, "active"),
        (states.CLOSED, "completed"),
        (states.DECLINED, "revoked"),
        (states.WITHDRAWN, "revoked"),
    ],
)
def test_service_request_status(network, status, request_status):
    referral = referral_in(network, status)
    assert resources(fhir.referral_bundle(referral, utcnow()))["ServiceRequest"]["status"] == (
        request_status
    )


@pytest.mark.parametrize(
    ("urgency", "priority"), [("emergency", "stat"), ("high", "urgent"), ("normal", "routine")]
)
def test_priority_follows_urgency(network, urgency, priority):
    referral = referral_in(network, states.SENT, urgency=urgency)
    found = resources(fhir.referral_bundle(referral, utcnow()))
    assert found["ServiceRequest"]["priority"] == found["Task"]["priority"] == priority
    assert priority in REQUEST_PRIORITIES


# What the resources hold


def test_the_bundle_links_request_task_and_organizations(network):
    referral = referral_in(network, states.CLOSED, problem_terms=network.problem_terms[:2])
    bundle = fhir.referral_bundle(referral, utcnow())
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "collection"
    request_entry, task_entry = bundle["entry"]
    request, task = request_entry["resource"], task_entry["resource"]
    assert request_entry["fullUrl"] == f"urn:uuid:{referral.id}"
    assert task["focus"]["reference"] == request_entry["fullUrl"]
    assert task["basedOn"][0]["reference"] == request_entry["fullUrl"]
    sender = {"system": fhir.URI_SYSTEM, "value": f"urn:uuid:{referral.sending_organization_id}"}
    receiver = {
        "system": fhir.URI_SYSTEM,
        "value": f"urn:uuid:{referral.receiving_organization_id}",
    }
    assert request["requester"]["identifier"] == task["requester"]["identifier"] == sender
    assert request["performer"][0]["identifier"] == task["owner"]["identifier"] == receiver
    assert request["requester"]["type"] == "Organization"
    assert {"system": fhir.REFERENCE_NUMBER_SYSTEM, "value": referral.reference_number} in (
        request["identifier"]
    )
    assert request["authoredOn"] == task["authoredOn"] == referral.sent_at.isoformat()
    assert task["executionPeriod"] == {
        "start": referral.received_at.isoformat(),
        "end": referral.closed_at.isoformat(),
    }
    assert [concept["text"] for concept in request["reasonCode"]] == sorted(
        term.name for term in network.problem_terms[:2]
    )
    assert {concept["coding"][0]["code"] for concept in request["reasonCode"]} == {
        term.code or term.id for term in network.problem_terms[:2]
    }


def test_the_same_referral_keeps_its_task_id(network):
    referral = referral_in(network, states.ACCEPTED)
    first = resources(fhir.referral_bundle(referral, utcnow()))["Task"]["id"]
    assert resources(fhir.referral_bundle(referral, utcnow()))["Task"]["id"] == first
    assert first != referral.id


def test_a_decline_reason_travels_as_a_code_only(network):
    referral = referral_in(network, states.RECEIVED, **CLIENT_FIELDS)
    operations.transition_referral(
        referral,
        network.partner,
        transition_request(states.DECLINE, reason_code="other", reason_text=SECRET_TEXT),
    )
    db.session.commit()
    task = resources(fhir.referral_bundle(referral, utcnow()))["Task"]
    assert task["statusReason"] == {
        "coding": [{"system": fhir.DECLINE_REASON_SYSTEM, "code": "other"}]
    }
    assert SECRET_TEXT not in json.dumps(task)


def test_a_hold_reason_travels_as_a_code_only_and_goes_with_the_resume(network):
    referral = referral_in(network, states.IN_PROGRESS, **CLIENT_FIELDS)
    operations.transition_referral(
        referral,
        network.partner,
        transition_request(states.HOLD, reason_code="other", reason_text=SECRET_TEXT),
    )
    db.session.commit()
    task = resources(fhir.referral_bundle(referral, utcnow()))["Task"]
    assert task["status"] == "on-hold"
    assert task["statusReason"] == {
        "coding": [{"system": fhir.HOLD_REASON_SYSTEM, "code": "other"}]
    }
    assert SECRET_TEXT not in json.dumps(task)
    operations.transition_referral(referral, network.partner, transition_request(states.RESUME))
    db.session.commit()
    task = resources(fhir.referral_bundle(referral, utcnow()))["Task"]
    assert task["status"] == "in-progress"
    assert "statusReason" not in task


def test_a_withdrawal_reason_has_its_own_code_system(network):
    referral = referral_in(network, states.WITHDRAWN)
    task = resources(fhir.referral_bundle(referral, utcnow()))["Task"]
    assert task["statusReason"]["coding"][0] == {
        "system": fhir.WITHDRAW_REASON_SYSTEM,
        "code": referral.end_reason_code,
    }
    assert "start" not in task["executionPeriod"]  # withdrawn before anyone acted


@pytest.mark.parametrize("status", states.STATUSES)
def test_no_client_data_by_default(network, status):
    referral = referral_in(network, status, **CLIENT_FIELDS)
    text = json.dumps(fhir.referral_bundle(referral, utcnow()), ensure_ascii=False)
    for value in CLIENT_FIELDS.values():
        assert value not in text
    found = resources(json.loads(text))
    assert set(found) == {"ServiceRequest", "Task"}
    assert found["ServiceRequest"]["subject"] == {
        "extension": [{"url": fhir.DATA_ABSENT_REASON, "valueCode": "masked"}]
    }
    assert "for" not in found["Task"]
    assert "note" not in found["ServiceRequest"]


def test_client_data_when_included(network):
    referral = referral_in(network, states.ACCEPTED, **CLIENT_FIELDS)
    bundle = fhir.referral_bundle(referral, utcnow(), include_client=True)
    found = resources(bundle)
    patient = found["Patient"]
    subject = {"reference": f"urn:uuid:{patient['id']}", "type": "Patient"}
    assert found["ServiceRequest"]["subject"] == found["Task"]["for"] == subject
    assert patient["identifier"][0]["value"] == CLIENT_FIELDS["client_reference"]
    assert patient["name"] == [{"text": CLIENT_FIELDS["client_initials"]}]
    assert patient["gender"] == "female"
    assert patient["telecom"] == [{"system": "phone", "value": CLIENT_FIELDS["client_contact"]}]
    assert found["ServiceRequest"]["note"] == [{"text": SECRET_REASON}]
    assert [entry["fullUrl"] for entry in bundle["entry"]][2] == subject["reference"]


# Validated by a FHIR R4 library (fhir.resources 6.x: the R4 models), value sets above


def _r4_models():
    pytest.importorskip("fhir.resources", minversion="6.5", reason="FHIR R4 models")
    from fhir.resources.bundle import Bundle

    return Bundle


@pytest.mark.parametrize("status", states.STATUSES)
@pytest.mark.parametrize("include_client", [False, True])
def test_bundles_are_valid_fhir_r4(network, status, include_client):
    bundle_model = _r4_models()
    referral = referral_in(network, status, **CLIENT_FIELDS)
    bundle = fhir.referral_bundle(referral, utcnow(), include_client=include_client)
    parsed = bundle_model.parse_obj(bundle)
    kinds = [entry.resource.resource_type for entry in parsed.entry]
    assert kinds[:2] == ["ServiceRequest", "Task"]


def test_the_validator_rejects_a_broken_bundle(network):
    """The check above can fail: a Task without its required status does not parse."""
    bundle_model = _r4_models()
    referral = referral_in(network, states.SENT)
    bundle = fhir.referral_bundle(referral, utcnow())
    del bundle["entry"][1]["resource"]["status"]
    with pytest.raises(ValueError, match="status"):
        bundle_model.parse_obj(bundle)


# Who may have client data


def test_only_an_administrator_may_export_client_data(network):
    referral = referral_in(network, states.SENT)
    admin = network.users[ADMIN_ROLE]
    assert fhir.client_export_refusal(referral, admin, purpose_stated=True) is None
    # Without a stated purpose (break-glass), not even an administrator.
    assert fhir.client_export_refusal(referral, admin) == fhir.NO_PURPOSE
    for role in (SENDER, RECEIVER, OTHER_COUNSELLOR, OTHER_PARTNER):
        for stated in (False, True):
            refusal = fhir.client_export_refusal(
                referral, network.users[role], purpose_stated=stated
            )
            assert refusal == fhir.NOT_ADMIN


def test_no_client_export_without_standing_consent(network):
    admin = network.users[ADMIN_ROLE]
    withdrawn = referral_in(network, states.ACCEPTED)
    operations.withdraw_consent(withdrawn, network.counsellor)
    purged = referral_in(network, states.DECLINED)
    purge_client_data(purged, utcnow())
    child = referral_in(
        network, states.SENT, client_age_group="13-17", guardian_consent_given=False
    )
    child_with_guardian = referral_in(
        network, states.SENT, client_age_group="6-12", guardian_consent_given=True
    )
    no_consent = referral_in(network, states.SENT, consent_given=False)

    def refusal(referral):
        return fhir.client_export_refusal(referral, admin, purpose_stated=True)

    assert refusal(withdrawn) == fhir.CONSENT_WITHDRAWN
    assert refusal(purged) == fhir.CLIENT_DATA_PURGED
    assert refusal(child) == fhir.NO_CONSENT
    assert refusal(no_consent) == fhir.NO_CONSENT
    assert refusal(child_with_guardian) is None


# The endpoint

EXPECTED = {
    ANONYMOUS: 401,
    SENDER: 200,
    RECEIVER: 200,
    OTHER_COUNSELLOR: 404,
    OTHER_PARTNER: 404,
    ADMIN_ROLE: 200,
}


def _headers(network, role: str) -> dict[str, str]:
    return {} if role == ANONYMOUS else bearer(network.users[role])


@pytest.mark.parametrize("role", ROLES)
def test_who_may_export(client, network, role):
    referral = referral_in(network, states.SENT, **CLIENT_FIELDS)
    response = client.get(fhir_url(referral), headers=_headers(network, role))
    assert response.status_code == EXPECTED[role]
    if response.status_code != 200:
        assert response.mimetype == "application/json"
        assert set(response.json["error"]) >= {"code", "message"}
        return
    assert response.mimetype == "application/fhir+json"
    bundle = json.loads(response.get_data(as_text=True))
    assert resources(bundle)["Task"]["status"] == "requested"
    for value in CLIENT_FIELDS.values():
        assert value not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [SENDER, RECEIVER])
def test_the_organizations_are_refused_client_data(client, network, role):
    referral = referral_in(network, states.SENT, **CLIENT_FIELDS)
    response = client.get(
        fhir_url(referral, "?include_client=true"), headers=_headers(network, role)
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert "administrator" in response.json["error"]["message"]
    assert "include_client" in response.json["error"]["fields"]
    assert db.session.scalars(select(ReferralView)).all() == []


@pytest.mark.parametrize("role", [OTHER_COUNSELLOR, OTHER_PARTNER])
def test_outsiders_asking_for_client_data_still_see_nothing(client, network, role):
    referral = referral_in(network, states.SENT, **CLIENT_FIELDS)
    response = client.get(
        fhir_url(referral, "?include_client=true"), headers=_headers(network, role)
    )
    assert response.status_code == 404


def state_purpose(client, referral, headers):
    response = client.post(
        f"/api/v1/referrals/{referral.id}/break-glass",
        json={"purpose": "Permintaan akses subjek data No. 7/2026"},
        headers=headers,
    )
    assert response.status_code == 201


def test_an_administrator_exports_client_data_and_it_is_recorded(client, network):
    referral = referral_in(network, states.ACCEPTED, **CLIENT_FIELDS)
    admin = network.users[ADMIN_ROLE]
    headers = bearer(admin)
    state_purpose(client, referral, headers)
    response = client.get(fhir_url(referral, "?include_client=true"), headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    patient = resources(response.json)["Patient"]
    assert patient["identifier"][0]["value"] == CLIENT_FIELDS["client_reference"]
    grant, access = db.session.scalars(select(ReferralView).order_by(ReferralView.id)).all()
    assert (grant.purpose, grant.client_data_shown) == ("break_glass", False)
    assert (access.user_id, access.channel, access.purpose) == (admin.id, "api", "fhir_export")
    assert access.client_data_shown is True


@pytest.mark.parametrize("role", [SENDER, RECEIVER, ADMIN_ROLE])
def test_an_export_without_client_data_is_recorded_as_such(client, network, role):
    referral = referral_in(network, states.SENT, **CLIENT_FIELDS)
    response = client.get(
        fhir_url(referral, "?include_client=false"), headers=_headers(network, role)
    )
    assert response.status_code == 200
    [access] = db.session.scalars(select(ReferralView)).all()
    assert access.purpose == "fhir_export"
    assert access.client_data_shown is False
    db.session.refresh(referral)
    assert referral.status == states.SENT  # an export is not an opening


def test_the_export_shows_in_the_subject_access_record(client, network):
    referral = referral_in(network, states.ACCEPTED, **CLIENT_FIELDS)
    headers = bearer(network.users[ADMIN_ROLE])
    state_purpose(client, referral, headers)
    client.get(fhir_url(referral, "?include_client=1"), headers=headers)
    reference = CLIENT_FIELDS["client_reference"]
    export = export_for_subject(reference, referrals_about(reference), utcnow())
    accessed = export["referrals"][0]["accessed"]
    assert [(a["purpose"], a["client_data_shown"]) for a in accessed] == [
        ("break_glass", False),
        ("fhir_export", True),
    ]


def test_no_client_data_after_consent_is_withdrawn(client, network):
    referral = referral_in(network, states.ACCEPTED, **CLIENT_FIELDS)
    operations.withdraw_consent(referral, network.counsellor)
    db.session.commit()
    response = client.get(
        fhir_url(referral, "?include_client=true"), headers=bearer(network.users[ADMIN_ROLE])
    )
    assert response.status_code == 403
    assert "mencabut" in response.json["error"]["message"]


def test_no_client_data_after_the_purge(client, network):
    referral = referral_in(network, states.CLOSED, **CLIENT_FIELDS)
    purge_client_data(referral, utcnow())
    db.session.commit()
    response = client.get(
        fhir_url(referral, "?include_client=true"), headers=bearer(network.users[ADMIN_ROLE])
    )
    assert response.status_code == 403
    plain = client.get(fhir_url(referral), headers=bearer(network.users[ADMIN_ROLE]))
    assert plain.status_code == 200
    assert resources(plain.json)["Task"]["status"] == "completed"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/referrals/bukan-uuid/fhir", "referral_id"),
        ("/api/v1/referrals/{id}/fhir?include_client=mungkin", "include_client"),
        ("/api/v1/referrals/{id}/fhir?include_client=true&include_client=false", "include_client"),
    ],
)
def test_bad_input_is_a_400(client, network, path, field):
    referral = referral_in(network, states.SENT)
    response = client.get(path.format(id=referral.id), headers=bearer(network.users[ADMIN_ROLE]))
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]
    assert db.session.scalars(select(ReferralView)).all() == []


def test_an_unknown_referral_is_a_404(client, network):
    response = client.get(
        "/api/v1/referrals/00000000-0000-4000-8000-000000000000/fhir",
        headers=bearer(network.users[ADMIN_ROLE]),
    )
    assert response.status_code == 404
