"""Each organization's dashboard: its referrals sent and received, with the reports'
figures and small-count rules, for its own staff and the coordinators only."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from directory.dashboard.figures import first_day_of_month_back, organization_dashboard
from directory.database import utcnow
from directory.extensions import db
from directory.reports import figures
from tests.factories import OrganizationFactory, ReferralFactory, UserFactory
from tests.support.referral_network import (
    ADMIN_ROLE,
    OTHER_COUNSELLOR,
    OTHER_PARTNER,
    client_as,
    referral_in,
    sign_in,
)

CANARY = "KANARI-dasbor-90ab"


def history(network, accepted: int, declined: int, sent: int = 0) -> None:
    for status, count in (("accepted", accepted), ("declined", declined), ("sent", sent)):
        for _ in range(count):
            referral_in(network, status, client_reference=CANARY, reason=CANARY)


def test_twelve_months_this_one_included():
    assert first_day_of_month_back(date(2027, 3, 15), 12) == date(2026, 4, 1)
    assert first_day_of_month_back(date(2027, 12, 1), 12) == date(2027, 1, 1)


def test_the_figures_are_the_reports_narrowed_to_the_organization(network):
    history(network, accepted=6, declined=5, sent=2)
    # Someone else's referral counts for neither side.
    ReferralFactory()
    db.session.commit()
    sender = network.counsellor.organization
    receiver = network.partner.organization
    now = utcnow()
    today = now.astimezone(figures.ZONE).date()
    of_sender = organization_dashboard(db.session, sender, now, today)
    of_receiver = organization_dashboard(db.session, receiver, now, today)
    assert of_sender.sent.total.sent == 13
    assert of_sender.sent.total.accepted == 6
    assert of_sender.sent.total.declined == 5
    assert of_sender.sent.total.acceptance_rate == round(6 / 11, 4)
    assert of_sender.sent.total.median_hours_to_response is not None
    assert of_sender.received.total.sent == figures.SUPPRESSED  # none received
    assert of_sender.received.total.acceptance_rate is None
    assert of_receiver.received.total == of_sender.sent.total
    assert of_receiver.sent.total.sent == figures.SUPPRESSED


def test_small_counts_are_suppressed_as_in_the_reports(app, network):
    history(network, accepted=3, declined=1)
    page = client_as(app, network, "sender_counsellor").get(
        f"/dasbor/lembaga/{network.counsellor.organization_id}"
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;5" in body
    # No rate or median from fewer than five values; no client data at all.
    assert "%" not in body.split('id="dashboard-sent"')[1].split("</dl>")[0]
    assert CANARY not in body


def test_the_staff_see_their_own_figures(app, network):
    history(network, accepted=6, declined=5)
    page = client_as(app, network, "receiver_partner").get(
        f"/dasbor/lembaga/{network.partner.organization_id}"
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert network.partner.organization.name in body
    received = body.split('id="dashboard-received"')[1].split("</dl>")[0]
    assert "<dd>11</dd>" in received
    assert "54,6%" in received  # 6 / 11
    assert CANARY not in body


def test_dasbor_leads_the_staff_to_their_own(app, network):
    answer = client_as(app, network, "receiver_partner").get("/dasbor")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/dasbor/lembaga/{network.partner.organization_id}")


def test_a_coordinator_chooses_among_the_organizations_with_referrals(app, network):
    history(network, accepted=1, declined=0)
    quiet = OrganizationFactory(name="Lembaga Tanpa Rujukan (uji)")
    db.session.commit()
    body = client_as(app, network, ADMIN_ROLE).get("/dasbor").get_data(as_text=True)
    assert network.counsellor.organization.name in body
    assert network.partner.organization.name in body
    assert quiet.name not in body
    answer = client_as(app, network, ADMIN_ROLE).get(
        f"/dasbor/lembaga/{network.partner.organization_id}"
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("role", [OTHER_COUNSELLOR, OTHER_PARTNER, "receiver_partner"])
def test_another_organizations_staff_are_refused(app, network, role):
    history(network, accepted=6, declined=5)
    answer = client_as(app, network, role).get(
        f"/dasbor/lembaga/{network.counsellor.organization_id}"
    )
    assert answer.status_code == 403
    assert network.counsellor.organization.name not in answer.get_data(as_text=True)


def test_an_inactive_account_is_refused_and_an_unknown_organization_is_404(app, network):
    colleague = UserFactory(role="counsellor", organization=network.counsellor.organization)
    db.session.commit()
    client = app.test_client()
    sign_in(client, colleague)
    colleague.active = False
    db.session.commit()
    answer = client.get(f"/dasbor/lembaga/{network.counsellor.organization_id}")
    assert answer.status_code in (302, 403)
    admin = client_as(app, network, ADMIN_ROLE)
    assert admin.get(f"/dasbor/lembaga/{uuid.uuid4()}").status_code == 404
    assert admin.get("/dasbor/lembaga/bukan-uuid").status_code == 404
