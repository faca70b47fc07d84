"""The one module that decides what the public may learn of a safe house's whereabouts."""

from __future__ import annotations

import pytest

from directory.geo import confidential as confidentiality
from tests.factories import (
    LocationFactory,
    PhoneFactory,
    ServiceAtLocationFactory,
    full_service,
)

POINTS = {"36.73": (-6.11, 106.16), "36": (-6.4, 106.06)}


def test_a_public_location_keeps_its_own_position_and_district():
    found = confidentiality.public_position(-6.13, 106.15, "36.73.01", False, POINTS.get)
    assert found == confidentiality.PublicPosition(-6.13, 106.15, "36.73.01")


def test_a_safe_house_stands_at_its_regency_point_with_its_regency_code():
    found = confidentiality.public_position(-6.13, 106.15, "36.73.01", True, POINTS.get)
    assert found == confidentiality.PublicPosition(-6.11, 106.16, "36.73")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("36.99.01", confidentiality.PublicPosition(None, None, "36.99")), (None, None)],
)
def test_a_safe_house_of_unknown_regency_takes_part_in_no_distance(code, expected):
    found = confidentiality.public_position(-6.13, 106.15, code, True, POINTS.get)
    assert not found.has_coordinates
    assert found.region_code == (expected.region_code if expected else None)


def test_a_safe_house_known_only_by_province_stands_at_the_province_point():
    found = confidentiality.public_position(-6.13, 106.15, "36", True, POINTS.get)
    assert found == confidentiality.PublicPosition(-6.4, 106.06, "36")


@pytest.mark.parametrize(
    ("wanted", "public", "safe_house"),
    [
        ("36", True, True),
        ("36.73", True, True),
        ("36.73.01", True, False),
        ("36.7", False, False),
        ("36.72", False, False),
    ],
)
def test_a_region_filter_finer_than_a_regency_never_finds_a_safe_house(wanted, public, safe_house):
    assert confidentiality.matches_region("36.73.01", False, wanted) is public
    assert confidentiality.matches_region("36.73.01", True, wanted) is safe_house
    assert confidentiality.finer_than_regency(wanted) is (wanted.count(".") == 2)


def test_a_safe_house_publishes_no_occupancy_note():
    assert confidentiality.public_capacity_note("Penuh sampai Senin", True) is None
    assert confidentiality.public_capacity_note("Penuh sampai Senin", False) == (
        "Penuh sampai Senin"
    )


@pytest.mark.parametrize(
    ("flags", "published"),
    [([], True), ([False], True), ([True, False], True), ([True], False), ([True, True], False)],
)
def test_a_service_offered_only_at_safe_houses_keeps_its_line_home(flags, published):
    assert confidentiality.publishes_service_phones(flags) is published


# The same rules, as the API and the service page apply them.


def test_the_api_and_the_service_page_withhold_a_safe_house_service_s_own_lines(client, db):
    service = full_service(confidential=True, name="Penampungan sementara")
    PhoneFactory(service_id=service.id, number="+62 254 555 0777")
    PhoneFactory(organization_id=service.organization_id, number="+62 254 555 0129")
    db.session.commit()

    entry = client.get(f"/api/v1/services/{service.id}").json
    page = client.get(f"/layanan/{service.id}").get_data(as_text=True)

    assert entry["phones"] == [] and entry["capacity_note"] is None
    (site,) = entry["service_at_locations"]
    assert site["phones"] == [] and site["location"]["phones"] == []
    assert site["location"]["region_code"] == "36.73"
    assert "555 0777" not in page and "5550777" not in page
    assert "Antrean sekitar satu minggu" not in page
    assert "555 0129" in page


def test_a_service_also_offered_in_public_keeps_its_lines(client, db):
    service = full_service(confidential=True)
    PhoneFactory(service_id=service.id, number="+62 254 555 0778")
    public_office = LocationFactory(organization=service.organization, region_code="36.73.01")
    ServiceAtLocationFactory(service=service, location=public_office)
    db.session.commit()

    entry = client.get(f"/api/v1/services/{service.id}").json

    assert "+62 254 555 0778" in [phone["number"] for phone in entry["phones"]]
    assert entry["capacity_note"] is None  # still offered at a safe house
