"""The counsellor's ranking on the seed, as the issue tells it: domestic violence near Kota
Serang gives UPTD PPA Kota Serang first (it came 16th), the counsellor's own LK3 nowhere
in the first ten (four of them were), and each result says why."""

from __future__ import annotations

from sqlalchemy import select

from bench.relevance_bench import load_seed
from directory.extensions import db
from directory.institutions.models import Organization, Service, TaxonomyTerm
from tests.factories import UserFactory
from tests.support.finder_page import finder_results
from tests.support.referral_network import sign_in


def organization(name: str) -> Organization:
    found = db.session.scalar(select(Organization).where(Organization.name == name))
    assert found is not None, name
    return found


def term(code: str) -> TaxonomyTerm:
    found = db.session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.code == code))
    assert found is not None, code
    return found


def test_domestic_violence_near_kota_serang_the_citys_uptd_ppa_first_not_the_own_lk3(app):
    load_seed()
    own = organization("LK3 Kota Serang")
    counsellor = UserFactory(role="counsellor", organization=own)
    db.session.commit()
    client = app.test_client()
    sign_in(client, counsellor)

    found = finder_results(client, masalah=term("kdrt").id, tempat="Kota Serang")

    assert len(found) == 10
    names = [result.organization for result in found]
    assert names[0] == "UPTD PPA Kota Serang"
    assert "LK3 Kota Serang" not in names
    assert "Lembaga yang bertanggung jawab di Kota Serang" in found[0].why
    assert "UPTD PPA: pilihan ke-1 untuk Kekerasan dalam rumah tangga (KDRT)" in found[0].why
    # Then the province's UPTD PPA, then the police's PPA units: the city's, the Polda's.
    assert names.index("UPTD PPA Provinsi Banten") < names.index(
        "Unit PPA Satreskrim Polresta Serang Kota"
    )
    assert names.index("Unit PPA Satreskrim Polresta Serang Kota") < names.index(
        "Unit PPA Ditreskrimum Polda Banten"
    )
    # The page says that the counsellor's own organization is left out.
    page = client.get("/cari", query_string={"masalah": term("kdrt").id, "tempat": "Kota Serang"})
    assert "Layanan lembaga Anda sendiri tidak ditampilkan" in page.get_data(as_text=True)

    # Anonymous, the LK3 is there (it is in the public directory), after the designated.
    public = [
        result.organization
        for result in finder_results(
            app.test_client(), masalah=term("kdrt").id, tempat="Kota Serang", halaman=2
        )
    ]
    first_page = [
        result.organization
        for result in finder_results(
            app.test_client(), masalah=term("kdrt").id, tempat="Kota Serang"
        )
    ]
    assert first_page[0] == "UPTD PPA Kota Serang"
    assert "LK3 Kota Serang" in first_page + public


def test_several_problems_and_the_clients_age_on_the_search_page(app):
    load_seed()
    client = app.test_client()
    abh, kdrt = term("abh"), term("kdrt")

    both = finder_results(client, masalah=[abh.id, kdrt.id], tempat="Kota Serang")
    names = [result.organization for result in both]
    # Bapas is first for a child in conflict with the law, the UPTD PPA for violence.
    assert {"Bapas Kelas II Serang", "UPTD PPA Kota Serang"} <= set(names[:4])

    # An adult client: the services for 12-17 year olds are left out.
    diversion = db.session.scalars(
        select(Service.id).where(Service.minimum_age == 12, Service.maximum_age == 17)
    ).all()
    adult = finder_results(client, masalah=abh.id, tempat="Kota Serang", usia="30")
    child = finder_results(client, masalah=abh.id, tempat="Kota Serang", usia="15")
    assert adult and not {result.service_id for result in adult} & set(diversion)
    assert {result.service_id for result in child} & set(diversion)
    assert any("Melayani usia 12-17" in result.why for result in child)


def test_a_bad_age_is_a_message_on_the_page_not_an_error(app):
    response = app.test_client().get("/cari", query_string={"usia": "-3", "tempat": "Kota Serang"})
    assert response.status_code == 200
    assert "Usia klien harus bilangan bulat 0-120" in response.get_data(as_text=True)
    many = app.test_client().get("/cari", query_string={"masalah": ["x", "y"]})
    assert many.status_code == 200
    assert "Pilihan masalah tidak dikenal." in many.get_data(as_text=True)
