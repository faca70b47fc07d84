"""Partner links, from the sender's side and the attacker's: what the link holder sees and
may do, and what guessing, replaying, swapping or logging a token gets."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select, text
from werkzeug.serving import make_server

from directory import create_app
from directory.database import utcnow
from directory.extensions import db
from directory.notifications.models import Notification
from directory.partner_links.logs import RedactLinkTokens
from directory.referrals import operations, states
from directory.referrals.models import ReferralEvent, ReferralLink
from tests.conftest import base_test_config
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_COUNSELLOR,
    RECEIVER,
    SENDER,
    bearer,
    client_as,
    csrf_token,
    referral_in,
)
from tests.test_referral_privacy import every_logger_at_debug, logged_text

CLIENT = {
    "client_reference": "KLIEN-REF-5521",
    "client_initials": "Q.Z.",
    "client_contact": "0812 9999 4321",
    "client_safe_contact": "Hanya lewat adiknya, sore hari",
    "reason": "Suami memukul klien di Jalan Melati 7",
}


def make_link(client, network, referral) -> str:
    made = client.post(f"/api/v1/referrals/{referral.id}/links", headers=bearer(network.counsellor))
    assert made.status_code == 201, made.json
    return made.json["url"]


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_the_sender_makes_a_link_valid_seven_days(client, network):
    referral = referral_in(network, states.SENT, **CLIENT)
    before = utcnow()
    made = client.post(f"/api/v1/referrals/{referral.id}/links", headers=bearer(network.counsellor))
    assert made.status_code == 201
    assert set(made.json) == {"url", "expires_at"}
    assert made.headers["Cache-Control"] == "no-store"
    token = path_of(made.json["url"]).rsplit("/", 1)[1]
    # At least 128 random bits: 32 bytes in URL-safe base64.
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    link = db.session.scalars(select(ReferralLink)).one()
    # Stored only as its SHA-256, bound to the referral and its receiver.
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert link.referral_id == referral.id
    assert link.receiving_organization_id == referral.receiving_organization_id
    stored = repr(db.session.execute(text("SELECT * FROM referral_link")).all())
    assert token not in stored
    assert timedelta(days=7) - (link.expires_at - before) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("role", "expected"),
    [(RECEIVER, 403), (ADMIN_ROLE, 403), (OTHER_COUNSELLOR, 404)],
)
def test_only_the_sender_makes_or_revokes_links(client, network, role, expected):
    referral = referral_in(network, states.SENT)
    headers = bearer(network.users[role])
    url = f"/api/v1/referrals/{referral.id}/links"
    assert client.post(url, headers=headers).status_code == expected
    assert client.delete(url, headers=headers).status_code == expected
    assert client.post(url).status_code == 401
    assert db.session.scalars(select(ReferralLink)).all() == []


@pytest.mark.parametrize("status", [states.ACCEPTED, states.DECLINED, states.WITHDRAWN])
def test_no_link_once_answered(client, network, status):
    referral = referral_in(network, status)
    made = client.post(f"/api/v1/referrals/{referral.id}/links", headers=bearer(network.counsellor))
    assert made.status_code == 409


def test_the_page_shows_the_request_and_the_sender_never_the_client(client, network):
    referral = referral_in(network, states.SENT, **CLIENT)
    network.counsellor.organization.email = "kontak@lk3-uji.example.org"
    db.session.commit()
    page = client.get(path_of(make_link(client, network, referral)))
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]
    body = page.get_data(as_text=True)
    # The token is in the address: no Referer leaves the page (the meta element overrides
    # the app's same-origin header).
    assert '<meta name="referrer" content="no-referrer">' in body
    for shown in (
        referral.service.name,
        "Tinggi" if referral.urgency == "high" else "Biasa",
        network.problem_terms[0].name,
        referral.sending_organization.name,
        network.counsellor.name,
        network.counsellor.email,
        "kontak@lk3-uji.example.org",
        referral.reference_number,
    ):
        assert shown in body, shown
    for hidden in (*CLIENT.values(), "Q.Z", "9999", "Melati"):
        assert hidden not in body, hidden


def test_opening_the_page_changes_nothing(client, network):
    """Chat apps fetch a pasted link for a preview: a GET must not mark it received."""
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    for _ in range(3):
        assert client.get(url).status_code == 200
    db.session.refresh(referral)
    assert referral.status == states.SENT


def test_receive_accept_through_the_link_recorded_with_the_name(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    received = client.post(url, json={"action": "receive"})
    assert received.status_code == 200 and received.json["status"] == "received"
    accepted = client.post(url, json={"action": "accept", "name": "Bu Sari", "note": "Siap."})
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    db.session.refresh(referral)
    events = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id)
    ).all()
    last = events[-1]
    assert (last.action, last.actor_id, last.link_actor_name) == ("accept", None, "Bu Sari")
    assert last.actor_organization_id == referral.receiving_organization_id
    assert referral.responded_at is not None and referral.received_at is not None
    # The API names it "via link" with the name; the counsellor is told of it.
    seen = client.get(f"/api/v1/referrals/{referral.id}", headers=bearer(network.counsellor))
    assert seen.json["events"][-1]["actor"] == {"id": None, "name": "via link: Bu Sari"}
    assert seen.json["events"][-1]["via_link"] is True
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == network.counsellor.id)
    ).all()
    assert "accept" in kinds
    # Staff with accounts see it all in their inbox.
    inbox = client.get("/api/v1/referrals?box=received", headers=bearer(network.partner))
    assert [item["status"] for item in inbox.json["contents"]] == ["accepted"]
    # The link is done: the referral no longer waits for an answer.
    assert client.get(url).status_code == 410
    assert client.post(url, json={"action": "decline", "name": "X"}).status_code == 410


def test_decline_through_the_link_needs_a_name_and_a_reason(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    nameless = client.post(url, json={"action": "decline", "reason": "capacity_full"})
    assert nameless.status_code == 400 and "name" in nameless.json["error"]["fields"]
    reasonless = client.post(url, json={"action": "decline", "name": "Pak Budi"})
    assert reasonless.status_code == 400 and "reason.code" in reasonless.json["error"]["fields"]
    other = client.post(url, json={"action": "start", "name": "Pak Budi"})
    assert other.status_code == 400
    db.session.refresh(referral)
    assert referral.status == states.SENT
    declined = client.post(
        url, json={"action": "decline", "name": "Pak Budi", "reason": "Kuota bulan ini penuh"}
    )
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    db.session.refresh(referral)
    assert referral.end_reason_code == "other"
    assert referral.end_reason_text == "Kuota bulan ini penuh"


def test_a_second_receive_is_409(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    assert client.post(url, json={"action": "receive"}).status_code == 200
    assert client.post(url, json={"action": "receive"}).status_code == 409


def test_a_double_click_on_accept_answers_the_second_with_the_neutral_410(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    assert client.post(url, data={"action": "accept", "name": "Bu Sari"}).status_code == 200
    again = client.post(url, data={"action": "accept", "name": "Bu Sari"})
    assert again.status_code == 410 and "sudah tidak berlaku" in again.get_data(as_text=True)


def test_the_page_form_flow(app, client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    page = client.get(url).get_data(as_text=True)
    assert "Setujui rujukan" in page and "Tandai sudah dibuka" in page
    refused = client.post(url, data={"action": "accept", "name": ""})
    assert refused.status_code == 400 and "Periksa isian" in refused.get_data(as_text=True)
    received = client.post(url, data={"action": "receive", "name": "Bu Sari"})
    assert received.status_code == 200
    page = client.get(url).get_data(as_text=True)
    assert "Tandai sudah dibuka" not in page and "Setujui rujukan" in page
    done = client.post(url, data={"action": "accept", "name": "Bu Sari"})
    assert done.status_code == 200
    assert "Tautan ini kini tidak berlaku lagi" in done.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.status == states.ACCEPTED


# The attacker's side.


def without_next(page: str) -> str:
    return re.sub(r"next=[^\"]*", "next=", page)


def test_guessed_tokens_get_the_ordinary_404(client, network):
    referral = referral_in(network, states.SENT, **CLIENT)
    real = path_of(make_link(client, network, referral)).rsplit("/", 1)[1]
    ordinary = without_next(client.get("/tidak-ada-halaman-ini").get_data(as_text=True))
    guesses = [
        secrets.token_urlsafe(32),
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        real.upper() if real.upper() != real else real.lower(),
        "x",
        "a" * 500,
        "%00",
        "' OR 1=1 --",
    ]
    for guess in guesses:
        page = client.get(f"/tautan/{guess}")
        assert page.status_code == 404, guess
        # The same page as any missing address (the language links name the page asked).
        assert without_next(page.get_data(as_text=True)) == ordinary
        posted = client.post(f"/tautan/{guess}", json={"action": "accept", "name": "X"})
        assert posted.status_code == 404
        assert posted.json["error"]["code"] == "not_found"
        assert client.post(f"/tautan/{guess}", data={"action": "accept"}).status_code == 404
    db.session.refresh(referral)
    assert referral.status == states.SENT


def test_replay_after_revoking_is_404(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    revoked = client.delete(
        f"/api/v1/referrals/{referral.id}/links", headers=bearer(network.counsellor)
    )
    assert revoked.status_code == 204
    assert client.get(url).status_code == 404
    assert client.post(url, json={"action": "accept", "name": "X"}).status_code == 404
    db.session.refresh(referral)
    assert referral.status == states.SENT


def test_a_new_link_revokes_the_previous_one(client, network):
    referral = referral_in(network, states.SENT)
    first = path_of(make_link(client, network, referral))
    second = path_of(make_link(client, network, referral))
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_replay_after_expiry_is_410(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    link = db.session.scalars(select(ReferralLink)).one()
    link.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    gone = client.get(url)
    assert gone.status_code == 410
    assert "sudah tidak berlaku" in gone.get_data(as_text=True)
    assert referral.reference_number not in gone.get_data(as_text=True)
    posted = client.post(url, json={"action": "accept", "name": "X"})
    assert posted.status_code == 410
    db.session.refresh(referral)
    assert referral.status == states.SENT


def test_a_link_acts_on_its_own_referral_only(client, network):
    mine = referral_in(network, states.SENT)
    other = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, mine))
    other_url = path_of(make_link(client, network, other))
    assert client.post(url, json={"action": "accept", "name": "X"}).status_code == 200
    db.session.refresh(other)
    assert other.status == states.SENT
    # The other referral's page shows its own number, never the first's.
    page = client.get(other_url).get_data(as_text=True)
    assert other.reference_number in page and mine.reference_number not in page


def test_a_link_is_bound_to_the_organization_it_was_made_for(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    link = db.session.scalars(select(ReferralLink)).one()
    # A link row pointing at another organization (tampering, or a future re-routing).
    link.receiving_organization_id = network.users[OTHER_COUNSELLOR].organization_id
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.post(url, json={"action": "accept", "name": "X"}).status_code == 404


def test_a_withdrawn_referral_closes_its_link(client, network):
    referral = referral_in(network, states.SENT)
    url = path_of(make_link(client, network, referral))
    operations.transition_referral(
        referral,
        network.counsellor,
        operations.TransitionRequest(states.WITHDRAW, reason_code="sent_in_error"),
    )
    db.session.commit()
    assert client.get(url).status_code == 410


def test_the_token_is_redacted_from_request_logs(app, network, caplog):
    """The development server's request log, through a real server and socket."""
    referral = referral_in(network, states.SENT, **CLIENT)
    raw, _link = operations.create_link(referral, network.counsellor)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        address = f"http://127.0.0.1:{server.port}/tautan/{raw}"
        with every_logger_at_debug(caplog), urllib.request.urlopen(address) as page:
            assert page.status == 200
    finally:
        server.shutdown()
        thread.join()
    logged = logged_text(caplog)
    assert "GET /tautan/[token]" in logged
    assert raw not in logged
    assert all(value not in logged for value in CLIENT.values())


def test_the_token_is_redacted_from_gunicorn_access_logs(caplog):
    """gunicorn's access line, as its logger formats it (a dict of atoms)."""
    logger = logging.getLogger("gunicorn.access")
    token = secrets.token_urlsafe(32)
    caplog.set_level(logging.INFO, logger="gunicorn.access")
    logger.addFilter(RedactLinkTokens())
    try:
        logger.info(
            '%(h)s "%(r)s" %(s)s',
            {"h": "10.0.0.1", "r": f"POST /tautan/{token} HTTP/1.1", "s": "200"},
        )
    finally:
        for found in [f for f in logger.filters if isinstance(f, RedactLinkTokens)]:
            logger.removeFilter(found)
    assert token not in logged_text(caplog)
    assert 'POST /tautan/[token] HTTP/1.1" 200' in caplog.records[-1].getMessage()


def test_the_app_puts_the_filter_on_both_request_loggers(app):
    for name in ("werkzeug", "gunicorn.access"):
        assert any(isinstance(f, RedactLinkTokens) for f in logging.getLogger(name).filters)


def test_the_link_page_is_rate_limited(app, network, tmp_path, database_url):
    referral = referral_in(network, states.SENT)
    raw, _link = operations.create_link(referral, network.counsellor)
    db.session.commit()
    limited = create_app(
        {
            **base_test_config(tmp_path / "instance", database_url),
            "RATELIMIT_PARTNER_LINK": "3 per minute",
        }
    )
    try:
        client = limited.test_client()
        answers = [client.get(f"/tautan/{raw}").status_code for _ in range(3)]
        # Guesses count against the same budget.
        answers.append(client.get(f"/tautan/{secrets.token_urlsafe(32)}").status_code)
        assert answers == [200, 200, 200, 429]
        assert client.post(f"/tautan/{raw}", json={"action": "receive"}).status_code == 429
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_sender_page_offers_the_link_and_the_letter_carries_it(app, network):
    referral = referral_in(network, states.SENT, **CLIENT)
    sender = client_as(app, network, SENDER)
    page = sender.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "Buat tautan dan kode QR" in page
    token = csrf_token(sender, f"/rujukan/{referral.id}")
    made = sender.post(f"/rujukan/{referral.id}/tautan", data={"csrf_token": token})
    assert made.status_code == 200
    body = made.get_data(as_text=True)
    url = re.search(r'id="partner-link-url" readonly value="([^"]+)"', body).group(1)
    assert "/tautan/" in url
    # The QR code is inline SVG, and the letter is below it.
    assert "<svg" in body and "Surat" in body and CLIENT["client_initials"] in body
    # WhatsApp: a prepared message with the link and nothing of the client.
    share = re.search(r'id="share-whatsapp" href="([^"]+)"', body).group(1)
    assert share.startswith("https://wa.me/?text=")
    message = unquote(parse_qs(urlsplit(share.replace("&amp;", "&")).query)["text"][0])
    assert url in message and referral.receiving_organization.name in message
    assert all(value not in message for value in CLIENT.values())
    assert "Q.Z" not in message and referral.reference_number not in message
    # The link works, and the sender's page now says there is one.
    assert sender.get(urlsplit(url).path).status_code == 200
    page = sender.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "Cabut tautan" in page and urlsplit(url).path not in page
    # The receiver with an account sees no link controls.
    receiver = client_as(app, network, RECEIVER).get(f"/rujukan/{referral.id}")
    assert "Buat tautan" not in receiver.get_data(as_text=True)
    # Revoking from the page.
    revoked = sender.post(f"/rujukan/{referral.id}/tautan/cabut", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert sender.get(urlsplit(url).path).status_code == 404


def test_the_qr_code_holds_the_link(app, network):
    """Decode-free check: segno's matrix for the URL equals the one drawn in the letter."""
    import segno

    from directory.referrals.link_sharing import qr_svg

    url = "http://127.0.0.1:5000/tautan/" + secrets.token_urlsafe(32)
    with app.test_request_context():
        drawn = str(qr_svg(url))
    expected = segno.make(url, error="m").svg_inline(scale=4, title="Kode QR tautan rujukan")
    assert drawn == expected and drawn.startswith("<svg")
