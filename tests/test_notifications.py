"""Who hears of what, in the app and by e-mail; e-mails carry no client data."""

from __future__ import annotations

import mailbox
from pathlib import Path

from flask import url_for
from sqlalchemy import select

from directory.extensions import db
from directory.notifications.mail import MAX_ATTEMPTS, send_pending
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals import operations
from directory.referrals.paths import referral_path
from tests.factories import UserFactory
from tests.support.referral_network import (
    csrf_token,
    referral_draft,
    sign_in,
    transition_request,
)

CANARY = "KANARI-notifikasi-7f3a"


def notified(referral) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.referral_id == referral.id)
        .order_by(Notification.created_at, Notification.id)
    )
    return [(row.user_id, row.kind) for row in rows]


def test_the_receiving_organization_hears_of_a_new_referral(network):
    colleague = UserFactory(role="partner", organization=network.partner.organization)
    UserFactory(role="partner", organization=network.partner.organization, active=False)
    referral = operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()
    assert sorted(notified(referral)) == sorted(
        [(network.partner.id, "send"), (colleague.id, "send")]
    )
    addresses = db.session.scalars(select(OutgoingEmail.to_address)).all()
    assert sorted(addresses) == sorted([network.partner.email, colleague.email])


def test_the_counsellor_hears_of_every_change(network):
    referral = operations.send_referral(referral_draft(network), network.counsellor)
    for action in ("receive", "accept", "start", "close"):
        operations.transition_referral(referral, network.partner, transition_request(action))
    db.session.commit()
    to_counsellor = [kind for user, kind in notified(referral) if user == network.counsellor.id]
    assert to_counsellor == ["receive", "accept", "start", "close"]
    # Nobody is told of their own action.
    assert [kind for user, kind in notified(referral) if user == network.partner.id] == ["send"]


def test_a_withdrawal_reaches_the_receiver(network):
    referral = operations.send_referral(referral_draft(network), network.counsellor)
    operations.transition_referral(referral, network.counsellor, transition_request("withdraw"))
    db.session.commit()
    assert (network.partner.id, "withdraw") in notified(referral)
    assert network.counsellor.id not in [user for user, _kind in notified(referral)]


def test_emails_hold_only_a_link(app, network):
    referral = operations.send_referral(
        referral_draft(network, reference=CANARY, contact=CANARY, safe_contact=CANARY),
        network.counsellor,
    )
    operations.transition_referral(
        referral, network.partner, transition_request("decline", reason_text=CANARY, note=CANARY)
    )
    db.session.commit()
    delivered = []
    sent, failed = send_pending(app.config, delivered.append)
    assert (sent, failed) == (2, 0)
    link = app.config["PUBLIC_URL"] + f"/rujukan/{referral.id}"
    for message in delivered:
        text = message.as_string()
        assert link in text
        for secret in (CANARY, referral.client_initials, referral.reason, network.service.name):
            assert secret not in text


def test_the_worker_writes_to_a_file_in_development(app, runner, network):
    operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 failed" in result.output
    box = mailbox.mbox(Path(app.instance_path) / "mail" / "outbox.mbox")
    messages = list(box)
    box.close()
    assert len(messages) == 1 and messages[0]["To"] == network.partner.email
    assert db.session.scalar(select(OutgoingEmail)).sent_at is not None
    # Sent once only.
    assert "0 sent, 0 failed" in runner.invoke(args=["notifications", "send"]).output


def test_a_failed_delivery_is_retried_then_left(app, network):
    operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()

    def unreachable(_message):
        raise ConnectionRefusedError("smtp.example.org:587")

    for _ in range(MAX_ATTEMPTS):
        assert send_pending(app.config, unreachable) == (0, 1)
    assert send_pending(app.config, unreachable) == (0, 0)
    email = db.session.scalar(select(OutgoingEmail))
    assert email.attempts == MAX_ATTEMPTS and email.sent_at is None
    assert email.last_error.startswith("ConnectionRefusedError")


def test_the_referral_path_is_the_pages(app, network):
    with app.test_request_context():
        assert url_for("referrals.show", referral_id="0b4b3c6e-3f5a-4f0e-8d8e-0c9a4c7f7a11") == (
            referral_path("0b4b3c6e-3f5a-4f0e-8d8e-0c9a4c7f7a11")
        )


def test_notifications_page_opens_and_marks_read(app, client, network):
    referral = operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()
    sign_in(client, network.partner)
    page = client.get("/notifikasi")
    assert page.status_code == 200
    assert referral.reference_number in page.get_data(as_text=True)
    assert "Notifikasi (1)" in page.get_data(as_text=True)
    notification = db.session.scalar(
        select(Notification).where(Notification.user_id == network.partner.id)
    )
    token = csrf_token(client, "/notifikasi")
    response = client.post(f"/notifikasi/{notification.id}/buka", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/rujukan/{referral.id}"
    db.session.refresh(notification)
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found(app, network):
    operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()
    notification = db.session.scalar(select(Notification))
    intruder = app.test_client()
    sign_in(intruder, network.counsellor)
    token = csrf_token(intruder, "/keluar")
    response = intruder.post(f"/notifikasi/{notification.id}/buka", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(notification)
    assert notification.read_at is None


def test_mark_all_read(client, network):
    for _ in range(2):
        operations.send_referral(referral_draft(network), network.counsellor)
    db.session.commit()
    sign_in(client, network.partner)
    token = csrf_token(client, "/notifikasi")
    assert client.post("/notifikasi/baca-semua", data={"csrf_token": token}).status_code == 303
    unread = db.session.scalars(select(Notification).where(Notification.read_at.is_(None))).all()
    assert unread == []
