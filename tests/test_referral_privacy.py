"""A canary client, sent, opened, declined and e-mailed about, never shows up where the
public or the operators look: public pages, the public API, the search index, the logs."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from directory.notifications.mail import send_pending
from directory.referrals import operations
from tests.support.referral_network import (
    ANONYMOUS,
    bearer,
    build_network,
    referral_payload,
)
from tests.support.route_probes import CANARY, PROBES, build_world


@contextmanager
def every_logger_at_debug(caplog: pytest.LogCaptureFixture):
    """Every logger at DEBUG into caplog, those that do not propagate included."""
    names = [None, *logging.root.manager.loggerDict]
    for name in names:
        caplog.set_level(logging.DEBUG, logger=name)
    detached = [
        logging.getLogger(name)
        for name in names
        if name
        and isinstance(logging.getLogger(name), logging.Logger)
        and not logging.getLogger(name).propagate
    ]
    for logger in detached:
        logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        for logger in detached:
            logger.removeHandler(caplog.handler)


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def canary_payload(network) -> dict:
    payload = referral_payload(network, reason=f"Alasan {CANARY}")
    payload["client"].update(reference=CANARY, contact=CANARY, safe_contact=CANARY)
    return payload


def test_the_canary_never_reaches_the_logs(app, client, caplog, monkeypatch):
    network = build_network()
    counsellor, partner = bearer(network.counsellor), bearer(network.partner)
    with every_logger_at_debug(caplog):
        created = client.post("/api/v1/referrals", json=canary_payload(network), headers=counsellor)
        assert created.status_code == 201
        referral_id = created.json["id"]
        url = f"/api/v1/referrals/{referral_id}"
        assert client.get(url, headers=partner).json["status"] == "received"
        assert client.get("/api/v1/referrals?box=received", headers=partner).status_code == 200
        # Refused bodies carrying the canary.
        bad = canary_payload(network)
        bad["client"]["full_name"] = CANARY
        assert client.post("/api/v1/referrals", json=bad, headers=counsellor).status_code == 400
        illegal = {"action": "start", "note": CANARY}
        assert client.post(f"{url}/transitions", json=illegal, headers=partner).status_code == 409
        decline = {"action": "decline", "note": CANARY, "reason": {"code": "other", "text": CANARY}}
        assert client.post(f"{url}/transitions", json=decline, headers=partner).status_code == 200

        # An unexpected failure while handling client data.
        def explode(*_args, **_kwargs):
            raise RuntimeError(f"gagal menyimpan {CANARY}")

        monkeypatch.setattr(operations, "send_referral", explode)
        response = client.post(
            "/api/v1/referrals", json=canary_payload(network), headers=counsellor
        )
        assert response.status_code == 500
        monkeypatch.undo()
        assert send_pending(app.config, lambda _message: None) == (3, 0)
    text = logged_text(caplog)
    # The capture worked: SQL was logged (without parameters) and so was the incident.
    assert "INSERT INTO referral" in text
    assert "SQL parameters hidden" in text
    assert "unhandled RuntimeError" in text
    assert CANARY not in text


def test_the_canary_is_absent_from_public_pages_and_the_public_api(app):
    world = build_world()
    public = {key: probe for key, probe in PROBES.items() if probe.public}
    assert ("api.get_service", "GET") in public and ("public.service", "GET") in public
    client = app.test_client()
    for (endpoint, _method), probe in public.items():
        response = client.get(probe.url(world))
        assert response.status_code == probe.expect[ANONYMOUS], endpoint
        assert CANARY not in response.get_data(as_text=True), endpoint
        response.close()
    # The service the canary was referred to is public, and was looked at.
    page = client.get(f"/layanan/{world.network.service.id}").get_data(as_text=True)
    assert world.network.service.name in page and CANARY not in page


def test_the_canary_is_absent_from_the_search_index(app, runner):
    world = build_world()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    folder = Path(app.instance_path) / app.config["SEARCH_INDEX_DIR"]
    build = folder / (folder / "CURRENT").read_text().strip()
    # Raw bytes of every file (the vocabulary is plain text) ...
    raw = b"".join(path.read_bytes() for path in folder.rglob("*") if path.is_file())
    assert CANARY.encode() not in raw and b"kanari" not in raw.lower()
    # ... and, through Whoosh, every indexed term and every stored (compressed) field.
    with whoosh_index.open_dir(str(build)).searcher() as searcher:
        reader = searcher.reader()
        terms = [
            text.decode() if isinstance(text, bytes) else str(text)
            for _field, text in reader.all_terms()
        ]
        stored = repr(list(reader.all_stored_fields()))
    assert "korban" in terms and world.network.service.id in stored
    secrets = ("kanari", "7c1e9b", world.referral.client_initials.lower())
    assert not [term for term in terms if any(secret in term.lower() for secret in secrets)]
    assert CANARY not in stored and "Alasan rahasia" not in stored
