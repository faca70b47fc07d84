"""Strict input at the edge: what an attacker can send gets a 4xx that names the problem,
never a 500 (issue 16: deep JSON, lone surrogates, year-1 consent, huge page numbers,
far-off dates)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory.database import utcnow
from directory.extensions import db
from directory.referrals.models import Referral
from tests.support.referral_network import (
    ADMIN_ROLE,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_payload,
)


def referral_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


# JSON bodies


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [200, 5_000, 30_000])
def test_deeply_nested_json_on_the_token_endpoint_is_a_400(client, depth):
    response = client.post(
        "/api/v1/auth/token", data=nested(depth), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_body"


def test_deeply_nested_json_inside_an_object_is_a_400(app, network):
    body = '{"email": "a@example.org", "password": ' + nested(20_000) + "}"
    response = app.test_client().post(
        "/api/v1/referrals",
        data=body,
        content_type="application/json",
        headers=bearer(network.counsellor),
    )
    assert response.status_code == 400


def test_nesting_within_the_limit_still_reaches_the_schema(client):
    body = '{"email": ' + nested(10) + ', "password": "x"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {"email": "Jenis nilai salah."}


def test_an_oversized_json_body_is_a_413(client):
    body = '{"email": "a@example.org", "password": "' + "x" * 300_000 + '"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("escaped", ["\\ud800@example.org", "a\\udfff@example.org"])
def test_a_lone_surrogate_in_the_email_is_a_400_on_the_api(client, escaped):
    body = '{"email": "' + escaped + '", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "email" in response.json["error"]["fields"]


def test_a_lone_surrogate_in_the_sign_in_form_is_not_a_500(client):
    token = csrf_token(client, "/masuk")
    response = client.post(
        "/masuk",
        data="email=%ED%A0%80%40example.org&password=x&csrf_token=" + token,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400, 401)


# Consent times


@pytest.mark.parametrize(
    "recorded_at",
    ["0001-01-01T00:00:00+07:00", "0001-01-01T00:00:00-07:00", "9999-12-31T23:59:59-12:00"],
)
def test_consent_at_the_ends_of_the_calendar_is_a_400_on_the_api(app, network, recorded_at):
    payload = referral_payload(network)
    payload["consent"]["recorded_at"] = recorded_at
    response = app.test_client().post(
        "/api/v1/referrals", json=payload, headers=bearer(network.counsellor)
    )
    assert response.status_code == 400
    assert "consent.recorded_at" in response.json["error"]["fields"]
    assert referral_count() == 0


def test_consent_older_than_a_year_is_refused_a_recent_one_is_kept(app, network):
    client = app.test_client()
    headers = bearer(network.counsellor)
    old = referral_payload(network)
    old["consent"]["recorded_at"] = (utcnow() - timedelta(days=400)).isoformat()
    response = client.post("/api/v1/referrals", json=old, headers=headers)
    assert response.status_code == 400
    assert "consent.recorded_at" in response.json["error"]["fields"]
    recent = referral_payload(network)
    recent["consent"]["recorded_at"] = (utcnow() - timedelta(days=300)).isoformat()
    assert client.post("/api/v1/referrals", json=recent, headers=headers).status_code == 201
    assert referral_count() == 1


def send_form(network, **overrides):
    data = {
        "service_id": network.service.id,
        "previous_referral_id": "",
        "problem_term_ids": [network.problem_terms[0].id],
        "urgency": "normal",
        "reason": "Pendampingan hukum.",
        "client_reference": "LK3-SRG-1",
        "client_initials": "R.A.",
        "client_age_group": "25-59",
        "client_sex": "female",
        "consent_given": "y",
        "consent_method": "written",
        "consent_recorded_at": utcnow().strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "recorded_at", ["0001-01-01T00:00", "9999-12-31T23:59", "1900-01-01T00:00"]
)
def test_consent_at_the_ends_of_the_calendar_is_a_form_error(app, network, recorded_at):
    client = client_as(app, network, SENDER)
    path = f"/rujukan/baru?service_id={network.service.id}"
    data = send_form(network, consent_recorded_at=recorded_at, csrf_token=csrf_token(client, path))
    response = client.post("/rujukan/baru", data=data)
    assert response.status_code == 400
    assert referral_count() == 0


# Page numbers


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (SENDER, "/rujukan/keluar"),
        (RECEIVER, "/rujukan/masuk"),
        (SENDER, "/notifikasi"),
        (ADMIN_ROLE, "/admin/tinjauan"),
        (ADMIN_ROLE, "/rujukan/masuk"),
    ],
)
@pytest.mark.parametrize(
    "page", ["99999999999999999999999", "9223372036854775808", "-5", "abc", "%D9%A1", "1e9"]
)
def test_odd_page_numbers_on_the_lists_are_not_a_500(app, network, role, path, page):
    response = client_as(app, network, role).get(f"{path}?page={page}")
    assert response.status_code == 200


# The audit trail's dates


@pytest.mark.parametrize(
    "query",
    ["date_to=9999-12-31", "date_from=9999-12-31", "date_from=0001-01-01", "date_to=0001-01-01"],
)
def test_far_off_dates_on_the_audit_trail_are_a_400(app, network, query):
    response = client_as(app, network, ADMIN_ROLE).get(f"/admin/jejak-audit?{query}")
    assert response.status_code == 400
    assert "TTTT-BB-HH" in response.get_data(as_text=True) or "antara" in response.get_data(
        as_text=True
    )


# NUL characters (found by the form fuzz on PostgreSQL: it cannot store them in text)


def test_a_nul_in_a_form_value_is_a_400_and_changes_nothing(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    path = f"/admin/layanan/{network.service.id}"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "name": "Layanan\x00baru"})
    assert response.status_code == 400
    db.session.expire_all()
    assert "\x00" not in network.service.name


def test_a_nul_in_json_is_a_400(client):
    body = '{"email": "a\\u0000@example.org", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "email" in response.json["error"]["fields"]


@pytest.mark.parametrize(
    "path", ["/admin/akun?q=%00", "/admin/lembaga?q=a%00b", "/admin/jejak-audit?account=%00"]
)
def test_a_nul_in_an_admin_search_is_not_a_500(app, network, path):
    assert client_as(app, network, ADMIN_ROLE).get(path).status_code == 200
