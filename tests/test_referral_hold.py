"""On hold and resume: the receiver pauses the work with a reason and takes it up again;
the API, the page and who may do it."""

from __future__ import annotations

import pytest

from directory.extensions import db
from directory.notifications.models import Notification
from directory.referrals import states
from tests.support.referral_network import (
    OTHER_PARTNER,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_in,
)


def act(client, referral, headers, **body):
    return client.post(f"/api/v1/referrals/{referral.id}/transitions", json=body, headers=headers)


def test_hold_with_a_code_then_resume(client, network):
    referral = referral_in(network, states.ACCEPTED)
    partner = bearer(network.partner)
    held = act(client, referral, partner, action="hold", reason="awaiting_documents")
    assert held.status_code == 200, held.json
    assert held.json["status"] == "on_hold"
    assert held.json["actions"] == ["resume"]
    assert held.json["events"][-1]["reason_code"] == "awaiting_documents"
    # The hold's reason does not end the referral: no end reason on it.
    assert held.json["end_reason"] is None
    resumed = act(client, referral, partner, action="resume", note="Dokumen sudah lengkap.")
    assert resumed.status_code == 200
    assert resumed.json["status"] == "in_progress"
    assert [event["action"] for event in resumed.json["events"]][-2:] == ["hold", "resume"]


def test_a_plain_text_reason_is_kept_as_other_with_its_text(client, network):
    referral = referral_in(network, states.IN_PROGRESS)
    text = "Klien dirawat di rumah sakit dua minggu."
    held = act(client, referral, bearer(network.partner), action="hold", reason=text)
    assert held.status_code == 200
    event = held.json["events"][-1]
    assert (event["reason_code"], event["reason_text"]) == ("other", text)
    # The sender sees the reason too.
    seen = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.counsellor))
    assert seen.json["events"][-1]["reason_text"] == text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "hold"}, "reason.code"),
        ({"action": "hold", "reason": "other"}, "reason.text"),
        ({"action": "hold", "reason": {"code": "capacity_full"}}, "reason.code"),
        ({"action": "hold", "reason": "x" * 1001}, "reason"),
        ({"action": "resume", "reason": "client_request"}, "reason"),
    ],
)
def test_a_hold_without_a_fitting_reason_is_a_400_and_stores_nothing(client, network, body, field):
    status = states.ON_HOLD if body["action"] == "resume" else states.ACCEPTED
    referral = referral_in(network, status)
    events = len(referral.events)
    answer = act(client, referral, bearer(network.partner), **body)
    assert answer.status_code == 400
    assert field in answer.json["error"]["fields"]
    db.session.refresh(referral)
    assert referral.status == status and len(referral.events) == events


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (states.SENT, "hold"),
        (states.RECEIVED, "hold"),
        (states.ON_HOLD, "hold"),
        (states.CLOSED, "hold"),
        (states.ON_HOLD, "close"),
        (states.ON_HOLD, "start"),
        (states.IN_PROGRESS, "resume"),
        (states.ACCEPTED, "resume"),
    ],
)
def test_illegal_holds_and_resumes_are_409(client, network, status, action):
    referral = referral_in(network, status)
    body = {"action": action}
    if action == "hold":
        body["reason"] = "client_request"
    if action == "close":
        body["outcome"] = {"result": "successful", "service_delivered": True}
    assert act(client, referral, bearer(network.partner), **body).status_code == 409
    db.session.refresh(referral)
    assert referral.status == status


def test_the_sender_and_outsiders_cannot_hold(client, network):
    referral = referral_in(network, states.IN_PROGRESS)
    sender = act(client, referral, bearer(network.counsellor), action="hold", reason="capacity")
    assert sender.status_code == 403
    outsider = bearer(network.users[OTHER_PARTNER])
    assert act(client, referral, outsider, action="hold", reason="capacity").status_code == 404
    assert act(client, referral, {}, action="hold", reason="capacity").status_code == 401
    db.session.refresh(referral)
    assert referral.status == states.IN_PROGRESS


def test_the_counsellor_hears_of_the_hold_and_the_resume(client, network):
    referral = referral_in(network, states.IN_PROGRESS)
    act(client, referral, bearer(network.partner), action="hold", reason="capacity")
    act(client, referral, bearer(network.partner), action="resume")
    kinds = db.session.scalars(
        db.select(Notification.kind).where(
            Notification.user_id == network.counsellor.id,
            Notification.referral_id == referral.id,
        )
    ).all()
    assert sorted(kinds) == ["accept", "hold", "resume", "start"]


def test_hold_and_resume_on_the_page(app, network):
    referral = referral_in(network, states.ACCEPTED)
    client = client_as(app, network, RECEIVER)
    page = client.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "Tunda penanganan" in page
    token = csrf_token(client, f"/rujukan/{referral.id}")
    refused = client.post(
        f"/rujukan/{referral.id}/tindakan/hold",
        data={"hold-csrf_token": token, "hold-version": referral.version},
    )
    assert refused.status_code == 400
    held = client.post(
        f"/rujukan/{referral.id}/tindakan/hold",
        data={
            "hold-csrf_token": token,
            "hold-version": referral.version,
            "hold-reason_code": "client_unavailable",
        },
    )
    assert held.status_code == 303
    db.session.refresh(referral)
    assert referral.status == states.ON_HOLD
    page = client.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "Ditunda" in page and "Lanjutkan penanganan" in page
    # The sender sees the status and the reason, but gets no button.
    sender_page = client_as(app, network, SENDER).get(f"/rujukan/{referral.id}")
    text = sender_page.get_data(as_text=True)
    assert "Ditunda" in text and "Klien sementara tidak dapat hadir" in text
    assert "Lanjutkan penanganan</button>" not in text
    resumed = client.post(
        f"/rujukan/{referral.id}/tindakan/resume",
        data={"resume-csrf_token": token, "resume-version": referral.version},
    )
    assert resumed.status_code == 303
    db.session.refresh(referral)
    assert referral.status == states.IN_PROGRESS
