"""The referral pages: send form, inbox and outbox, the referral and its actions, the
letter and re-referral."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from directory.database import utcnow
from directory.extensions import db
from directory.referrals.models import Referral, ReferralView
from directory.search import follower
from directory.search.service import state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_COUNSELLOR,
    client_as,
    csrf_token,
    referral_in,
)

# Consent recorded yesterday morning (consent older than a year is refused).
CONSENT_DAY = (utcnow() - timedelta(days=1)).date().isoformat()


def form_data(network, **overrides):
    data = {
        "service_id": network.service.id,
        "problem_term_ids": [network.problem_terms[0].id, network.problem_terms[1].id],
        "urgency": "emergency",
        "reason": "Butuh rumah aman malam ini.",
        "client_reference": "LK3-SRG-0042",
        "client_initials": "D.S.",
        "client_age_group": "25-59",
        "client_sex": "female",
        "client_contact": "",
        "client_safe_contact": "Hubungi lewat kakaknya.",
        "consent_given": "y",
        "consent_method": "verbal",
        "consent_recorded_at": f"{CONSENT_DAY}T09:30",
    }
    data.update(overrides)
    return data


def test_a_counsellor_sends_from_the_form(app, network):
    client = client_as(app, network, "sender_counsellor")
    page = client.get(f"/rujukan/baru?service_id={network.service.id}")
    assert page.status_code == 200
    assert network.service.name in page.get_data(as_text=True)
    data = form_data(
        network, csrf_token=csrf_token(client, f"/rujukan/baru?service_id={network.service.id}")
    )
    response = client.post("/rujukan/baru", data=data)
    assert response.status_code == 303
    referral = db.session.scalar(select(Referral))
    assert response.headers["Location"] == f"/rujukan/{referral.id}"
    assert referral.status == "sent" and referral.urgency == "emergency"
    assert {term.id for term in referral.problem_terms} == {t.id for t in network.problem_terms[:2]}
    # 09:30 in Kota Serang (WIB) is 02:30 UTC.
    assert referral.consent_recorded_at.isoformat() == f"{CONSENT_DAY}T02:30:00+00:00"
    assert referral.client_contact is None
    # Emergency: four hours to answer.
    assert referral.due_at - referral.sent_at == timedelta(hours=4)


def test_the_form_refuses_a_referral_without_consent(app, network):
    client = client_as(app, network, "sender_counsellor")
    url = f"/rujukan/baru?service_id={network.service.id}"
    data = form_data(network, csrf_token=csrf_token(client, url))
    del data["consent_given"]
    response = client.post("/rujukan/baru", data=data)
    assert response.status_code == 400
    assert "persetujuan klien yang tercatat" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_the_form_needs_a_guardian_for_a_child(app, network):
    client = client_as(app, network, "sender_counsellor")
    url = f"/rujukan/baru?service_id={network.service.id}"
    data = form_data(network, client_age_group="6-12", csrf_token=csrf_token(client, url))
    response = client.post("/rujukan/baru", data=data)
    assert response.status_code == 400
    assert "persetujuan orang tua atau wali" in response.get_data(as_text=True)
    data.update(guardian_consent_given="y", guardian_relationship="nenek")
    assert client.post("/rujukan/baru", data=data).status_code == 303


def test_the_send_form_without_a_service_points_to_search(app, network):
    client = client_as(app, network, "sender_counsellor")
    page = client.get("/rujukan/baru")
    assert page.status_code == 200
    assert 'href="/cari"' in page.get_data(as_text=True)
    assert (
        client.get("/rujukan/baru?service_id=00000000-0000-4000-8000-000000000000").status_code
        == 404
    )


@pytest.mark.parametrize("role", ["receiver_partner", "other_partner", "admin"])
def test_only_counsellors_open_the_send_form(app, network, role):
    client = client_as(app, network, role)
    assert client.get(f"/rujukan/baru?service_id={network.service.id}").status_code == 403


def test_opening_the_page_receives_it_and_is_recorded(app, network):
    referral = referral_in(network, "sent")
    counsellor = client_as(app, network, "sender_counsellor")
    assert counsellor.get(f"/rujukan/{referral.id}").status_code == 200
    db.session.refresh(referral)
    assert referral.status == "sent"
    partner = client_as(app, network, "receiver_partner")
    page = partner.get(f"/rujukan/{referral.id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    db.session.refresh(referral)
    assert referral.status == "received" and referral.received_at is not None
    text = page.get_data(as_text=True)
    assert "Rujukan dibuka" in text and referral.client_reference in text
    views = db.session.scalars(
        select(ReferralView)
        .where(ReferralView.referral_id == referral.id)
        .order_by(ReferralView.id)
    ).all()
    assert [(v.user_id, v.channel) for v in views] == [
        (network.counsellor.id, "web"),
        (network.partner.id, "web"),
    ]


def test_the_admin_sees_the_course_but_no_client_data(app, network):
    referral = referral_in(network, "accepted")
    page = client_as(app, network, ADMIN_ROLE).get(f"/rujukan/{referral.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rujukan disetujui" in text
    for secret in (referral.client_reference, referral.reason):
        assert secret not in text
    # No action on the referral; only the break-glass form (a stated purpose) is offered.
    actions = re.findall(r'action="(/rujukan/[^"]+)"', text)
    assert actions == [f"/rujukan/{referral.id}/akses-darurat"]


def test_outsiders_get_404(app, network):
    referral = referral_in(network, "sent")
    for role in (OTHER_COUNSELLOR, "other_partner"):
        client = client_as(app, network, role)
        assert client.get(f"/rujukan/{referral.id}").status_code == 404
        assert client.get(f"/rujukan/{referral.id}/surat").status_code == 404


def act(client, referral, action, **fields):
    token = csrf_token(client, f"/rujukan/{referral.id}")
    data = {f"{action}-csrf_token": token, f"{action}-version": referral.version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/rujukan/{referral.id}/tindakan/{action}", data=data)


def test_the_partner_accepts_starts_and_closes(app, network):
    referral = referral_in(network, "received")
    partner = client_as(app, network, "receiver_partner")
    response = act(partner, referral, "accept", note="Kami terima; jadwal asesmen Senin.")
    assert response.status_code == 303
    db.session.refresh(referral)
    assert referral.status == "accepted"
    assert act(partner, referral, "start").status_code == 303
    db.session.refresh(referral)
    response = act(partner, referral, "close", result="successful", service_delivered="yes")
    assert response.status_code == 303
    db.session.refresh(referral)
    assert referral.status == "closed" and referral.outcome_service_delivered is True
    timeline = client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}")
    text = timeline.get_data(as_text=True)
    for label in ("Rujukan dikirim", "Rujukan disetujui", "Penanganan dimulai", "Rujukan ditutup"):
        assert label in text
    assert "Kami terima; jadwal asesmen Senin." in text


def test_declining_needs_a_reason(app, network):
    referral = referral_in(network, "received")
    partner = client_as(app, network, "receiver_partner")
    response = act(partner, referral, "decline")
    assert response.status_code == 400
    assert "Wajib diisi." in response.get_data(as_text=True)
    response = act(partner, referral, "decline", reason_code="other")
    assert response.status_code == 400
    response = act(partner, referral, "decline", reason_code="outside_service_area")
    assert response.status_code == 303
    db.session.refresh(referral)
    assert (referral.status, referral.end_reason_code) == ("declined", "outside_service_area")


def test_refusals_from_the_pages(app, network):
    referral = referral_in(network, "received")
    partner = client_as(app, network, "receiver_partner")
    counsellor = client_as(app, network, "sender_counsellor")
    # The sender does not accept; the receiver does not withdraw.
    assert act(counsellor, referral, "accept").status_code == 403
    assert (
        act(partner, referral, "withdraw", reason_code="other", reason_text="x").status_code == 403
    )
    assert act(partner, referral, "teleport").status_code == 404
    # Starting before accepting is not in the table.
    assert act(partner, referral, "start").status_code == 409
    db.session.refresh(referral)
    assert referral.status == "received"


def test_a_stale_page_cannot_act(app, network):
    referral = referral_in(network, "received")
    partner = client_as(app, network, "receiver_partner")
    token = csrf_token(partner, f"/rujukan/{referral.id}")
    counsellor = client_as(app, network, "sender_counsellor")
    assert act(counsellor, referral, "withdraw", reason_code="problem_resolved").status_code == 303
    response = partner.post(
        f"/rujukan/{referral.id}/tindakan/accept",
        data={"accept-csrf_token": token, "accept-version": 2},
    )
    assert response.status_code == 409
    assert "sudah diubah orang lain" in response.get_data(as_text=True)


def test_the_letter(app, network):
    referral = referral_in(network, "sent", client_contact="0812 9999 0000")
    page = client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}/surat")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert referral.reference_number in text and referral.client_initials in text
    assert "referrals.css" in text
    # Contact details stay off paper.
    assert "0812 9999 0000" not in text
    admin = client_as(app, network, ADMIN_ROLE)
    assert admin.get(f"/rujukan/{referral.id}/surat").status_code == 403
    views = db.session.scalars(select(ReferralView.channel)).all()
    assert views == ["letter"]


def test_rereferral_after_a_decline(app, network):
    declined = referral_in(network, "declined")
    elsewhere = ServiceFactory(organization=OrganizationFactory(name="Puspaga Kota Serang (uji)"))
    ServiceAtLocationFactory(
        service=elsewhere, location=LocationFactory(organization=elsewhere.organization)
    )
    AttributeFactory(
        link_id=elsewhere.id, link_entity="service", taxonomy_term=network.problem_terms[0]
    )
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    counsellor = client_as(app, network, "sender_counsellor")
    page = counsellor.get(f"/rujukan/{declined.id}/rujuk-ulang")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert elsewhere.name in text and network.service.name not in text
    search = re.search(r'href="(/cari\?[^"]+)"', text).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(search).query) == {
        "rujukan": ["1"],
        "masalah": [network.problem_terms[0].id],
        "tempat": ["Kota Serang"],
    }
    assert counsellor.get(search).status_code == 200
    link = f"/rujukan/baru?service_id={elsewhere.id}&amp;previous_id={declined.id}"
    assert link in text
    url = link.replace("&amp;", "&")
    form = counsellor.get(url)
    assert form.status_code == 200
    data = form_data(
        network,
        service_id=elsewhere.id,
        previous_referral_id=declined.id,
        csrf_token=csrf_token(counsellor, url),
    )
    response = counsellor.post("/rujukan/baru", data=data)
    assert response.status_code == 303
    new = db.session.scalar(select(Referral).where(Referral.id != declined.id))
    assert new.previous_referral_id == declined.id
    old_page = counsellor.get(f"/rujukan/{declined.id}").get_data(as_text=True)
    assert new.reference_number in old_page


def test_rereferral_refusals(app, network):
    open_referral = referral_in(network, "accepted")
    declined = referral_in(network, "declined")
    assert (
        client_as(app, network, "receiver_partner")
        .get(f"/rujukan/{declined.id}/rujuk-ulang")
        .status_code
        == 403
    )
    counsellor = client_as(app, network, "sender_counsellor")
    assert counsellor.get(f"/rujukan/{open_referral.id}/rujuk-ulang").status_code == 409
    # A previous referral that is still open cannot be named.
    url = f"/rujukan/baru?service_id={network.service.id}&previous_id={open_referral.id}"
    assert counsellor.get(url).status_code == 404


def test_the_inbox_puts_urgent_and_overdue_first(app, network):
    late = referral_in(network, "sent", urgency="normal", due_at=utcnow() - timedelta(hours=1))
    urgent = referral_in(network, "sent", urgency="emergency")
    done = referral_in(network, "closed", urgency="emergency")
    inbox = client_as(app, network, "receiver_partner").get("/rujukan/masuk")
    text = inbox.get_data(as_text=True)
    assert inbox.status_code == 200 and inbox.headers["Cache-Control"] == "no-store"
    positions = [text.index(r.reference_number) for r in (urgent, late, done)]
    assert positions == sorted(positions)
    assert text.count("Terlambat: belum dijawab") == 1
    overdue_only = client_as(app, network, "receiver_partner").get("/rujukan/masuk?terlambat=1")
    body = overdue_only.get_data(as_text=True)
    assert late.reference_number in body and urgent.reference_number not in body
    closed_only = client_as(app, network, "receiver_partner").get("/rujukan/masuk?status=closed")
    body = closed_only.get_data(as_text=True)
    assert done.reference_number in body and late.reference_number not in body


def test_the_outbox_shows_overdue_to_the_sender(app, network):
    late = referral_in(network, "received", due_at=utcnow() - timedelta(minutes=5))
    outbox = client_as(app, network, "sender_counsellor").get("/rujukan/keluar")
    text = outbox.get_data(as_text=True)
    assert late.reference_number in text and "Terlambat: belum dijawab" in text
    other = client_as(app, network, OTHER_COUNSELLOR).get("/rujukan/keluar")
    assert late.reference_number not in other.get_data(as_text=True)


def test_rereferral_suggestions_are_nearest_first_with_distances(app, network):
    declined = referral_in(network, "declined")
    term = network.problem_terms[0]
    made = {}
    # From the counsellor's organization: near (Kota Serang), far (Makassar), and one with
    # no public location.
    for name, point in (
        ("Jauh Makassar (uji)", (-5.1477, 119.4327)),
        ("Dekat Serang (uji)", (-6.1447, 106.1698)),
        ("Tanpa lokasi (uji)", None),
    ):
        organization = OrganizationFactory(name=f"Lembaga {name}")
        service = ServiceFactory(organization=organization, name=name)
        if point is not None:
            location = LocationFactory(
                organization=organization, latitude=point[0], longitude=point[1]
            )
            ServiceAtLocationFactory(service=service, location=location)
        AttributeFactory(link_id=service.id, link_entity="service", taxonomy_term=term)
        made[name] = service
    db.session.commit()
    counsellor = client_as(app, network, "sender_counsellor")
    text = counsellor.get(f"/rujukan/{declined.id}/rujuk-ulang").get_data(as_text=True)
    near, far, nowhere = (
        text.index("Dekat Serang (uji)"),
        text.index("Jauh Makassar (uji)"),
        text.index("Tanpa lokasi (uji)"),
    )
    assert near < far < nowhere
    assert re.search(
        r"Makassar \(uji\)</strong>, [^<]*<span class=\"distance\">\(1[.,]?\d{3}", text
    )
    assert network.service.name not in text
