"""API bearer tokens: issued for a password, stored hashed, expiring, revocable; CSRF for
cookie-authenticated JSON, none for bearer requests."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select

from directory.auth.models import ApiToken, LoginAttempt
from directory.database import utcnow
from directory.extensions import db
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.referral_network import build_network, csrf_token, referral_payload, sign_in


def issue(client, email: str, password: str):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_a_token_for_the_right_password(app, client):
    user = UserFactory(email="k@example.org")
    db.session.commit()
    response = issue(client, "k@example.org", TEST_PASSWORD)
    assert response.status_code == 200
    token = response.json["token"]
    stored = db.session.scalar(select(ApiToken))
    # Only the digest is kept.
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    lifetime = stored.expires_at - stored.created_at
    assert lifetime == timedelta(hours=app.config["API_TOKEN_LIFETIME_HOURS"])
    assert response.json["expires_at"] == stored.expires_at.isoformat()
    listed = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    # A bearer request starts no cookie session.
    assert "Set-Cookie" not in listed.headers
    assert stored.user_id == user.id


def test_wrong_credentials_answer_401_and_are_slowed_down(app, client):
    UserFactory(email="k@example.org")
    db.session.commit()
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(free):
        assert issue(client, "k@example.org", "salah sekali lagi").status_code == 401
    response = issue(client, "k@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_requests"
    assert response.headers["Retry-After"] == "1"
    assert db.session.scalar(select(ApiToken)) is None
    assert len(db.session.scalars(select(LoginAttempt)).all()) == free + 1
    # After the wait, the right password gets its token.
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at -= timedelta(seconds=2)
    db.session.commit()
    assert issue(client, "k@example.org", TEST_PASSWORD).status_code == 200


def test_bad_token_requests(client):
    assert client.post("/api/v1/auth/token", data="email=x").status_code == 415
    response = client.post("/api/v1/auth/token", json={"email": "x@example.org"})
    assert response.status_code == 400
    assert "password" in response.json["error"]["fields"]
    response = client.post(
        "/api/v1/auth/token", json={"email": "x@example.org", "password": "p", "role": "admin"}
    )
    assert "role" in response.json["error"]["fields"]


def test_an_expired_token_is_refused(client):
    user = UserFactory()
    db.session.commit()
    token = issue(client, user.email, TEST_PASSWORD).json["token"]
    stored = db.session.scalar(select(ApiToken))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_token_can_be_revoked(client):
    user = UserFactory()
    db.session.commit()
    token = issue(client, user.email, TEST_PASSWORD).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/referrals", headers=headers).status_code == 401
    assert db.session.scalar(select(ApiToken)).revoked_at is not None


def test_a_deactivated_account_loses_its_tokens(client):
    user = UserFactory()
    db.session.commit()
    token = issue(client, user.email, TEST_PASSWORD).json["token"]
    user.active = False
    db.session.commit()
    response = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_an_old_hash_is_upgraded_at_sign_in(client):
    user = UserFactory(
        password_hash=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(TEST_PASSWORD)
    )
    db.session.commit()
    old = user.password_hash
    assert issue(client, user.email, TEST_PASSWORD).status_code == 200
    db.session.refresh(user)
    assert user.password_hash != old and "m=19456,t=2,p=1" in user.password_hash


def test_cookie_sessions_need_the_csrf_header_for_json(app, client):
    network = build_network()
    sign_in(client, network.counsellor)
    payload = referral_payload(network)
    refused = client.post("/api/v1/referrals", json=payload)
    assert refused.status_code == 400
    assert "CSRF" in refused.json["error"]["message"]
    token = csrf_token(client, "/keluar")
    accepted = client.post("/api/v1/referrals", json=payload, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.json


def test_bearer_requests_need_no_csrf_and_ignore_the_cookie(app, client):
    network = build_network()
    # Signed in by cookie as the partner, but the bearer token is the counsellor's.
    sign_in(client, network.partner)
    token = issue(client, network.counsellor.email, TEST_PASSWORD).json["token"]
    response = client.post(
        "/api/v1/referrals",
        json=referral_payload(network),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert response.json["counsellor"]["id"] == network.counsellor.id
    # A bad bearer token is a 401, even with a valid session cookie beside it.
    response = client.get("/api/v1/referrals", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_bearer_tokens_do_not_open_pages(client):
    user = UserFactory()
    db.session.commit()
    token = issue(client, user.email, TEST_PASSWORD).json["token"]
    response = client.get("/notifikasi", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302
