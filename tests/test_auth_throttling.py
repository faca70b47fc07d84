"""Sign-in slows down after failures and never locks anyone out.

The review found that 5 wrong passwords locked an account for 15 minutes (even the right
password got 429), that 20 failures from one address locked every account from it, and
that without ProxyFix everyone behind the TLS proxy shares one address. Time passes in
these tests by moving the recorded attempts back, never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory import create_app
from directory.auth.models import LOGIN_FAILED, LOGIN_THROTTLED, LoginAttempt
from directory.auth.throttle import delay_after
from directory.extensions import db
from directory.security import UnsafeConfiguration
from tests.conftest import base_test_config
from tests.factories import TEST_PASSWORD, UserFactory
from tests.support.referral_network import csrf_token

WRONG = "bukan kata sandinya"


def login(client, email: str, password: str, **headers: str):
    token = csrf_token(client, "/masuk")
    return client.post(
        "/masuk",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


def time_passes(seconds: float) -> None:
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.attempted_at -= timedelta(seconds=seconds)
    db.session.commit()


def outcomes() -> list[str]:
    return list(db.session.scalars(select(LoginAttempt.outcome).order_by(LoginAttempt.id)))


def test_the_wait_doubles_after_the_free_failures_up_to_a_cap():
    waits = [delay_after(n, free=3, base_seconds=1, max_seconds=60) for n in range(12)]
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert delay_after(10**6, free=3, base_seconds=1, max_seconds=60) == 60


def test_the_right_password_works_after_the_wait(app, client):
    """Was: locked out for 15 minutes, even with the right password."""
    UserFactory(email="k@example.org")
    db.session.commit()
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(free):
        assert login(client, "k@example.org", WRONG).status_code == 401
    early = login(client, "k@example.org", TEST_PASSWORD)
    assert early.status_code == 429
    assert early.headers["Retry-After"] == "1"
    assert "Terlalu banyak percobaan yang gagal" in early.get_data(as_text=True)
    assert outcomes() == [LOGIN_FAILED] * free + [LOGIN_THROTTLED]
    time_passes(1.1)
    response = login(client, "k@example.org", TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/rujukan/keluar"


def test_each_failure_doubles_the_wait(app, client):
    UserFactory(email="k@example.org")
    db.session.commit()
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    expected = [1, 2, 4, 8]
    for _ in range(free):
        login(client, "k@example.org", WRONG)
    for wait in expected:
        early = login(client, "k@example.org", WRONG)
        assert early.status_code == 429 and early.headers["Retry-After"] == str(wait)
        time_passes(wait)
        # After the wait the password is judged again (wrong: 401, and the wait doubles).
        assert login(client, "k@example.org", WRONG).status_code == 401


def test_a_guesser_cannot_keep_the_owner_out_for_longer_than_the_cap(app, client):
    UserFactory(email="k@example.org")
    db.session.commit()
    cap = app.config["LOGIN_MAX_DELAY_SECONDS"]
    # A guesser who always waits just long enough: the wait stops growing at the cap.
    for _ in range(12):
        response = login(client, "k@example.org", WRONG)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) <= cap
            time_passes(int(response.headers["Retry-After"]))
            assert login(client, "k@example.org", WRONG).status_code == 401
    owner = login(client, "k@example.org", TEST_PASSWORD)
    assert owner.status_code == 429 and int(owner.headers["Retry-After"]) <= cap
    time_passes(cap)
    assert login(client, "k@example.org", TEST_PASSWORD).status_code == 302


def test_old_failures_stop_counting(app, client):
    UserFactory(email="k@example.org")
    db.session.commit()
    for _ in range(app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"] + 2):
        login(client, "k@example.org", WRONG)
        time_passes(10)
    time_passes(app.config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60)
    assert login(client, "k@example.org", WRONG).status_code == 401


def test_signing_in_resets_the_accounts_count(app, client):
    UserFactory(email="k@example.org")
    db.session.commit()
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(free - 1):
        login(client, "k@example.org", WRONG)
    assert login(client, "k@example.org", TEST_PASSWORD).status_code == 302
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/keluar")})
    for _ in range(free - 1):
        assert login(client, "k@example.org", WRONG).status_code == 401
    assert login(client, "k@example.org", TEST_PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_slowed_down_not_locked(app, client):
    """Was: 20 failures from one address locked every account from it."""
    app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 3
    UserFactory(email="k@example.org")
    db.session.commit()
    for n in range(3):
        assert login(client, f"tebak{n}@example.org", WRONG).status_code == 401
    early = login(client, "k@example.org", TEST_PASSWORD)
    assert early.status_code == 429 and early.headers["Retry-After"] == "1"
    # Another address is not slowed down by this one's guessing.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert login(elsewhere, "k@example.org", TEST_PASSWORD).status_code == 302
    time_passes(1)
    assert login(client, "k@example.org", TEST_PASSWORD).status_code == 302


def test_forwarded_addresses_are_ignored_without_trusted_proxies(app, client):
    """Nobody escapes the address's wait by sending their own X-Forwarded-For."""
    app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 2
    UserFactory(email="k@example.org")
    db.session.commit()
    for n in range(2):
        forged = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert login(client, f"tebak{n}@example.org", WRONG, **forged).status_code == 401
    forged = {"X-Forwarded-For": "203.0.113.99"}
    assert login(client, "k@example.org", TEST_PASSWORD, **forged).status_code == 429
    addresses = set(db.session.scalars(select(LoginAttempt.ip_address)))
    assert addresses == {"127.0.0.1"}


def test_behind_a_trusted_proxy_each_visitor_has_their_own_address(tmp_path, database_url):
    """Was: behind the TLS proxy everyone shared its address, so a few failures slowed
    (then locked) the whole network."""
    config = {**base_test_config(tmp_path / "proxied", database_url), "TRUSTED_PROXIES": 1}
    proxied = create_app(config)
    proxied.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 2
    with proxied.app_context():
        UserFactory(email="k@example.org")
        db.session.commit()
        client = proxied.test_client()
        attacker = {"X-Forwarded-For": "203.0.113.7"}
        colleague = {"X-Forwarded-For": "203.0.113.8"}
        for n in range(2):
            assert login(client, f"tebak{n}@example.org", WRONG, **attacker).status_code == 401
        assert login(client, "k@example.org", TEST_PASSWORD, **attacker).status_code == 429
        assert login(client, "k@example.org", TEST_PASSWORD, **colleague).status_code == 302
        addresses = set(db.session.scalars(select(LoginAttempt.ip_address)))
        assert addresses == {"203.0.113.7", "203.0.113.8"}
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("value", [-1, "satu", "1.5", None])
def test_trusted_proxies_must_be_a_count(tmp_path, database_url, value):
    config = {**base_test_config(tmp_path / "proxied", database_url), "TRUSTED_PROXIES": value}
    if value is None:
        assert create_app(config).wsgi_app.__class__.__name__ != "ProxyFix"
        return
    with pytest.raises(UnsafeConfiguration, match="TRUSTED_PROXIES"):
        create_app(config)


def test_the_api_gives_retry_after_too(app, client):
    UserFactory(email="k@example.org")
    db.session.commit()
    for _ in range(app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]):
        client.post("/api/v1/auth/token", json={"email": "k@example.org", "password": WRONG})
    early = client.post(
        "/api/v1/auth/token", json={"email": "k@example.org", "password": TEST_PASSWORD}
    )
    assert early.status_code == 429 and early.headers["Retry-After"] == "1"
    time_passes(1)
    answer = client.post(
        "/api/v1/auth/token", json={"email": "k@example.org", "password": TEST_PASSWORD}
    )
    assert answer.status_code == 200 and answer.json["token"]
