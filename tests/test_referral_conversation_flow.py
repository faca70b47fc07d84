"""Issue 17's "done when", end to end through the test client: a referral is sent, opened,
accepted (the receiver using only the link for these first steps), held, resumed, noted
both ways and closed."""

from __future__ import annotations

from urllib.parse import urlsplit

from directory.extensions import db
from directory.notifications.models import Notification
from directory.referrals.models import ReferralEvent
from tests.support.referral_network import (
    RECEIVER,
    bearer,
    build_network,
    client_as,
    csrf_token,
    referral_payload,
)


def test_sent_opened_accepted_by_link_held_resumed_noted_and_closed(app):
    network = build_network()
    api = app.test_client()
    counsellor, partner = bearer(network.counsellor), bearer(network.partner)

    # The counsellor sends the referral and makes a link for the receiver.
    sent = api.post("/api/v1/referrals", json=referral_payload(network), headers=counsellor)
    assert sent.status_code == 201 and sent.json["status"] == "sent"
    referral_id = sent.json["id"]
    base = f"/api/v1/referrals/{referral_id}"
    link = api.post(f"{base}/links", headers=counsellor)
    assert link.status_code == 201
    link_path = urlsplit(link.json["url"]).path

    # Someone at the receiving organization, with no account, opens the link (a fresh
    # browser: no cookie), marks it opened, then accepts it under their name.
    holder = app.test_client()
    page = holder.get(link_path)
    assert page.status_code == 200
    assert "LK3-SRG-2025-017" not in page.get_data(as_text=True)  # the client's reference
    opened = holder.post(link_path, data={"action": "receive", "name": "Bu Rina"})
    assert opened.status_code == 200
    status = api.get(base, headers=counsellor).json
    assert status["status"] == "received"
    accepted = holder.post(link_path, json={"action": "accept", "name": "Bu Rina"})
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    # The link has done its work.
    assert holder.get(link_path).status_code == 410

    # From here on, the receiver's staff use their account: hold with a reason, resume.
    held = api.post(
        f"{base}/transitions",
        json={"action": "hold", "reason": "Klien dirawat inap, kembali minggu depan."},
        headers=partner,
    )
    assert held.status_code == 200 and held.json["status"] == "on_hold"
    fhir = api.get(f"{base}/fhir", headers=partner).json
    task = next(e["resource"] for e in fhir["entry"] if e["resource"]["resourceType"] == "Task")
    assert task["status"] == "on-hold"
    closing_while_held = api.post(
        f"{base}/transitions",
        json={"action": "close", "outcome": {"result": "successful", "service_delivered": True}},
        headers=partner,
    )
    assert closing_while_held.status_code == 409
    resumed = api.post(f"{base}/transitions", json={"action": "resume"}, headers=partner)
    assert resumed.status_code == 200 and resumed.json["status"] == "in_progress"

    # Notes both ways: the sender over the API, the receiver on the referral page.
    asked = api.post(
        f"{base}/notes", json={"text": "Apakah klien sudah bisa datang?"}, headers=counsellor
    )
    assert asked.status_code == 201
    browser = client_as(app, network, RECEIVER)
    token = csrf_token(browser, f"/rujukan/{referral_id}")
    replied = browser.post(
        f"/rujukan/{referral_id}/catatan",
        data={"csrf_token": token, "text": "Sudah, sesi pertama Kamis."},
    )
    assert replied.status_code == 303
    timeline = browser.get(f"/rujukan/{referral_id}").get_data(as_text=True)
    assert "melalui tautan: Bu Rina" in timeline

    # Closed with an outcome.
    closed = api.post(
        f"{base}/transitions",
        json={"action": "close", "outcome": {"result": "successful", "service_delivered": True}},
        headers=partner,
    )
    assert closed.status_code == 200 and closed.json["status"] == "closed"

    final = api.get(base, headers=counsellor).json
    assert [event["action"] for event in final["events"]] == [
        "send",
        "receive",
        "accept",
        "hold",
        "resume",
        "close",
    ]
    by_link = [event for event in final["events"] if event["via_link"]]
    assert [event["actor"]["name"] for event in by_link] == ["via link: Bu Rina"] * 2
    assert [note["text"] for note in final["notes"]] == [
        "Apakah klien sudah bisa datang?",
        "Sudah, sesi pertama Kamis.",
    ]
    # The receiver's staff see it all in their inbox too.
    inbox = api.get("/api/v1/referrals?box=received", headers=partner).json["contents"]
    assert [item["id"] for item in inbox] == [referral_id]
    # And each side was told of the other's notes.
    kinds = {
        (notification.user_id, notification.kind)
        for notification in db.session.scalars(db.select(Notification))
    }
    assert (network.partner.id, "note") in kinds and (network.counsellor.id, "note") in kinds
    assert (
        db.session.scalar(
            db.select(db.func.count(ReferralEvent.id)).where(ReferralEvent.actor_id.is_(None))
        )
        == 2
    )
