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


def test_an_ambiguous_place_answers_for_the_likeliest_and_offers_the_others(client, directory):
    html = page(client, "?q=kdrt&tempat=serang")
    # The larger place answers (never an empty page); the others are offered.
    assert "Ada beberapa tempat dengan nama itu; hasil untuk Kabupaten Serang, Banten" in html
    assert "finder-results" in html and "Pendampingan korban" in html
    offered = html[html.index("finder-candidates") :]
    offered = offered[: offered.index("</ul>")]
    assert "Kota Serang, Banten" in offered and "Kabupaten Serang, Banten" not in offered
    # An unknown place is still an error on the form.
    assert "Tempat tidak dikenal" in page(client, "?q=kdrt&tempat=xyzzyqwerty")


def test_the_likeliest_of_an_ambiguous_name_is_the_larger_place():
    from directory.geo.gazetteer import Candidate, likeliest
    from directory.geo.models import Region

    def candidate(code, name, level, score=100.0):
        return Candidate(Region(code=code, name=name, level=level), (), score)

    district = candidate("36.73.01", "Serang", "kecamatan")
    city = candidate("36.73", "Kota Serang", "kota")
    regency = candidate("36.04", "Kabupaten Serang", "kabupaten")
    assert likeliest([district, city, regency]) == regency
    assert likeliest([district, city]) == city
    # A better scored match wins whatever its size.
    assert (
        likeliest([candidate("36.73.01", "Serang", "kecamatan", 120.0), regency]).region.code
        == "36.73.01"
    )
    assert likeliest([]) is None


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


@pytest.fixture
def lay_words(app, db, directory):
    from directory.institutions.models import TaxonomyTermWord

    for word in ("dipukul suami", "penganiayaan"):
        db.session.add(TaxonomyTermWord(taxonomy_term_id=directory["kdrt"].id, word=word))
    # In Kota Cilegon, serving Kabupaten Pandeglang only.
    organization = OrganizationFactory(name="KUA Pandeglang")
    zoned = ServiceFactory(organization=organization, name="Layanan khusus Pandeglang")
    office = LocationFactory(
        organization=organization, latitude=-6.0025, longitude=106.0111, region_code="36.72.01"
    )
    ServiceAtLocationFactory(service=zoned, location=office)
    AttributeFactory(link_id=zoned.id, taxonomy_term=directory["kdrt"])
    from directory.models import ServiceArea

    db.session.add(ServiceArea(service=zoned, region_code="36.01", uri="urn:kemendagri:36.01"))
    db.session.commit()
    follower.rebuild(db.session, state_of(app).folder)
    return {**directory, "zoned": zoned}


def test_the_page_says_what_it_understood(client, lay_words):
    html = page(client, "?q=suami+saya+memukul+saya&tempat=Kota+Serang")
    assert "Kami memahami: Kekerasan dalam rumah tangga" in html
    assert "Pendampingan korban" in html
    assert "Tidak ada layanan yang cocok" not in html


def test_hidden_services_are_counted_and_offered(client, lay_words):
    html = page(client, f"?masalah={lay_words['kdrt'].id}&tempat=Kota+Serang")
    assert "1 layanan lain di luar wilayah layanannya" in html
    assert "Layanan khusus Pandeglang" not in html
    link = re.search(r'class="out-of-area">[^<]*<a href="([^"]+)"', html).group(1)
    shown = page(client, link.replace("&amp;", "&").removeprefix("/cari"))
    assert "Layanan khusus Pandeglang" in shown
    assert "di luar wilayah layanannya" in shown and "out-of-area" not in shown


def test_a_dead_end_offers_the_nearest_beyond_resembling_problems_and_hotlines(client, lay_words):
    # Within 5 km of Pandeglang nothing of the problem is in range.
    html = page(client, "?q=penganiayaan&tempat=Kabupaten+Pandeglang&radius=5")
    assert "Kami memahami: Kekerasan dalam rumah tangga" in html
    assert "Layanan terdekat di luar jangkauan" in html
    beyond = html[html.index("finder-beyond") :]
    assert "Pendampingan korban" in beyond and re.search(r"\d+(,\d)? km", beyond)
    assert 'href="tel:129"' in html and 'href="tel:112"' in html
    # Words nothing matches: the problems they resemble.
    typo = page(client, "?q=pnganiyan&tempat=Kota+Serang")
    assert "Mungkin maksud Anda" in typo
    suggestion = typo[typo.index("finder-resembling") :]
    assert "Kekerasan dalam rumah tangga" in suggestion
    assert f"masalah={lay_words['kdrt'].id}" in suggestion
    assert 'href="tel:129"' in typo


def test_the_place_comes_first_and_staff_start_from_their_regency(app, client, directory):
    html = page(client)
    assert html.index('name="tempat"') < html.index('name="q"')
    assert (
        'id="finder-place"' in html and 'value=""' in html[html.index('id="finder-place"') :][:200]
    )
    home = client.get("/").get_data(as_text=True)
    assert html and home.index('name="tempat"') < home.index('name="q"')

    from tests.support.referral_network import build_network, client_as

    network = build_network()
    counsellor = client_as(app, network, "sender_counsellor")
    field = counsellor.get("/cari").get_data(as_text=True)
    field = field[field.index('id="finder-place"') :][:200]
    assert 'value="Kota Serang"' in field
    home_field = counsellor.get("/").get_data(as_text=True)
    home_field = home_field[home_field.index('id="home-place"') :][:200]
    assert 'value="Kota Serang"' in home_field
