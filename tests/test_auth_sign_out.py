""" "Sign out of all devices" ends API tokens too; sign-in attempts are forgotten after
``LOGIN_ATTEMPT_RETENTION_HOURS``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from directory.auth.models import LOGIN_FAILED, LoginAttempt
from directory.database import utcnow
from directory.extensions import db
from directory.worker import worker_round
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.referral_network import csrf_token, sign_in


def test_signing_out_of_all_devices_revokes_api_tokens(app, client):
    user = UserFactory(email="k@example.org")
    other = UserFactory(email="lain@example.org")
    db.session.commit()
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"email": "k@example.org", "password": TEST_PASSWORD}
    ).json["token"]
    others = api.post(
        "/api/v1/auth/token", json={"email": "lain@example.org", "password": TEST_PASSWORD}
    ).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/referrals", headers=bearer).status_code == 200

    sign_in(client, user)
    response = client.post("/keluar", data={"csrf_token": csrf_token(client, "/keluar")})
    assert response.status_code == 302

    refused = api.get("/api/v1/referrals", headers=bearer)
    assert refused.status_code == 401
    # Only the user's own tokens end.
    kept = api.get("/api/v1/referrals", headers={"Authorization": f"Bearer {others}"})
    assert kept.status_code == 200
    assert other.active


def add_attempt(email: str, hours_ago: float) -> None:
    db.session.add(
        LoginAttempt(
            email=email,
            ip_address="198.51.100.7",
            outcome=LOGIN_FAILED,
            attempted_at=utcnow() - timedelta(hours=hours_ago),
        )
    )


def remaining_emails() -> list[str]:
    return sorted(db.session.scalars(select(LoginAttempt.email)))


def test_old_sign_in_attempts_are_purged_by_the_command(app, runner):
    add_attempt("lama@example.org", 25)
    add_attempt("ketikan-rahasia", 24.01)
    add_attempt("baru@example.org", 23.9)
    db.session.commit()
    result = runner.invoke(args=["user", "purge-attempts"])
    assert result.exit_code == 0, result.output
    assert "deleted 2 sign-in attempts" in result.output
    assert remaining_emails() == ["baru@example.org"]


def test_the_retention_is_a_setting(app, runner):
    app.config["LOGIN_ATTEMPT_RETENTION_HOURS"] = 1
    add_attempt("dua-jam@example.org", 2)
    add_attempt("baru@example.org", 0.5)
    db.session.commit()
    assert runner.invoke(args=["user", "purge-attempts"]).exit_code == 0
    assert remaining_emails() == ["baru@example.org"]


def test_the_notifications_worker_round_purges_them(app):
    add_attempt("lama@example.org", 48)
    add_attempt("baru@example.org", 1)
    db.session.commit()
    lines = worker_round()
    assert "sign-in attempts: deleted 1 past retention" in lines
    db.session.expire_all()
    assert remaining_emails() == ["baru@example.org"]
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1
