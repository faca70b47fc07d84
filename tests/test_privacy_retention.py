"""Retention: client data of a referral goes a set time after it ended, unless a legal
hold keeps it; the events and the aggregates stay, without personal data. The clock is
an argument (``now``), so the tests move it instead of waiting two years."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import func, select

from directory.database import utcnow
from directory.extensions import db
from directory.privacy.retention import purge_expired
from directory.referrals import operations
from directory.referrals.models import Referral, ReferralEvent
from tests.support.referral_network import build_network, referral_in, transition_request

DAYS = 730


def ended(network, status: str, **fields) -> Referral:
    referral = referral_in(network, status, **fields)
    return referral


def test_nothing_is_purged_before_the_retention_time(app):
    network = build_network()
    referral = ended(network, "closed", client_reference="TETAP-1")
    now = referral.status_changed_at + timedelta(days=DAYS - 1)
    assert purge_expired(now, DAYS) == 0
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).client_reference == "TETAP-1"


def test_ended_referrals_lose_their_client_data_after_retention(app):
    network = build_network()
    closed = ended(network, "closed", client_reference="HAPUS-1", client_contact="0812 1")
    declined = ended(network, "declined", client_reference="HAPUS-2")
    operations.transition_referral(
        withdrawn := referral_in(network, "received", client_reference="HAPUS-3"),
        network.counsellor,
        transition_request("withdraw", reason_code="other", reason_text="teks", note="catatan"),
    )
    db.session.commit()
    open_one = referral_in(network, "in_progress", client_reference="AKTIF-1")
    latest_end = max(r.status_changed_at for r in (closed, declined, withdrawn))
    now = latest_end + timedelta(days=DAYS, seconds=1)

    assert purge_expired(now, DAYS) == 3
    db.session.commit()
    db.session.expire_all()
    for referral_id in (closed.id, declined.id, withdrawn.id):
        purged = db.session.get(Referral, referral_id)
        assert purged.client_data_purged_at == now
        assert (purged.client_reference, purged.client_initials, purged.client_contact) == (
            None,
            None,
            None,
        )
        assert purged.client_safe_contact is None and purged.reason is None
        assert purged.client_reference_hash is None
        # The timeline stays, without free text.
        assert [event.action for event in purged.events][0] == "send"
        assert all(event.note is None and event.reason_text is None for event in purged.events)
        # Age group and sex stay for the reports.
        assert purged.client_age_group == "25-59"
    assert db.session.get(Referral, withdrawn.id).end_reason_code == "other"
    assert db.session.get(Referral, open_one.id).client_reference == "AKTIF-1"
    # A second run finds nothing more.
    assert purge_expired(now + timedelta(days=1), DAYS) == 0


def test_aggregates_survive_the_purge(app):
    network = build_network()
    for _ in range(3):
        ended(network, "closed")
    ended(network, "declined")

    def counts():
        rows = db.session.execute(
            select(Referral.status, func.count()).group_by(Referral.status)
        ).all()
        events = db.session.scalar(select(func.count(ReferralEvent.id)))
        return dict(rows), events

    before = counts()
    assert purge_expired(utcnow() + timedelta(days=DAYS + 1), DAYS) == 4
    db.session.commit()
    assert counts() == before == ({"closed": 3, "declined": 1}, 3 * 4 + 2)


def test_a_legal_hold_keeps_the_client_data(app):
    network = build_network()
    held = ended(network, "closed", client_reference="DITAHAN-1")
    operations.set_legal_hold(held, network.users["admin"], "Perkara 12/Pid.Sus/2026/PN Srg")
    db.session.commit()
    later = held.status_changed_at + timedelta(days=DAYS * 3)
    assert purge_expired(later, DAYS) == 0
    # Lifting the hold lets retention take its course.
    operations.set_legal_hold(held, network.users["admin"], None)
    db.session.commit()
    assert purge_expired(later, DAYS) == 1
    db.session.commit()
    assert db.session.get(Referral, held.id).client_reference is None


def test_only_administrators_set_a_legal_hold(app):
    network = build_network()
    referral = ended(network, "closed")
    for role in ("sender_counsellor", "receiver_partner"):
        try:
            operations.set_legal_hold(referral, network.users[role], "alasan")
        except operations.NotAllowed:
            continue
        raise AssertionError(f"{role} set a legal hold")
    assert referral.legal_hold is False


def test_the_purge_command_uses_the_configured_retention(app, runner):
    network = build_network()
    referral = ended(network, "declined", client_reference="PERINTAH-1")
    # Ended 10 days ago; retention of 7 days purges it, of 30 days does not.
    db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id)
        .values(status_changed_at=utcnow() - timedelta(days=10))
    )
    db.session.commit()
    app.config["RETENTION_DAYS"] = 30
    result = runner.invoke(args=["privacy", "purge"])
    assert "purged client data of 0 referrals" in result.output
    app.config["RETENTION_DAYS"] = 7
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged client data of 1 referrals" in result.output
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).client_reference is None


def test_the_default_retention_is_two_years(app):
    assert app.config["RETENTION_DAYS"] == 730
