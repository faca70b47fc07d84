"""The public pages: home, browse by region, organization and service pages."""

from __future__ import annotations

import re
import uuid
from datetime import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_DATA_STATUS,
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    TERM_DEMONSTRATION_DATA,
    ServiceArea,
)
from tests.factories import (
    AddressFactory,
    AttributeFactory,
    CostOptionFactory,
    LanguageFactory,
    LocationFactory,
    OrganizationFactory,
    PhoneFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyFactory,
    TaxonomyTermFactory,
)


@pytest.fixture
def terms(db):
    """The app's fixed taxonomies with a few terms each, as the seed defines them."""
    institution_types = TaxonomyFactory(id=TAXONOMY_INSTITUTION_TYPES, name="Jenis lembaga")
    service_types = TaxonomyFactory(id=TAXONOMY_SERVICE_TYPES, name="Jenis layanan")
    problems = TaxonomyFactory(id=TAXONOMY_PROBLEMS, name="Masalah")
    data_status = TaxonomyFactory(id=TAXONOMY_DATA_STATUS, name="Status data")
    return {
        "lk3": TaxonomyTermFactory(
            taxonomy=institution_types, code="lk3", name="LK3", name_en="LK3"
        ),
        "uptd": TaxonomyTermFactory(
            taxonomy=institution_types, code="uptd-ppa", name="UPTD PPA", name_en="UPTD PPA"
        ),
        "konseling": TaxonomyTermFactory(
            taxonomy=service_types, code="konseling", name="Konseling", name_en="Counselling"
        ),
        "kdrt": TaxonomyTermFactory(
            taxonomy=problems,
            code="kdrt",
            name="Kekerasan dalam rumah tangga",
            name_en="Domestic violence",
        ),
        "demo": TaxonomyTermFactory(
            id=TERM_DEMONSTRATION_DATA,
            taxonomy=data_status,
            code="data-demonstrasi",
            name="Data demonstrasi",
            name_en="Demonstration data",
        ),
    }


def tag(record, term, entity):
    return AttributeFactory(link_entity=entity, link_id=record.id, taxonomy_term=term)


def offered_at(service, region_code, **location):
    """The service at a new location of its organization in the region."""
    place = LocationFactory(organization=service.organization, region_code=region_code, **location)
    return ServiceAtLocationFactory(service=service, location=place)


def count_after(page: str, link: str) -> str:
    """The service count printed next to a region link on the browse pages."""
    return re.search(rf'{re.escape(link)}</a>\s*<span class="count">([^<]+)<', page).group(1)


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# Home


def test_home_shows_the_hotlines_as_tel_links(client):
    page = html(client.get("/"))
    for number in ("129", "112", "110", "119"):
        assert f'href="tel:{number}"' in page
    assert "SAPA 129" in page


def test_home_has_a_labelled_search_form_for_the_search_page(client):
    page = html(client.get("/"))
    form = re.search(r"<form[^>]*>", page).group(0)
    assert 'action="/cari"' in form
    assert 'method="get"' in form
    field = re.search(r'<input id="([^"]+)" name="q"', page)
    assert field, "the search box"
    assert f'<label for="{field.group(1)}">' in page


def test_home_links_to_browse_and_map(client):
    page = html(client.get("/"))
    assert 'href="/wilayah"' in page
    assert 'href="/peta"' in page


def test_every_page_has_the_skip_link_landmarks_and_one_h1(client):
    page = html(client.get("/wilayah"))
    assert 'href="#main"' in page
    assert '<main id="main"' in page
    assert "<header" in page and "<footer" in page
    assert '<nav class="main-nav" aria-label=' in page
    assert page.count("<h1") == 1
    assert 'aria-current="page"' in re.search(r'<a href="/wilayah"[^>]*>', page).group(0)


def test_demo_banner_only_in_demo_mode(app, client):
    assert 'class="demo-banner"' not in html(client.get("/"))
    app.config["DEMO_MODE"] = True
    assert 'class="demo-banner"' in html(client.get("/"))


# Browse by region


def test_region_index_lists_every_province_with_its_service_count(client, db):
    makassar = offered_at(ServiceFactory(), "73.71.01").service
    offered_at(makassar, "73.71.02")  # a second place in the same province counts once
    offered_at(ServiceFactory(status="defunct"), "73.71")  # defunct: not counted
    page = html(client.get("/wilayah"))
    provinces = db.session.scalar(select(func.count()).where(Region.level == "provinsi"))
    links = re.findall(r'href="/wilayah/(\d\d)"', page)
    assert len(set(links)) == provinces == 38
    assert count_after(page, 'href="/wilayah/73">Sulawesi Selatan') == "1 layanan"
    assert count_after(page, 'href="/wilayah/36">Banten') == "0 layanan"


def test_province_page_lists_its_regencies_and_cities_with_counts(client, db):
    offered_at(ServiceFactory(), "73.71.01")
    offered_at(ServiceFactory(), "73.71")
    page = html(client.get("/wilayah/73"))
    children = db.session.scalars(select(Region.code).where(Region.parent_code == "73")).all()
    assert set(re.findall(r'href="/wilayah/(73\.\d\d)"', page)) == set(children)
    assert count_after(page, 'href="/wilayah/73.71">Kota Makassar') == "2 layanan"
    assert "<h1>Sulawesi Selatan</h1>" in page


def test_regency_page_groups_organizations_by_institution_type(client, terms):
    lk3 = OrganizationFactory(name="LK3 Anging Mammiri")
    tag(lk3, terms["lk3"], "organization")
    counselling = ServiceFactory(organization=lk3, name="Konseling Keluarga Makassar")
    offered_at(counselling, "73.71.03")
    uptd = OrganizationFactory(name="UPTD PPA Kota Makassar")
    tag(uptd, terms["uptd"], "organization")
    LocationFactory(organization=uptd, region_code="73.71")
    untyped = OrganizationFactory(name="Yayasan Tanpa Jenis")
    LocationFactory(organization=untyped, region_code="73.71.02")
    elsewhere = OrganizationFactory(name="LK3 Kota Serang")
    LocationFactory(organization=elsewhere, region_code="36.73")

    page = html(client.get("/wilayah/73.71"))
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings[:3] == ["LK3", "UPTD PPA", "Lembaga lain"]
    lk3_section = page[page.index("<h2>LK3</h2>") : page.index("<h2>UPTD PPA</h2>")]
    assert f'href="/lembaga/{lk3.id}"' in lk3_section
    assert f'href="/layanan/{counselling.id}"' in lk3_section
    assert f'href="/lembaga/{uptd.id}"' in page
    assert f'href="/lembaga/{untyped.id}"' in page.split("<h2>Lembaga lain</h2>")[1]
    assert "LK3 Kota Serang" not in page


def test_regency_page_shows_services_that_serve_it_from_elsewhere(client, db):
    provincial = ServiceFactory(name="Rumah Aman Provinsi")
    offered_at(provincial, "73.72")
    db.session.add(ServiceArea(service=provincial, name="Sulawesi Selatan", region_code="73"))
    unrelated = ServiceFactory(name="Layanan Banten")
    offered_at(unrelated, "36.73")
    db.session.flush()
    page = html(client.get("/wilayah/73.71"))
    assert "Juga melayani wilayah ini" in page
    assert f'href="/layanan/{provincial.id}"' in page
    assert "Layanan Banten" not in page


def test_regency_without_organizations_says_so(client):
    assert "Belum ada lembaga" in html(client.get("/wilayah/91.71"))


def test_district_code_leads_to_its_regency(client):
    response = client.get("/wilayah/73.71.01")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/wilayah/73.71")


@pytest.mark.parametrize("code", ["99", "73.99", "abc", "73.71.01.0001", "%20"])
def test_unknown_region_codes_are_404(client, code):
    response = client.get(f"/wilayah/{code}")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


# Organization page


def test_organization_page_shows_type_contacts_services_and_locations(client, terms):
    organization = OrganizationFactory(
        name="LK3 Anging Mammiri",
        description="Konseling keluarga di Kota Makassar.",
        website="https://lk3.example.org",
    )
    tag(organization, terms["lk3"], "organization")
    PhoneFactory(organization_id=organization.id, number="+62 411 555-0101")
    service = ServiceFactory(organization=organization, name="Konseling Keluarga")
    at = offered_at(service, "73.71.03", name="Kantor Mariso")
    AddressFactory(location=at.location, address_1="Jl. Cendrawasih No. 12")

    page = html(client.get(f"/lembaga/{organization.id}"))
    assert "<h1>LK3 Anging Mammiri</h1>" in page
    assert '<li class="badge">LK3</li>' in page
    assert 'href="tel:+624115550101"' in page
    assert f'href="/layanan/{service.id}"' in page
    assert "Jl. Cendrawasih No. 12" in page
    assert 'href="/wilayah/73.71"' in page
    assert 'href="https://lk3.example.org"' in page


def test_organization_website_that_is_not_http_is_not_a_link(client):
    organization = OrganizationFactory(website="javascript:alert(1)")
    page = html(client.get(f"/lembaga/{organization.id}"))
    assert "javascript:" not in page


@pytest.mark.parametrize("path", ["/lembaga/{}", "/layanan/{}"])
def test_unknown_and_malformed_ids_are_404(client, path):
    assert client.get(path.format(uuid.uuid4())).status_code == 404
    assert client.get(path.format("not-a-uuid")).status_code == 404
    assert client.get(path.format("1 OR 1=1")).status_code == 404


@pytest.mark.parametrize("page", ["organization", "service"])
def test_demonstration_label_shows_only_for_demonstration_organizations(client, terms, page):
    demo = ServiceFactory()
    tag(demo.organization, terms["demo"], "organization")
    real = ServiceFactory()

    def url(service):
        if page == "organization":
            return f"/lembaga/{service.organization.id}"
        return f"/layanan/{service.id}"

    demo_page = html(client.get(url(demo)))
    assert 'class="demo-label"' in demo_page
    assert "Data demonstrasi" in demo_page
    real_page = html(client.get(url(real)))
    assert 'class="demo-label"' not in real_page
    assert "Data demonstrasi" not in real_page


def _coordinate_spellings(value: float) -> set[str]:
    return {str(value), f"{value:.4f}", f"{value:.3f}", f"{value:.2f}", repr(value)}


def test_confidential_location_never_shows_its_address_or_coordinates(client):
    organization = OrganizationFactory(name="UPTD PPA Kota Makassar")
    PhoneFactory(organization_id=organization.id, number="+62 411 555-0199")
    service = ServiceFactory(organization=organization, name="Rumah Aman")
    hidden = offered_at(
        service,
        "73.71.04",
        name="Rumah Aman Melati",
        description="Di belakang pasar",
        latitude=-5.1623,
        longitude=119.4417,
        confidential=True,
    ).location
    AddressFactory(location=hidden, address_1="Jl. Rahasia Indah No. 7", postal_code="90141")
    PhoneFactory(location_id=hidden.id, number="+62 411 555-0777")
    ScheduleFactory(location_id=hidden.id)
    shown = offered_at(
        service, "73.71.03", name="Kantor UPTD", latitude=-5.1401, longitude=119.4233
    ).location
    AddressFactory(location=shown, address_1="Jl. Terbuka No. 1")

    for url in (f"/lembaga/{organization.id}", f"/layanan/{service.id}"):
        page = html(client.get(url))
        assert "Lokasi dirahasiakan" in page
        assert 'href="tel:129"' in page
        for secret in ("Jl. Rahasia Indah", "90141", "Rumah Aman Melati", "Di belakang pasar"):
            assert secret not in page, (url, secret)
        assert "5550777" not in page.replace(" ", "").replace("-", "")
        for value in (-5.1623, 119.4417):
            for spelling in _coordinate_spellings(value):
                assert spelling not in page, (url, spelling)
        # The open location next to it is shown, so the page does print locations.
        assert "Jl. Terbuka No. 1" in page
        assert "119.4233" in page


# Service page


def test_service_page_shows_what_a_counsellor_needs(client, db, terms):
    service = ServiceFactory(
        name="Konseling Keluarga",
        description="Konseling untuk pasangan dan keluarga.",
        accepting_referrals=False,
        capacity_note="Antrean dua minggu.",
        eligibility_description="Warga Kota Makassar.",
        minimum_age=18,
        application_process="Datang langsung atau dirujuk LK3.",
    )
    tag(service, terms["konseling"], "service")
    tag(service, terms["kdrt"], "service")
    offered_at(service, "73.71.03", name="Kantor Mariso")
    LanguageFactory(service_id=service.id, code="id", name="Bahasa Indonesia")
    LanguageFactory(service_id=service.id, code="bug", name="Bugis")
    PhoneFactory(service_id=service.id, number="0411-555-0102")
    CostOptionFactory(service=service, option="Konseling lanjutan", amount=Decimal("150000"))
    db.session.add(ServiceArea(service=service, name="Kota Makassar", region_code="73.71"))
    db.session.flush()

    page = html(client.get(f"/layanan/{service.id}"))
    assert "<h1>Konseling Keluarga</h1>" in page
    assert f'href="/lembaga/{service.organization.id}"' in page
    assert '<li class="badge">Konseling</li>' in page
    assert '<li class="badge">Kekerasan dalam rumah tangga</li>' in page
    assert "Tidak menerima rujukan saat ini" in page
    assert "Antrean dua minggu." in page
    assert "Rp 150.000" in page
    assert "Gratis" not in page
    assert "Warga Kota Makassar." in page
    assert "Usia paling rendah 18 tahun." in page
    assert "Datang langsung atau dirujuk LK3." in page
    assert "<li>Indonesia</li>" in page and "<li>Bugis</li>" in page
    assert 'href="tel:04115550102"' in page
    assert 'href="/wilayah/73.71">Kota Makassar</a>' in page


def test_service_without_paid_options_is_free(client):
    service = ServiceFactory()
    CostOptionFactory(service=service, option="Konseling", amount=0)
    page = html(client.get(f"/layanan/{service.id}"))
    assert "<strong>Gratis</strong>" in page


def test_defunct_service_page_still_answers_with_its_status(client):
    service = ServiceFactory(status="defunct")
    assert "Tidak beroperasi lagi" in html(client.get(f"/layanan/{service.id}"))


@pytest.mark.parametrize(
    ("region_code", "zone"),
    [("73.71", "WITA"), ("73.71.03", "WITA"), ("91.71", "WIT"), ("36.73", "WIB")],
)
def test_service_hours_carry_the_local_time_zone(client, region_code, zone):
    service = ServiceFactory()
    at = offered_at(service, region_code, name="Kantor Layanan")
    ScheduleFactory(
        service_at_location_id=at.id, byday="MO,TU,WE,TH,FR", opens_at=time(8), closes_at=time(15)
    )
    page = html(client.get(f"/layanan/{service.id}"))
    hours = page[page.index('<table class="hours">') : page.index("</table>")]
    assert f"<caption>Kantor Layanan ({zone})</caption>" in hours
    assert "Senin–Jumat" in hours
    assert re.search(rf"08\.00–15\.00 <abbr[^>]*>{zone}</abbr>", hours)


def test_hours_fall_back_to_the_service_schedule_at_each_location(client):
    service = ServiceFactory()
    offered_at(service, "73.71", name="Kantor Makassar")
    offered_at(service, "91.71", name="Kantor Jayapura")
    ScheduleFactory(service_id=service.id, byday="SA", opens_at=time(9), closes_at=time(12))
    page = html(client.get(f"/layanan/{service.id}"))
    assert "<caption>Kantor Makassar (WITA)</caption>" in page
    assert "<caption>Kantor Jayapura (WIT)</caption>" in page
    assert page.count("Sabtu") == 2


def test_error_page_shows_no_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret client detail")

    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "secret client detail" not in page
    assert "Traceback" not in page
    assert '<html lang="id">' in page
