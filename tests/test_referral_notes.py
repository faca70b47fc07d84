"""Notes between the two organizations: who may read and write them, and that they stay
client data (encrypted at rest, purged with the rest, never in a notification, an e-mail,
a log or the search index)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from directory.database import utcnow
from directory.extensions import db
from directory.notifications.mail import compose, send_pending
from directory.notifications.models import Notification, OutgoingEmail
from directory.privacy.retention import purge_expired
from directory.referrals import operations, states
from directory.referrals.models import ReferralNote
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_COUNSELLOR,
    OTHER_PARTNER,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_in,
)
from tests.test_referral_privacy import every_logger_at_debug, logged_text

SECRET = "Ibu klien dirawat di RS Bhayangkara, kamar 12 (catatan-rahasia-93f1)"


def post_note(client, referral, headers, body):
    return client.post(f"/api/v1/referrals/{referral.id}/notes", json=body, headers=headers)


def test_both_organizations_write_and_read_notes_oldest_first(client, network):
    referral = referral_in(network, states.ACCEPTED)
    sender, receiver = bearer(network.counsellor), bearer(network.partner)
    first = post_note(client, referral, sender, {"text": "Klien datang besok jam 9."})
    assert first.status_code == 201
    assert set(first.json) == {"id", "author", "organization_id", "at", "text"}
    assert first.json["author"]["name"] == network.counsellor.name
    assert first.json["organization_id"] == network.counsellor.organization_id
    assert first.json["text"] == "Klien datang besok jam 9."
    second = post_note(client, referral, receiver, {"text": "  Baik, kami siapkan.  "})
    assert second.status_code == 201 and second.json["text"] == "Baik, kami siapkan."
    assert second.json["organization_id"] == network.partner.organization_id
    for headers in (sender, receiver):
        notes = client.get(f"/api/v1/referrals/{referral.id}", headers=headers).json["notes"]
        assert [note["id"] for note in notes] == [first.json["id"], second.json["id"]]
        assert notes[1]["text"] == "Baik, kami siapkan."


@pytest.mark.parametrize("status", states.STATUSES)
def test_notes_on_a_referral_in_any_status(client, network, status):
    referral = referral_in(network, status)
    answer = post_note(client, referral, bearer(network.partner), {"text": "Catatan."})
    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({}, "text"),
        ({"text": 5}, "text"),
        ({"text": "ok", "author": "admin"}, "author"),
    ],
)
def test_bad_notes_are_400_and_store_nothing(client, network, body, field):
    referral = referral_in(network, states.SENT)
    answer = post_note(client, referral, bearer(network.counsellor), body)
    assert answer.status_code == 400
    assert field in answer.json["error"]["fields"]
    assert db.session.scalars(select(ReferralNote)).all() == []


def test_the_longest_note_is_4000_characters(client, network):
    referral = referral_in(network, states.SENT)
    answer = post_note(client, referral, bearer(network.counsellor), {"text": "x" * 4000})
    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("role", "expected"), [(OTHER_COUNSELLOR, 404), (OTHER_PARTNER, 404), (ADMIN_ROLE, 403)]
)
def test_a_third_organization_and_the_admin_neither_add_nor_read_notes(
    client, network, role, expected
):
    referral = referral_in(network, states.ACCEPTED)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    headers = bearer(network.users[role])
    assert post_note(client, referral, headers, {"text": "Saya juga."}).status_code == expected
    read = client.get(f"/api/v1/referrals/{referral.id}", headers=headers)
    if role == ADMIN_ROLE:
        # The administrator sees that there is a note, never what it says.
        assert read.status_code == 200 and read.json["notes"][0]["text"] is None
    else:
        assert read.status_code == 404
    assert SECRET not in read.get_data(as_text=True)
    assert len(db.session.scalars(select(ReferralNote)).all()) == 1


def test_anonymous_and_public_api_callers_get_nothing(client, network):
    referral = referral_in(network, states.ACCEPTED)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    assert post_note(client, referral, {}, {"text": "Halo"}).status_code == 401
    assert client.get(f"/api/v1/referrals/{referral.id}").status_code == 401
    bad = {"Authorization": "Bearer tebakan-token"}
    assert post_note(client, referral, bad, {"text": "Halo"}).status_code == 401
    page = client.get(f"/rujukan/{referral.id}")
    assert page.status_code == 302 and SECRET not in page.get_data(as_text=True)
    form = client.post(f"/rujukan/{referral.id}/catatan", data={"text": "Halo"})
    assert form.status_code in (302, 400)
    assert len(db.session.scalars(select(ReferralNote)).all()) == 1


def test_the_receiver_loses_the_notes_text_when_consent_is_withdrawn(client, network):
    referral = referral_in(network, states.ACCEPTED)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    operations.withdraw_consent(referral, network.counsellor)
    db.session.commit()
    seen = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.partner))
    assert seen.json["notes"][0]["text"] is None
    sender = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.counsellor))
    assert sender.json["notes"][0]["text"] == SECRET


def test_the_other_side_is_told_of_a_note_without_its_text(app, client, network):
    referral = referral_in(network, states.ACCEPTED)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    post_note(client, referral, bearer(network.partner), {"text": SECRET + " balasan"})
    notes = db.session.scalars(
        select(Notification).where(Notification.kind == "note").order_by(Notification.created_at)
    ).all()
    # The receiver hears of the sender's note, the counsellor of the receiver's; nobody of
    # their own.
    assert [notification.user_id for notification in notes] == [
        network.partner.id,
        network.counsellor.id,
    ]
    everything = db.session.execute(text("SELECT * FROM notification")).all()
    everything += db.session.execute(text("SELECT * FROM email_outbox")).all()
    assert "rahasia" not in repr(everything)
    # The page of notifications says "a new note on RJK-...", nothing more.
    page = client_as(app, network, RECEIVER).get("/notifikasi").get_data(as_text=True)
    assert f"Catatan baru: {referral.reference_number}" in page
    assert "rahasia" not in page
    # Nor the e-mails, as sent.
    sent = []
    send_pending(app.config, sent.append)
    assert sent and not [message for message in sent if "rahasia" in message.as_string()]
    emails = db.session.scalars(select(OutgoingEmail)).all()
    assert all("rahasia" not in compose(email, app.config).as_string() for email in emails)


def test_notes_are_encrypted_at_rest(client, network):
    referral = referral_in(network, states.SENT)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    stored = db.session.execute(text("SELECT text FROM referral_note")).scalar_one()
    assert stored and SECRET not in stored and "rahasia" not in stored
    assert db.session.scalars(select(ReferralNote.text)).one() == SECRET


def test_the_retention_purge_takes_the_notes_text(client, network):
    referral = referral_in(network, states.DECLINED)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    later = utcnow() + timedelta(days=731)
    assert purge_expired(later, 730) == 1
    db.session.commit()
    assert db.session.execute(text("SELECT text FROM referral_note")).scalar_one() is None
    seen = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.counsellor))
    assert seen.json["notes"][0]["text"] is None
    # And no new note once purged: it would be client data past retention.
    again = post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    assert again.status_code == 409


def test_a_note_never_reaches_the_logs(client, network, caplog):
    referral = referral_in(network, states.SENT)
    with every_logger_at_debug(caplog):
        answer = post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
        assert answer.status_code == 201
        client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.partner))
        refused = post_note(client, referral, bearer(network.partner), {"text": SECRET * 100})
        assert refused.status_code == 400
    logged = logged_text(caplog)
    assert "INSERT INTO referral_note" in logged
    assert "rahasia" not in logged


def test_a_note_never_reaches_the_search_index(app, client, runner, network):
    referral = referral_in(network, states.SENT)
    post_note(client, referral, bearer(network.counsellor), {"text": SECRET})
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    folder = Path(app.instance_path) / app.config["SEARCH_INDEX_DIR"]
    raw = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    assert raw and b"bhayangkara" not in raw.lower() and b"93f1" not in raw
    found = client.get("/api/v1/services?search=bhayangkara").json
    assert found["total_items"] == 0


def test_notes_on_the_referral_page_both_ways(app, network):
    referral = referral_in(network, states.ACCEPTED)
    sender = client_as(app, network, SENDER)
    token = csrf_token(sender, f"/rujukan/{referral.id}")
    sent = sender.post(
        f"/rujukan/{referral.id}/catatan", data={"csrf_token": token, "text": SECRET}
    )
    assert sent.status_code == 303
    receiver = client_as(app, network, RECEIVER)
    page = receiver.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert SECRET in page and "Kirim catatan" in page
    token = csrf_token(receiver, f"/rujukan/{referral.id}")
    empty = receiver.post(f"/rujukan/{referral.id}/catatan", data={"csrf_token": token})
    assert empty.status_code == 400
    replied = receiver.post(
        f"/rujukan/{referral.id}/catatan", data={"csrf_token": token, "text": "Diterima."}
    )
    assert replied.status_code == 303
    page = sender.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert page.index(SECRET) < page.index("Diterima.")
    # The administrator sees the conversation happened, not what was said.
    admin = client_as(app, network, ADMIN_ROLE).get(f"/rujukan/{referral.id}")
    assert admin.status_code == 200 and SECRET not in admin.get_data(as_text=True)
    assert "Kirim catatan" not in admin.get_data(as_text=True)
    # Without the CSRF token nothing is stored.
    assert sender.post(f"/rujukan/{referral.id}/catatan", data={"text": "x"}).status_code == 400
    assert len(db.session.scalars(select(ReferralNote)).all()) == 2
