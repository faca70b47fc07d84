"""Accounts: creating them, signing in and out, passwords, throttling, session cookies."""

from __future__ import annotations

import time

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from directory import create_app
from directory.auth.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, create_demo_accounts
from directory.auth.models import LoginAttempt, User
from directory.auth.passwords import verify_password
from directory.auth.sessions import SIGNED_IN_AT
from directory.extensions import db
from tests.factories import TEST_PASSWORD, OrganizationFactory, UserFactory
from tests.support.referral_network import csrf_token, sign_in


def login(client, email: str, password: str, **extra):
    token = csrf_token(client, "/masuk")
    return client.post(
        "/masuk", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


# flask user create


def test_user_create_reads_the_password_from_stdin(runner):
    organization = OrganizationFactory()
    db.session.commit()
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "Konselor@Example.org",
            "--name",
            "Siti",
            "--role",
            "counsellor",
            "--organization",
            organization.id,
            "--password-stdin",
        ],
        input="kalimat sandi yang panjang\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "konselor@example.org"))
    assert user.organization_id == organization.id and user.role == "counsellor"
    assert user.password_hash.startswith("$argon2id$")
    assert "kalimat" not in user.password_hash
    assert verify_password(user.password_hash, "kalimat sandi yang panjang")


@pytest.mark.parametrize(
    ("arguments", "stdin", "message"),
    [
        (["--role", "counsellor"], "kalimat sandi yang panjang\n", "belong to an organization"),
        (["--role", "admin"], "pendek\n", "password: too short"),
        (
            ["--role", "partner", "--organization", "00000000-0000-4000-8000-000000000000"],
            "kalimat sandi yang panjang\n",
            "no organization with this id",
        ),
    ],
)
def test_user_create_refuses_bad_accounts(runner, arguments, stdin, message):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "A",
            *arguments,
            "--password-stdin",
        ],
        input=stdin,
    )
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(User).where(User.email == "a@example.org")) is None


def test_user_create_refuses_a_taken_address(runner):
    UserFactory(email="ada@example.org", role="admin", organization=None)
    db.session.commit()
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "ADA@example.org",
            "--name",
            "B",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="kalimat sandi yang panjang\n",
    )
    assert result.exit_code != 0
    assert "exists" in result.output


# Signing in


def test_sign_in_and_land_on_the_outbox(client):
    user = UserFactory(email="konselor@example.org")
    db.session.commit()
    response = login(client, "Konselor@Example.org ", TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/rujukan/keluar"
    page = client.get("/rujukan/keluar")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert user.name in page.get_data(as_text=True)


def test_sign_in_returns_to_a_local_page_only(client):
    UserFactory(email="k@example.org")
    db.session.commit()
    response = login(client, "k@example.org", TEST_PASSWORD, next="/notifikasi")
    assert response.headers["Location"] == "/notifikasi"
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/keluar")})
    response = login(client, "k@example.org", TEST_PASSWORD, next="//evil.example/x")
    assert response.headers["Location"] == "/rujukan/keluar"


def test_wrong_password_and_unknown_address_look_alike(client):
    UserFactory(email="k@example.org")
    db.session.commit()
    wrong = login(client, "k@example.org", "bukan kata sandinya")
    unknown = login(client, "siapa@example.org", "bukan kata sandinya")
    assert wrong.status_code == unknown.status_code == 401
    assert "Alamat email atau kata sandi salah." in wrong.get_data(as_text=True)
    assert "Alamat email atau kata sandi salah." in unknown.get_data(as_text=True)
    outcomes = db.session.scalars(select(LoginAttempt.outcome).order_by(LoginAttempt.id)).all()
    assert outcomes == ["failed", "failed"]


def test_an_inactive_account_cannot_sign_in(client):
    UserFactory(email="k@example.org", active=False)
    db.session.commit()
    assert login(client, "k@example.org", TEST_PASSWORD).status_code == 401


def test_sign_in_needs_the_csrf_token(client):
    UserFactory(email="k@example.org")
    db.session.commit()
    response = client.post("/masuk", data={"email": "k@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/rujukan/keluar").status_code == 302


# Slowing down after failed attempts: tests/test_auth_throttling.py (it replaced the
# lock-out, which let anyone lock an account, or every account behind one address).


# Sessions


def test_the_session_cookie_is_bounded_and_has_no_remember_me(client):
    UserFactory(email="k@example.org")
    db.session.commit()
    response = login(client, "k@example.org", TEST_PASSWORD)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("session=")
    cookie = cookies[0].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "expires=" in cookie  # permanent, i.e. PERMANENT_SESSION_LIFETIME (8 hours)
    assert "remember_token" not in cookie


def test_production_cookies_are_secure(tmp_path, database_url):
    production = create_app(
        {
            # What the deploy checks (directory.security) require of production.
            "SECRET_KEY": "k" * 48,
            "CLIENT_DATA_KEYS": Fernet.generate_key().decode(),
            "PUBLIC_URL": "https://rujukan.example.id",
            "INSTANCE_PATH": tmp_path,
            "DEMO_MODE": False,
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    demo = create_app(
        {
            "SECRET_KEY": "k",
            "INSTANCE_PATH": tmp_path,
            "DEMO_MODE": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    assert demo.config["SESSION_COOKIE_SECURE"] is False
    told = create_app(
        {
            "SECRET_KEY": "k",
            "INSTANCE_PATH": tmp_path,
            "DEMO_MODE": True,
            "SESSION_COOKIE_SECURE": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    assert told.config["SESSION_COOKIE_SECURE"] is True


def test_a_session_older_than_the_maximum_ends(app, client):
    user = UserFactory()
    db.session.commit()
    sign_in(client, user)
    assert client.get("/notifikasi").status_code == 200
    with client.session_transaction() as session:
        session[SIGNED_IN_AT] = int(time.time()) - app.config["SESSION_MAX_HOURS"] * 3600 - 1
    assert client.get("/notifikasi").status_code == 302


def test_signing_out_ends_every_session(app):
    user = UserFactory()
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    assert phone.get("/notifikasi").status_code == 200
    response = laptop.post("/keluar", data={"csrf_token": csrf_token(laptop, "/keluar")})
    assert response.status_code == 302
    assert laptop.get("/notifikasi").status_code == 302
    assert phone.get("/notifikasi").status_code == 302


def test_signing_out_needs_a_post_with_the_csrf_token(app, client):
    user = UserFactory()
    db.session.commit()
    sign_in(client, user)
    assert client.get("/keluar").status_code == 200
    assert client.post("/keluar").status_code == 400
    assert client.get("/notifikasi").status_code == 200


def change_password(client, current: str, new: str, confirm: str | None = None):
    token = csrf_token(client, "/akun/kata-sandi")
    return client.post(
        "/akun/kata-sandi",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
            "csrf_token": token,
        },
    )


def test_changing_the_password_ends_the_other_sessions(app):
    from tests.support.referral_network import bearer

    user = UserFactory()
    db.session.commit()
    token = bearer(user)
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(elsewhere, user)
    response = change_password(here, TEST_PASSWORD, "kalimat sandi baru yang panjang")
    assert response.status_code == 302
    assert here.get("/notifikasi").status_code == 200
    assert elsewhere.get("/notifikasi").status_code == 302
    assert app.test_client().get("/api/v1/referrals", headers=token).status_code == 401
    db.session.refresh(user)
    assert verify_password(user.password_hash, "kalimat sandi baru yang panjang")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        (
            "salah sama sekali",
            "kalimat sandi baru yang panjang",
            None,
            "Kata sandi sekarang salah.",
        ),
        (TEST_PASSWORD, "pendek", None, "minimal 12 karakter"),
        (TEST_PASSWORD, "kalimat sandi baru yang panjang", "lain lagi yang panjang", "tidak sama"),
        (TEST_PASSWORD, TEST_PASSWORD, None, "harus berbeda"),
    ],
)
def test_a_bad_password_change_changes_nothing(client, current, new, confirm, message):
    user = UserFactory()
    db.session.commit()
    before = user.password_hash
    sign_in(client, user)
    response = change_password(client, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before
    assert client.get("/notifikasi").status_code == 200


# Demo accounts


def test_demo_accounts_are_made_at_matching_organizations(app):
    lk3 = OrganizationFactory(name="LK3 Kota Serang")
    OrganizationFactory(name="UPTD PPA Kota Serang")
    db.session.commit()
    report = create_demo_accounts()
    db.session.commit()
    counsellor = db.session.scalar(
        select(User).where(User.email == "konselor.kotaserang@example.org")
    )
    assert counsellor.organization_id == lk3.id and counsellor.is_counsellor
    assert verify_password(counsellor.password_hash, DEMO_PASSWORD)
    assert any("skipped" in line for line in report)
    # Again: nothing new.
    assert all(line.endswith("exists") or "skipped" in line for line in create_demo_accounts())
    assert len(DEMO_PASSWORD) >= app.config["PASSWORD_MIN_LENGTH"]


def test_the_login_page_lists_demo_accounts_in_demo_mode_only(app, client):
    OrganizationFactory(name="LK3 Kota Serang")
    db.session.commit()
    create_demo_accounts()
    db.session.commit()
    page = client.get("/masuk").get_data(as_text=True)
    assert DEMO_PASSWORD not in page and "konselor.kotaserang@example.org" not in page
    app.config["DEMO_MODE"] = True
    page = client.get("/masuk").get_data(as_text=True)
    assert DEMO_PASSWORD in page and "konselor.kotaserang@example.org" in page
    assert {account.email for account in DEMO_ACCOUNTS} >= {"admin.demo@example.org"}
