"""Rate limits per address on signing in, searching and the map data: 429 with
Retry-After (the API's JSON error, or the Indonesian page); counted in memory per
process, or in a real Redis (started for these tests) shared by every app instance."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from directory import create_app
from directory.extensions import db
from tests.conftest import base_test_config
from tests.support.postgres import free_port
from tests.support.redis import RedisServer, redis_installed
from tests.support.referral_network import csrf_token

LOW = "2 per minute"


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if not redis_installed():
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    server = RedisServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def limited_app(app, tmp_path, database_url) -> Iterator[Callable[..., Flask]]:
    """Makes apps with low limits on the test's database; closes their connections after."""
    made: list[Flask] = []

    def make(name: str = "a", **config: object) -> Flask:
        settings = {
            **base_test_config(tmp_path / f"instance-{name}", database_url),
            "RATELIMIT_SIGN_IN": LOW,
            "RATELIMIT_SEARCH": LOW,
            "RATELIMIT_MAP": LOW,
            **config,
        }
        made.append(create_app(settings))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def limited(limited_app) -> Flask:
    """An app with low limits on the test's database (memory storage)."""
    return limited_app()


def assert_rate_limited_page(response) -> None:
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Terlalu banyak permintaan" in page and "Silakan coba lagi" in page


def assert_rate_limited_json(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    error = response.json["error"]
    assert error["code"] == "rate_limited" and "Terlalu banyak permintaan" in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/services?search=konseling",
        "/api/v1/services?latitude=-6.12&longitude=106.15",
        "/api/v1/services?near=Kota+Serang",
    ],
)
def test_the_public_search_api_is_limited(limited, path):
    client = limited.test_client()
    for _ in range(2):
        assert client.get(path).status_code == 200
    assert_rate_limited_json(client.get(path))
    # Another address has its own count.
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.30"
    assert other.get(path).status_code == 200


def test_listing_without_a_search_is_not_limited_as_one(limited):
    client = limited.test_client()
    for _ in range(5):
        assert client.get("/api/v1/services").status_code == 200


@pytest.mark.parametrize("path", ["/cari?q=konseling", "/peta/data.json"])
def test_the_finder_and_the_map_data_are_limited(limited, path):
    client = limited.test_client()
    for _ in range(2):
        assert client.get(path).status_code == 200
    assert_rate_limited_page(client.get(path))


def test_signing_in_shares_one_budget_between_the_page_and_the_api(limited):
    client = limited.test_client()
    token = csrf_token(client, "/masuk")
    form = {"email": "siapa@example.org", "password": "salah", "csrf_token": token}
    assert client.post("/masuk", data=form).status_code == 401
    body = {"email": "siapa@example.org", "password": "salah"}
    assert client.post("/api/v1/auth/token", json=body).status_code == 401
    assert_rate_limited_json(client.post("/api/v1/auth/token", json=body))
    assert_rate_limited_page(client.post("/masuk", data=form))
    # Opening the page is not signing in.
    assert client.get("/masuk").status_code == 200


def test_the_limits_can_be_turned_off(limited_app):
    """As make load's server does (its 50 users share one address)."""
    relaxed = limited_app(RATELIMIT_ENABLED=False)
    client = relaxed.test_client()
    for _ in range(6):
        assert client.get("/api/v1/services?search=konseling").status_code == 200


def test_in_memory_two_instances_count_apart(limited_app):
    """The embedded default counts per process; what Redis changes (next test)."""
    first = limited_app("a")
    second = limited_app("b")
    path = "/api/v1/services?search=konseling"
    for _ in range(2):
        assert first.test_client().get(path).status_code == 200
    assert second.test_client().get(path).status_code == 200


def test_with_redis_two_instances_share_the_limit(limited_app, redis_server):
    shared = {
        "RATELIMIT_STORAGE_URI": redis_server.url,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    first = limited_app("a", **shared)
    second = limited_app("b", **shared)
    assert first.extensions["rate_limits"] is not second.extensions["rate_limits"]
    path = "/api/v1/services?search=konseling"
    assert first.test_client().get(path).status_code == 200
    assert second.test_client().get(path).status_code == 200
    # The third request, to either instance, is over the shared limit.
    assert_rate_limited_json(first.test_client().get(path))
    assert_rate_limited_json(second.test_client().get(path))
    # The sign-in budget too.
    body = {"email": "siapa@example.org", "password": "salah"}
    assert first.test_client().post("/api/v1/auth/token", json=body).status_code == 401
    assert second.test_client().post("/api/v1/auth/token", json=body).status_code == 401
    assert_rate_limited_json(first.test_client().post("/api/v1/auth/token", json=body))


def test_an_unreachable_redis_is_no_error(limited_app):
    """Each process counts for itself until Redis is back; nobody gets a 5xx for it."""
    down = limited_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    client = down.test_client()
    path = "/api/v1/services?search=konseling"
    assert [client.get(path).status_code for _ in range(2)] == [200, 200]
    assert_rate_limited_json(client.get(path))
