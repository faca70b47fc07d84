"""Consent withdrawn: the sender records it, and from that moment the receiving
organization sees no client data, on its pages or through the API; the referral says so."""

from __future__ import annotations

from directory.extensions import db
from directory.referrals import operations
from directory.referrals.models import ReferralView
from tests.support.referral_network import (
    bearer,
    build_network,
    client_as,
    csrf_token,
    referral_in,
)

SAFE = "Telepon hanya Selasa pagi, kata sandi: melati"


def withdraw_through_the_page(app, network, referral):
    sender = client_as(app, network, "sender_counsellor")
    token = csrf_token(sender, f"/rujukan/{referral.id}")
    return sender.post(
        f"/rujukan/{referral.id}/cabut-persetujuan",
        data={"csrf_token": token, "note": "Klien menelepon"},
    )


def test_the_receiver_loses_the_client_data_at_once(app):
    network = build_network()
    referral = referral_in(
        network,
        "accepted",
        client_reference="CABUT-001",
        client_contact="0812 5555 0000",
        client_safe_contact=SAFE,
    )
    receiver = client_as(app, network, "receiver_partner")
    api = bearer(network.partner)
    page = receiver.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "CABUT-001" in page and SAFE in page
    assert receiver.get(f"/api/v1/referrals/{referral.id}", headers=api).json["client"]

    response = withdraw_through_the_page(app, network, referral)
    assert response.status_code == 303

    page = receiver.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "CABUT-001" not in page and SAFE not in page and "0812 5555 0000" not in page
    assert "mencabut persetujuannya" in page
    assert receiver.get(f"/rujukan/{referral.id}/surat").status_code == 403
    body = receiver.get(f"/api/v1/referrals/{referral.id}", headers=api).json
    assert body["client"] is None and body["reason"] is None and body["consent"] is None
    assert body["client_data_visible"] is False
    assert body["consent_withdrawn_at"] is not None
    assert "withdraw_consent" in [event["action"] for event in body["events"]]
    listed = receiver.get("/api/v1/referrals?box=received", headers=api).json["contents"]
    assert [item["client"] for item in listed] == [None]
    # The receiver can still finish the case (close it), without the client data.
    assert body["actions"] == ["start", "close", "hold"]


def test_the_sender_keeps_the_record_and_the_withdrawal_is_logged(app):
    network = build_network()
    referral = referral_in(network, "received", client_reference="CABUT-002")
    assert withdraw_through_the_page(app, network, referral).status_code == 303
    sender = client_as(app, network, "sender_counsellor")
    page = sender.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "CABUT-002" in page and "Persetujuan klien dicabut" in page
    recorded = db.session.scalars(
        db.select(ReferralView).where(ReferralView.purpose == "withdraw_consent")
    ).all()
    assert [(view.user_id, view.referral_id) for view in recorded] == [
        (network.counsellor.id, referral.id)
    ]
    # Withdrawn once is withdrawn: a second time is a conflict.
    assert withdraw_through_the_page(app, network, referral).status_code == 409


def test_only_the_sending_counsellor_records_a_withdrawal(app):
    network = build_network()
    referral = referral_in(network, "received")
    for role in ("receiver_partner", "admin", "other_counsellor"):
        try:
            operations.withdraw_consent(referral, network.users[role])
        except operations.NotAllowed:
            continue
        raise AssertionError(f"{role} withdrew consent")
    db.session.rollback()
    receiver = client_as(app, network, "receiver_partner")
    token = csrf_token(receiver, f"/rujukan/{referral.id}")
    answer = receiver.post(f"/rujukan/{referral.id}/cabut-persetujuan", data={"csrf_token": token})
    assert answer.status_code == 403
    db.session.expire_all()
    assert referral.consent_withdrawn_at is None
