"""The review queue: staff propose changes to their listing, an administrator approves
(applied and audited) or rejects them; capacity and availability change at once; the
listing is verified. Operations only: the pages are in test_listings_pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import ChangeLogEntry
from directory.listings import fields, operations
from directory.listings.models import APPROVED, PENDING, REJECTED, WITHDRAWN, ListingChange
from directory.notifications.models import Notification
from tests.factories import PhoneFactory, ServiceFactory, UserFactory
from tests.support.audit_trail import audit_rows
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_PARTNER,
    SENDER,
)


@pytest.fixture
def admin(network):
    return network.users[ADMIN_ROLE]


def propose(network, **typed):
    change = operations.propose_change(network.service, network.partner, typed)
    db.session.commit()
    return change


# Proposing


def test_a_proposal_holds_only_the_fields_that_change_and_leaves_the_listing(network):
    service = network.service
    change = propose(
        network,
        name=service.name,
        description="Pendampingan hukum dan psikologis bagi korban KDRT.",
        hours="Sen-Jum 08.00-15.00",
    )
    assert change.status == PENDING
    assert change.resource_type == "service" and change.resource_id == service.id
    assert change.organization_id == service.organization_id
    assert change.changes == {
        "description": {
            "old": "Konseling keluarga dan pendampingan korban kekerasan dalam rumah tangga.",
            "new": "Pendampingan hukum dan psikologis bagi korban KDRT.",
        },
        "hours": {"old": "", "new": "Sen-Jum 08.00-15.00"},
    }
    db.session.refresh(service)
    assert service.description.startswith("Konseling keluarga")
    assert audit_rows(service.id) == []


def test_nothing_changed_queues_nothing(network):
    assert propose(network, name=network.service.name, wait_time="") is None
    assert db.session.scalars(select(ListingChange)).all() == []


def test_a_wrong_value_is_refused_and_nothing_is_queued(network):
    with pytest.raises(fields.FieldsInvalid) as refused:
        operations.propose_change(
            network.service, network.partner, {"phones": "hubungi kantor", "name": "Baru"}
        )
    assert set(refused.value.fields) == {"phones"}
    assert db.session.scalars(select(ListingChange)).all() == []


def test_an_untouched_value_the_form_could_not_write_does_not_block(network):
    PhoneFactory(service_id=network.service.id, number="0800-LK3-SERANG")
    db.session.commit()
    current_phones = fields.read(network.service, fields.SERVICE_FIELDS["phones"])
    change = propose(network, phones=current_phones, wait_time="Dua hari kerja.")
    assert list(change.changes) == ["wait_time"]


@pytest.mark.parametrize("role", [SENDER, OTHER_PARTNER, ADMIN_ROLE])
def test_only_the_organizations_staff_propose(network, role):
    with pytest.raises(operations.ListingNotAllowed):
        operations.propose_change(network.service, network.users[role], {"wait_time": "Besok"})


def test_an_inactive_account_keeps_no_listing(network):
    network.partner.active = False
    with pytest.raises(operations.ListingNotAllowed):
        operations.propose_change(network.service, network.partner, {"wait_time": "Besok"})


# Reviewing


def test_approving_applies_audits_and_tells_the_proposer(network, admin):
    service = network.service
    change = propose(network, wait_time="Dua hari kerja.", phones="+62 254 200 300")
    log_before = db.session.scalar(select(ChangeLogEntry.id).order_by(ChangeLogEntry.id.desc()))

    operations.approve_change(change, admin)
    db.session.commit()

    db.session.refresh(service)
    assert service.wait_time == "Dua hari kerja."
    assert [phone.number for phone in service.phones] == ["+62 254 200 300"]
    assert (change.status, change.reviewed_by_id) == (APPROVED, admin.id)
    assert change.reviewed_at is not None
    rows = audit_rows(service.id)
    assert [(r.field_name, r.previous_value, r.replacement_value) for r in rows] == [
        ("phones", "", "+62 254 200 300"),
        ("wait_time", "", "Dua hari kerja."),
    ]
    assert {(r.last_action_type, r.updated_by, r.resource_type) for r in rows} == {
        ("update", network.partner.email, "service")
    }
    assert {r.organization_id for r in rows} == {service.organization_id}
    [told] = db.session.scalars(select(Notification)).all()
    assert (told.user_id, told.kind, told.referral_id) == (
        network.partner.id,
        operations.LISTING_APPROVED,
        None,
    )
    assert told.organization_id == service.organization_id
    # The search index follows: the directory's change log has the service.
    logged = db.session.scalars(
        select(ChangeLogEntry.entity_id).where(ChangeLogEntry.id > (log_before or 0))
    ).all()
    assert service.id in logged


def test_approving_an_organizations_fields(network, admin):
    organization = network.partner.organization
    change = operations.propose_change(
        organization,
        network.partner,
        {"name": "UPTD PPA Kota Serang", "website": "https://uptdppa.example.org"},
    )
    operations.approve_change(change, admin)
    db.session.commit()
    db.session.refresh(organization)
    assert (organization.name, organization.website) == (
        "UPTD PPA Kota Serang",
        "https://uptdppa.example.org",
    )
    assert {r.field_name for r in audit_rows(organization.id)} == {"name", "website"}


def test_a_change_made_since_the_proposal_is_a_conflict(network, admin):
    service = network.service
    change = propose(network, wait_time="Dua hari kerja.", fees_description="Gratis.")
    service.wait_time = "Satu minggu."  # someone else, meanwhile
    db.session.commit()

    assert operations.conflicts(change) == {"wait_time": "Satu minggu."}
    with pytest.raises(operations.ChangeConflict) as conflict:
        operations.approve_change(change, admin)
    assert conflict.value.fields == {"wait_time": "Satu minggu."}
    db.session.rollback()
    db.session.refresh(service)
    assert (service.wait_time, service.fees_description) == ("Satu minggu.", None)
    assert change.status == PENDING

    operations.approve_change(change, admin, overwrite=True)
    db.session.commit()
    db.session.refresh(service)
    assert (service.wait_time, service.fees_description) == ("Dua hari kerja.", "Gratis.")
    [row] = [r for r in audit_rows(service.id) if r.field_name == "wait_time"]
    assert (row.previous_value, row.replacement_value) == ("Satu minggu.", "Dua hari kerja.")


def test_a_field_already_holding_the_proposed_value_is_no_conflict(network, admin):
    change = propose(network, wait_time="Dua hari kerja.")
    network.service.wait_time = "Dua hari kerja."
    db.session.commit()
    assert operations.conflicts(change) == {}
    operations.approve_change(change, admin)
    assert audit_rows(network.service.id) == []


def test_two_proposals_of_one_field_the_second_conflicts_once_the_first_is_in(network, admin):
    first = propose(network, wait_time="Dua hari kerja.")
    second = propose(network, wait_time="Tiga hari kerja.")
    operations.approve_change(first, admin)
    db.session.commit()
    assert operations.conflicts(second) == {"wait_time": "Dua hari kerja."}


def test_rejecting_needs_a_note_keeps_the_listing_and_tells_the_proposer(network, admin):
    change = propose(network, wait_time="Dua hari kerja.")
    with pytest.raises(fields.FieldsInvalid):
        operations.reject_change(change, admin, "  ")
    assert change.status == PENDING

    operations.reject_change(change, admin, "Waktu tunggu belum dikonfirmasi.")
    db.session.commit()
    assert (change.status, change.review_note) == (REJECTED, "Waktu tunggu belum dikonfirmasi.")
    db.session.refresh(network.service)
    assert network.service.wait_time is None
    [told] = db.session.scalars(select(Notification)).all()
    assert (told.user_id, told.kind) == (network.partner.id, operations.LISTING_REJECTED)


@pytest.mark.parametrize("role", [SENDER, OTHER_PARTNER])
def test_only_administrators_review(network, role):
    change = propose(network, wait_time="Dua hari kerja.")
    reviewer = network.users[role]
    with pytest.raises(operations.ListingNotAllowed):
        operations.approve_change(change, reviewer)
    with pytest.raises(operations.ListingNotAllowed):
        operations.reject_change(change, reviewer, "Tidak.")
    # The proposer itself may not approve its own change either.
    with pytest.raises(operations.ListingNotAllowed):
        operations.approve_change(change, network.partner)
    assert change.status == PENDING


@pytest.mark.parametrize("closing", ["approve", "reject", "withdraw"])
def test_a_reviewed_or_withdrawn_change_is_closed(network, admin, closing):
    change = propose(network, wait_time="Dua hari kerja.")
    if closing == "approve":
        operations.approve_change(change, admin)
    elif closing == "reject":
        operations.reject_change(change, admin, "Tidak sesuai.")
    else:
        operations.withdraw_change(change, network.partner)
    with pytest.raises(operations.ChangeClosed):
        operations.approve_change(change, admin)
    with pytest.raises(operations.ChangeClosed):
        operations.reject_change(change, admin, "Lagi.")
    with pytest.raises(operations.ChangeClosed):
        operations.withdraw_change(change, network.partner)


def test_a_colleague_withdraws_and_an_outsider_may_not(network):
    change = propose(network, wait_time="Dua hari kerja.")
    with pytest.raises(operations.ListingNotAllowed):
        operations.withdraw_change(change, network.users[OTHER_PARTNER])
    colleague = UserFactory(role="partner", organization=network.partner.organization)
    operations.withdraw_change(change, colleague)
    assert change.status == WITHDRAWN


def test_the_queue_is_oldest_first_and_only_pending(network, admin):
    later = propose(network, wait_time="Dua hari kerja.")
    earlier = propose(network, fees_description="Gratis.")
    earlier.submitted_at = later.submitted_at - timedelta(hours=1)
    done = propose(network, url="https://layanan.example.org")
    operations.reject_change(done, admin, "Alamat salah.")
    db.session.commit()
    assert db.session.scalars(operations.pending_changes()).all() == [earlier, later]
    other = network.users[OTHER_PARTNER].organization_id
    assert db.session.scalars(operations.pending_changes(other)).all() == []


# At once: capacity and whether referrals are taken now


def test_availability_changes_at_once_and_is_audited(network):
    service = network.service
    changed = operations.update_availability(
        service,
        network.partner,
        capacity_note="Penuh sampai akhir bulan.",
        accepting_referrals=False,
    )
    db.session.commit()
    assert changed
    db.session.refresh(service)
    assert (service.capacity_note, service.accepting_referrals) == (
        "Penuh sampai akhir bulan.",
        False,
    )
    assert [
        (r.field_name, r.previous_value, r.replacement_value) for r in audit_rows(service.id)
    ] == [
        ("accepting_referrals", "true", "false"),
        ("capacity_note", "", "Penuh sampai akhir bulan."),
    ]
    assert db.session.scalars(select(ListingChange)).all() == []

    assert not operations.update_availability(
        service,
        network.partner,
        capacity_note="Penuh sampai akhir bulan.",
        accepting_referrals=False,
    )
    assert len(audit_rows(service.id)) == 2


def test_availability_of_another_organizations_service_is_refused(network):
    with pytest.raises(operations.ListingNotAllowed):
        operations.update_availability(
            network.service,
            network.users[OTHER_PARTNER],
            capacity_note="Penuh.",
            accepting_referrals=False,
        )
    db.session.refresh(network.service)
    assert network.service.accepting_referrals is True


def test_a_too_long_capacity_note_is_refused(network):
    with pytest.raises(fields.FieldsInvalid):
        operations.update_availability(
            network.service, network.partner, capacity_note="x" * 1001, accepting_referrals=True
        )


# Verifying


def test_verifying_dates_the_listing_and_its_services(network):
    organization = network.partner.organization
    second = ServiceFactory(organization=organization)
    organization.stale_reminder_sent_at = utcnow() - timedelta(days=3)
    db.session.commit()
    now = utcnow()

    operations.verify_listing(organization, network.partner, now=now)
    db.session.commit()

    assert organization.verified_at == now
    assert organization.stale_reminder_sent_at is None
    for service in (network.service, second):
        assert (service.assured_date, service.assurer_email) == (now.date(), network.partner.email)
        assert {r.field_name for r in audit_rows(service.id)} == {"assured_date", "assurer_email"}
    [row] = audit_rows(organization.id)
    assert (row.last_action_type, row.field_name, row.replacement_value) == (
        "verify",
        "verified_at",
        now.isoformat(),
    )


def test_another_organization_cannot_verify(network):
    with pytest.raises(operations.ListingNotAllowed):
        operations.verify_listing(network.partner.organization, network.users[OTHER_PARTNER])
    assert network.partner.organization.verified_at is None
