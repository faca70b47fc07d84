"""Re-referral after a decline: the decliner may suggest another service; the re-referral
page offers it first, then services for the same problems ranked by the policy near the
client's place, with distances, without the decliner or the sender's own organization,
and only those whose ages admit the client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.institutions.models import TAXONOMY_INSTITUTION_TYPES, Taxonomy
from directory.referrals.models import ReferralEvent
from directory.search import follower
from directory.search.service import state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)
from tests.support.referral_network import client_as, csrf_token, referral_in

# Kota Serang (36.73, where the network's organizations are), a district of it, and
# Kabupaten Pandeglang, farther away.
CITY = (-6.12, 106.15, "36.73.01")
CIPOCOK = (-6.1447, 106.1698, "36.73.05")
PANDEGLANG = (-6.3085, 106.1038, "36.01.01")


def listed(name, kind, terms, spot, *, areas=(), minimum_age=None, accepting=True):
    """A service of a new organization of institution type ``kind``, at ``spot``."""
    from directory.models import ServiceArea

    latitude, longitude, code = spot
    organization = OrganizationFactory(name=f"{name} (lembaga)")
    AttributeFactory(link_id=organization.id, link_entity="organization", taxonomy_term=kind)
    service = ServiceFactory(
        organization=organization,
        name=name,
        minimum_age=minimum_age,
        accepting_referrals=accepting,
    )
    location = LocationFactory(
        organization=organization, latitude=latitude, longitude=longitude, region_code=code
    )
    ServiceAtLocationFactory(service=service, location=location)
    for term in terms:
        AttributeFactory(link_id=service.id, link_entity="service", taxonomy_term=term)
    for area in areas:
        db.session.add(ServiceArea(service=service, region_code=area, uri=f"urn:kemendagri:{area}"))
    return service


def institution_types():
    taxonomy = db.session.get(Taxonomy, TAXONOMY_INSTITUTION_TYPES) or TaxonomyFactory(
        id=TAXONOMY_INSTITUTION_TYPES, name="Jenis lembaga"
    )
    return {
        code: TaxonomyTermFactory(taxonomy=taxonomy, code=code, name=name)
        for code, name in (
            ("uptd_ppa", "UPTD PPA"),
            ("unit_ppa_polri", "Unit PPA Kepolisian"),
            ("rumah_sakit", "Rumah Sakit / RSUD"),
            ("lk3", "LK3"),
        )
    }


def act(client, referral, action, **fields):
    token = csrf_token(client, f"/rujukan/{referral.id}")
    data = {f"{action}-csrf_token": token, f"{action}-version": referral.version}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/rujukan/{referral.id}/tindakan/{action}", data=data)


def names_on(page: str) -> list[str]:
    return re.findall(r"<li><strong>([^<]+)</strong>", page)


def test_the_decliner_suggests_and_rereferral_offers_it_first_then_the_policy(app, network):
    kinds = institution_types()
    kdrt = network.problem_terms[0]
    kdrt.code = "kdrt"
    referral = referral_in(network, "received", client_age_group="25-59")
    # Nearest first would be the hospital, then the police; the policy puts the city's
    # UPTD PPA first for domestic violence, the police second, the hospital third.
    hospital = listed("IGD RSUD", kinds["rumah_sakit"], [kdrt], CITY)
    police = listed("Unit PPA Polresta", kinds["unit_ppa_polri"], [kdrt], CIPOCOK, areas=["36.73"])
    uptd = listed("UPTD PPA Kota", kinds["uptd_ppa"], [kdrt], PANDEGLANG, areas=["36.73"])
    # In the province, declaring no area: after the city's hospital.
    far = listed("RSUD Pandeglang", kinds["rumah_sakit"], [kdrt], PANDEGLANG)
    # Serving Pandeglang only: left out by the service-area rule.
    zoned = listed("Khusus Pandeglang", kinds["uptd_ppa"], [kdrt], PANDEGLANG, areas=["36.01"])
    children = listed("Layanan anak", kinds["uptd_ppa"], [kdrt], CITY, minimum_age=None)
    children.maximum_age = 17
    closed = listed("Tidak menerima", kinds["uptd_ppa"], [kdrt], CITY, accepting=False)
    other_problem = listed("Lain masalah", kinds["uptd_ppa"], [network.problem_terms[2]], CITY)
    # Another service of the declining organization and one of the sender's own.
    same_receiver = ServiceFactory(
        organization=network.service.organization, name="Layanan lain penerima"
    )
    ServiceAtLocationFactory(
        service=same_receiver, location=LocationFactory(organization=network.service.organization)
    )
    AttributeFactory(link_id=same_receiver.id, link_entity="service", taxonomy_term=kdrt)
    own = ServiceFactory(
        organization=network.users["sender_counsellor"].organization, name="Layanan sendiri"
    )
    ServiceAtLocationFactory(service=own, location=LocationFactory(organization=own.organization))
    AttributeFactory(link_id=own.id, link_entity="service", taxonomy_term=kdrt)
    # The decliner's suggestion: a psychologist in Pandeglang, not otherwise first.
    suggestion = listed("Psikolog saran", kinds["lk3"], [kdrt], PANDEGLANG)
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)

    partner = client_as(app, network, "receiver_partner")
    response = act(
        partner,
        referral,
        "decline",
        reason_code="capacity_full",
        suggested_service=f"http://localhost/layanan/{suggestion.id}",
    )
    assert response.status_code == 303
    event = db.session.scalars(select(ReferralEvent).where(ReferralEvent.action == "decline")).one()
    assert event.suggested_service_id == suggestion.id

    counsellor = client_as(app, network, "sender_counsellor")
    shown = counsellor.get(f"/rujukan/{referral.id}").get_data(as_text=True)
    assert "Saran layanan lain" in shown and "Psikolog saran" in shown
    page = counsellor.get(f"/rujukan/{referral.id}/rujuk-ulang")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    names = names_on(text)
    assert names[0] == "Psikolog saran"
    assert "Disarankan oleh" in text
    assert names[1:4] == ["UPTD PPA Kota", "Unit PPA Polresta", "IGD RSUD"]
    assert names[4:] == ["RSUD Pandeglang"]
    assert "Berada di provinsi" in text
    for absent in (
        "Layanan anak",  # for children; the client is 25-59
        "Tidak menerima",
        "Lain masalah",
        "Layanan lain penerima",
        "Layanan sendiri",
        "Khusus Pandeglang",
        network.service.name,
    ):
        assert absent not in names
    assert "Lembaga yang bertanggung jawab di Kota Serang" in text
    assert re.search(r"\(\d+(,\d)? km\)", text)
    assert all((far, police, uptd, hospital, closed, other_problem, zoned))


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("not a link", "tidak ditemukan"),
        ("/layanan/8a1f6c2e-3b4d-4e5f-9a0b-1c2d3e4f5a6b", "tidak ditemukan"),
        ("x" * 400, "Terlalu panjang"),
        ("declined", "bukan layanan yang menolak ini"),
        ("own", "milik lembaga pengirim sendiri"),
    ],
)
def test_a_bad_suggestion_is_a_400_and_stores_nothing(app, network, given, message):
    referral = referral_in(network, "received")
    own = ServiceFactory(organization=network.users["sender_counsellor"].organization)
    db.session.commit()
    value = {"declined": network.service.id, "own": own.id}.get(given, given)
    partner = client_as(app, network, "receiver_partner")
    response = act(
        partner, referral, "decline", reason_code="capacity_full", suggested_service=value
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.status == "received"


def test_a_suggestion_only_with_a_decline(app, network):
    from directory.referrals import operations

    referral = referral_in(network, "received")
    partner = network.users["receiver_partner"]
    with pytest.raises(operations.ReferralInvalid) as refused:
        operations.transition_referral(
            referral,
            partner,
            operations.TransitionRequest(action="accept", suggested_service=network.service.id),
        )
    assert "suggested_service" in refused.value.fields
    db.session.rollback()


def test_a_decline_without_a_suggestion_still_rerefers(app, network):
    referral = referral_in(network, "declined")
    counsellor = client_as(app, network, "sender_counsellor")
    page = counsellor.get(f"/rujukan/{referral.id}/rujuk-ulang")
    assert page.status_code == 200
    assert "Disarankan oleh" not in page.get_data(as_text=True)
