"""Break-glass: an administrator reads a client's identity only after stating a purpose,
which is recorded, shown to both organizations and reported; a burst is refused and
flagged (issue 16, "Admins can take every client's data"). Tested from the admin's side."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.auth.models import ADMIN
from directory.database import utcnow
from directory.extensions import db
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals import break_glass, operations, states
from directory.referrals.models import BreakGlassAccess, ReferralView
from tests.factories import UserFactory
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_PARTNER,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_in,
)

SECRETS = {
    "client_reference": "LK3-RAHASIA-7731",
    "client_initials": "Q.Z.",
    "client_contact": "0812 9999 4321",
    "client_safe_contact": "Hanya lewat kakak perempuannya",
    "reason": "Suami mengancam; klien bersembunyi di rumah kerabat di Cipocok.",
}
PURPOSE = "Surat Pengadilan Agama Serang No. 123/Pdt.G/2026 meminta data rujukan."


@pytest.fixture
def referral(network):
    return referral_in(network, states.ACCEPTED, **SECRETS)


def admin(network):
    return network.users[ADMIN_ROLE]


def leaks(text: str) -> list[str]:
    return [value for value in SECRETS.values() if value in text]


def api_get(app, network, role, path, headers=None):
    return app.test_client().get(path, headers=headers or bearer(network.users[role]))


def state_purpose(app, headers, referral, purpose=PURPOSE):
    return app.test_client().post(
        f"/api/v1/referrals/{referral.id}/break-glass", json={"purpose": purpose}, headers=headers
    )


# Without a purpose: no client data anywhere


def test_without_a_purpose_the_admin_sees_no_client_data_anywhere(app, network, referral):
    headers = bearer(admin(network))
    page = client_as(app, network, ADMIN_ROLE).get(f"/rujukan/{referral.id}")
    assert page.status_code == 200
    assert leaks(page.get_data(as_text=True)) == []
    assert 'id="break-glass"' in page.get_data(as_text=True)

    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{referral.id}", headers)
    assert body.status_code == 200
    assert body.json["client"] is None and body.json["client_data_visible"] is False
    assert leaks(body.get_data(as_text=True)) == []

    listing = api_get(app, network, ADMIN_ROLE, "/api/v1/referrals", headers)
    assert leaks(listing.get_data(as_text=True)) == []

    fhir = api_get(
        app,
        network,
        ADMIN_ROLE,
        f"/api/v1/referrals/{referral.id}/fhir?include_client=true",
        headers,
    )
    assert fhir.status_code == 403
    assert "break-glass" in fhir.json["error"]["message"]
    assert leaks(fhir.get_data(as_text=True)) == []
    assert db.session.scalars(select(BreakGlassAccess)).all() == []
    shown = db.session.scalars(select(ReferralView.client_data_shown)).all()
    assert True not in shown


@pytest.mark.parametrize("purpose", ["", "   ", "karena", "x" * 501])
def test_no_or_a_token_purpose_is_refused_and_opens_nothing(app, network, referral, purpose):
    headers = bearer(admin(network))
    response = state_purpose(app, headers, referral, purpose)
    assert response.status_code == 400
    assert "purpose" in response.json["error"]["fields"]
    assert db.session.scalars(select(BreakGlassAccess)).all() == []
    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{referral.id}", headers)
    assert body.json["client"] is None


def test_a_missing_purpose_field_is_refused(app, network, referral):
    response = app.test_client().post(
        f"/api/v1/referrals/{referral.id}/break-glass", json={}, headers=bearer(admin(network))
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"purpose": "Wajib diisi."}


# With a purpose: recorded, visible to both organizations


def test_with_a_purpose_the_admin_reads_the_client_and_it_is_recorded(app, network, referral):
    headers = bearer(admin(network))
    granted = state_purpose(app, headers, referral)
    assert granted.status_code == 201
    assert granted.json["purpose"] == PURPOSE and granted.json["refused"] is False

    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{referral.id}", headers)
    assert body.json["client"]["reference"] == SECRETS["client_reference"]
    assert body.json["client"]["safe_contact"] == SECRETS["client_safe_contact"]
    fhir = api_get(
        app,
        network,
        ADMIN_ROLE,
        f"/api/v1/referrals/{referral.id}/fhir?include_client=true",
        headers,
    )
    assert fhir.status_code == 200
    assert SECRETS["client_reference"] in fhir.get_data(as_text=True)

    [access] = db.session.scalars(select(BreakGlassAccess)).all()
    assert (access.user_id, access.referral_id, access.purpose) == (
        admin(network).id,
        referral.id,
        PURPOSE,
    )
    assert access.expires_at - access.requested_at == timedelta(minutes=15)
    views = db.session.scalars(
        select(ReferralView).where(ReferralView.user_id == admin(network).id)
    ).all()
    purposes = [(view.purpose, view.client_data_shown) for view in views]
    assert ("break_glass", False) in purposes
    assert ("view", True) in purposes and ("fhir_export", True) in purposes


@pytest.mark.parametrize("role", [SENDER, RECEIVER])
def test_both_organizations_see_who_broke_the_glass_and_why(app, network, referral, role):
    state_purpose(app, bearer(admin(network)), referral)
    page = client_as(app, network, role).get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert 'id="break-glass-history"' in page
    assert PURPOSE in page and admin(network).name in page
    body = api_get(app, network, role, f"/api/v1/referrals/{referral.id}")
    [entry] = body.json["break_glass"]
    assert entry["purpose"] == PURPOSE and entry["user"]["id"] == admin(network).id


def test_the_page_form_opens_the_client_data_for_the_window(app, network, referral):
    client = client_as(app, network, ADMIN_ROLE)
    path = f"/rujukan/{referral.id}"
    token = csrf_token(client, path)
    refused = client.post(f"{path}/akses-darurat", data={"csrf_token": token, "purpose": ""})
    assert refused.status_code == 400
    assert leaks(refused.get_data(as_text=True)) == []
    response = client.post(f"{path}/akses-darurat", data={"csrf_token": token, "purpose": PURPOSE})
    assert response.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert SECRETS["client_reference"] in page and SECRETS["client_safe_contact"] in page
    assert PURPOSE in page


def test_the_form_needs_the_csrf_token(app, network, referral):
    client = client_as(app, network, ADMIN_ROLE)
    response = client.post(f"/rujukan/{referral.id}/akses-darurat", data={"purpose": PURPOSE})
    assert response.status_code == 400
    assert db.session.scalars(select(BreakGlassAccess)).all() == []


def test_the_window_closes(app, network, referral):
    earlier = utcnow() - timedelta(minutes=16)
    break_glass.break_glass(referral, admin(network), PURPOSE, operations.API, earlier)
    db.session.commit()
    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{referral.id}")
    assert body.json["client"] is None
    assert leaks(body.get_data(as_text=True)) == []


def test_a_grant_opens_nothing_for_another_admin_or_another_referral(app, network, referral):
    state_purpose(app, bearer(admin(network)), referral)
    other_admin = UserFactory(role=ADMIN, organization=None)
    other_referral = referral_in(network, states.SENT, reason="Rahasia lain sekali.")
    db.session.commit()
    body = app.test_client().get(f"/api/v1/referrals/{referral.id}", headers=bearer(other_admin))
    assert body.json["client"] is None
    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{other_referral.id}")
    assert body.json["client"] is None and "Rahasia lain" not in body.get_data(as_text=True)


def test_no_client_data_after_consent_is_withdrawn_even_with_a_purpose(app, network, referral):
    operations.withdraw_consent(referral, network.counsellor)
    db.session.commit()
    headers = bearer(admin(network))
    state_purpose(app, headers, referral)
    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{referral.id}", headers)
    assert body.json["client"] is None
    fhir = api_get(
        app,
        network,
        ADMIN_ROLE,
        f"/api/v1/referrals/{referral.id}/fhir?include_client=true",
        headers,
    )
    assert fhir.status_code == 403 and "mencabut" in fhir.json["error"]["message"]


# A burst is refused and flagged


def test_a_burst_is_refused_recorded_and_flagged_to_the_other_admins(app, network, caplog):
    other_admin = UserFactory(role=ADMIN, organization=None, email="koordinator@example.org")
    referrals = [referral_in(network, states.SENT, **SECRETS) for _ in range(6)]
    headers = bearer(admin(network))
    for referral in referrals[:5]:
        assert state_purpose(app, headers, referral).status_code == 201
    caplog.set_level(logging.DEBUG)
    refused = state_purpose(app, headers, referrals[5])
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "5" in refused.json["error"]["message"]
    body = api_get(app, network, ADMIN_ROLE, f"/api/v1/referrals/{referrals[5].id}", headers)
    assert body.json["client"] is None

    flagged = db.session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.refused)).all()
    assert [access.referral_id for access in flagged] == [referrals[5].id]
    notifications = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notifications if n.kind == "break_glass_flag"] == [
        (other_admin.id, "break_glass_flag")
    ]
    [email] = db.session.scalars(
        select(OutgoingEmail).where(OutgoingEmail.kind == "break_glass_flag")
    ).all()
    assert email.to_address == "koordinator@example.org"
    assert email.link_path == "/admin/akses-darurat"
    assert leaks(caplog.text) == [] and PURPOSE not in caplog.text
    assert "break-glass limit" in caplog.text

    report = client_as(app, network, ADMIN_ROLE).get("/admin/akses-darurat")
    text = report.get_data(as_text=True)
    assert report.status_code == 200
    assert text.count(PURPOSE) == 6 and "ditolak" in text
    assert leaks(text.replace(PURPOSE, "")) == []


def test_the_page_form_refuses_a_burst_too(app, network):
    referrals = [referral_in(network, states.SENT, **SECRETS) for _ in range(6)]
    now = utcnow()
    for referral in referrals[:5]:
        break_glass.break_glass(referral, admin(network), PURPOSE, operations.WEB, now)
    db.session.commit()
    client = client_as(app, network, ADMIN_ROLE)
    path = f"/rujukan/{referrals[5].id}"
    response = client.post(
        f"{path}/akses-darurat", data={"csrf_token": csrf_token(client, path), "purpose": PURPOSE}
    )
    assert response.status_code == 429
    assert leaks(response.get_data(as_text=True).replace(PURPOSE, "")) == []


def test_grants_older_than_an_hour_do_not_count(app, network):
    referrals = [referral_in(network, states.SENT, **SECRETS) for _ in range(6)]
    earlier = utcnow() - timedelta(minutes=61)
    for referral in referrals[:5]:
        break_glass.break_glass(referral, admin(network), PURPOSE, operations.WEB, earlier)
    db.session.commit()
    assert state_purpose(app, bearer(admin(network)), referrals[5]).status_code == 201


# The report


def test_the_report_lists_every_grant_for_admins_only(app, network, referral):
    state_purpose(app, bearer(admin(network)), referral)
    report = api_get(app, network, ADMIN_ROLE, "/api/v1/reports/break-glass")
    assert report.status_code == 200
    [entry] = report.json["contents"]
    assert entry["reference_number"] == referral.reference_number
    assert entry["purpose"] == PURPOSE
    assert leaks(json.dumps(report.json)) == []
    for role in (SENDER, RECEIVER, OTHER_PARTNER):
        assert api_get(app, network, role, "/api/v1/reports/break-glass").status_code == 403
        assert client_as(app, network, role).get("/admin/akses-darurat").status_code == 403


# Staff of the two organizations are unaffected


@pytest.mark.parametrize("role", [SENDER, RECEIVER])
def test_staff_of_the_organizations_see_the_client_without_a_purpose(app, network, referral, role):
    body = api_get(app, network, role, f"/api/v1/referrals/{referral.id}")
    assert body.json["client"]["reference"] == SECRETS["client_reference"]
    page = client_as(app, network, role).get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert SECRETS["client_safe_contact"] in page
    assert 'id="break-glass"' not in page
    refused = state_purpose(app, bearer(network.users[role]), referral)
    assert refused.status_code == 403


def test_outsiders_cannot_break_the_glass(app, network, referral):
    response = state_purpose(app, bearer(network.users[OTHER_PARTNER]), referral)
    assert response.status_code == 404
    anonymous = app.test_client().post(
        f"/api/v1/referrals/{referral.id}/break-glass", json={"purpose": PURPOSE}
    )
    assert anonymous.status_code == 401
    assert db.session.scalars(select(BreakGlassAccess)).all() == []


# The subject access search reads client data too: the same rule


def subject_search(app, network, data):
    client = client_as(app, network, ADMIN_ROLE)
    token = csrf_token(client, "/admin/privasi")
    return client.post("/admin/privasi", data={"csrf_token": token, **data})


@pytest.mark.parametrize("purpose", [None, "", "cek saja"])
def test_a_subject_access_search_without_a_purpose_shows_nothing(app, network, referral, purpose):
    data = {"reference": SECRETS["client_reference"]}
    if purpose is not None:
        data["purpose"] = purpose
    response = subject_search(app, network, data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert leaks(text.replace(SECRETS["client_reference"], "")) == []
    assert referral.reference_number not in text
    assert db.session.scalars(select(BreakGlassAccess)).all() == []
    assert db.session.scalars(select(ReferralView)).all() == []
    client = client_as(app, network, ADMIN_ROLE)
    export = client.post(
        "/admin/privasi/ekspor",
        data={"csrf_token": csrf_token(client, "/admin/privasi"), **data},
    )
    assert export.status_code == 400
    assert SECRETS["client_initials"] not in export.get_data(as_text=True)


def test_a_subject_access_search_with_a_purpose_is_a_recorded_break_glass_read(
    app, network, referral
):
    data = {"reference": SECRETS["client_reference"], "purpose": PURPOSE}
    response = subject_search(app, network, data)
    assert response.status_code == 200
    assert SECRETS["client_safe_contact"] in response.get_data(as_text=True)
    [access] = db.session.scalars(select(BreakGlassAccess)).all()
    assert (access.referral_id, access.purpose) == (referral.id, PURPOSE)
    page = client_as(app, network, SENDER).get(f"/rujukan/{referral.id}")
    assert PURPOSE in page.get_data(as_text=True)
    # The export right after reads within the same window: no second grant.
    client = client_as(app, network, ADMIN_ROLE)
    export = client.post(
        "/admin/privasi/ekspor",
        data={"csrf_token": csrf_token(client, "/admin/privasi"), **data},
    )
    assert export.status_code == 200
    assert len(db.session.scalars(select(BreakGlassAccess)).all()) == 1


def test_subject_access_searches_count_toward_the_hourly_limit(app, network):
    referrals = [referral_in(network, states.SENT, **SECRETS) for _ in range(5)]
    now = utcnow()
    for referral in referrals:
        break_glass.break_glass(referral, admin(network), PURPOSE, operations.WEB, now)
    other = referral_in(network, states.SENT, client_reference="LK3-LAIN-0001")
    db.session.commit()
    response = subject_search(app, network, {"reference": "LK3-LAIN-0001", "purpose": PURPOSE})
    assert response.status_code == 429
    assert other.reference_number not in response.get_data(as_text=True)
    refused = db.session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.refused)).all()
    assert [access.referral_id for access in refused] == [other.id]
