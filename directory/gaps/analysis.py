"""Gap analysis: for each problem, the regencies and cities with no suitable service within
a chosen distance. Pure: numpy only, no Flask, no database.

The planning input the source article asks for before an LK3 is set up (data, an
analysis of needs, then the location): every regency/city (its reference point from the
gazetteer) and, per problem, the geodesic distance to the nearest suitable service
location, and whether that is within ``distance_km``.

How, for 514 regencies and every problem at once:

1. Service locations are grouped into columns: one per distinct (point, service areas),
   with the set of problems offered there. A service that declares service areas counts
   for a regency only when one of its areas holds the regency or lies inside it (the
   search page's rule: out-of-area services are not offered by default).
2. One matrix product of unit vectors, regencies x columns, gives the cosine of every
   central angle: the spherical distance, ranked without a trigonometric function per
   pair. The spherical distance is within 0.56% of the geodesic in Indonesia, so the
   exact nearest is among the columns within a 1% margin each way (and a few metres for
   rounding) of the spherical nearest.
3. Only those few candidates get the exact ellipsoidal distance (Vincenty's inverse
   formula on WGS84, vectorised; within a millimetre of the geodesic for any two points
   that are not nearly antipodal, which no two points in Indonesia are).

Distances are given rounded up to whole kilometres: with a whole-kilometre ``distance_km``
the rounded figure never contradicts the verdict, and a figure that fine is all a
planner needs (and no finer hint of where a confidential place is).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# See directory/search/ranking.py: the spherical error is below 0.56% in Indonesia.
SPHERE_ERROR = 0.01
CANDIDATE_FACTOR = (1 + SPHERE_ERROR) / (1 - SPHERE_ERROR)
# An angle from its cosine is good to about 1e-8 radians (0.1 m); allow 1e-6 (6 m).
ANGLE_SLACK = 1e-6
# Below any cosine: a column that may not be counted for a row.
NOT_COUNTED = -2.0
# Columns per block of the distance matrix: bounds memory at about 40 MB for 514 rows.
BLOCK_COLUMNS = 8192

# Vincenty's formula agrees with the geodesic to well under a millimetre; a verdict or a
# rounding that turns on less than that is not one to trust either way.
TOLERANCE_KM = 1e-6

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_B = (1 - WGS84_F) * WGS84_A


@dataclass(frozen=True)
class Regency:
    """A regency or city (``kabupaten``/``kota``) and its reference point."""

    code: str
    name: str
    province: str
    latitude: float
    longitude: float

    @property
    def province_code(self) -> str:
        return self.code.split(".")[0]


@dataclass(frozen=True)
class ServicePoint:
    """Where a suitable service is offered: a location (public or confidential), the
    problem terms of the service, and the regions the service declares it serves (empty:
    anywhere)."""

    latitude: float
    longitude: float
    problem_ids: frozenset[str]
    area_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coverage:
    """One regency for one problem: the nearest suitable service, rounded up to whole
    kilometres (``None``: none anywhere), and whether it is within the distance."""

    regency: Regency
    nearest_km: int | None
    covered: bool

    @property
    def gap(self) -> bool:
        return not self.covered


def unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, one row (x, y, z) per point given in degrees."""
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    cos_lat = np.cos(lat)
    return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def ellipsoid_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """WGS84 distances (km) between pairs of points, element-wise: Vincenty's inverse
    formula, iterated to convergence. Not for nearly antipodal points."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    big_l = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    u1 = np.arctan((1 - WGS84_F) * np.tan(phi1))
    u2 = np.arctan((1 - WGS84_F) * np.tan(phi2))
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    lam = big_l.copy()
    for _ in range(100):
        sin_lam, cos_lam = np.sin(lam), np.cos(lam)
        sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = np.arctan2(sin_sigma, cos_sigma)
        same = sin_sigma == 0
        sin_alpha = np.where(same, 0.0, cos_u1 * cos_u2 * sin_lam / np.where(same, 1.0, sin_sigma))
        cos2_alpha = 1 - sin_alpha**2
        equatorial = cos2_alpha == 0
        cos_2sm = np.where(
            equatorial,
            0.0,
            cos_sigma - 2 * sin_u1 * sin_u2 / np.where(equatorial, 1.0, cos2_alpha),
        )
        c = WGS84_F / 16 * cos2_alpha * (4 + WGS84_F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * WGS84_F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if np.all(np.abs(lam - previous) < 1e-12):
            break
    u_sq = cos2_alpha * (WGS84_A**2 - WGS84_B**2) / WGS84_B**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    kilometres: np.ndarray = WGS84_B * big_a * (sigma - delta_sigma) / 1000.0
    return kilometres


def round_up_km(distance_km: float) -> int:
    """Whole kilometres, rounded up (within :data:`TOLERANCE_KM`: 12.0000001 is 12)."""
    return math.ceil(distance_km - TOLERANCE_KM)


class _Columns:
    """Service points grouped by (point, areas), with the problems offered at each."""

    def __init__(self, points: Iterable[ServicePoint], problem_ids: Sequence[str]) -> None:
        index_of = {problem: index for index, problem in enumerate(problem_ids)}
        merged: dict[tuple[float, float, tuple[str, ...]], set[int]] = defaultdict(set)
        for point in points:
            wanted = {index_of[p] for p in point.problem_ids if p in index_of}
            if wanted:
                key = (point.latitude, point.longitude, tuple(sorted(set(point.area_codes))))
                merged[key].update(wanted)
        keys = list(merged)
        self.latitude = np.array([key[0] for key in keys], dtype=np.float64)
        self.longitude = np.array([key[1] for key in keys], dtype=np.float64)
        self.areas = [key[2] for key in keys]
        self.offers = np.zeros((len(keys), len(problem_ids)), dtype=bool)
        columns = [column for column, key in enumerate(keys) for _ in merged[key]]
        offered = [problem for key in keys for problem in merged[key]]
        self.offers[columns, offered] = True

    def __len__(self) -> int:
        return len(self.areas)


def _eligible(regencies: Sequence[Regency], areas: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Regencies x columns: may this column's service be counted for this regency?

    An area holds a regency when it is its province or the regency itself, and lies inside
    it when it is one of its districts.
    """
    by_code = {regency.code: row for row, regency in enumerate(regencies)}
    by_province: dict[str, list[int]] = defaultdict(list)
    for row, regency in enumerate(regencies):
        by_province[regency.province_code].append(row)
    restricted = [column for column, codes in enumerate(areas) if codes]
    rows: list[int] = []
    columns: list[int] = []
    for column in restricted:
        for code in areas[column]:
            parts = code.split(".")
            if len(parts) == 1:
                served = by_province.get(code, [])
            else:
                regency_row = by_code.get(".".join(parts[:2]))
                served = [] if regency_row is None else [regency_row]
            rows.extend(served)
            columns.extend([column] * len(served))
    eligible = np.ones((len(regencies), len(areas)), dtype=bool)
    eligible[:, restricted] = False
    eligible[rows, columns] = True
    return eligible


def analyse(
    regencies: Sequence[Regency],
    points: Iterable[ServicePoint],
    problem_ids: Sequence[str],
    distance_km: float,
    honour_service_areas: bool = True,
) -> dict[str, list[Coverage]]:
    """Every regency, for each of ``problem_ids``, in the order given.

    ``honour_service_areas=False`` counts every service for every regency, whatever the
    areas it declares.
    """
    if not regencies or not problem_ids:
        return {problem: [] for problem in problem_ids}
    columns = _Columns(points, problem_ids)
    latitudes = np.array([regency.latitude for regency in regencies], dtype=np.float64)
    longitudes = np.array([regency.longitude for regency in regencies], dtype=np.float64)
    regency_vectors = unit_vectors(latitudes, longitudes)
    nearest = np.full((len(regencies), len(problem_ids)), np.inf)
    for start in range(0, len(columns), BLOCK_COLUMNS):
        block = slice(start, start + BLOCK_COLUMNS)
        to_lat, to_lon = columns.latitude[block], columns.longitude[block]
        cosines = regency_vectors @ unit_vectors(to_lat, to_lon).T
        if honour_service_areas:
            cosines[~_eligible(regencies, columns.areas[block])] = NOT_COUNTED
        offers = columns.offers[block]
        for column in range(len(problem_ids)):
            wanted = np.flatnonzero(offers[:, column])
            if not len(wanted):
                continue
            exact = _exact_nearest(
                cosines[:, wanted], latitudes, longitudes, to_lat[wanted], to_lon[wanted]
            )
            np.minimum(nearest[:, column], exact, out=nearest[:, column])
    result: dict[str, list[Coverage]] = {}
    for index, problem in enumerate(problem_ids):
        result[problem] = [
            Coverage(
                regency=regency,
                nearest_km=round_up_km(km) if math.isfinite(km) else None,
                covered=bool(km <= distance_km + TOLERANCE_KM),
            )
            for regency, km in zip(regencies, nearest[:, index].tolist(), strict=True)
        ]
    return result


def _exact_nearest(
    cosines: np.ndarray,
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    to_lat: np.ndarray,
    to_lon: np.ndarray,
) -> np.ndarray:
    """Per row, the ellipsoidal distance (km) to the nearest column, infinite if none may
    be counted: computed only for the columns whose spherical distance could make them
    the nearest."""
    best = cosines.max(axis=1)
    reachable = best >= -1.0
    angle = np.arccos(np.clip(best, -1.0, 1.0))
    limit = np.cos(np.minimum(angle * CANDIDATE_FACTOR + ANGLE_SLACK, np.pi))
    row_index, column_index = np.nonzero((cosines >= limit[:, None]) & reachable[:, None])
    exact = np.full(len(best), np.inf)
    if len(row_index):
        distances = ellipsoid_km(
            latitudes[row_index], longitudes[row_index], to_lat[column_index], to_lon[column_index]
        )
        np.minimum.at(exact, row_index, distances)
    return exact


def gap_order(rows: Iterable[Coverage]) -> list[Coverage]:
    """Gaps first, the worst first (no service anywhere, then the farthest); then covered
    regencies by province and name."""

    def key(row: Coverage) -> tuple[int, int, int, str, str]:
        if row.covered:
            return (1, 0, 0, row.regency.province, row.regency.name)
        if row.nearest_km is None:
            return (0, 0, 0, row.regency.province, row.regency.name)
        return (0, 1, -row.nearest_km, row.regency.province, row.regency.name)

    return sorted(rows, key=key)


@dataclass(frozen=True)
class RegencyGaps:
    """One regency across problems: the problems it has no suitable service for."""

    regency: Regency
    gap_problem_ids: tuple[str, ...]


def summarise(result: dict[str, list[Coverage]]) -> list[RegencyGaps]:
    """Per regency, the problems with a gap (in the order of ``result``); the regencies
    with most gaps first, then by province and name."""
    gaps: dict[str, list[str]] = {}
    regencies: dict[str, Regency] = {}
    for problem, rows in result.items():
        for row in rows:
            regencies[row.regency.code] = row.regency
            problems = gaps.setdefault(row.regency.code, [])
            if row.gap:
                problems.append(problem)
    summary = [RegencyGaps(regencies[code], tuple(problems)) for code, problems in gaps.items()]
    return sorted(
        summary,
        key=lambda item: (-len(item.gap_problem_ids), item.regency.province, item.regency.name),
    )


def in_province(regencies: Sequence[Regency], province_code: str | None) -> list[Regency]:
    """The regencies of one province (all of them for ``None`` or ``""``)."""
    if not province_code:
        return list(regencies)
    return [regency for regency in regencies if regency.province_code == province_code]


def most_offered(points: Iterable[ServicePoint], problem_ids: Sequence[str]) -> str | None:
    """The problem offered at the most places (ties: the first in ``problem_ids``): where
    the page starts, a question with an answer that is not "everywhere lacks something"."""
    counts = dict.fromkeys(problem_ids, 0)
    for point in points:
        for problem_id in point.problem_ids:
            if problem_id in counts:
                counts[problem_id] += 1
    best = max(problem_ids, key=lambda problem_id: counts[problem_id], default=None)
    return best if best is not None and counts[best] else None
