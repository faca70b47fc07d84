"""Stale listings with a frozen clock: six months unverified flags a listing, its staff are
reminded in the app and by e-mail at most every 30 days, verifying ends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.listings import operations, stale
from directory.notifications.mail import compose
from directory.notifications.models import Notification, OutgoingEmail
from tests.factories import OrganizationFactory, UserFactory

# The frozen clock: every test reads time from here, never from the machine.
NOW = datetime(2027, 3, 31, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2027, 3, 31, 2, 0, tzinfo=UTC), datetime(2026, 9, 30, 2, 0, tzinfo=UTC)),
        (datetime(2026, 8, 31, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2028, 8, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),
        (datetime(2027, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC)),
    ],
)
def test_six_calendar_months(moment, expected):
    assert stale.stale_cutoff(moment) == expected


def organization(**fields):
    """An organization created long ago, with a partner and a counsellor on its staff."""
    fields.setdefault("created_at", NOW - timedelta(days=800))
    found = OrganizationFactory(**fields)
    staff = [
        UserFactory(role="partner", organization=found),
        UserFactory(role="counsellor", organization=found),
    ]
    db.session.commit()
    return found, staff


def test_last_verified_decides_and_never_verified_counts_from_creation(app):
    cutoff = stale.stale_cutoff(NOW)
    fresh, _ = organization(verified_at=cutoff + timedelta(minutes=1))
    old, _ = organization(verified_at=cutoff - timedelta(minutes=1))
    new_never, _ = organization(created_at=cutoff + timedelta(days=1))
    old_never, _ = organization()
    assert stale.stale_organizations(NOW) == sorted([old, old_never], key=lambda o: o.name)
    assert stale.verification_of(fresh, NOW) == stale.Verification(fresh.verified_at, False)
    assert stale.verification_of(old, NOW).stale
    assert stale.verification_of(new_never, NOW) == stale.Verification(None, False)
    assert stale.verification_of(old_never, NOW) == stale.Verification(None, True)


def test_a_stale_listings_staff_are_reminded_in_the_app_and_by_email(app):
    found, staff = organization()
    UserFactory(role="partner", organization=found, active=False)
    UserFactory(role="admin", organization=found)
    outsider, _ = organization(verified_at=NOW - timedelta(days=1))

    assert stale.remind_stale(NOW) == [found]
    db.session.commit()

    notes = db.session.scalars(select(Notification)).all()
    assert sorted(n.user_id for n in notes) == sorted(user.id for user in staff)
    assert {(n.kind, n.organization_id, n.referral_id) for n in notes} == {
        ("listing_stale", found.id, None)
    }
    emails = db.session.scalars(select(OutgoingEmail)).all()
    assert sorted(e.to_address for e in emails) == sorted(user.email for user in staff)
    assert {(e.kind, e.link_path) for e in emails} == {("listing_stale", "/lembaga-saya")}
    assert found.stale_reminder_sent_at == NOW
    assert outsider.stale_reminder_sent_at is None


def test_no_second_reminder_within_30_days(app):
    found, staff = organization()
    stale.remind_stale(NOW)
    db.session.commit()

    assert stale.remind_stale(NOW + timedelta(days=29, hours=23)) == []
    assert len(db.session.scalars(select(OutgoingEmail)).all()) == len(staff)

    later = NOW + timedelta(days=30)
    assert stale.remind_stale(later) == [found]
    assert found.stale_reminder_sent_at == later
    assert len(db.session.scalars(select(OutgoingEmail)).all()) == 2 * len(staff)


def test_verifying_ends_the_reminders(app):
    found, staff = organization()
    stale.remind_stale(NOW)
    operations.verify_listing(found, staff[0], now=NOW + timedelta(days=1))
    db.session.commit()
    assert found.stale_reminder_sent_at is None
    assert stale.remind_stale(NOW + timedelta(days=60)) == []
    # Six months after verifying, it is stale again.
    assert stale.remind_stale(NOW + timedelta(days=1 + 184)) == [found]


def test_deactivated_and_unstaffed_listings_are_left(app):
    inactive, _ = organization(active=False)
    nobody = OrganizationFactory(created_at=NOW - timedelta(days=800))
    db.session.commit()
    assert stale.remind_stale(NOW) == []
    assert (inactive.stale_reminder_sent_at, nobody.stale_reminder_sent_at) == (None, None)


def test_the_reminder_email_has_its_own_text_and_no_client_data(app):
    found, _ = organization()
    stale.remind_stale(NOW)
    email = db.session.scalars(select(OutgoingEmail)).first()
    message = compose(email, app.config)
    body = message.get_content()
    assert "mohon periksa data lembaga" in message["Subject"]
    assert "belum diverifikasi lebih dari enam bulan" in body
    assert app.config["PUBLIC_URL"].rstrip("/") + "/lembaga-saya" in body
    assert found.name not in body
    assert "rujukan memerlukan perhatian" not in message["Subject"]


def test_the_command_reminds_at_the_given_moment(app, runner):
    found, staff = organization()
    result = runner.invoke(args=["listings", "remind-stale", "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "reminded the staff of 1 stale listing" in result.output
    db.session.expire_all()
    assert found.stale_reminder_sent_at == NOW
    assert len(db.session.scalars(select(Notification)).all()) == len(staff)

    again = runner.invoke(args=["listings", "remind-stale", "--now", NOW.isoformat()])
    assert "of 0 stale listing" in again.output


def test_the_command_wants_an_offset(app, runner):
    organization()
    result = runner.invoke(args=["listings", "remind-stale", "--now", "2027-03-31T02:00"])
    assert result.exit_code != 0
    assert db.session.scalars(select(Notification)).all() == []


def test_the_notifications_worker_reminds_too(app, runner, monkeypatch):
    """One round of ``flask notifications worker``: the reminder is queued and, in the
    same round, the e-mail outbox sends it (to ``instance/mail/`` in development)."""
    found, staff = organization()

    def stop(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("directory.worker.time.sleep", stop)
    result = runner.invoke(args=["notifications", "worker", "--interval", "1"])
    assert result.exit_code == 0, result.output
    assert "reminded the staff of 1 stale listing" in result.output
    db.session.expire_all()
    assert found.stale_reminder_sent_at is not None
    emails = db.session.scalars(select(OutgoingEmail)).all()
    assert sorted(email.to_address for email in emails) == sorted(user.email for user in staff)
    assert all(email.kind == stale.LISTING_STALE and email.sent_at for email in emails)
