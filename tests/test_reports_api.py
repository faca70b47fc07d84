"""``GET /api/v1/reports/referrals``: administrators only, the figures of the known data
set, "<5" as a string, and every bad parameter named in a 400."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from directory.api import openapi
from directory.extensions import db
from directory.reports import figures
from tests.support.referral_network import ADMIN_ROLE, OTHER_PARTNER, RECEIVER, SENDER, bearer
from tests.support.report_data import (
    EXPECTED_TOTAL,
    NOW,
    add_canary_referral,
    build_report_world,
)
from tests.support.route_probes import CANARY

URL = "/api/v1/reports/referrals"


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr("directory.api.reports.utcnow", lambda: NOW)
    return build_report_world()


@pytest.fixture
def admin_headers(world):
    return bearer(world.network.users[ADMIN_ROLE])


def test_without_credentials_401(client, world):
    response = client.get(f"{URL}?group_by=province")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_401(client, world):
    response = client.get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("role", [SENDER, RECEIVER, OTHER_PARTNER])
def test_anyone_but_an_administrator_403(client, world, role):
    response = client.get(f"{URL}?group_by=province", headers=bearer(world.network.users[role]))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert "groups" not in response.json


def test_admin_gets_the_figures_with_small_counts_as_strings(client, world, admin_headers):
    response = client.get(f"{URL}?group_by=province", headers=admin_headers)
    assert response.status_code == 200
    body = response.json
    assert body["group_by"] == "province"
    assert body["from"] is None and body["to"] is None
    assert body["total"] == EXPECTED_TOTAL
    groups = {group["key"]: group for group in body["groups"]}
    assert groups["36"]["label"] == "Banten"
    assert groups["36"]["sent"] == 24
    assert groups["36"]["declined_by_reason"]["capacity_full"] == 5
    assert groups["36"]["closed_by_outcome"] == {"successful": "<5", "not_successful": "<5"}
    kupang = groups["53"]
    assert kupang["sent"] == "<5"
    assert kupang["overdue"] == "<5"
    assert kupang["acceptance_rate"] is None
    assert kupang["p90_days_to_close"] is None


def test_no_client_data_in_the_answer(client, world, admin_headers):
    add_canary_referral(world.network)
    db.session.commit()
    for group_by in figures.GROUP_BYS:
        body = client.get(f"{URL}?group_by={group_by}", headers=admin_headers)
        text = body.get_data(as_text=True)
        assert body.status_code == 200
        assert CANARY not in text
        assert "K.N." not in text
        assert world.network.counsellor.name not in text


def test_the_period_and_filters(client, world, admin_headers):
    response = client.get(
        f"{URL}?group_by=month&from=2026-02-01&to=2026-02-28&urgency=normal", headers=admin_headers
    )
    assert response.status_code == 200
    body = response.json
    assert body["from"] == "2026-02-01" and body["to"] == "2026-02-28"
    assert [group["key"] for group in body["groups"]] == ["2026-02"]
    assert body["total"]["sent"] == 7
    assert body["filters"]["urgency"] == "normal"
    problem = client.get(
        f"{URL}?group_by=urgency&problem={world.divorce.id}", headers=admin_headers
    )
    assert problem.json["total"]["sent"] == 8


def test_urgency_groups_are_labelled_in_indonesian(client, world, admin_headers):
    body = client.get(f"{URL}?group_by=urgency", headers=admin_headers).json
    assert [(g["key"], g["label"]) for g in body["groups"]] == [
        ("emergency", "Darurat"),
        ("normal", "Biasa"),
    ]


def test_group_by_defaults_to_month(client, world, admin_headers):
    assert client.get(URL, headers=admin_headers).json["group_by"] == figures.MONTH


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=city", "group_by"),
        ("group_by=province&group_by=month", "group_by"),
        ("from=2026-13-01", "from"),
        ("from=01-02-2026", "from"),
        ("to=yesterday", "to"),
        ("from=1999-12-31", "from"),
        ("to=2101-01-01", "to"),
        ("from=2026-03-01&to=2026-02-01", "to"),
        ("province=Banten", "province"),
        ("regency=36", "regency"),
        ("province=36&regency=53.71", "regency"),
        ("organization_type=abc", "organization_type"),
        ("problem=%25%25bad", "problem"),
        ("urgency=urgent", "urgency"),
    ],
)
def test_bad_parameters_400_naming_them(client, world, admin_headers, query, field):
    response = client.get(f"{URL}?{query}", headers=admin_headers)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "invalid_parameter"
    assert set(error["fields"]) == {field}


def test_bad_parameters_from_a_non_admin_are_still_403(client, world):
    response = client.get(f"{URL}?group_by=city", headers=bearer(world.network.users[SENDER]))
    assert response.status_code == 403


@pytest.mark.parametrize("group_by", figures.GROUP_BYS)
def test_answers_keep_to_the_openapi_description(client, world, admin_headers, group_by):
    document = openapi.build_openapi()
    operation = document["paths"]["/reports/referrals"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    body = client.get(f"{URL}?group_by={group_by}", headers=admin_headers).json
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(body)
    assert body["groups"]
