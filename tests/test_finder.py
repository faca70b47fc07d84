"""The search page ``/cari``: works without JavaScript, explains each result."""

from __future__ import annotations

import re
from datetime import time

import pytest

from directory.institutions.models import TAXONOMY_PROBLEMS, Taxonomy
from directory.search import follower
from directory.search.service import state_of
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
)


@pytest.fixture
def directory(app, db):
    problems = db.session.get(Taxonomy, TAXONOMY_PROBLEMS) or Taxonomy(
        id=TAXONOMY_PROBLEMS, name="Masalah dan situasi"
    )
    db.session.add(problems)
    kdrt = TaxonomyTermFactory(name="Kekerasan dalam rumah tangga", taxonomy=problems)
    organization = OrganizationFactory(name="UPTD PPA Kota Serang")
    service = ServiceFactory(
        organization=organization,
        name="Pendampingan korban",
        description="Pendampingan korban kekerasan dalam rumah tangga.",
    )
    office = LocationFactory(organization=organization, region_code="36.73.05")
    ServiceAtLocationFactory(service=service, location=office)
    AttributeFactory(link_id=service.id, taxonomy_term=kdrt)
    PhoneFactory(service_id=service.id, number="+62 254 555 0101")
    ScheduleFactory(
        service_id=service.id, byday="MO,TU,WE,TH,FR", opens_at=time(8), closes_at=time(16)
    )
    shelter_org = OrganizationFactory(name="Rumah Aman Banten")
    shelter = ServiceFactory(organization=shelter_org, name="Rumah aman sementara")
    hidden = LocationFactory(
        organization=shelter_org, latitude=-6.1301, longitude=106.1555, confidential=True
    )
    ServiceAtLocationFactory(service=shelter, location=hidden)
    AttributeFactory(link_id=shelter.id, taxonomy_term=kdrt)
    PhoneFactory(location_id=hidden.id, number="+62 254 555 0999")
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return {"kdrt": kdrt, "service": service, "shelter": shelter}


def page(client, query=""):
    response = client.get(f"/cari{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_empty_page_offers_pickers_and_works_without_javascript(client, directory):
    html = page(client)
    assert 'method="get"' in html
    assert directory["kdrt"].name in html
    assert 'name="tempat"' in html and 'name="q"' in html
    assert "finder-results" not in html


def test_results_show_distance_hours_phone_and_why(client, directory):
    html = page(client, f"?masalah={directory['kdrt'].id}&tempat=Kota+Serang")
    assert "2 layanan ditemukan" in html
    assert html.index("Pendampingan korban") > 0
    assert 'href="tel:+622545550101"' in html
    reasons = re.findall(r'class="why"><span>[^<]*</span>([^<]*)', html)
    assert any("Kekerasan dalam rumah tangga" in why and "Kota Serang" in why for why in reasons)
    assert re.search(r"(Buka sekarang|Tutup; buka)", html)
    assert 'class="small-map"' in html


def test_a_safe_house_shows_its_regency_and_no_distance_phone_or_point(client, directory):
    html = page(client, "?q=rumah+aman&lat=-6.12&lon=106.15")
    assert "Rumah aman sementara" in html
    card = html[html.index("Rumah aman sementara") :]
    card = card[: card.index("</li>")]
    assert "di Kota Serang" in card
    assert not re.search(r"\d\s*(km|m)\b", card)
    assert "5550999" not in html
    assert "-6.1301" not in html and "106.1555" not in html


def test_an_ambiguous_place_offers_candidates(client, directory):
    html = page(client, "?q=kdrt&tempat=serang")
    assert "Ada beberapa tempat dengan nama itu" in html
    assert "Kabupaten Serang, Banten" in html and "Kota Serang, Banten" in html


@pytest.mark.parametrize(
    "query",
    [
        "?masalah=bukan-uuid&jenis=%27",
        "?lat=abc&lon=1000",
        "?q=" + "x" * 5000,
        "?q=%00%1b%F0%9F%98%80&halaman=-3",
        "?q=AND+OR+NOT+(&radius=7",
        "?tempat=xyzzyqwerty",
    ],
)
def test_bad_input_is_a_page_never_an_error(client, directory, query):
    page(client, query)
