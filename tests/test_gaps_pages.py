"""``/admin/kesenjangan`` and its CSV: who may see them, what they show on a small known
directory, bad input, and confidential places kept off the page."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from geopy.distance import geodesic
from sqlalchemy import select

from directory.extensions import db
from directory.gaps import data
from directory.geo.models import Region
from tests.factories import (
    AttributeFactory,
    LocationFactory,
    OrganizationFactory,
    ServiceAreaFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    TaxonomyTermFactory,
)
from tests.support.referral_network import (
    ADMIN_ROLE,
    ANONYMOUS,
    OTHER_COUNSELLOR,
    OTHER_PARTNER,
    RECEIVER,
    SENDER,
    client_as,
    problems_taxonomy,
)

PAGE = "/admin/kesenjangan"
CSV_URL = "/admin/kesenjangan.csv"
ROW = re.compile(
    r'<tr class="gaps-row-(gap|covered)">\s*<td>[^<]*</td>\s*<th scope="row">([^<]+)</th>'
)
# A safe house at a place no regency reference point is near to the fifth decimal.
SAFE_HOUSE = (-7.123457, 110.987653)


def regency_count() -> int:
    return len(data.regencies(db.session))


def rows_of(body: str) -> list[tuple[str, str]]:
    return [(status, name) for status, name in ROW.findall(body)]


def within(km: float, latitude: float, longitude: float) -> set[str]:
    """Regency names whose reference point lies within ``km`` (geopy's geodesic)."""
    regions = db.session.scalars(select(Region).where(Region.level.in_(("kabupaten", "kota"))))
    return {
        region.name
        for region in regions
        if geodesic((region.latitude, region.longitude), (latitude, longitude)).km <= km
    }


def offer(term, *, latitude: float, longitude: float, region_code: str, **location_fields):
    """A suitable service of a new organization offering ``term`` at one location."""
    organization = OrganizationFactory()
    service = ServiceFactory(organization=organization)
    location = LocationFactory(
        organization=organization,
        latitude=latitude,
        longitude=longitude,
        region_code=region_code,
        **location_fields,
    )
    ServiceAtLocationFactory(service=service, location=location)
    AttributeFactory(link_id=service.id, link_entity="service", taxonomy_term=term)
    return service


def test_a_problem_shows_each_regency_covered_or_not_worst_gaps_first(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    term = network.problem_terms[0]
    response = client.get(f"{PAGE}?masalah={term.id}&jarak=25")
    assert response.status_code == 200
    body = response.get_data(as_text=True)

    location = network.service.locations[0]
    expected_covered = within(25, location.latitude, location.longitude)
    assert "Kota Serang" in expected_covered and "Kota Cilegon" in expected_covered
    rows = rows_of(body)
    assert len(rows) == regency_count()
    assert {name for status, name in rows if status == "covered"} == expected_covered
    # Gaps first, the farthest first: Papua's regencies lead, covered ones come last.
    statuses = [status for status, _name in rows]
    assert statuses == sorted(statuses, key=lambda status: status != "gap")
    first_gap_km = int(re.search(r'class="gaps-km">(\d+) km<', body).group(1))
    assert first_gap_km > 3000
    gaps = regency_count() - len(expected_covered)
    assert f"{gaps} dari {regency_count()} kabupaten/kota tidak memiliki layanan" in body
    # The map: one dot per regency, in two layers, from local scripts.
    assert body.count('"type": "Feature"') == regency_count()
    assert "leaflet.js" in body and "unpkg" not in body and "cdn" not in body.lower()


def test_a_problem_no_service_offers_is_a_gap_everywhere(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    unoffered = network.problem_terms[2]
    body = client.get(f"{PAGE}?masalah={unoffered.id}&jarak=1000").get_data(as_text=True)
    assert {status for status, _name in rows_of(body)} == {"gap"}
    assert body.count('class="gaps-km">tidak ada<') == regency_count()


def test_service_areas_are_honoured_unless_asked_not_to(app, network):
    ServiceAreaFactory(service=network.service, region_code="36.73")
    db.session.commit()
    client = client_as(app, network, ADMIN_ROLE)
    term = network.problem_terms[0]

    honoured = rows_of(client.get(f"{PAGE}?masalah={term.id}&jarak=25").get_data(as_text=True))
    assert {name for status, name in honoured if status == "covered"} == {"Kota Serang"}

    ignored = client.get(f"{PAGE}?masalah={term.id}&jarak=25&semua_wilayah=y")
    covered = {
        name for status, name in rows_of(ignored.get_data(as_text=True)) if status == "covered"
    }
    assert {"Kota Serang", "Kota Cilegon"} <= covered


def test_all_problems_summarises_each_regency(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    response = client.get(f"{PAGE}?masalah=&jarak=50")  # every problem, chosen
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "kekurangan layanan untuk sedikitnya satu masalah dalam 50 km" in body
    # Kota Serang has two of the three problems; Penelantaran anak nowhere.
    serang = re.search(r'<th scope="row">Kota Serang</th>\s*<td>(.*?)</td>', body, re.S).group(1)
    assert "<strong>1</strong>: Penelantaran anak" in serang
    jayapura = re.search(r'<th scope="row">Kota Jayapura</th>\s*<td>(.*?)</td>', body, re.S)
    assert "semua masalah (3)" in jayapura.group(1)


def test_confidential_places_count_but_never_show(app, network):
    term = network.problem_terms[2]
    offer(
        term,
        latitude=SAFE_HOUSE[0],
        longitude=SAFE_HOUSE[1],
        region_code="33.20",
        confidential=True,
    )
    db.session.commit()
    client = client_as(app, network, ADMIN_ROLE)
    page = client.get(f"{PAGE}?masalah={term.id}&jarak=30").get_data(as_text=True)
    table = client.get(f"{CSV_URL}?masalah={term.id}&jarak=30").get_data(as_text=True)

    # It counts at its regency's stand-in point, never at its own.
    regency = db.session.get(Region, "33.20")
    near = within(30, regency.latitude, regency.longitude)
    assert near and near != within(30, *SAFE_HOUSE)
    assert {name for status, name in rows_of(page) if status == "covered"} == near
    for body in (page, table):
        for value in SAFE_HOUSE:
            assert str(value)[:-1] not in body  # not even to five decimals


def test_what_does_not_count_as_a_suitable_service(app, network):
    term = TaxonomyTermFactory(taxonomy=problems_taxonomy(), name="Kenakalan remaja")
    where = {"latitude": -6.9, "longitude": 107.6, "region_code": "32.73"}
    offer(term, **where).status = "inactive"
    offer(term, **where).accepting_referrals = False
    organization = offer(term, **where).organization
    organization.active = False
    offer(term, latitude=None, longitude=None, region_code="32.73")
    db.session.commit()
    assert not [point for point in data.service_points(db.session) if term.id in point.problem_ids]

    offer(term, **where)
    db.session.commit()
    points = [point for point in data.service_points(db.session) if term.id in point.problem_ids]
    assert [(point.latitude, point.longitude) for point in points] == [(-6.9, 107.6)]


def test_with_no_active_problem_the_page_says_so(app, network):
    for term in network.problem_terms:
        term.active = False
    db.session.commit()
    response = client_as(app, network, ADMIN_ROLE).get(PAGE)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Belum ada istilah masalah yang aktif" in body
    assert "gaps-table" not in body


def test_inactive_problem_terms_are_not_offered(app, network):
    retired = network.problem_terms[1]
    retired.active = False
    db.session.commit()
    client = client_as(app, network, ADMIN_ROLE)
    response = client.get(f"{PAGE}?masalah={retired.id}&jarak=50")
    assert response.status_code == 400
    assert "Pilihan masalah tidak dikenal." in response.get_data(as_text=True)
    assert retired.id not in [problem.id for problem in data.problems(db.session)]


def test_the_page_opens_on_the_problem_offered_at_the_most_places(app, network):
    most = network.problem_terms[1]
    location = network.service.locations[0]
    for shift in (0.5, 1.0):  # two more places offer it, far from Kota Serang
        offer(
            most,
            latitude=location.latitude - shift * 3,
            longitude=location.longitude + shift * 5,
            region_code=location.region_code,
        )
    db.session.commit()
    body = client_as(app, network, ADMIN_ROLE).get(PAGE).get_data(as_text=True)
    chosen = re.search(r'<select id="masalah"[^>]*>.*?</select>', body, re.S).group(0)
    assert re.search(rf'<option selected value="{most.id}">', chosen), chosen
    assert f"tidak memiliki layanan untuk {most.name} dalam 50 km" in body
    assert "kekurangan layanan untuk sedikitnya satu masalah" not in body
    assert len(rows_of(body)) == regency_count()


def test_a_province_shows_its_own_regencies_only(app, network):
    term = network.problem_terms[0]
    banten = db.session.scalars(
        select(Region).where(Region.level.in_(("kabupaten", "kota")), Region.parent_code == "36")
    ).all()
    assert len(banten) > 3
    client = client_as(app, network, ADMIN_ROLE)
    response = client.get(f"{PAGE}?masalah={term.id}&jarak=25&provinsi=36")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert sorted(name for _status, name in rows_of(body)) == sorted(r.name for r in banten)
    location = network.service.locations[0]
    covered = within(25, location.latitude, location.longitude) & {r.name for r in banten}
    gaps = len(banten) - len(covered)
    summary = " ".join(re.search(r"gaps-summary[^>]*>(.*?)</p>", body, re.S).group(1).split())
    assert summary.startswith(f"Provinsi Banten: {gaps} dari {len(banten)} kabupaten/kota"), summary
    download = client.get(f"{CSV_URL}?masalah={term.id}&jarak=25&provinsi=36")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 + len(banten)
    assert {row[1] for row in rows[1:]} == {"Banten"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("provinsi=99&jarak=50", "Pilihan provinsi tidak dikenal."),
        (f"masalah={uuid.uuid4()}&jarak=50", "Pilihan masalah tidak dikenal."),
        ("masalah=bukan-uuid&jarak=50", "Pilihan masalah tidak dikenal."),
        ("jarak=lima+puluh", "Isi jarak dengan angka kilometer, misalnya 50."),
        ("jarak=", "Isi jarak dengan angka kilometer, misalnya 50."),
        ("jarak=0", "Jarak harus lebih dari 0 km."),
        ("jarak=-25", "Jarak harus lebih dari 0 km."),
        ("jarak=1001", "Jarak paling jauh 1000 km."),
        ("jarak=1e12", "Jarak paling jauh 1000 km."),
        ("jarak=2.5", "Isi jarak dengan bilangan bulat kilometer, misalnya 50."),
        ("jarak=nan", "Isi jarak dengan bilangan bulat kilometer, misalnya 50."),
        ("jarak=inf", "Isi jarak dengan bilangan bulat kilometer, misalnya 50."),
    ],
)
@pytest.mark.parametrize("path", [PAGE, CSV_URL])
def test_bad_choices_get_an_indonesian_form_error(app, network, path, query, message):
    client = client_as(app, network, ADMIN_ROLE)
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert message in body
    assert 'aria-invalid="true"' in body
    assert "gaps-table" not in body


def test_a_comma_decimal_whole_number_is_read(app, network):
    client = client_as(app, network, ADMIN_ROLE)
    response = client.get(f"{PAGE}?jarak=40,0")
    assert response.status_code == 200
    assert "dalam 40 km" in response.get_data(as_text=True)


def test_csv_has_one_row_per_regency_and_problem(app, network):
    formula = TaxonomyTermFactory(taxonomy=problems_taxonomy(), name='=HYPERLINK("x")')
    db.session.commit()
    client = client_as(app, network, ADMIN_ROLE)
    response = client.get(f"{CSV_URL}?jarak=25")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[-1] == "Terjangkau dalam 25 km"
    assert len(body) == regency_count() * 4
    serang = {row[3]: row for row in body if row[2] == "Kota Serang"}
    assert serang[network.problem_terms[0].name][5] == "ya"
    assert 0 <= int(serang[network.problem_terms[0].name][4]) <= 25
    assert serang[network.problem_terms[2].name][4:] == ["", "tidak"]
    # A name that a spreadsheet would run as a formula is quoted.
    assert f"'{formula.name}" in serang
    assert formula.name not in serang

    one = client.get(f"{CSV_URL}?masalah={network.problem_terms[0].id}&jarak=25")
    assert len(list(csv.reader(io.StringIO(one.get_data(as_text=True))))) == regency_count() + 1


@pytest.mark.parametrize("path", [PAGE, f"{CSV_URL}?jarak=50"])
@pytest.mark.parametrize("role", [SENDER, OTHER_COUNSELLOR, RECEIVER, OTHER_PARTNER])
def test_counsellors_and_partners_are_refused(app, network, path, role):
    response = client_as(app, network, role).get(path)
    assert response.status_code == 403
    assert "gaps-table" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [PAGE, f"{CSV_URL}?jarak=50"])
def test_anonymous_visitors_are_sent_to_sign_in(app, network, path):
    response = client_as(app, network, ANONYMOUS).get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
