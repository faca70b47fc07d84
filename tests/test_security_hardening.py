"""Hardening: security headers on every response (a CSP the map works under), 415 for a
body that is not JSON, 413 for one too large, login throttling recorded, error pages with
an incident id and no stack trace, and deploy checks that refuse an unsafe production."""

from __future__ import annotations

import logging
import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from directory import create_app
from directory.auth.models import LOGIN_FAILED, LOGIN_THROTTLED, LoginAttempt
from directory.extensions import db
from directory.security import (
    UnsafeConfiguration,
    content_security_policy,
    deploy_problems,
    tile_source,
)
from tests.conftest import base_test_config
from tests.support.referral_network import bearer, build_network, client_as, referral_in
from tests.support.route_probes import PROBES, build_world

NONCE = re.compile(r"'nonce-([^']+)'")


def assert_hardened(response, where: str) -> None:
    headers = response.headers
    assert headers["X-Frame-Options"] == "DENY", where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, where
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0], where


def test_every_route_answers_with_the_security_headers(app):
    world = build_world()
    client = client_as(app, world.network, "receiver_partner")
    token = bearer(world.network.partner)
    checked = 0
    for (endpoint, method), probe in PROBES.items():
        if method != "GET":
            continue
        url = probe.url(world)
        headers = token if url.startswith("/api/") else {}
        response = client.get(url, headers=headers)
        response.close()
        assert_hardened(response, endpoint)
        checked += 1
    assert checked >= 30
    # Error answers too: a page and the API.
    assert_hardened(client.get("/tidak-ada"), "404 page")
    assert_hardened(app.test_client().get("/api/v1/referrals"), "401 API")


def test_the_map_page_runs_under_the_policy(app):
    response = app.test_client().get("/peta")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    nonce = NONCE.search(csp).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    executable = [attributes for attributes in inline if "application/json" not in attributes]
    assert executable, "the folium map script is inline"
    assert all(f'nonce="{nonce}"' in attributes for attributes in executable)
    tiles = tile_source(app.config["MAP_TILES_URL"])
    assert tiles == "https://tile.openstreetmap.org"
    assert tiles in csp.split("img-src", 1)[1].split(";")[0]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"
    # A fresh nonce each time.
    again = app.test_client().get("/peta").headers["Content-Security-Policy"]
    assert NONCE.search(again).group(1) != nonce


def test_small_maps_carry_the_nonce_too(app):
    world = build_world()
    response = app.test_client().get(f"/lembaga/{world.network.service.organization_id}")
    nonce = NONCE.search(response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    inline = [a for a in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html) if "json" not in a]
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_tile_hosts_with_subdomains_become_a_wildcard():
    assert tile_source("https://{s}.tile.example.id/{z}/{x}/{y}.png") == "https://*.tile.example.id"
    policy = content_security_policy({"MAP_TILES_URL": "https://tiles.example.id/{z}/{x}/{y}.png"})
    assert "https://tiles.example.id" in policy["img-src"]


def test_the_printed_letter_has_no_inline_handler(app):
    network = build_network()
    referral = referral_in(network, "sent")
    html = client_as(app, network, "sender_counsellor").get(f"/rujukan/{referral.id}/surat")
    assert "data-print" in html.get_data(as_text=True)
    assert not re.search(r"\son[a-z]+=", html.get_data(as_text=True))


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/api/v1/referrals", "application/x-www-form-urlencoded"),
        ("/api/v1/referrals", "text/plain"),
        ("/api/v1/auth/token", "multipart/form-data; boundary=x"),
        ("/api/v1/auth/token", None),
    ],
)
def test_a_body_that_is_not_json_gets_415(app, url, content_type):
    network = build_network()
    headers = bearer(network.counsellor)
    if content_type:
        headers["Content-Type"] = content_type
    response = app.test_client().post(url, data="email=a&password=b", headers=headers)
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"


def test_a_body_too_large_gets_413(app):
    network = build_network()
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    api = app.test_client().post(
        "/api/v1/referrals",
        data=f'{{"reason": "{big}"}}',
        headers={**bearer(network.counsellor), "Content-Type": "application/json"},
    )
    assert api.status_code == 413
    assert api.json["error"]["code"] == "payload_too_large"
    page = app.test_client().post("/masuk", data={"email": big, "password": "x"})
    assert page.status_code == 413
    assert page.mimetype == "text/html"


def test_failed_logins_are_recorded_and_slow_the_account_down(app):
    network = build_network()
    email = network.counsellor.email
    client = app.test_client()
    free = app.config["LOGIN_FREE_FAILURES_PER_ACCOUNT"]
    for _ in range(free):
        answer = client.post("/api/v1/auth/token", json={"email": email, "password": "salah!"})
        assert answer.status_code == 401
    early = client.post("/api/v1/auth/token", json={"email": email, "password": "salah!"})
    assert early.status_code == 429 and int(early.headers["Retry-After"]) >= 1
    outcomes = db.session.scalars(
        select(LoginAttempt.outcome).where(LoginAttempt.email == email).order_by(LoginAttempt.id)
    ).all()
    assert outcomes == [LOGIN_FAILED] * free + [LOGIN_THROTTLED]


def test_an_unexpected_error_shows_an_incident_id_and_no_stack_trace(app, caplog):
    secret = "-".join(("KANARI", "trace"))

    def broken():
        # The log shows where (source lines) but never the message, which may hold data.
        raise RuntimeError(f"rahasia {secret}")

    app.add_url_rule("/rusak", view_func=broken)
    app.add_url_rule("/api/v1/rusak", endpoint="api_broken", view_func=broken)
    with caplog.at_level(logging.ERROR, logger="directory.errors"):
        page = app.test_client().get("/rusak")
        api = app.test_client().get("/api/v1/rusak")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and api.status_code == 500
    incident = re.search(r"<code>([0-9a-f]{12})</code>", html).group(1)
    assert "Traceback" not in html and "KANARI-trace" not in html and "RuntimeError" not in html
    assert api.json["error"]["code"] == "internal_error"
    assert "KANARI-trace" not in api.get_data(as_text=True)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert incident in logged and "KANARI-trace" not in logged
    assert_hardened(page, "500 page")


def test_signed_in_answers_are_never_cached(app):
    network = build_network()
    referral = referral_in(network, "sent")
    receiver = client_as(app, network, "receiver_partner")
    for url in (f"/rujukan/{referral.id}", "/rujukan/masuk", "/notifikasi", "/"):
        assert receiver.get(url).headers["Cache-Control"] == "no-store", url
    api = app.test_client().get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.partner))
    assert api.headers["Cache-Control"] == "no-store"
    assert "no-store" not in app.test_client().get("/").headers.get("Cache-Control", "")


SAFE_PRODUCTION = {
    "TESTING": False,
    "DEMO_MODE": False,
    "SECRET_KEY": "k" * 48,
    "SESSION_COOKIE_SECURE": None,
    "PUBLIC_URL": "https://rujukan.example.id",
    "MAX_CONTENT_LENGTH": 1024,
}


def production(tmp_path, database_url, **changes):
    return {
        **base_test_config(tmp_path / "instance", database_url),
        **SAFE_PRODUCTION,
        "CLIENT_DATA_KEYS": Fernet.generate_key().decode(),
        **changes,
    }


def test_a_safe_production_configuration_starts(tmp_path, database_url):
    app = create_app(production(tmp_path, database_url))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
        ({"SECRET_KEY": "dev"}, "SECRET_KEY is weak"),
        ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
        ({"CLIENT_DATA_KEYS": None}, "CLIENT_DATA_KEYS"),
        ({"PUBLIC_URL": "http://rujukan.example.id"}, "PUBLIC_URL"),
        ({"MAX_CONTENT_LENGTH": None}, "MAX_CONTENT_LENGTH"),
    ],
)
def test_an_unsafe_production_configuration_refuses_to_start(
    tmp_path, database_url, changes, named
):
    with pytest.raises(UnsafeConfiguration, match=named) as refused:
        create_app(production(tmp_path, database_url, **changes))
    assert "refusing to start in production mode" in str(refused.value)
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_demo_and_testing_are_not_production(tmp_path, database_url):
    for mode in ({"DEMO_MODE": True}, {"TESTING": True}):
        unsafe = production(tmp_path, database_url, SESSION_COOKIE_SECURE=False, **mode)
        assert create_app(unsafe).config["SESSION_COOKIE_SECURE"] is False


def test_debug_does_not_switch_the_production_checks_off(tmp_path, database_url, monkeypatch):
    """FLASK_DEBUG=1 with demo mode off used to skip every check; now it is production
    with the debugger on, which is itself refused."""
    unsafe = production(tmp_path, database_url, SESSION_COOKIE_SECURE=False, DEBUG=True)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(unsafe)
    assert "SESSION_COOKIE_SECURE" in str(refused.value) and "DEBUG is on" in str(refused.value)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeConfiguration, match="DEBUG is on"):
        create_app(production(tmp_path, database_url, TESTING=False))


def test_every_problem_is_named_at_once():
    problems = deploy_problems({"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})
    assert len(problems) == 6
