"""The demonstration history: invented referrals over the past year made through the real
operations with a fixed seed and an explicit clock, labelled as such, told to nobody,
deleted (events and all) by ``seed remove-demo``, and the only referrals whose events may
ever be deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from directory.auth.models import User
from directory.auth.passwords import verify_password
from directory.demonstration import remove_demo_data
from directory.extensions import db
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals import demonstration, guards, states
from directory.referrals.models import Referral, ReferralEvent
from directory.reports import figures
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ReferralFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
)
from tests.support.referral_network import problems_taxonomy

NOW = datetime(2027, 3, 10, 5, 0, tzinfo=UTC)


@pytest.fixture
def directory_(app, monkeypatch):
    """LK3 Kota Serang and four referral-taking services of others in Kota Serang; LK3
    Kota Cilegon, whose only receivers are elsewhere in Banten."""
    monkeypatch.setattr(demonstration, "SERANG_REFERRALS", {"LK3 Kota Serang": 60})
    monkeypatch.setattr(demonstration, "OTHER_REFERRALS", 12)
    taxonomy = problems_taxonomy()
    terms = [TaxonomyTermFactory(taxonomy=taxonomy, name=n) for n in ("KDRT", "Perceraian")]
    serang = OrganizationFactory(name="LK3 Kota Serang")
    LocationFactory(organization=serang, region_code="36.73.01")
    cilegon = OrganizationFactory(name="LK3 Kota Cilegon")
    LocationFactory(organization=cilegon, region_code="36.72.01")
    for name in ("UPTD PPA Kota Serang", "RSUD Kota Serang", "LBH Serang", "Puspaga Serang"):
        receiver = OrganizationFactory(name=name)
        service = ServiceFactory(organization=receiver, name=f"Layanan {name}")
        location = LocationFactory(organization=receiver, region_code="36.73.02")
        ServiceAtLocationFactory(service=service, location=location)
        AttributeFactory(link_entity="service", link_id=service.id, taxonomy_term=terms[0])
    db.session.commit()
    return serang, cilegon


def signature() -> list[tuple]:
    rows = db.session.scalars(select(Referral).order_by(Referral.sent_at, Referral.id)).all()
    return [
        (r.client_reference, r.status, r.urgency, r.sent_at, r.service_id, r.outcome_result)
        for r in rows
    ]


def test_a_labelled_history_through_the_operations(directory_):
    made = demonstration.load_history(NOW)
    db.session.commit()
    assert made == 72
    referrals = db.session.scalars(select(Referral)).all()
    assert len(referrals) == 72
    assert all(r.demonstration for r in referrals)
    for referral in referrals:
        assert referral.client_reference.startswith("DEMO-")
        assert referral.client_initials == "DM"
        assert referral.reason.startswith("[DATA DEMONSTRASI]")
        assert referral.client_contact is None and referral.client_safe_contact is None
        assert NOW - timedelta(days=366) < referral.sent_at < NOW
        events = referral.events
        assert events[0].action == "send"
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
        assert events[-1].occurred_at < NOW
        assert events[-1].to_status == referral.status
    statuses = {r.status for r in referrals}
    assert {states.CLOSED, states.DECLINED, states.ACCEPTED} <= statuses
    # Cilegon's receivers are elsewhere in its province.
    cilegon = [r for r in referrals if r.sending_organization.name == "LK3 Kota Cilegon"]
    assert len(cilegon) == 12
    # Nobody is told of an invented past.
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert db.session.scalar(select(func.count(OutgoingEmail.id))) == 0


def test_the_reports_have_something_to_show(directory_):
    demonstration.load_history(NOW)
    db.session.commit()
    report = figures.compute_report(
        db.session, figures.ReportFilters(group_by=figures.URGENCY), NOW
    )
    assert report.total.sent == 72
    assert report.total.acceptance_rate is not None
    assert report.total.median_hours_to_response is not None


def test_history_accounts_cannot_sign_in_and_are_inactive(directory_):
    demonstration.load_history(NOW)
    db.session.commit()
    accounts = db.session.scalars(select(User).where(User.email.like("riwayat-%"))).all()
    assert accounts
    assert not any(user.active for user in accounts)
    assert not any(verify_password(user.password_hash, "") for user in accounts)
    assert not any(verify_password(user.password_hash, user.password_hash) for user in accounts)


def test_loaded_once_and_the_same_every_time(directory_):
    demonstration.load_history(NOW)
    db.session.commit()
    first = signature()
    assert demonstration.load_history(NOW) == 0
    assert demonstration.remove_history() == 72
    db.session.commit()
    assert signature() == []
    demonstration.load_history(NOW)
    db.session.commit()
    again = signature()
    # The reference numbers are random; the rest follows from the seed and the clock.
    assert [row[1:] for row in again] == [row[1:] for row in first]
    assert [row[0] for row in again] == [row[0] for row in first]


def test_remove_demo_deletes_the_history_and_keeps_real_referrals(directory_, runner):
    serang, _ = directory_
    demonstration.load_history(NOW)
    real = ReferralFactory()
    db.session.commit()
    real_id = real.id
    result = runner.invoke(args=["seed", "remove-demo"])
    assert result.exit_code == 0, result.output
    assert "demonstration referrals: 72 deleted" in result.output
    db.session.expire_all()
    assert [r.id for r in db.session.scalars(select(Referral))] == [real_id]
    assert (
        db.session.scalar(
            select(func.count(ReferralEvent.id)).where(ReferralEvent.referral_id != real_id)
        )
        == 0
    )
    assert db.session.scalar(select(func.count(User.id)).where(User.email.like("riwayat-%"))) == 0
    assert remove_demo_data().deleted_referrals == 0


def test_the_events_of_a_real_referral_stay_undeletable_even_then(directory_):
    demonstration.load_history(NOW)
    real = ReferralFactory()
    db.session.commit()
    with (
        pytest.raises(DBAPIError, match=guards.REFUSAL),
        guards.deleting_demonstration_history(db.session),
    ):
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id == real.id))
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(ReferralEvent.id)).where(ReferralEvent.referral_id == real.id)
        )
        == 1
    )


def test_outside_the_removal_no_event_may_be_deleted(directory_):
    demonstration.load_history(NOW)
    db.session.commit()
    some = db.session.scalar(select(Referral.id).where(Referral.demonstration).limit(1))
    with pytest.raises(DBAPIError, match=guards.REFUSAL):
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id == some))
    db.session.rollback()


@pytest.fixture
def seed_folder(tmp_path, monkeypatch):
    """``seed/`` with the gazetteer and no institutions (the test's directory stands in)."""
    from directory import commands as seeding

    folder = tmp_path / "seed"
    folder.mkdir()
    (folder / "regions.csv").write_text((seeding.SEED_DIR / "regions.csv").read_text())
    (folder / "taxonomy_terms.json").write_text("[]")
    (folder / "organizations.json").write_text("[]")
    monkeypatch.setattr(seeding, "SEED_DIR", folder)
    return folder


def test_seed_load_with_the_demo_accounts_writes_the_history_once(directory_, seed_folder, runner):
    result = runner.invoke(args=["seed", "load", "--demo"])
    assert result.exit_code == 0, result.output
    assert "demonstration referrals: 72 added over the past year" in result.output
    # The demo counsellor of LK3 Kota Serang sent its share, the demo partners answered.
    counsellor = db.session.scalar(
        select(User).where(User.email == "konselor.kotaserang@example.org")
    )
    sent = db.session.scalar(
        select(func.count(Referral.id)).where(Referral.counsellor_id == counsellor.id)
    )
    assert sent == 60
    result = runner.invoke(args=["seed", "load", "--demo"])
    assert "demonstration referrals: 0 added" in result.output
    assert db.session.scalar(select(func.count(Referral.id))) == 72


def test_seed_load_no_demo_leaves_the_history_out(directory_, seed_folder, runner):
    result = runner.invoke(args=["seed", "load", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert "demonstration referrals" not in result.output
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_the_permission_ends_with_the_removal(directory_):
    demonstration.load_history(NOW)
    db.session.commit()
    first, second = db.session.scalars(
        select(Referral.id).where(Referral.demonstration).order_by(Referral.id).limit(2)
    ).all()
    with guards.deleting_demonstration_history(db.session):
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id == first))
    with pytest.raises(DBAPIError, match=guards.REFUSAL):
        db.session.execute(delete(ReferralEvent).where(ReferralEvent.referral_id == second))
    db.session.rollback()
