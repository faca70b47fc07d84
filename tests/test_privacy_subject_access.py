"""Who saw what: every opening and change of a referral's client data is recorded, and an
administrator answers a data subject's access request, with a warning and a safe export."""

from __future__ import annotations

import json

from sqlalchemy import select

from directory.extensions import db
from directory.referrals.models import ReferralView
from tests.support.referral_network import bearer, build_network, client_as, csrf_token, referral_in

REFERENCE = "SUBJEK-7781"
PURPOSE = "Permintaan akses subjek data, surat No. 12/2026"
CONTACT = "0813 7777 1212"
SAFE = "Hanya lewat kakak perempuannya"


def views_of(referral):
    return db.session.scalars(
        select(ReferralView)
        .where(ReferralView.referral_id == referral.id)
        .order_by(ReferralView.id)
    ).all()


def test_every_opening_is_recorded_with_whether_client_data_was_shown(app):
    network = build_network()
    referral = referral_in(network, "sent", client_reference=REFERENCE)
    client_as(app, network, "receiver_partner").get(f"/rujukan/{referral.id}")
    client_as(app, network, "admin").get(f"/rujukan/{referral.id}")
    client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}/surat")
    app.test_client().get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.partner))
    recorded = [
        (view.user_id, view.channel, view.purpose, view.client_data_shown)
        for view in views_of(referral)
    ]
    assert recorded == [
        (network.partner.id, "web", "view", True),
        (network.users["admin"].id, "web", "view", False),
        (network.counsellor.id, "letter", "view", True),
        (network.partner.id, "api", "view", True),
    ]


def test_sending_is_recorded_as_a_change(app):
    network = build_network()
    from tests.support.referral_network import referral_payload

    created = app.test_client().post(
        "/api/v1/referrals", json=referral_payload(network), headers=bearer(network.counsellor)
    )
    assert created.status_code == 201
    views = db.session.scalars(select(ReferralView)).all()
    assert [(v.user_id, v.channel, v.purpose) for v in views] == [
        (network.counsellor.id, "api", "send")
    ]


def search(app, network, reference):
    admin = client_as(app, network, "admin")
    token = csrf_token(admin, "/admin/privasi")
    page = admin.post(
        "/admin/privasi", data={"csrf_token": token, "reference": reference, "purpose": PURPOSE}
    )
    return admin, token, page


def test_the_admin_page_answers_what_we_hold_and_who_saw_it(app):
    network = build_network()
    referral = referral_in(
        network,
        "accepted",
        client_reference=REFERENCE,
        client_contact=CONTACT,
        client_safe_contact=SAFE,
    )
    other = referral_in(network, "sent", client_reference="ORANG-LAIN")
    client_as(app, network, "receiver_partner").get(f"/rujukan/{referral.id}")
    _admin, _token, page = search(app, network, REFERENCE.lower())
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "pelaku kekerasan" in html  # the warning
    assert referral.reference_number in html and other.reference_number not in html
    assert CONTACT in html and SAFE in html  # the administrator sees all, to decide
    assert "Mitra Penerima" in html  # who saw it
    # The search itself is recorded, and the reference never went into a URL.
    purposes = [view.purpose for view in views_of(referral)]
    assert purposes[-1] == "subject_access"
    assert views_of(other) == []


def test_the_export_leaves_out_what_could_endanger_the_client(app):
    network = build_network()
    referral = referral_in(
        network,
        "closed",
        client_reference=REFERENCE,
        client_contact=CONTACT,
        client_safe_contact=SAFE,
        reason="Suami mengancam, nama pelaku Budi",
    )
    client_as(app, network, "receiver_partner").get(f"/rujukan/{referral.id}")
    admin, token, _page = search(app, network, REFERENCE)
    response = admin.post(
        "/admin/privasi/ekspor",
        data={"csrf_token": token, "reference": REFERENCE, "purpose": PURPOSE},
    )
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    body = json.loads(text)
    assert [item["reference_number"] for item in body["referrals"]] == [referral.reference_number]
    item = body["referrals"][0]
    assert item["client"]["initials"] == referral.client_initials
    assert [step["action"] for step in item["history"]] == ["send", "accept", "start", "close"]
    assert "UPTD PPA Kota Serang (uji)" in [access["by"] for access in item["accessed"]]
    for secret in (CONTACT, SAFE, "Budi", "Mitra Penerima", "Konselor Pengirim"):
        assert secret not in text
    assert "client.safe_contact" in body["omitted"]


def test_a_confidential_receiver_is_not_named_in_the_export(app):
    network = build_network()
    for location in network.service.organization.locations:
        location.confidential = True
    referral = referral_in(network, "sent", client_reference=REFERENCE)
    admin, token, _page = search(app, network, REFERENCE)
    text = admin.post(
        "/admin/privasi/ekspor",
        data={"csrf_token": token, "reference": REFERENCE, "purpose": PURPOSE},
    ).get_data(as_text=True)
    assert referral.reference_number in text
    assert "UPTD PPA Kota Serang (uji)" not in text


def test_the_subject_page_is_for_administrators_only(app):
    network = build_network()
    for role in ("sender_counsellor", "receiver_partner"):
        assert client_as(app, network, role).get("/admin/privasi").status_code == 403


def test_an_admin_sets_a_legal_hold_from_the_page(app):
    network = build_network()
    referral = referral_in(network, "closed", client_reference=REFERENCE)
    admin, token, _page = search(app, network, REFERENCE)
    response = admin.post(
        f"/admin/privasi/rujukan/{referral.id}/penahanan",
        data={"csrf_token": token, "reason": "Perkara 7/Pid/2026"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert referral.legal_hold is True and referral.legal_hold_reason == "Perkara 7/Pid/2026"
    assert views_of(referral)[-1].purpose == "legal_hold"
