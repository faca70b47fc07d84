"""The gap analysis on a small known map, with no app and no database. Expected distances
come from geopy's geodesic (Karney's algorithm), an implementation independent of ours."""

from __future__ import annotations

import time

import numpy as np
import pytest
from geopy.distance import geodesic

from directory.gaps import analysis
from directory.gaps.analysis import Coverage, Regency, ServicePoint
from directory.search.ranking import haversine_km

# Reference points as in the gazetteer (rounded); two regencies of Banten close together,
# one of Banten's south, one far away in Papua.
KOTA_SERANG = Regency("36.73", "Kota Serang", "Banten", -6.1200, 106.1500)
KAB_SERANG = Regency("36.04", "Kabupaten Serang", "Banten", -6.1390, 106.0400)
LEBAK = Regency("36.02", "Kabupaten Lebak", "Banten", -6.5640, 106.2520)
JAYAPURA = Regency("91.71", "Kota Jayapura", "Papua", -2.5330, 140.7170)
MAP = [KOTA_SERANG, KAB_SERANG, LEBAK, JAYAPURA]

KDRT = "kdrt"
CERAI = "perceraian"
ABH = "abh"


def point_at(regency: Regency, km: float, bearing: float = 90.0, *problems: str, areas=()):
    """A service ``km`` (geodesic) from ``regency`` on ``bearing``."""
    where = geodesic(kilometers=km).destination((regency.latitude, regency.longitude), bearing)
    return ServicePoint(where.latitude, where.longitude, frozenset(problems or (KDRT,)), areas)


def by_code(rows: list[Coverage]) -> dict[str, Coverage]:
    return {row.regency.code: row for row in rows}


def true_km(regency: Regency, point: ServicePoint) -> float:
    return geodesic((regency.latitude, regency.longitude), (point.latitude, point.longitude)).km


def test_each_regency_gets_the_nearest_suitable_service_and_a_verdict():
    near_kota = point_at(KOTA_SERANG, 3.0, 45.0, KDRT)
    in_lebak = point_at(LEBAK, 10.0, 180.0, KDRT, CERAI)
    result = analysis.analyse(MAP, [near_kota, in_lebak], [KDRT, CERAI], 25)

    kdrt = by_code(result[KDRT])
    assert [row.regency for row in result[KDRT]] == MAP
    assert kdrt["36.73"].nearest_km == 3 and kdrt["36.73"].covered
    expected_kab = true_km(KAB_SERANG, near_kota)
    assert 10 < expected_kab < 25
    assert kdrt["36.04"].nearest_km == int(np.ceil(expected_kab)) and kdrt["36.04"].covered
    assert kdrt["36.02"].nearest_km == 10 and kdrt["36.02"].covered
    assert kdrt["91.71"].gap and kdrt["91.71"].nearest_km > 3000

    cerai = by_code(result[CERAI])
    # Divorce is offered only in Lebak: Kota Serang is farther than 25 km from it.
    assert cerai["36.02"].covered
    assert cerai["36.73"].gap
    assert cerai["36.73"].nearest_km == int(np.ceil(true_km(KOTA_SERANG, in_lebak)))


def test_a_problem_offered_nowhere_is_a_gap_with_no_distance():
    result = analysis.analyse(MAP, [point_at(KOTA_SERANG, 1.0)], [KDRT, ABH], 1000)
    assert all(row.gap and row.nearest_km is None for row in result[ABH])
    assert by_code(result[KDRT])["36.73"].covered


def test_the_verdict_follows_the_geodesic_where_the_sphere_would_err():
    # Near the equator, east-west, the sphere (radius 6371 km) is shorter than the
    # ellipsoid: a service 50.03 km away measures about 49.97 km on the sphere.
    equator = Regency("00.01", "Uji Khatulistiwa", "Uji", 0.0, 110.0)
    just_beyond = point_at(equator, 50.03, 90.0)
    spherical = haversine_km(
        0.0, 110.0, np.array([just_beyond.latitude]), np.array([just_beyond.longitude])
    )[0]
    assert spherical < 50  # the naive answer would call it covered
    row = analysis.analyse([equator], [just_beyond], [KDRT], 50)[KDRT][0]
    assert row.gap and row.nearest_km == 51

    just_within = point_at(equator, 49.995, 90.0)
    row = analysis.analyse([equator], [just_within], [KDRT], 50)[KDRT][0]
    assert row.covered and row.nearest_km == 50


def test_the_nearest_is_exact_when_the_sphere_ranks_two_services_the_other_way():
    # North-south is longer on the sphere here than on the ellipsoid, east-west shorter:
    # 30.10 km north looks farther than 30.12 km east on the sphere; the north one is nearer.
    equator = Regency("00.01", "Uji Khatulistiwa", "Uji", 0.0, 110.0)
    north = point_at(equator, 30.10, 0.0)
    east = point_at(equator, 30.12, 90.0)
    sphere = haversine_km(
        0.0,
        110.0,
        np.array([north.latitude, east.latitude]),
        np.array([north.longitude, east.longitude]),
    )
    assert sphere[0] > sphere[1]
    row = analysis.analyse([equator], [east, north], [KDRT], 30.105)[KDRT][0]
    assert row.covered  # only the north one is within 30.105 km


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ellipsoidal_distance_matches_the_geodesic(seed):
    rng = np.random.default_rng(seed)
    lat1, lat2 = rng.uniform(-11, 6, 200), rng.uniform(-11, 6, 200)
    lon1, lon2 = rng.uniform(95, 141, 200), rng.uniform(95, 141, 200)
    ours = analysis.ellipsoid_km(lat1, lon1, lat2, lon2)
    theirs = [
        geodesic((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)
    ]
    assert np.max(np.abs(ours - np.array(theirs))) < 1e-6  # a millimetre
    same = np.array([-6.1]), np.array([106.1])
    assert analysis.ellipsoid_km(*same, *same)[0] == 0


def test_a_service_with_service_areas_counts_only_where_it_serves():
    # Two kilometres from Kota Serang, within reach of Kabupaten Serang too, but it serves
    # Kota Serang only.
    kota_only = point_at(KOTA_SERANG, 2.0, 0.0, areas=("36.73",))
    result = by_code(analysis.analyse(MAP, [kota_only], [KDRT], 50)[KDRT])
    assert result["36.73"].covered
    assert result["36.04"].gap and result["36.04"].nearest_km is None

    ignoring = by_code(
        analysis.analyse(MAP, [kota_only], [KDRT], 50, honour_service_areas=False)[KDRT]
    )
    assert ignoring["36.04"].covered


@pytest.mark.parametrize(
    ("areas", "served"),
    [
        (("36",), {"36.73", "36.04", "36.02"}),  # the province holds its regencies
        (("36.73.01",), {"36.73"}),  # a district lies inside its regency
        (("36.04", "91.71"), {"36.04", "91.71"}),
        (("32",), set()),  # another province
    ],
)
def test_service_areas_of_every_level(areas, served):
    points = [point_at(regency, 1.0, 0.0, areas=areas) for regency in MAP]
    result = analysis.analyse(MAP, points, [KDRT], 5)[KDRT]
    assert {row.regency.code for row in result if row.covered} == served


def test_points_of_other_problems_and_shared_places_are_merged(monkeypatch):
    """Many services at one place, and the distance matrix in small blocks, give the
    same answer as one block."""
    points = [point_at(LEBAK, 5.0, 0.0, KDRT), point_at(LEBAK, 5.0, 0.0, CERAI)]
    points += [point_at(regency, 40.0 + i, 30.0 * i, ABH) for i, regency in enumerate(MAP[:3])]
    whole = analysis.analyse(MAP, points, [KDRT, CERAI, ABH], 45)
    monkeypatch.setattr(analysis, "BLOCK_COLUMNS", 2)
    assert analysis.analyse(MAP, points, [KDRT, CERAI, ABH], 45) == whole
    assert by_code(whole[CERAI])["36.02"].nearest_km == 5
    assert [row.covered for row in whole[ABH]] == [True, True, True, False]


def test_no_regencies_or_no_problems():
    assert analysis.analyse([], [point_at(LEBAK, 1.0)], [KDRT], 10) == {KDRT: []}
    assert analysis.analyse(MAP, [point_at(LEBAK, 1.0)], [], 10) == {}
    assert all(row.gap for row in analysis.analyse(MAP, [], [KDRT], 10)[KDRT])


def test_gap_order_puts_the_worst_gaps_first():
    rows = [
        Coverage(KOTA_SERANG, 3, True),
        Coverage(KAB_SERANG, 60, False),
        Coverage(LEBAK, 120, False),
        Coverage(JAYAPURA, None, False),
    ]
    ordered = analysis.gap_order(rows)
    assert [row.regency.code for row in ordered] == ["91.71", "36.02", "36.04", "36.73"]


def test_summary_counts_the_problems_each_regency_lacks():
    points = [point_at(KOTA_SERANG, 1.0, 0.0, KDRT, CERAI), point_at(LEBAK, 1.0, 0.0, KDRT)]
    summary = analysis.summarise(analysis.analyse(MAP, points, [KDRT, CERAI, ABH], 5))
    gaps = {item.regency.code: item.gap_problem_ids for item in summary}
    assert gaps == {
        "36.73": (ABH,),
        "36.02": (CERAI, ABH),
        "36.04": (KDRT, CERAI, ABH),
        "91.71": (KDRT, CERAI, ABH),
    }
    assert [item.regency.code for item in summary] == ["36.04", "91.71", "36.02", "36.73"]


@pytest.mark.parametrize(("km", "rounded"), [(0.0, 0), (12.0000001, 12), (12.01, 13), (49.2, 50)])
def test_distances_are_rounded_up_to_whole_kilometres(km, rounded):
    assert analysis.round_up_km(km) == rounded


def test_all_regencies_and_problems_are_fast():
    """514 regencies x 19 problems, with 1,300 places (the demonstration directory's
    size): well under a second (about 0.06 s measured)."""
    rng = np.random.default_rng(7)
    regency_points = rng.uniform((-10, 95), (5, 140), (514, 2))
    regencies = [
        Regency(f"{10 + i // 30}.{i % 30 + 1:02d}", f"R{i}", f"P{i // 30}", lat, lon)
        for i, (lat, lon) in enumerate(regency_points.tolist())
    ]
    problems = [f"p{i}" for i in range(19)]
    points = [
        ServicePoint(lat, lon, frozenset(rng.choice(problems, 4).tolist()), areas)
        for i, (lat, lon) in enumerate(rng.uniform((-10, 95), (5, 140), (1300, 2)).tolist())
        for areas in [(regencies[i % 514].code,) if i % 2 else ()]
    ]
    started = time.perf_counter()
    result = analysis.analyse(regencies, points, problems, 50)
    assert time.perf_counter() - started < 2.0
    assert len(result) == 19 and all(len(rows) == 514 for rows in result.values())
