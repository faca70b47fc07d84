"""Every route of the app, for every kind of visitor: anonymous, the sending organization's
counsellor, a counsellor elsewhere, the receiving organization's partner, a partner
elsewhere, and the administrator. The expectations live in ``tests/support/route_probes``;
a route without one fails here."""

from __future__ import annotations

import pytest

from directory.extensions import db
from tests.support.referral_network import ANONYMOUS, ROLES, bearer, csrf_token, sign_in
from tests.support.route_probes import CANARY, PROBES, build_world

IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})


def routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - IGNORED_METHODS
    }


def undecided(app) -> list[tuple[str, str]]:
    return sorted(routes(app) - set(PROBES))


def test_every_route_has_a_decided_expectation(app):
    assert undecided(app) == []


def test_every_expectation_has_a_route(app):
    assert sorted(set(PROBES) - routes(app)) == []


def test_a_new_route_without_an_expectation_is_noticed(app):
    app.add_url_rule("/rahasia", endpoint="extra.secret", view_func=lambda: "")
    assert undecided(app) == [("extra.secret", "GET")]


def _request(app, world, role, endpoint, method, probe):
    client = app.test_client()
    url = probe.url(world)
    headers: dict[str, str] = {}
    user = world.network.users.get(role)
    if user is not None:
        db.session.refresh(user)
        if url.startswith("/api/"):
            headers = bearer(user)
        else:
            sign_in(client, user)
    kwargs: dict = {"headers": headers}
    if probe.form is not None:
        data = probe.form(world)
        token = csrf_token(client, "/keluar" if user is not None else "/masuk")
        data["csrf_token"] = token
        for prefix in {key.split("-", 1)[0] for key in data if "-" in key}:
            data[f"{prefix}-csrf_token"] = token
        kwargs["data"] = data
    if probe.json is not None:
        kwargs["json"] = probe.json(world)
    return client.open(url, method=method, **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, role):
    world = build_world()
    present = routes(app)
    wrong = []
    for (endpoint, method), probe in PROBES.items():
        if (endpoint, method) not in present:
            continue
        response = _request(app, world, role, endpoint, method, probe)
        expected = probe.expect[role]
        body = response.get_data(as_text=True)
        response.close()
        if response.status_code != expected:
            wrong.append(f"{method} {endpoint}: {response.status_code}, expected {expected}")
            continue
        if probe.public:
            assert CANARY not in body, f"client data on {endpoint}"
        if role == ANONYMOUS and expected == 302 and not endpoint.startswith(("auth.", "i18n.")):
            assert response.headers["Location"].startswith("/masuk"), endpoint
        signed_out_by_it = (endpoint, method) == ("auth.logout", "POST")
        if role != ANONYMOUS and endpoint != "static" and not signed_out_by_it:
            assert response.headers.get("Cache-Control") == "no-store", endpoint
    assert wrong == []
    assert app.extensions["unmarked_get_writes"] == []


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_writes_unless_marked(app, role):
    """Every GET route, as every kind of visitor: none writes unless its view is marked
    ``@writes_on_get`` (the guard of ``directory.request_transactions``, on in tests,
    refuses and records such a write; unmarked, it would fail only under contention)."""
    assert app.extensions["unmarked_get_writes"] == []  # the guard is on
    world = build_world()
    present = routes(app)
    failed = []
    for (endpoint, method), probe in PROBES.items():
        if method != "GET" or (endpoint, method) not in present:
            continue
        response = _request(app, world, role, endpoint, method, probe)
        response.close()
        if response.status_code >= 500:
            failed.append(f"{endpoint}: {response.status_code}")
    assert app.extensions["unmarked_get_writes"] == []
    assert failed == []
