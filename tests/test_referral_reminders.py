"""Overdue referrals with an explicit clock: one reminder to the receiver past the response
deadline, one escalation to the coordinators a working day after it, nothing sent twice,
and never a word of the client in a notification, an e-mail or the log."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from directory.auth.models import User
from directory.extensions import db
from directory.notifications.mail import compose
from directory.notifications.models import Notification, OutgoingEmail
from directory.referrals import operations, reminders, states
from directory.referrals.models import Referral, ReferralEvent
from directory.referrals.vocabulary import ESCALATE, REMIND
from directory.worker import worker_round
from tests.factories import UserFactory
from tests.support.referral_network import (
    ADMIN_ROLE,
    bearer,
    referral_draft,
    sign_in,
    transition_request,
)

# Monday 1 March 2027, 09.00 WIB. A "normal" referral is due three working days later:
# Thursday 4 March, 09.00 WIB (02.00 UTC); the network's receiver is in Kota Serang (WIB).
SENT = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
DUE = datetime(2027, 3, 4, 2, 0, tzinfo=UTC)
CANARY = "KANARI-pengingat-51d0"


def send(network, *, at=SENT, urgency="normal") -> Referral:
    """A referral sent through the operation at ``at``, its client data all canaries."""
    draft = referral_draft(
        network,
        reference=f"{CANARY}-ref",
        initials="K.X.",
        contact=f"{CANARY}-kontak",
        safe_contact=f"{CANARY}-aman",
    )
    draft = dataclasses.replace(
        draft,
        urgency=urgency,
        reason=f"{CANARY}-alasan",
        consent=operations.Consent(
            given=True, method="written", recorded_at=at - timedelta(hours=1)
        ),
    )
    referral = operations.send_referral(draft, network.counsellor, now=at)
    db.session.commit()
    return referral


def steps(referral) -> list[tuple[str, str | None]]:
    rows = db.session.execute(
        select(ReferralEvent.action, ReferralEvent.actor_id)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.occurred_at, ReferralEvent.id)
    )
    return [(action, actor) for action, actor in rows]


def told(referral, kind) -> list[str]:
    rows = db.session.scalars(
        select(Notification.user_id).where(
            Notification.referral_id == referral.id, Notification.kind == kind
        )
    )
    return sorted(rows)


def emails(kind) -> list[OutgoingEmail]:
    return list(
        db.session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.kind == kind).order_by(OutgoingEmail.id)
        )
    )


def run(now) -> reminders.OverdueRound:
    done = reminders.remind_overdue(now)
    db.session.commit()
    return done


def test_the_deadline_is_the_one_the_referral_carries(network):
    referral = send(network)
    assert referral.due_at == DUE


def test_nothing_before_the_deadline(network):
    referral = send(network)
    assert run(DUE) == reminders.OverdueRound()
    assert steps(referral) == [("send", network.counsellor.id)]
    assert emails("referral_overdue") == []


def test_past_the_deadline_the_receiver_is_reminded_once(network):
    colleague = UserFactory(role="partner", organization=network.partner.organization)
    UserFactory(role="partner", organization=network.partner.organization, active=False)
    db.session.commit()
    referral = send(network)
    done = run(DUE + timedelta(minutes=1))
    assert done.reminded == [referral.reference_number]
    assert done.escalated == []
    assert steps(referral) == [("send", network.counsellor.id), (REMIND, None)]
    assert told(referral, REMIND) == sorted([network.partner.id, colleague.id])
    assert sorted(e.to_address for e in emails("referral_overdue")) == sorted(
        [network.partner.email, colleague.email]
    )
    # The referral itself is untouched: no one's next action is refused as stale.
    db.session.refresh(referral)
    assert (referral.status, referral.version) == (states.SENT, 1)
    # Again, and again later the same day: nothing more.
    assert run(DUE + timedelta(minutes=2)) == reminders.OverdueRound()
    assert run(DUE + timedelta(hours=20)) == reminders.OverdueRound()
    assert len(emails("referral_overdue")) == 2
    assert told(referral, REMIND) == sorted([network.partner.id, colleague.id])


def test_a_working_day_after_the_reminder_the_coordinators_are_told_once(network):
    admin = network.users[ADMIN_ROLE]
    referral = send(network)
    reminded_at = DUE + timedelta(minutes=1)  # Thursday 09.01 WIB
    run(reminded_at)
    assert run(reminded_at + timedelta(days=1) - timedelta(seconds=1)).escalated == []
    done = run(reminded_at + timedelta(days=1))  # Friday 09.01 WIB
    assert done == reminders.OverdueRound(escalated=[referral.reference_number])
    assert steps(referral)[-1] == (ESCALATE, None)
    assert told(referral, ESCALATE) == [admin.id]
    assert [e.to_address for e in emails("referral_escalated")] == [admin.email]
    # The receiver's staff are not told twice, the coordinators not again.
    assert run(reminded_at + timedelta(days=5)) == reminders.OverdueRound()
    assert len(emails("referral_overdue")) == 1
    assert len(emails("referral_escalated")) == 1


def test_the_working_day_skips_the_weekend(network):
    # An emergency sent on Friday 5 March 09.00 WIB is due four hours later; reminded on
    # Friday afternoon, it is escalated one working day later: Monday afternoon.
    referral = send(network, at=datetime(2027, 3, 5, 2, 0, tzinfo=UTC), urgency="emergency")
    friday_afternoon = datetime(2027, 3, 5, 7, 0, tzinfo=UTC)  # 14.00 WIB, past 4 hours
    assert run(friday_afternoon).reminded == [referral.reference_number]
    saturday = friday_afternoon + timedelta(days=1)
    monday_before = datetime(2027, 3, 8, 6, 59, tzinfo=UTC)
    monday_after = datetime(2027, 3, 8, 7, 0, tzinfo=UTC)
    assert run(saturday).escalated == []
    assert run(monday_before).escalated == []
    assert run(monday_after).escalated == [referral.reference_number]


def test_holidays_are_not_working_days(app, network):
    app.config["REFERRAL_HOLIDAYS"] = ["2027-03-05"]
    referral = send(network)
    reminded_at = DUE + timedelta(minutes=1)  # Thursday; Friday is a holiday
    run(reminded_at)
    assert run(reminded_at + timedelta(days=1)).escalated == []
    assert run(reminded_at + timedelta(days=4)).escalated == [referral.reference_number]


@pytest.mark.parametrize("action", [states.ACCEPT, states.DECLINE])
def test_an_answered_referral_is_neither_reminded_nor_escalated(network, action):
    answered_in_time = send(network)
    operations.transition_referral(
        answered_in_time, network.partner, transition_request(action), now=DUE
    )
    answered_late = send(network)
    db.session.commit()
    assert run(DUE + timedelta(hours=1)).reminded == [answered_late.reference_number]
    operations.transition_referral(
        answered_late, network.partner, transition_request(action), now=DUE + timedelta(hours=2)
    )
    db.session.commit()
    assert run(DUE + timedelta(days=10)) == reminders.OverdueRound()
    assert [a for a, _ in steps(answered_in_time)] == ["send", action]
    assert [a for a, _ in steps(answered_late)] == ["send", REMIND, action]


def test_an_opened_but_unanswered_referral_is_still_overdue(network):
    referral = send(network)
    operations.open_referral(referral, network.partner, operations.WEB, now=SENT)
    db.session.commit()
    assert referral.status == states.RECEIVED
    assert run(DUE + timedelta(minutes=1)).reminded == [referral.reference_number]


def province_admins(network):
    """Coordinators of Banten (the receiver's province), of Jakarta, and of nowhere."""
    banten = UserFactory(role="admin", organization=None, province_code="36")
    jakarta = UserFactory(role="admin", organization=None, province_code="31")
    db.session.commit()
    return banten, jakarta


def test_escalated_to_the_coordinators_of_the_receivers_province(network):
    banten, jakarta = province_admins(network)
    referral = send(network)
    run(DUE + timedelta(minutes=1))
    run(DUE + timedelta(days=1, minutes=1))
    assert told(referral, ESCALATE) == [banten.id]
    assert [e.to_address for e in emails("referral_escalated")] == [banten.email]
    assert jakarta.id not in told(referral, ESCALATE)


def test_with_no_coordinator_of_that_province_every_coordinator_is_told(network):
    everywhere = network.users[ADMIN_ROLE]
    jakarta = UserFactory(role="admin", organization=None, province_code="31")
    UserFactory(role="admin", organization=None, active=False)
    db.session.commit()
    referral = send(network)
    run(DUE + timedelta(minutes=1))
    run(DUE + timedelta(days=1, minutes=1))
    assert told(referral, ESCALATE) == sorted([everywhere.id, jakarta.id])


def test_two_overlapping_runs_record_and_send_once(network, monkeypatch):
    """The second run saw the referral as not reminded yet (it read before the first
    committed): the unique index refuses its event, and it tells nobody."""
    referral = send(network)
    now = DUE + timedelta(minutes=1)
    stale_view = reminders._overdue(now)
    run(now)
    monkeypatch.setattr(reminders, "_overdue", lambda _now: stale_view)
    assert run(now + timedelta(minutes=1)) == reminders.OverdueRound()
    assert [a for a, _ in steps(referral)] == ["send", REMIND]
    assert len(emails("referral_overdue")) == 1
    assert told(referral, REMIND) == [network.partner.id]


def test_the_database_refuses_a_second_reminder_event(network):
    referral = send(network)
    run(DUE + timedelta(minutes=1))
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(ReferralEvent).values(
                referral_id=referral.id,
                action=REMIND,
                to_status="sent",
                occurred_at=DUE + timedelta(hours=1),
            )
        )
    db.session.rollback()


def test_no_client_data_in_notifications_emails_or_the_log(app, network, caplog, runner):
    province_admins(network)
    referral = send(network)
    caplog.set_level(logging.DEBUG)
    first = runner.invoke(
        args=["referrals", "remind-overdue", "--now", (DUE + timedelta(hours=26)).isoformat()]
    )
    second = runner.invoke(
        args=["referrals", "remind-overdue", "--now", (DUE + timedelta(days=5)).isoformat()]
    )
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "1 reminded, 0 escalated" in first.output
    assert "0 reminded, 1 escalated" in second.output
    sent = emails("referral_overdue") + emails("referral_escalated")
    assert len(sent) == 2
    texts = [first.output, second.output, caplog.text]
    for email in sent:
        message = compose(email, app.config)
        body = message.get_content()
        texts += [body, message["Subject"], email.details or ""]
        assert referral.reference_number in body and referral.reference_number in message["Subject"]
        assert network.partner.organization.name in body
        assert network.counsellor.organization.name in body
    assert "26 jam" in compose(sent[0], app.config).get_content()
    assert json.loads(sent[0].details) == {
        "reference": referral.reference_number,
        "receiver": network.partner.organization.name,
        "sender": network.counsellor.organization.name,
        "hours": 26,
    }
    # The in-app notifications of the receiver's staff and of the coordinator.
    banten = db.session.scalar(select(User).where(User.province_code == "36"))
    for person in (network.partner, banten):
        client = app.test_client()
        sign_in(client, person)
        page = client.get("/notifikasi").get_data(as_text=True)
        assert referral.reference_number in page
        texts.append(page)
    for text in texts:
        assert CANARY not in text
        assert "K.X." not in text


def test_the_command_refuses_a_moment_without_an_offset(network, runner):
    send(network)
    for bad in ("2027-03-09T08:00:00", "kemarin"):
        result = runner.invoke(args=["referrals", "remind-overdue", "--now", bad])
        assert result.exit_code != 0
        assert "--now" in result.output
    assert db.session.scalar(select(ReferralEvent.id).where(ReferralEvent.action == REMIND)) is None


def test_each_round_of_the_worker_reminds(app, network, monkeypatch):
    referral = send(network)
    monkeypatch.setattr("directory.worker.utcnow", lambda: DUE + timedelta(hours=1))
    lines = worker_round()
    assert "overdue referrals: 1 reminded, 0 escalated" in lines
    assert [a for a, _ in steps(referral)] == ["send", REMIND]
    # The round also sent the reminder's e-mail.
    assert all(email.sent_at is not None for email in emails("referral_overdue"))
    assert "overdue referrals" not in " ".join(worker_round())


def test_the_timeline_shows_the_reminder_as_the_systems(app, network):
    referral = send(network)
    run(DUE + timedelta(minutes=1))
    client = app.test_client()
    sign_in(client, network.counsellor)
    page = client.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "Pengingat: belum dijawab melewati tenggat" in page
    assert "Sistem Jejaring Rujukan" in page
    answer = app.test_client().get(
        f"/api/v1/referrals/{referral.id}", headers=bearer(network.counsellor)
    )
    events = answer.get_json()["events"]
    assert [(e["action"], e["actor"]) for e in events][-1] == (REMIND, None)


def test_a_coordinator_is_given_a_province_by_command(network, runner):
    admin = network.users[ADMIN_ROLE]
    result = runner.invoke(args=["user", "set-province", admin.email, "36"])
    assert result.exit_code == 0, result.output
    db.session.refresh(admin)
    assert admin.province_code == "36"
    for wrong in (["99"], ["36.73"]):
        refused = runner.invoke(args=["user", "set-province", admin.email, *wrong])
        assert refused.exit_code != 0 and "not a province code" in refused.output
    refused = runner.invoke(args=["user", "set-province", network.counsellor.email, "36"])
    assert refused.exit_code != 0 and "only coordinators" in refused.output
    assert runner.invoke(args=["user", "set-province", "tidak.ada@example.org", "36"]).exit_code
    db.session.refresh(admin)
    assert admin.province_code == "36"
    assert runner.invoke(args=["user", "set-province", admin.email]).exit_code == 0
    db.session.refresh(admin)
    assert admin.province_code is None
