"""Where a counsellor starts a referral: the service page offers it to them alone."""

import pytest

from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    RECEIVER,
    SENDER,
    client_as,
)

REFER_TEXT = "Rujuk klien ke layanan ini"


def test_counsellor_of_another_organization_sees_the_refer_link(app, network):
    page = client_as(app, network, SENDER).get(f"/layanan/{network.service.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert REFER_TEXT in html
    assert f"/rujukan/baru?service_id={network.service.id}" in html


@pytest.mark.parametrize("role", [ANONYMOUS, RECEIVER, ADMIN_ROLE])
def test_no_refer_link_for_people_who_cannot_send(app, network, role):
    page = client_as(app, network, role).get(f"/layanan/{network.service.id}")
    assert page.status_code == 200
    assert REFER_TEXT not in page.get_data(as_text=True)


def test_no_refer_link_when_the_service_does_not_accept_referrals(app, db, network):
    network.service.accepting_referrals = False
    db.session.commit()
    page = client_as(app, network, SENDER).get(f"/layanan/{network.service.id}")
    assert REFER_TEXT not in page.get_data(as_text=True)


def test_search_results_offer_the_refer_link_to_a_counsellor(app, network):
    page = client_as(app, network, SENDER).get("/cari?q=pendampingan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert network.service.name in html
    assert f"/rujukan/baru?service_id={network.service.id}" in html


def test_search_results_offer_no_refer_link_to_the_public(app, network):
    page = client_as(app, network, ANONYMOUS).get("/cari?q=pendampingan")
    html = page.get_data(as_text=True)
    assert network.service.name in html
    assert REFER_TEXT not in html
