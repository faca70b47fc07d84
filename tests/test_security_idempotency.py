"""Safe retries (issue 16, part 7): ``Idempotency-Key`` on the API's referral-changing POSTs,
and the one-time key of the pages' forms, so that a retry or a double click sends once."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from directory.database import utcnow
from directory.extensions import db
from directory.idempotency.models import IdempotencyKey
from directory.referrals import operations, states
from directory.referrals.models import Referral, ReferralEvent
from tests.support.referral_network import (
    OTHER_COUNSELLOR,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_in,
    referral_payload,
)

KEY = "6f1c2b8e-2d4a-4c1b-9a53-0e7f1d2c3b4a"


def referrals() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def send(client, headers, payload, key=KEY):
    return client.post(
        "/api/v1/referrals", json=payload, headers={**headers, "Idempotency-Key": key}
    )


# The API: send a referral


def test_the_same_key_and_body_answers_the_first_result_and_sends_once(app, network):
    client, headers = app.test_client(), bearer(network.counsellor)
    payload = referral_payload(network)
    first = send(client, headers, payload)
    again = send(client, headers, payload)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert referrals() == 1


def test_the_same_body_written_differently_is_the_same_request(app, network):
    client, headers = app.test_client(), bearer(network.counsellor)
    payload = referral_payload(network)
    first = send(client, headers, payload)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2)
    again = client.post(
        "/api/v1/referrals",
        data=reordered,
        content_type="application/json",
        headers={**headers, "Idempotency-Key": KEY},
    )
    assert again.status_code == 201 and again.get_json()["id"] == first.get_json()["id"]
    assert referrals() == 1


def test_the_same_key_with_another_body_is_a_422_and_changes_nothing(app, network):
    client, headers = app.test_client(), bearer(network.counsellor)
    send(client, headers, referral_payload(network))
    other = referral_payload(network, urgency="emergency")
    response = send(client, headers, other)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in response.json["error"]["fields"]
    assert referrals() == 1


def test_keys_are_per_account(app, network):
    client = app.test_client()
    send(client, bearer(network.counsellor), referral_payload(network))
    colleague = network.users[OTHER_COUNSELLOR]
    response = send(client, bearer(colleague), referral_payload(network))
    assert response.status_code == 201
    assert referrals() == 2


def test_without_a_key_every_post_sends(app, network):
    client, headers = app.test_client(), bearer(network.counsellor)
    payload = referral_payload(network)
    for _ in range(2):
        assert client.post("/api/v1/referrals", json=payload, headers=headers).status_code == 201
    assert referrals() == 2


def test_a_refusal_is_answered_again_and_nothing_is_stored(app, network):
    client, headers = app.test_client(), bearer(network.counsellor)
    payload = referral_payload(network)
    payload["client"]["initials"] = ""
    first = send(client, headers, payload)
    again = send(client, headers, payload)
    assert first.status_code == again.status_code == 400
    assert again.get_json() == first.get_json()
    assert referrals() == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci dengan spasi", "kunci-é"])
def test_a_malformed_key_is_a_400(app, network, key):
    response = send(app.test_client(), bearer(network.counsellor), referral_payload(network), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json["error"]["fields"]
    assert referrals() == 0


def test_the_stored_answer_is_encrypted(app, network):
    send(app.test_client(), bearer(network.counsellor), referral_payload(network))
    with db.engine.connect() as connection:
        stored = connection.scalar(text("SELECT response_body FROM idempotency_key"))
    assert stored and "LK3-SRG-2025-017" not in stored


def test_a_server_error_gives_the_key_back(app, network, monkeypatch):
    client, headers = app.test_client(), bearer(network.counsellor)
    real = operations.send_referral
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "send_referral", failing_once)
    payload = referral_payload(network)
    assert send(client, headers, payload).status_code == 500
    assert send(client, headers, payload).status_code == 201
    assert referrals() == 1


def test_two_concurrent_requests_with_one_key_send_one_referral(app, network, monkeypatch):
    headers = bearer(network.counsellor)
    payload = referral_payload(network)
    real = operations.send_referral

    def slow(*args, **kwargs):
        time.sleep(0.5)  # the second request arrives while the first is under way
        return real(*args, **kwargs)

    monkeypatch.setattr(operations, "send_referral", slow)
    db.session.remove()
    barrier = threading.Barrier(2)
    answers: list = []

    def post() -> None:
        client = app.test_client()
        barrier.wait()
        response = send(client, headers, payload)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1]["id"] == answers[1][1]["id"]
    assert referrals() == 1


def test_a_claim_abandoned_without_an_answer_is_taken_over(app, network):
    db.session.add(
        IdempotencyKey(
            user_id=network.counsellor.id,
            key=KEY,
            fingerprint="0" * 64,
            created_at=utcnow() - timedelta(minutes=5),
        )
    )
    db.session.commit()
    # Another fingerprint: a 422, whatever the state of the first.
    response = send(app.test_client(), bearer(network.counsellor), referral_payload(network))
    assert response.status_code == 422


def test_keys_live_24_hours_and_are_purged(app, network, runner):
    client, headers = app.test_client(), bearer(network.counsellor)
    payload = referral_payload(network)
    send(client, headers, payload)
    db.session.execute(
        update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    db.session.commit()
    # Past 24 hours the key is free again: a second referral.
    assert send(client, headers, payload).status_code == 201
    assert referrals() == 2
    db.session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge-keys"])
    assert result.exit_code == 0, result.output
    assert "forgot 1 idempotency keys" in result.output
    assert db.session.scalars(select(IdempotencyKey)).all() == []


# The API: transitions


def test_a_repeated_transition_answers_the_same_and_acts_once(app, network):
    referral = referral_in(network, states.RECEIVED)
    client, headers = app.test_client(), bearer(network.partner)
    path = f"/api/v1/referrals/{referral.id}/transitions"
    body = {"action": "accept", "note": "Kami terima."}
    first = client.post(path, json=body, headers={**headers, "Idempotency-Key": KEY})
    again = client.post(path, json=body, headers={**headers, "Idempotency-Key": KEY})
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    accepted = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.action == "accept")
    ).all()
    assert len(accepted) == 1
    start = client.post(path, json={"action": "start"}, headers={**headers, "Idempotency-Key": KEY})
    assert start.status_code == 422
    db.session.refresh(referral)
    assert referral.status == states.ACCEPTED


def test_a_key_used_on_one_referral_is_refused_on_another(app, network):
    first, second = (referral_in(network, states.RECEIVED) for _ in range(2))
    client, headers = app.test_client(), {**bearer(network.partner), "Idempotency-Key": KEY}
    body = {"action": "accept"}
    ok = client.post(f"/api/v1/referrals/{first.id}/transitions", json=body, headers=headers)
    assert ok.status_code == 200
    refused = client.post(f"/api/v1/referrals/{second.id}/transitions", json=body, headers=headers)
    assert refused.status_code == 422
    db.session.refresh(second)
    assert second.status == states.RECEIVED


# The pages' forms


def send_form(network, key, csrf):
    return {
        "service_id": network.service.id,
        "previous_referral_id": "",
        "problem_term_ids": [network.problem_terms[0].id],
        "urgency": "normal",
        "reason": "Pendampingan hukum.",
        "client_reference": "LK3-SRG-77",
        "client_initials": "R.A.",
        "client_age_group": "25-59",
        "client_sex": "female",
        "consent_given": "y",
        "consent_method": "written",
        "consent_recorded_at": utcnow().strftime("%Y-%m-%dT%H:%M"),
        "idempotency_key": key,
        "csrf_token": csrf,
    }


def form_key(page: str) -> str:
    marker = 'name="idempotency_key" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_posting_the_send_form_twice_sends_one_referral(app, network):
    client = client_as(app, network, SENDER)
    path = f"/rujukan/baru?service_id={network.service.id}"
    page = client.get(path).get_data(as_text=True)
    key = form_key(page)
    assert len(key) >= 20
    data = send_form(network, key, csrf_token(client, path))
    first = client.post("/rujukan/baru", data=data)
    second = client.post("/rujukan/baru", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert referrals() == 1
    # A new form has a new key, and sends a new referral.
    other = form_key(client.get(path).get_data(as_text=True))
    assert other != key
    assert client.post("/rujukan/baru", data={**data, "idempotency_key": other}).status_code == 303
    assert referrals() == 2


def test_a_form_sent_back_with_errors_can_be_corrected_with_its_key(app, network):
    client = client_as(app, network, SENDER)
    path = f"/rujukan/baru?service_id={network.service.id}"
    key = form_key(client.get(path).get_data(as_text=True))
    data = send_form(network, key, csrf_token(client, path))
    wrong = client.post("/rujukan/baru", data={**data, "client_initials": ""})
    assert wrong.status_code == 400
    assert form_key(wrong.get_data(as_text=True)) == key
    assert client.post("/rujukan/baru", data=data).status_code == 303
    assert referrals() == 1


def test_a_double_click_on_an_action_acts_once(app, network):
    referral = referral_in(network, states.RECEIVED)
    client = client_as(app, network, RECEIVER)
    page = client.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    key = form_key(page)
    data = {
        "accept-csrf_token": csrf_token(client, f"/rujukan/{referral.id}"),
        "accept-version": referral.version,
        "accept-note": "",
        "idempotency_key": key,
    }
    path = f"/rujukan/{referral.id}/tindakan/accept"
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert first.status_code == 303
    assert second.status_code == 303  # not a 409 for a stale version
    accepted = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.action == "accept")
    ).all()
    assert len(accepted) == 1
