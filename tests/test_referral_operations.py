"""The operations on their own: the conditional update, the immutable timeline, deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from directory.database import utcnow
from directory.extensions import db
from directory.referrals import operations, states
from directory.referrals.models import ImmutableEvent, Referral
from tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory
from tests.support.referral_network import (
    referral_draft,
    referral_in,
    transition_request,
)


def test_an_update_from_a_stale_version_misses_and_raises(network):
    referral = referral_in(network, "received")
    loaded_version = referral.version
    assert len(referral.events) == 2
    # This session lets go of the database but keeps its copy (version 2) ...
    db.session.close()
    # ... while someone else accepts and commits.
    with db.engine.begin() as connection:
        connection.execute(
            update(Referral)
            .where(Referral.id == referral.id)
            .values(status="accepted", version=loaded_version + 1)
        )
    db.session.add(referral)
    assert referral.status == "received" and referral.version == loaded_version
    with pytest.raises(operations.StaleReferral):
        operations.transition_referral(referral, network.partner, transition_request("decline"))
    db.session.rollback()
    db.session.refresh(referral)
    assert referral.status == "accepted"
    assert [event.action for event in referral.events] == ["send", "receive"]


def test_the_expected_version_is_checked_first(network):
    referral = referral_in(network, "sent")
    with pytest.raises(operations.StaleReferral):
        operations.transition_referral(
            referral, network.partner, transition_request("accept", expected_version=7)
        )
    assert referral.status == "sent"


def test_events_cannot_be_edited_or_deleted(network):
    referral = referral_in(network, "accepted")
    event = referral.events[-1]
    event.note = "diubah belakangan"
    with pytest.raises(ImmutableEvent):
        db.session.flush()
    db.session.rollback()
    db.session.delete(referral.events[0])
    with pytest.raises(ImmutableEvent):
        db.session.flush()
    db.session.rollback()


def test_each_event_records_actor_time_and_statuses(network):
    referral = referral_in(network, "sent")
    event = operations.transition_referral(
        referral, network.partner, transition_request("decline", note="Penuh", reason_text="x")
    )
    assert (event.from_status, event.to_status) == ("sent", "declined")
    assert event.actor_id == network.partner.id
    assert event.actor_organization_id == network.partner.organization_id
    assert event.reason_code == "capacity_full" and event.note == "Penuh"
    assert referral.responded_at == event.occurred_at
    assert referral.end_reason_code == "capacity_full"


def test_administrators_are_on_no_side(network):
    from tests.support.referral_network import ADMIN_ROLE

    referral = referral_in(network, "sent")
    admin = network.users[ADMIN_ROLE]
    assert referral.can_view(admin) and not referral.can_see_client(admin)
    with pytest.raises(states.WrongSide):
        operations.transition_referral(referral, admin, transition_request("accept"))


def test_opening_by_the_sender_does_not_receive(network):
    referral = referral_in(network, "sent")
    assert operations.open_referral(referral, network.counsellor, operations.WEB) is False
    assert referral.status == "sent"
    assert operations.open_referral(referral, network.partner, operations.WEB) is True
    assert referral.status == "received"
    # Only the first opening receives.
    assert operations.open_referral(referral, network.partner, operations.WEB) is False


def test_the_deadline_is_counted_in_the_receivers_zone(network):
    jayapura = ServiceFactory(name="Layanan di Jayapura (uji)")
    ServiceAtLocationFactory(
        service=jayapura,
        location=LocationFactory(organization=jayapura.organization, region_code="91.71"),
    )
    db.session.flush()
    # Friday 2 May 2025, 23:30 in Serang (WIB) is already Saturday 01:30 in Jayapura (WIT).
    sent = datetime(2025, 5, 2, 23, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    consent = operations.Consent(True, "written", sent - timedelta(hours=2))
    draft = referral_draft(network)
    due = {}
    for service in (network.service, jayapura):
        referral = operations.send_referral(
            operations.ReferralDraft(
                **{
                    **draft.__dict__,
                    "service_id": service.id,
                    "urgency": "normal",
                    "consent": consent,
                }
            ),
            network.counsellor,
            now=sent,
        )
        due[service.name] = referral.due_at
    # Three working days: Wednesday 23:30 WIB; in Jayapura from Monday 08:00 WIT, Thursday.
    assert due[network.service.name] == datetime(
        2025, 5, 7, 23, 30, tzinfo=ZoneInfo("Asia/Jakarta")
    )
    assert due[jayapura.name] == datetime(2025, 5, 8, 8, 0, tzinfo=ZoneInfo("Asia/Jayapura"))


def test_a_partner_cannot_send(network):
    with pytest.raises(operations.NotAllowed):
        operations.send_referral(referral_draft(network), network.partner)


def test_a_rereferral_links_back(network):
    declined = referral_in(network, "declined")
    draft = referral_draft(network)
    again = operations.send_referral(
        operations.ReferralDraft(**{**draft.__dict__, "previous_referral_id": declined.id}),
        network.counsellor,
    )
    assert again.previous_referral_id == declined.id
    assert declined.next_referrals == [again]
    accepted = referral_in(network, "accepted")
    with pytest.raises(operations.ReferralInvalid) as refused:
        operations.send_referral(
            operations.ReferralDraft(**{**draft.__dict__, "previous_referral_id": accepted.id}),
            network.counsellor,
        )
    assert "previous_referral_id" in refused.value.fields


def test_consent_in_the_future_is_refused_within_tolerance(network):
    draft = referral_draft(network)
    soon = utcnow() + timedelta(minutes=2)
    ok = operations.ReferralDraft(
        **{**draft.__dict__, "consent": operations.Consent(True, "verbal", soon)}
    )
    assert operations.send_referral(ok, network.counsellor).consent_recorded_at == soon
    later = operations.ReferralDraft(
        **{
            **draft.__dict__,
            "consent": operations.Consent(True, "verbal", utcnow() + timedelta(hours=1)),
        }
    )
    with pytest.raises(operations.ReferralInvalid) as refused:
        operations.send_referral(later, network.counsellor)
    assert list(refused.value.fields) == ["consent.recorded_at"]
