"""Safe contact: the instructions show wherever someone may contact the client (the
receiver's referral page and inbox), never on the printed letter; and no automatic message
ever goes to the client's own contact."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from directory.extensions import db
from directory.notifications.mail import deliverer_for, send_pending
from directory.notifications.models import OutgoingEmail
from directory.referrals.models import Referral
from tests.support.referral_network import (
    bearer,
    build_network,
    client_as,
    referral_payload,
)

CLIENT_EMAIL = "klien.rahasia@example.org"
CLIENT_PHONE = "0812 9999 4321"
SAFE = "Jangan telepon setelah pukul 17.00; sebut kode MAWAR"


def send_and_work_through(app, network, contact: str) -> str:
    payload = referral_payload(network)
    payload["client"].update(contact=contact, safe_contact=SAFE)
    client = app.test_client()
    created = client.post("/api/v1/referrals", json=payload, headers=bearer(network.counsellor))
    assert created.status_code == 201
    url = f"/api/v1/referrals/{created.json['id']}"
    partner = bearer(network.partner)
    for body in (
        {"action": "accept"},
        {"action": "start"},
        {"action": "close", "outcome": {"result": "successful", "service_delivered": True}},
    ):
        answer = client.post(f"{url}/transitions", json=body, headers=partner)
        assert answer.status_code == 200, answer.json
    return created.json["id"]


def test_the_receiver_sees_the_safe_contact_instructions(app):
    network = build_network()
    referral_id = send_and_work_through(app, network, CLIENT_PHONE)
    receiver = client_as(app, network, "receiver_partner")
    page = receiver.get(f"/rujukan/{referral_id}").get_data(as_text=True)
    assert 'id="safe-contact"' in page and SAFE in page
    inbox = receiver.get("/rujukan/masuk").get_data(as_text=True)
    assert "petunjuk kontak aman" in inbox
    # The outsiders' inbox shows no such thing.
    other = client_as(app, network, "other_partner").get("/rujukan/masuk").get_data(as_text=True)
    assert "petunjuk kontak aman" not in other


def test_the_printed_letter_never_carries_contact_or_safe_contact(app):
    network = build_network()
    referral_id = send_and_work_through(app, network, CLIENT_PHONE)
    referral = db.session.get(Referral, referral_id)
    for role in ("sender_counsellor", "receiver_partner"):
        letter = client_as(app, network, role).get(f"/rujukan/{referral_id}/surat")
        assert letter.status_code == 200
        text = letter.get_data(as_text=True)
        assert referral.reference_number in text
        assert SAFE not in text and "MAWAR" not in text and CLIENT_PHONE not in text


def test_no_message_ever_goes_to_the_client(app):
    network = build_network()
    send_and_work_through(app, network, CLIENT_EMAIL)
    addresses = db.session.scalars(select(OutgoingEmail.to_address)).all()
    staff = {user.email for user in network.users.values()}
    assert addresses and set(addresses) <= staff
    assert CLIENT_EMAIL not in addresses
    deliver = deliverer_for(app.config, Path(app.instance_path))
    sent, failed = send_pending(app.config, deliver, limit=100)
    assert (sent, failed) == (len(addresses), 0)
    mail = b"".join(
        path.read_bytes()
        for path in (Path(app.instance_path) / "mail").rglob("*")
        if path.is_file()
    )
    assert mail and CLIENT_EMAIL.encode() not in mail and SAFE.encode() not in mail
