"""The answer to a referral write is what a later read of the referral shows.

Sending and acting write with plain statements and answer from what they wrote, without
reading it back (``directory.referrals.operations``): the two must agree, field for field.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.referral_network import bearer, referral_payload


def read(client, referral_id: str, user) -> dict[str, Any]:
    response = client.get(f"/api/v1/referrals/{referral_id}", headers=bearer(user))
    assert response.status_code == 200, response.json
    return response.json


def send(client, network, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = referral_payload(
        network,
        problem_term_ids=[term.id for term in network.problem_terms[:2]],
        **(overrides or {}),
    )
    response = client.post("/api/v1/referrals", json=payload, headers=bearer(network.counsellor))
    assert response.status_code == 201, response.json
    return response.json


def act(client, referral_id: str, user, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/referrals/{referral_id}/transitions", json=body, headers=bearer(user)
    )
    assert response.status_code == 200, response.json
    return response.json


def test_a_sends_answer_is_what_is_stored(client, network):
    answer = send(client, network)
    assert len(answer["problem_terms"]) == 2
    assert read(client, answer["id"], network.counsellor) == answer


def test_a_childs_referral_answers_what_is_stored(client, network):
    payload = referral_payload(network)
    client_details = {**payload["client"], "age_group": "13-17", "contact": None}
    consent = {**payload["consent"], "guardian": {"given": True, "relationship": "ibu"}}
    answer = send(client, network, {"client": client_details, "consent": consent})
    assert answer["consent"]["guardian"] == {"given": True, "relationship": "ibu"}
    assert read(client, answer["id"], network.counsellor) == answer


def test_each_actions_answer_is_what_is_stored(client, network):
    referral_id = send(client, network)["id"]
    steps = [
        {"action": "receive"},
        {"action": "accept", "note": "Kami hubungi klien besok."},
        {"action": "start", "version": 3},
        {
            "action": "close",
            "note": "Pendampingan selesai.",
            "outcome": {
                "result": "not_successful",
                "reason_not_successful": "Klien pindah ke luar kota.",
                "service_delivered": False,
            },
        },
    ]
    for version, body in enumerate(steps, start=2):
        answer = act(client, referral_id, network.partner, body)
        assert answer["version"] == version
        assert read(client, referral_id, network.partner) == answer
    assert [event["action"] for event in answer["events"]] == [
        "send",
        "receive",
        "accept",
        "start",
        "close",
    ]


@pytest.mark.parametrize(
    ("side", "body", "code"),
    [
        ("partner", {"action": "decline", "reason": {"code": "other", "text": "Penuh."}}, "other"),
        (
            "counsellor",
            {"action": "withdraw", "reason": "referred_elsewhere", "note": "Maaf."},
            "referred_elsewhere",
        ),
    ],
)
def test_an_ending_answers_what_is_stored(client, network, side, body, code):
    referral_id = send(client, network)["id"]
    user = getattr(network, side)
    answer = act(client, referral_id, user, body)
    assert answer["end_reason"]["code"] == code
    assert read(client, referral_id, user) == answer
