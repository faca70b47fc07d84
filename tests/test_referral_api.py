"""The referrals API: sending, reading, listing and acting, as the contract says."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.referrals import states
from directory.referrals.models import Referral, ReferralEvent, ReferralView
from directory.referrals.vocabulary import MAX_REASON
from tests.factories import ReferralFactory, ServiceFactory, TaxonomyTermFactory, UserFactory
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
    referral_payload,
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_counsellor_sends_a_referral(client, network):
    headers = bearer(network.counsellor)
    response = client.post("/api/v1/referrals", json=referral_payload(network), headers=headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "sent"
    assert body["version"] == 1
    assert body["reference_number"].startswith("RJK-")
    assert body["receiving_organization"]["id"] == network.service.organization_id
    assert body["client"]["reference"] == "LK3-SRG-2025-017"
    assert [event["action"] for event in body["events"]] == ["send"]
    assert response.headers["Location"].endswith(f"/api/v1/referrals/{body['id']}")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_child_needs_a_guardians_consent(client, network):
    headers = bearer(network.counsellor)
    payload = referral_payload(network)
    payload["client"]["age_group"] = "13-17"
    response = client.post("/api/v1/referrals", json=payload, headers=headers)
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {
        "consent.guardian.given",
        "consent.guardian.relationship",
    }
    payload["consent"]["guardian"] = {"given": True, "relationship": "ibu"}
    response = client.post("/api/v1/referrals", json=payload, headers=headers)
    assert response.status_code == 201
    assert response.json["consent"]["guardian"] == {"given": True, "relationship": "ibu"}


def _set(path: str, value):
    def change(payload: dict) -> None:
        *parents, last = path.split(".")
        target = payload
        for name in parents:
            target = target[name]
        target[last] = value

    return change


def _drop(path: str):
    def change(payload: dict) -> None:
        *parents, last = path.split(".")
        target = payload
        for name in parents:
            target = target[name]
        del target[last]

    return change


BAD_BODIES = {
    "no consent": (_drop("consent"), "consent"),
    "consent not given": (_set("consent.given", False), "consent.given"),
    "consent given as a string": (_set("consent.given", "ya"), "consent.given"),
    "consent time without offset": (
        _set("consent.recorded_at", "2025-05-01T10:00:00"),
        "consent.recorded_at",
    ),
    "consent time not a time": (_set("consent.recorded_at", "kemarin"), "consent.recorded_at"),
    "consent in the future": (
        _set("consent.recorded_at", "2999-01-01T00:00:00+07:00"),
        "consent.recorded_at",
    ),
    "unknown consent method": (_set("consent.method", "telepati"), "consent.method"),
    "malformed service id": (_set("service_id", "not-a-uuid"), "service_id"),
    "unknown service id": (_set("service_id", str(uuid.uuid4())), "service_id"),
    "no service id": (_drop("service_id"), "service_id"),
    "unknown urgency": (_set("urgency", "urgent"), "urgency"),
    "oversized reason": (_set("reason", "x" * (MAX_REASON + 1)), "reason"),
    "empty reason": (_set("reason", ""), "reason"),
    "oversized initials": (_set("client.initials", "ABCDEFGHIJK"), "client.initials"),
    "oversized safe contact": (_set("client.safe_contact", "y" * 501), "client.safe_contact"),
    "status set by the client": (_set("status", "accepted"), "status"),
    "version set by the client": (_set("version", 7), "version"),
    "client name is not asked for": (_set("client.full_name", "Rina Aminah"), "client.full_name"),
    "no problems": (_set("problem_term_ids", []), "problem_term_ids"),
    "unknown problem term": (_set("problem_term_ids", [str(uuid.uuid4())]), "problem_term_ids"),
    "unknown age group": (_set("client.age_group", "dewasa"), "client.age_group"),
    "no client": (_drop("client"), "client"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES), ids=list(BAD_BODIES))
def test_bad_bodies_answer_400_and_store_nothing(client, network, case):
    change, field = BAD_BODIES[case]
    headers = bearer(network.counsellor)
    payload = referral_payload(network)
    change(payload)
    response = client.post("/api/v1/referrals", json=payload, headers=headers)
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["fields"]
    assert count(Referral) == count(ReferralEvent) == 0


def test_a_problem_term_of_another_taxonomy_is_refused(client, network):
    stray = TaxonomyTermFactory()
    db.session.commit()
    payload = referral_payload(network, problem_term_ids=[stray.id])
    response = client.post("/api/v1/referrals", json=payload, headers=bearer(network.counsellor))
    assert response.status_code == 400
    assert "problem_term_ids" in response.json["error"]["fields"]


def test_a_service_not_accepting_referrals_is_refused(client, network):
    closed = ServiceFactory(accepting_referrals=False)
    db.session.commit()
    payload = referral_payload(network, service_id=closed.id)
    response = client.post("/api/v1/referrals", json=payload, headers=bearer(network.counsellor))
    assert response.status_code == 400
    assert "service_id" in response.json["error"]["fields"]
    assert count(Referral) == 0


def test_malformed_json_and_wrong_content_type(client, network):
    headers = {**bearer(network.counsellor), "Content-Type": "application/json"}
    response = client.post("/api/v1/referrals", data="{not json", headers=headers)
    assert response.status_code == 400
    assert "body" in response.json["error"]["fields"]
    response = client.post("/api/v1/referrals", json=[1, 2], headers=bearer(network.counsellor))
    assert response.status_code == 400
    response = client.post(
        "/api/v1/referrals",
        data="service_id=x",
        headers={**bearer(network.counsellor), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert count(Referral) == 0


@pytest.mark.parametrize(
    ("role", "expected"),
    [(ANONYMOUS, 401), (RECEIVER, 403), (OTHER_PARTNER, 403), (ADMIN_ROLE, 403)],
)
def test_only_counsellors_send(client, network, role, expected):
    headers = bearer(network.users[role]) if role != ANONYMOUS else {}
    response = client.post("/api/v1/referrals", json=referral_payload(network), headers=headers)
    assert response.status_code == expected
    assert count(Referral) == 0


def test_a_counsellor_cannot_refer_to_their_own_organization(client, network):
    own = ServiceFactory(organization=network.counsellor.organization)
    db.session.commit()
    payload = referral_payload(network, service_id=own.id)
    response = client.post("/api/v1/referrals", json=payload, headers=bearer(network.counsellor))
    assert response.status_code == 400
    assert "service_id" in response.json["error"]["fields"]


@pytest.mark.parametrize("token", ["", "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz"])
def test_bad_credentials_answer_401(client, network, token):
    referral = referral_in(network, "sent")
    response = client.get(f"/api/v1/referrals/{referral.id}", headers={"Authorization": token})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_reading_a_referral_as_each_role(app, network):
    referral = referral_in(network, "sent")
    expected = {
        ANONYMOUS: 401,
        SENDER: 200,
        OTHER_COUNSELLOR: 404,
        RECEIVER: 200,
        OTHER_PARTNER: 404,
        ADMIN_ROLE: 200,
    }
    seen = {}
    for role in ROLES:
        headers = bearer(network.users[role]) if role != ANONYMOUS else {}
        seen[role] = app.test_client().get(f"/api/v1/referrals/{referral.id}", headers=headers)
    assert {role: response.status_code for role, response in seen.items()} == expected
    # The administrator sees the referral's course but no client data or free text.
    admin_view = seen[ADMIN_ROLE].json
    assert admin_view["client"] is None and admin_view["reason"] is None
    assert admin_view["client_data_visible"] is False
    assert seen[SENDER].json["client"]["initials"] == referral.client_initials


def test_unknown_and_malformed_ids(client, network):
    headers = bearer(network.counsellor)
    assert client.get(f"/api/v1/referrals/{uuid.uuid4()}", headers=headers).status_code == 404
    response = client.get("/api/v1/referrals/123", headers=headers)
    assert response.status_code == 400
    assert "referral_id" in response.json["error"]["fields"]


def test_the_receivers_first_opening_marks_it_received(client, network):
    referral = referral_in(network, "sent")
    response = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.counsellor))
    assert response.json["status"] == "sent"
    response = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.partner))
    assert response.json["status"] == "received"
    events = response.json["events"]
    assert [(e["action"], e["from"], e["to"]) for e in events] == [
        ("send", None, "sent"),
        ("receive", "sent", "received"),
    ]
    assert events[1]["actor"]["id"] == network.partner.id
    openers = db.session.scalars(
        select(ReferralView.user_id).where(ReferralView.referral_id == referral.id)
    ).all()
    assert openers == [network.counsellor.id, network.partner.id]


def test_boxes_list_only_what_the_caller_may_see(app, network):
    mine = referral_in(network, "sent")
    other_service = ServiceFactory()
    elsewhere = ReferralFactory(service=other_service)
    db.session.commit()
    sent_box = (
        app.test_client().get("/api/v1/referrals?box=sent", headers=bearer(network.counsellor)).json
    )
    assert [item["id"] for item in sent_box["contents"]] == [mine.id]
    assert sent_box["total_items"] == 1 and sent_box["page_number"] == 1
    inbox = (
        app.test_client()
        .get("/api/v1/referrals?box=received", headers=bearer(network.partner))
        .json
    )
    assert [item["id"] for item in inbox["contents"]] == [mine.id]
    nothing = (
        app.test_client()
        .get("/api/v1/referrals?box=received", headers=bearer(network.counsellor))
        .json
    )
    assert nothing["empty"] is True
    stranger = (
        app.test_client()
        .get("/api/v1/referrals", headers=bearer(network.users[OTHER_PARTNER]))
        .json
    )
    assert stranger["total_items"] == 0
    everything = (
        app.test_client().get("/api/v1/referrals", headers=bearer(network.users[ADMIN_ROLE])).json
    )
    assert {item["id"] for item in everything["contents"]} == {mine.id, elsewhere.id}


def test_list_filters_by_status_and_refuses_unknown_values(client, network):
    referral_in(network, "sent")
    declined = referral_in(network, "declined")
    headers = bearer(network.partner)
    body = client.get("/api/v1/referrals?box=received&status=declined", headers=headers).json
    assert [item["id"] for item in body["contents"]] == [declined.id]
    response = client.get("/api/v1/referrals?box=outbox&status=done", headers=headers)
    assert response.status_code == 400
    assert set(response.json["error"]["fields"]) == {"box", "status"}


def test_urgent_and_unanswered_come_first(client, network):
    accepted = referral_in(network, "accepted", urgency="emergency")
    normal = referral_in(network, "sent", urgency="normal")
    emergency = referral_in(network, "received", urgency="emergency")
    high = referral_in(network, "sent", urgency="high")
    body = client.get("/api/v1/referrals?box=received", headers=bearer(network.partner)).json
    assert [item["id"] for item in body["contents"]] == [
        emergency.id,
        high.id,
        normal.id,
        accepted.id,
    ]


def transition_body(action: str) -> dict:
    body: dict = {"action": action, "note": "Catatan uji."}
    if action == "decline":
        body["reason"] = {"code": "capacity_full", "text": "Kuota bulan ini penuh."}
    elif action == "withdraw":
        body["reason"] = "referred_elsewhere"
    elif action == "close":
        body["outcome"] = {"result": "successful", "service_delivered": True}
    elif action == "hold":
        body["reason"] = "Klien dirawat di rumah sakit dua minggu."
    return body


# The contract's table, independent of directory.referrals.states.
LEGAL = {
    ("sent", "receive"): "received",
    ("sent", "accept"): "accepted",
    ("received", "accept"): "accepted",
    ("sent", "decline"): "declined",
    ("received", "decline"): "declined",
    ("accepted", "start"): "in_progress",
    ("accepted", "close"): "closed",
    ("in_progress", "close"): "closed",
    ("sent", "withdraw"): "withdrawn",
    ("received", "withdraw"): "withdrawn",
    ("accepted", "hold"): "on_hold",
    ("in_progress", "hold"): "on_hold",
    ("on_hold", "resume"): "in_progress",
}
RECEIVER_ACTIONS = {"receive", "accept", "decline", "start", "close", "hold", "resume"}


def expected_answer(role: str, status: str, action: str) -> int:
    if role == ANONYMOUS:
        return 401
    if role in (OTHER_COUNSELLOR, OTHER_PARTNER):
        return 404
    if role == ADMIN_ROLE:
        return 403
    may = action in RECEIVER_ACTIONS if role == RECEIVER else action == "withdraw"
    if not may:
        return 403
    return 200 if (status, action) in LEGAL else 409


@pytest.mark.parametrize("status", states.STATUSES)
def test_the_whole_table_for_every_role(app, network, status):
    tokens = {role: bearer(network.users[role]) for role in ROLES if role != ANONYMOUS}
    mismatches = []
    for role in ROLES:
        for action in states.ACTIONS:
            referral = referral_in(network, status)
            events_before = len(referral.events)
            response = app.test_client().post(
                f"/api/v1/referrals/{referral.id}/transitions",
                json=transition_body(action),
                headers=tokens.get(role, {}),
            )
            expected = expected_answer(role, status, action)
            if response.status_code != expected:
                mismatches.append((role, action, response.status_code, expected))
                continue
            db.session.refresh(referral)
            if expected == 200:
                assert response.json["status"] == LEGAL[(status, action)]
                assert referral.status == LEGAL[(status, action)]
                assert referral.events[-1].action == action
                assert referral.events[-1].actor_id == network.users[role].id
                assert len(referral.events) == events_before + 1
            else:
                assert referral.status == status
                assert len(referral.events) == events_before
    assert mismatches == []


@pytest.mark.parametrize(
    ("status", "body", "field"),
    [
        ("received", {"action": "decline"}, "reason.code"),
        ("received", {"action": "decline", "reason": "other"}, "reason.text"),
        ("received", {"action": "decline", "reason": "bosan"}, "reason"),
        ("accepted", {"action": "close"}, "outcome"),
        (
            "accepted",
            {
                "action": "close",
                "outcome": {"result": "not_successful", "service_delivered": False},
            },
            "outcome.reason_not_successful",
        ),
        ("accepted", {"action": "start", "reason": "capacity_full"}, "reason"),
        ("sent", {"action": "accept", "status": "closed"}, "status"),
        ("sent", {"action": "teleport"}, "action"),
        ("sent", {"action": "accept", "note": "n" * 2001}, "note"),
    ],
)
def test_bad_transition_bodies(client, network, status, body, field):
    referral = referral_in(network, status)
    response = client.post(
        f"/api/v1/referrals/{referral.id}/transitions", json=body, headers=bearer(network.partner)
    )
    assert response.status_code == 400, response.json
    assert field in response.json["error"]["fields"]
    db.session.refresh(referral)
    assert referral.status == status


def test_withdraw_needs_a_reason(client, network):
    referral = referral_in(network, "sent")
    url = f"/api/v1/referrals/{referral.id}/transitions"
    response = client.post(url, json={"action": "withdraw"}, headers=bearer(network.counsellor))
    assert response.status_code == 400
    assert "reason.code" in response.json["error"]["fields"]


def test_closing_records_the_outcome(client, network):
    referral = referral_in(network, "in_progress")
    body = {
        "action": "close",
        "note": "Pendampingan selesai.",
        "outcome": {
            "result": "not_successful",
            "reason_not_successful": "Klien pindah ke luar kota.",
            "service_delivered": True,
        },
    }
    response = client.post(
        f"/api/v1/referrals/{referral.id}/transitions", json=body, headers=bearer(network.partner)
    )
    assert response.status_code == 200
    assert response.json["outcome"] == {
        "result": "not_successful",
        "reason_not_successful": "Klien pindah ke luar kota.",
        "service_delivered": True,
    }
    assert response.json["closed_at"] is not None
    assert response.json["events"][-1]["note"] == "Pendampingan selesai."


def test_a_stale_version_is_refused(client, network):
    referral = referral_in(network, "sent")
    url = f"/api/v1/referrals/{referral.id}/transitions"
    headers = bearer(network.partner)
    response = client.post(url, json={"action": "receive", "version": 1}, headers=headers)
    assert response.status_code == 200 and response.json["version"] == 2
    response = client.post(url, json={"action": "accept", "version": 1}, headers=headers)
    assert response.status_code == 409
    db.session.refresh(referral)
    assert referral.status == "received"
    response = client.post(url, json={"action": "accept", "version": 2}, headers=headers)
    assert response.status_code == 200 and response.json["status"] == "accepted"


def test_twenty_simultaneous_accepts_one_wins(app, network):
    referral = referral_in(network, "received")
    partners = [
        UserFactory(role="partner", organization=network.partner.organization) for _ in range(20)
    ]
    db.session.commit()
    headers = [bearer(partner) for partner in partners]
    url = f"/api/v1/referrals/{referral.id}/transitions"
    referral_id = referral.id
    # Nothing of the test's own session may hold the database while the threads run.
    db.session.commit()
    db.session.close()

    barrier = threading.Barrier(len(headers))
    answers: list[int] = []
    lock = threading.Lock()

    def accept(auth: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json={"action": "accept", "version": 2}, headers=auth)
        with lock:
            answers.append(response.status_code)

    threads = [threading.Thread(target=accept, args=(auth,)) for auth in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [200] + [409] * 19

    stored = db.session.get(Referral, referral_id)
    assert stored.status == "accepted"
    assert stored.version == 3
    accepts = [event for event in stored.events if event.action == "accept"]
    assert len(accepts) == 1


def test_simultaneous_first_openings_receive_once(app, network):
    """Opening writes on a GET (the visit, the first receipt): those GETs must queue for the
    write lock like any write, not fail half way."""
    referral = referral_in(network, "sent")
    partners = [
        UserFactory(role="partner", organization=network.partner.organization) for _ in range(10)
    ]
    db.session.commit()
    api_headers = [bearer(partner) for partner in partners[:5]]
    page_users = [partner.get_id() for partner in partners[5:]]
    referral_id = referral.id
    db.session.commit()
    db.session.close()

    barrier = threading.Barrier(10)
    answers: list[int] = []
    lock = threading.Lock()

    def open_by_api(auth: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.get(f"/api/v1/referrals/{referral_id}", headers=auth)
        with lock:
            answers.append(response.status_code)

    def open_the_page(session_id: str) -> None:
        client = app.test_client()
        with client.session_transaction() as session:
            session.update({"_user_id": session_id, "signed_in_at": int(time.time())})
        barrier.wait()
        response = client.get(f"/rujukan/{referral_id}")
        with lock:
            answers.append(response.status_code)

    threads = [threading.Thread(target=open_by_api, args=(auth,)) for auth in api_headers]
    threads += [threading.Thread(target=open_the_page, args=(sid,)) for sid in page_users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [200] * 10

    stored = db.session.get(Referral, referral_id)
    assert stored.status == "received"
    assert [event.action for event in stored.events] == ["send", "receive"]
    views = db.session.scalar(
        select(func.count(ReferralView.id)).where(ReferralView.referral_id == referral_id)
    )
    assert views == 10
