"""The one module that decides what the public may learn of a safe house's whereabouts."""

from __future__ import annotations

import pytest

from directory.geo import confidential as confidentiality

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
