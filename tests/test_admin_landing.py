"""The administrators' landing page (``/admin``): where they arrive after signing in, and
what waits for them, counted from what is in the database; the edit page of a listing
says when a partner's change to it waits for review."""

from __future__ import annotations

import re
from datetime import timedelta

from directory.admin.waiting import waiting
from directory.database import utcnow
from directory.extensions import db
from directory.listings.models import ListingChange
from tests.factories import (
    TEST_PASSWORD,
    OrganizationFactory,
    ReferralFactory,
    ServiceFactory,
    UserFactory,
)
from tests.support.referral_network import (
    ADMIN_ROLE,
    client_as,
    csrf_token,
    referral_in,
)


def figure(page: str, label: str) -> int:
    """The count shown before ``label`` in the "Menunggu Anda" list."""
    match = re.search(
        rf'<span class="waiting-count">(\d+)</span> <span class="waiting-label">{label}', page
    )
    assert match, label
    return int(match.group(1))


def propose(network, organization, resource_id) -> ListingChange:
    change = ListingChange(
        organization_id=organization.id,
        resource_type="organization",
        resource_id=resource_id,
        changes={"description": {"old": "", "new": "Buka juga hari Sabtu."}},
        submitted_by_id=network.partner.id,
    )
    db.session.add(change)
    db.session.commit()
    return change


def test_an_administrator_lands_on_the_admin_page(app, network):
    admin = network.users[ADMIN_ROLE]
    client = app.test_client()
    response = client.post(
        "/masuk",
        data={
            "email": admin.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client, "/masuk"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin"


def test_the_landing_page_counts_what_waits(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    empty = client.get("/admin").get_data(as_text=True)
    assert figure(empty, "perubahan data lembaga menunggu tinjauan") == 0
    assert figure(empty, "rujukan terlambat dijawab") == 0
    assert not re.search(r"\d+ darurat", empty)  # no "(0 emergencies)"

    receiving = network.service.organization
    propose(network, receiving, receiving.id)
    propose(network, receiving, network.service.id)
    past = utcnow() - timedelta(days=5)
    for urgency in ("emergency", "normal", "high"):
        ReferralFactory(
            counsellor=network.counsellor,
            service=network.service,
            urgency=urgency,
            sent_at=past,
            due_at=past + timedelta(days=1),
        )
    referral_in(network, "sent")  # not yet due
    late_but_answered = referral_in(network, "accepted")
    late_but_answered.due_at = past
    # An organization that accepts referrals with nobody to answer them.
    ServiceFactory(organization=OrganizationFactory(name="Puskesmas Tanpa Akun"))
    db.session.commit()

    page = client.get("/admin").get_data(as_text=True)
    counted = waiting(db.session, utcnow())
    assert figure(page, "perubahan data lembaga menunggu tinjauan") == 2
    assert figure(page, "rujukan terlambat dijawab") == 3
    assert "1 darurat" in page
    assert counted.organizations_without_account >= 1
    assert (
        figure(page, "lembaga menerima rujukan tetapi belum punya akun staf")
        == counted.organizations_without_account
    )
    assert 'href="/admin/tinjauan"' in page and 'href="/rujukan/masuk?terlambat=1"' in page
    # Organizations with a staff account are not counted.
    UserFactory(role="partner", organization=db.session.merge(network.service.organization))
    staffed = OrganizationFactory(name="Klinik Baru")
    ServiceFactory(organization=staffed)
    UserFactory(role="partner", organization=staffed)
    db.session.commit()
    assert waiting(db.session, utcnow()).organizations_without_account == (
        counted.organizations_without_account
    )


def test_only_administrators_see_the_counts(app, network):
    for role in ("sender_counsellor", "receiver_partner"):
        assert client_as(app, network, role).get("/admin").status_code == 403


def test_the_edit_page_says_a_change_waits_for_review(app, network):
    receiving = network.service.organization
    client = client_as(app, network, ADMIN_ROLE)
    before = client.get(f"/admin/lembaga/{receiving.id}").get_data(as_text=True)
    assert 'id="pending-changes"' not in before
    change = propose(network, receiving, receiving.id)
    page = client.get(f"/admin/lembaga/{receiving.id}").get_data(as_text=True)
    notice = re.search(
        r'<div class="alert" role="note" id="pending-changes">(.*?)</div>', page, re.S
    )
    assert notice is not None
    assert "Ada 1 usulan perubahan dari lembaga yang menunggu tinjauan." in notice.group(1)
    assert f'href="/admin/tinjauan/{change.id}"' in notice.group(1)
    # The service's page: only changes to that service.
    service_page = client.get(f"/admin/layanan/{network.service.id}").get_data(as_text=True)
    assert 'id="pending-changes"' not in service_page
    propose(network, receiving, network.service.id)
    service_page = client.get(f"/admin/layanan/{network.service.id}").get_data(as_text=True)
    assert 'id="pending-changes"' in service_page
