"""Ranking "nearest suitable": hard filters, then distance. Pure: numpy and geographiclib only.

A :class:`Catalog` holds the public facts of every service as column arrays (one row per
service, built from :class:`directory.search.records.ServiceRecord`); :func:`rank`
answers one query over it:

1. Hard filters, as boolean masks over the rows: every requested taxonomy term, status
   (only ``active`` by default when an origin or filter is given), organization, region,
   modified after, ``accepting_referrals``, ``free``, language, open now (in each
   location's own zone), the text match, and service areas: a service that declares the
   regions it serves is offered only to origins inside them unless
   ``include_out_of_area``, or unless it has a location in the origin's own
   regency/city (a local service is never hidden). The services hidden so are counted
   (``RankedPage.hidden_out_of_area``), so the page can offer them.
2. Distance to the service's nearest location. A bounding-box prefilter over locations
   sorted by latitude keeps the work proportional to the neighbourhood, not the country:
   with ``radius_km`` the box is the radius; without, it starts at 25 km and doubles
   until it holds enough results. Inside the box a vectorised spherical (haversine)
   distance ranks coarsely; the exact geodesic (WGS84, by
   geographiclib, the solver behind geopy's ``geodesic``) is computed only for the
   results shown and for the few that the spherical error (below 0.6%) could reorder or
   push across the radius. Order and radius therefore follow the geodesic exactly.
3. With text and an origin, ``sort=distance`` (the default) orders the text matches by
   distance; ``sort=relevance`` blends: ``relevance / best relevance`` times
   ``1 / (1 + distance / 25 km)``, so a service 25 km away needs twice the text score of
   one next door.

4. ``sort=policy`` (the counsellor's ranking, :mod:`directory.search.policy`): services
   in the origin's jurisdiction first, then by the position of their institution type in
   the policy's row of the chosen problems, the origin's regency before its province,
   more chosen problems served first, then distance (spherical; the page's distances are
   geodesic). A ``client_age`` filters by the services' minimum and maximum age, a
   ``client_sex`` by their eligibility terms (a service limited to the other sex is left
   out: :mod:`directory.search.eligibility`), and ``exclude_organization_ids`` leaves out
   the counsellor's own organization.

Each result says why it matched: the words and terms, the distance, whether it is in
its service area, and open now or when it opens; under the policy also its designation
(``tier``) and jurisdiction (``level``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

import numpy as np
from geographiclib.geodesic import Geodesic

from directory.geo.hours import OpenState, minute_of_utc_week, open_state
from directory.search import eligibility
from directory.search.documents import Place, ServiceRecord
from directory.search.policy import unranked_tier

EARTH_RADIUS_KM = 6371.0088
# The spherical distance is within 0.56% of the geodesic anywhere in Indonesia (see
# shared/docs/stack-notes.md); a 1% margin each way is safe.
SPHERE_ERROR = 0.01
FIRST_BOX_KM = 25.0
# Wider than Indonesia (about 5,100 km from Sabang to Merauke).
WHOLE_COUNTRY_KM = 6000.0
# With at most this many candidate locations (a term and words, say), distances are
# computed for exactly those, instead of growing a box over every location.
DIRECT_LOCATIONS = 20_000
# Relevance halves at this distance in the blend.
BLEND_HALF_KM = 25.0
STATUSES = ("active", "inactive", "defunct", "temporarily closed")
# Jurisdiction levels of a service for an origin (``Ranked.level``).
LEVEL_REGENCY = 0
LEVEL_PROVINCE = 1
LEVEL_ELSEWHERE = 2
# Stand-ins for a service without a minimum or maximum age.
NO_MINIMUM_AGE = -1
NO_MAXIMUM_AGE = 1_000
# A service's sex limit as a small code (0: it serves everyone).
SEX_CODES = {sex: index + 1 for index, sex in enumerate(eligibility.CLIENT_SEXES)}


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    # The district holding the origin (for service areas), if known.
    region_code: str | None = None

    def regency_code(self) -> str | None:
        """``36.73.01`` -> ``36.73``; None for an origin known only to its province."""
        if not self.region_code:
            return None
        parts = self.region_code.split(".")
        return ".".join(parts[:2]) if len(parts) >= 2 else None

    def region_prefixes(self) -> list[str]:
        """``36.73.01`` -> ``36``, ``36.73``, ``36.73.01``."""
        if not self.region_code:
            return []
        parts = self.region_code.split(".")
        return [".".join(parts[: index + 1]) for index in range(len(parts))]


@dataclass(frozen=True)
class Criteria:
    """The hard filters; an empty value filters nothing."""

    term_ids: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    organization_id: str | None = None
    region: str | None = None
    modified_after: float | None = None
    accepting_referrals: bool | None = None
    free: bool | None = None
    language: str | None = None
    open_now: bool = False
    radius_km: float | None = None
    include_out_of_area: bool = False
    # At least one of these terms (a taxonomy's terms); ``None`` filters nothing, an empty
    # tuple everything.
    any_term_ids: tuple[str, ...] | None = None
    # At least one of these problems (several chosen at once); empty: no filter.
    problem_term_ids: tuple[str, ...] = ()
    # Organizations left out (the counsellor's own: they cannot refer to themselves).
    exclude_organization_ids: tuple[str, ...] = ()
    # The client's age, or age group, in years (lowest, highest): services whose minimum
    # and maximum age admit none of it are left out.
    client_age: tuple[int, int] | None = None
    # The client's sex (``female``, ``male``): services limited to the other sex are left
    # out; ``None`` filters nothing.
    client_sex: str | None = None

    def __post_init__(self) -> None:
        if self.client_sex is not None and self.client_sex not in eligibility.CLIENT_SEXES:
            raise ValueError(f"client_sex must be one of {eligibility.CLIENT_SEXES}")


@dataclass(frozen=True)
class Suitability:
    """The policy for one search (``sort="policy"``): for each chosen problem, the
    position of each institution type in its row (:func:`directory.search.policy.tiers`)."""

    tiers: dict[str, dict[str, int]] = field(default_factory=dict)
    # The chosen problems (those with no row too): a service tagged with more comes first.
    problem_term_ids: tuple[str, ...] = ()

    def __hash__(self) -> int:  # a search cache key
        return hash(
            (
                tuple((p, tuple(sorted(row.items()))) for p, row in sorted(self.tiers.items())),
                self.problem_term_ids,
            )
        )


@dataclass(frozen=True)
class TextMatch:
    """Rows matching a text query, with their relevance, and the words that matched."""

    rows: np.ndarray
    scores: np.ndarray
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranked:
    """One result and why it matched."""

    id: str
    row: int
    distance_km: float | None = None
    score: float | None = None
    place: Place | None = None
    open: OpenState | None = None
    in_service_area: bool | None = None
    matched_words: tuple[str, ...] = ()
    matched_term_ids: tuple[str, ...] = ()
    # Under ``sort="policy"``: the position of its institution type for the chosen
    # problems (0 first; None when no row names it), its jurisdiction level for the
    # origin (LEVEL_*) and the chosen problems it is tagged with.
    tier: int | None = None
    level: int | None = None
    problem_term_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RankedPage:
    total: int
    items: list[Ranked] = field(default_factory=list)
    # Services passing every other filter (and within the radius) that the service-area
    # rule left out; 0 when ``include_out_of_area`` or without an origin.
    hidden_out_of_area: int = 0


def haversine_km(
    latitude: float, longitude: float, latitudes: np.ndarray, longitudes: np.ndarray
) -> np.ndarray:
    """Great-circle distances (km) from one point to many, all in degrees."""
    lat0, lon0 = math.radians(latitude), math.radians(longitude)
    lat, lon = np.radians(latitudes), np.radians(longitudes)
    a = np.sin((lat - lat0) / 2) ** 2 + math.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
    distances: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return distances


def geodesic_km(origin: Origin, place: Place) -> float:
    """The WGS84 geodesic in km: what ``geopy.distance.geodesic(...).km`` gives, without
    geopy's point parsing, which cost more than the solving."""
    solved = Geodesic.WGS84.Inverse(
        origin.latitude, origin.longitude, place.latitude, place.longitude, Geodesic.DISTANCE
    )
    return float(solved["s12"]) / 1000


def _haversine_one_km(origin: Origin, place: Place) -> float:
    """:func:`haversine_km` for a single place (one with coordinates), without arrays."""
    latitude, longitude = cast(float, place.latitude), cast(float, place.longitude)
    lat0, lat = math.radians(origin.latitude), math.radians(latitude)
    a = (
        math.sin((lat - lat0) / 2) ** 2
        + math.cos(lat0)
        * math.cos(lat)
        * math.sin(math.radians(longitude - origin.longitude) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


def _rows(indices: Sequence[int]) -> np.ndarray:
    return np.asarray(indices, dtype=np.int64)


class Catalog:
    """Column arrays over services, one row each; rows with no record are never found."""

    def __init__(self, records: Sequence[ServiceRecord | None]) -> None:
        size = len(records)
        self.size = size
        self.records = list(records)
        self.ids = [record.id if record else "" for record in records]
        self.live = np.array([record is not None for record in records], dtype=bool)
        status_codes = {status: index for index, status in enumerate(STATUSES)}
        self.status = np.array(
            [status_codes.get(record.status, -1) if record else -1 for record in records],
            dtype=np.int8,
        )
        self.accepting = np.array([bool(r and r.accepting_referrals) for r in records])
        self.free = np.array([bool(r and r.free) for r in records])
        self.modified = np.array([r.last_modified if r else 0.0 for r in records])
        self.has_area = np.array([bool(r and r.area_codes) for r in records])
        self.minimum_age = np.array(
            [
                r.minimum_age if r is not None and r.minimum_age is not None else NO_MINIMUM_AGE
                for r in records
            ],
            dtype=np.int32,
        )
        self.maximum_age = np.array(
            [
                r.maximum_age if r is not None and r.maximum_age is not None else NO_MAXIMUM_AGE
                for r in records
            ],
            dtype=np.int32,
        )
        self.sex_limit = np.array(
            [SEX_CODES.get(r.sex_limit or "", 0) if r is not None else 0 for r in records],
            dtype=np.int8,
        )
        if size == 0:
            self.accepting = self.accepting.astype(bool)
            self.free = self.free.astype(bool)
            self.has_area = self.has_area.astype(bool)

        by_term: dict[str, list[int]] = defaultdict(list)
        by_language: dict[str, list[int]] = defaultdict(list)
        by_organization: dict[str, list[int]] = defaultdict(list)
        by_area: dict[str, list[int]] = defaultdict(list)
        by_area_regency: dict[str, set[int]] = defaultdict(set)
        by_organization_term: dict[str, list[int]] = defaultdict(list)
        by_region: dict[str, set[int]] = defaultdict(set)
        location_rows: list[int] = []
        latitudes: list[float] = []
        longitudes: list[float] = []
        interval_rows: list[int] = []
        interval_starts: list[int] = []
        interval_ends: list[int] = []
        self.dated_hours = np.zeros(size, dtype=bool)
        for row, record in enumerate(records):
            if record is None:
                continue
            for term in record.term_ids:
                by_term[term].append(row)
            for language in record.languages:
                by_language[language].append(row)
            by_organization[record.organization_id].append(row)
            for code in record.area_codes:
                by_area[code].append(row)
                if code.count(".") >= 1:  # a regency/city, or a district or village of it
                    by_area_regency[".".join(code.split(".")[:2])].add(row)
            for term in record.organization_term_ids:
                by_organization_term[term].append(row)
            for place in record.places:
                if place.region_code:
                    parts = place.region_code.split(".")
                    for index in range(len(parts)):
                        by_region[".".join(parts[: index + 1])].add(row)
                if place.has_coordinates:
                    location_rows.append(row)
                    latitudes.append(float(place.latitude))  # type: ignore[arg-type]
                    longitudes.append(float(place.longitude))  # type: ignore[arg-type]
                for hours in place.hours:
                    if hours.valid_from or hours.valid_to:
                        self.dated_hours[row] = True
                    for start, end in hours.utc_week_intervals():
                        interval_rows.append(row)
                        interval_starts.append(start)
                        interval_ends.append(end)
        self.by_term = {key: _rows(value) for key, value in by_term.items()}
        self.by_language = {key: _rows(value) for key, value in by_language.items()}
        self.by_organization = {key: _rows(value) for key, value in by_organization.items()}
        self.by_area = {key: _rows(value) for key, value in by_area.items()}
        self.by_area_regency = {key: _rows(sorted(value)) for key, value in by_area_regency.items()}
        self.by_organization_term = {
            key: _rows(value) for key, value in by_organization_term.items()
        }
        self._id_order: np.ndarray | None = None
        self.by_region = {key: _rows(sorted(value)) for key, value in by_region.items()}
        order = np.argsort(np.asarray(latitudes, dtype=np.float64), kind="stable")
        self.location_row = _rows(location_rows)[order]
        self.location_lat = np.asarray(latitudes, dtype=np.float64)[order]
        self.location_lon = np.asarray(longitudes, dtype=np.float64)[order]
        self.interval_row = _rows(interval_rows)
        self.interval_start = np.asarray(interval_starts, dtype=np.int32)
        self.interval_end = np.asarray(interval_ends, dtype=np.int32)
        located = np.zeros(size, dtype=bool)
        located[self.location_row] = True
        self.located = located
        # Each row's locations (indices into the sorted location arrays), grouped by row:
        # those of row r are by_row[first[r]:first[r + 1]].
        self.location_by_row = np.argsort(self.location_row, kind="stable")
        self.location_first = np.searchsorted(
            self.location_row[self.location_by_row], np.arange(size + 1)
        )

    # Masks

    def mask_of(self, rows: np.ndarray | None) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        if rows is not None and len(rows):
            mask[rows] = True
        return mask

    def filter_mask(self, criteria: Criteria) -> np.ndarray:
        """Rows passing every filter that does not depend on the origin or the time."""
        mask = self.live.copy()
        if criteria.statuses:
            # One comparison per status: np.isin sorts, and cost 2 ms at 100,000 rows.
            wanted = np.zeros(self.size, dtype=bool)
            for status in criteria.statuses:
                if status in STATUSES:
                    wanted |= self.status == STATUSES.index(status)
            mask &= wanted
        for term in criteria.term_ids:
            mask &= self.mask_of(self.by_term.get(term))
        if criteria.any_term_ids is not None:
            any_term = np.zeros(self.size, dtype=bool)
            for term in criteria.any_term_ids:
                any_term |= self.mask_of(self.by_term.get(term))
            mask &= any_term
        if criteria.organization_id:
            mask &= self.mask_of(self.by_organization.get(criteria.organization_id))
        if criteria.region:
            mask &= self.mask_of(self.by_region.get(criteria.region))
        if criteria.modified_after is not None:
            mask &= self.modified >= criteria.modified_after
        if criteria.accepting_referrals is not None:
            mask &= self.accepting == criteria.accepting_referrals
        if criteria.free is not None:
            mask &= self.free == criteria.free
        if criteria.language:
            mask &= self.mask_of(self.by_language.get(criteria.language))
        if criteria.problem_term_ids:
            any_problem = np.zeros(self.size, dtype=bool)
            for term in criteria.problem_term_ids:
                any_problem |= self.mask_of(self.by_term.get(term))
            mask &= any_problem
        for organization in criteria.exclude_organization_ids:
            mask &= ~self.mask_of(self.by_organization.get(organization))
        if criteria.client_age is not None:
            lowest, highest = criteria.client_age
            mask &= (self.minimum_age <= highest) & (self.maximum_age >= lowest)
        if criteria.client_sex is not None:
            mask &= (self.sex_limit == 0) | (self.sex_limit == SEX_CODES[criteria.client_sex])
        return mask

    def id_order(self) -> np.ndarray:
        """Each row's position in id order (a tie-break that sorts as the ids do)."""
        if self._id_order is None:
            order = np.argsort(np.asarray(self.ids, dtype=object), kind="stable")
            ranks = np.empty(self.size, dtype=np.int64)
            ranks[order] = np.arange(self.size)
            self._id_order = ranks
        return self._id_order

    def levels(self, origin: Origin, rows: np.ndarray) -> np.ndarray:
        """The jurisdiction level (LEVEL_*) of ``rows`` for ``origin``: by the declared
        service area (the origin's regency/city or something in it; the whole province),
        or, for a service declaring none, by where its locations are."""
        levels = np.full(len(rows), LEVEL_ELSEWHERE, dtype=np.int8)
        regency = origin.regency_code()
        if not regency or not len(rows):
            return levels
        province = regency.split(".")[0]
        area_regency = self.mask_of(self.by_area_regency.get(regency))[rows]
        area_province = self.mask_of(self.by_area.get(province))[rows]
        in_regency = self.mask_of(self.by_region.get(regency))[rows]
        in_province = self.mask_of(self.by_region.get(province))[rows]
        has_area = self.has_area[rows]
        levels[np.where(has_area, area_province, in_province)] = LEVEL_PROVINCE
        levels[np.where(has_area, area_regency, in_regency)] = LEVEL_REGENCY
        return levels

    def tiers(self, suitability: Suitability, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For ``rows``: the best position of their institution type over the chosen
        problems they are tagged with (over all chosen problems for a row tagged with
        none), and how many chosen problems they are tagged with."""
        unnamed = unranked_tier(suitability.tiers)
        tagged = np.zeros(len(rows), dtype=np.int32)
        best_tagged = np.full(len(rows), unnamed, dtype=np.int32)
        best_any = np.full(len(rows), unnamed, dtype=np.int32)
        for problem in suitability.problem_term_ids:
            has = self.mask_of(self.by_term.get(problem))[rows]
            tagged += has
            position = np.full(len(rows), unnamed, dtype=np.int32)
            for type_id, place in suitability.tiers.get(problem, {}).items():
                of_type = self.mask_of(self.by_organization_term.get(type_id))[rows]
                position[of_type] = np.minimum(position[of_type], place)
            best_any = np.minimum(best_any, position)
            best_tagged = np.where(has, np.minimum(best_tagged, position), best_tagged)
        return np.where(tagged > 0, best_tagged, best_any), tagged

    def area_mask(self, origin: Origin) -> np.ndarray:
        """Rows that declare no service area, or one holding the origin, or that have a
        location in the origin's regency/city: a local service is never hidden."""
        mask = ~self.has_area
        for prefix in origin.region_prefixes():
            mask |= self.mask_of(self.by_area.get(prefix))
        regency = origin.regency_code()
        if regency:
            mask |= self.mask_of(self.by_region.get(regency))
        return mask

    def open_mask(self, moment: datetime) -> np.ndarray:
        """Rows open at ``moment``: any interval of any location holds it."""
        minute = minute_of_utc_week(moment)
        hit = (self.interval_start <= minute) & (minute < self.interval_end)
        mask = self.mask_of(self.interval_row[hit])
        # Hours valid only between dates: decide those few rows exactly.
        for row in np.flatnonzero(self.dated_hours & mask):
            mask[row] = self.state_of(int(row), moment).open_now
        return mask

    def state_of(self, row: int, moment: datetime, place: Place | None = None) -> OpenState:
        """Open state of a service at ``moment``: of ``place`` if given, else of any
        location (open if any is open; otherwise the soonest opening)."""
        record = self.records[row]
        if record is None:
            return OpenState(known=False)
        places = [place] if place is not None else list(record.places)
        states = [open_state(item.hours, moment) for item in places]
        known = [state for state in states if state.known]
        if not known:
            return OpenState(known=False)
        for state in known:
            if state.open_now:
                return state
        upcoming = [state for state in known if state.opens_at is not None]
        return (
            min(upcoming, key=lambda state: cast(datetime, state.opens_at))
            if upcoming
            else known[0]
        )

    # Distances

    def _box(self, origin: Origin, radius_km: float) -> np.ndarray:
        """Indices of the locations inside the box around ``origin``."""
        delta_lat = math.degrees(radius_km * (1 + SPHERE_ERROR) / EARTH_RADIUS_KM)
        first = np.searchsorted(self.location_lat, origin.latitude - delta_lat, side="left")
        last = np.searchsorted(self.location_lat, origin.latitude + delta_lat, side="right")
        indices = np.arange(first, last)
        widest = max(abs(origin.latitude) + delta_lat, 0.0)
        if widest < 89:
            delta_lon = delta_lat / math.cos(math.radians(widest))
            if delta_lon < 180:
                gap = np.abs((self.location_lon[indices] - origin.longitude + 180) % 360 - 180)
                indices = indices[gap <= delta_lon]
        return indices

    def nearest_spherical(
        self, origin: Origin, mask: np.ndarray, radius_km: float | None, wanted: int
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Spherical distance to the nearest location of rows passing ``mask``.

        Returns ``(rows, distances, complete)``: with a radius, every row within it (and
        the 1% margin); without, at least ``wanted`` rows and all rows nearer than the
        farthest returned, by growing the box. ``complete`` says every row passing the
        mask is in the answer.
        """
        direct = self._nearest_direct(origin, mask, radius_km)
        if direct is not None:
            return direct
        box_km = radius_km if radius_km is not None else FIRST_BOX_KM
        while True:
            indices = self._box(origin, box_km)
            indices = indices[mask[self.location_row[indices]]]
            distances = haversine_km(
                origin.latitude,
                origin.longitude,
                self.location_lat[indices],
                self.location_lon[indices],
            )
            rows = self.location_row[indices]
            nearest = np.full(self.size, np.inf)
            np.minimum.at(nearest, rows, distances)
            found = np.flatnonzero(np.isfinite(nearest))
            found_distances = nearest[found]
            if radius_km is not None:
                keep = found_distances <= radius_km * (1 + SPHERE_ERROR)
                return found[keep], found_distances[keep], False
            if box_km >= WHOLE_COUNTRY_KM:
                return found, found_distances, True
            # Everything nearer than the box's own radius is certainly in the box; stop
            # when the first ``wanted`` and all that could overtake them are among those.
            sure = found_distances <= box_km
            if int(sure.sum()) >= wanted:
                cut = np.partition(found_distances[sure], wanted - 1)[wanted - 1]
                if cut * (1 + SPHERE_ERROR) ** 2 <= box_km:
                    return found[sure], found_distances[sure], False
            box_km *= 2

    def _nearest_direct(
        self, origin: Origin, mask: np.ndarray, radius_km: float | None
    ) -> tuple[np.ndarray, np.ndarray, bool] | None:
        """:meth:`nearest_spherical` for few candidates: the distance to every location of
        every row passing ``mask`` (filter first, then measure); None when they are too
        many for that to be cheaper than the box."""
        rows = np.flatnonzero(mask & self.located)
        starts, ends = self.location_first[rows], self.location_first[rows + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total > DIRECT_LOCATIONS:
            return None
        if total == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, np.empty(0), radius_km is None
        offsets = np.cumsum(counts) - counts
        positions = self.location_by_row[
            np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)
        ]
        distances = haversine_km(
            origin.latitude,
            origin.longitude,
            self.location_lat[positions],
            self.location_lon[positions],
        )
        nearest = np.minimum.reduceat(distances, offsets)
        if radius_km is not None:
            keep = nearest <= radius_km * (1 + SPHERE_ERROR)
            return rows[keep], nearest[keep], False
        return rows, nearest, True

    def exact_nearest(self, row: int, origin: Origin, within_km: float) -> tuple[float, Place]:
        """The geodesic distance to the row's nearest location (those within the spherical
        ``within_km`` only: no other can be the nearest)."""
        best: tuple[float, Place] | None = None
        for place in self.records[row].places:  # type: ignore[union-attr]
            if not place.has_coordinates:
                continue
            if _haversine_one_km(origin, place) > within_km:
                continue
            exact = geodesic_km(origin, place)
            if best is None or exact < best[0]:
                best = (exact, place)
        if best is None:  # cannot happen for a row found by nearest_spherical
            raise ValueError(f"row {row} has no location within {within_km} km")
        return best


def best_first(rows: np.ndarray, scores: np.ndarray, count: int, ids: list[str]) -> list[int]:
    """The ``count`` rows of highest score, ties by id, without sorting them all."""
    if len(rows) > count > 0:
        threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
        keep = scores >= threshold
        rows, scores = rows[keep], scores[keep]
    order = sorted(range(len(rows)), key=lambda index: (-scores[index], ids[int(rows[index])]))
    return [int(rows[index]) for index in order[:count]]


def rank(
    catalog: Catalog,
    criteria: Criteria,
    *,
    origin: Origin | None,
    now: datetime,
    text: TextMatch | None = None,
    sort: str = "distance",
    offset: int = 0,
    limit: int = 20,
    suitability: Suitability | None = None,
) -> RankedPage:
    """One page of services passing every filter, nearest (or most relevant, or most
    suitable by the policy) first."""
    mask = catalog.filter_mask(criteria)
    scores: np.ndarray | None = None
    if text is not None:
        text_mask = catalog.mask_of(text.rows)
        mask &= text_mask
        scores = np.zeros(catalog.size)
        scores[text.rows] = text.scores
    if criteria.open_now:
        mask &= catalog.open_mask(now)
    hidden = 0
    if origin is not None and not criteria.include_out_of_area:
        in_area = catalog.area_mask(origin)
        left_out = mask & ~in_area
        if left_out.any():
            hidden = _count_within(catalog, origin, left_out, criteria.radius_km)
        mask &= in_area

    def result(
        row: int,
        distance: float | None = None,
        place: Place | None = None,
        tier: int | None = None,
        level: int | None = None,
        problem_term_ids: tuple[str, ...] = (),
    ) -> Ranked:
        record = catalog.records[row]
        return Ranked(
            id=catalog.ids[row],
            row=row,
            distance_km=distance,
            score=float(scores[row]) if scores is not None else None,
            place=place,
            open=catalog.state_of(row, now, place),
            in_service_area=(
                None
                if origin is None or not record or not record.area_codes
                else bool(set(origin.region_prefixes()) & set(record.area_codes))
            ),
            matched_words=text.words if text is not None else (),
            matched_term_ids=criteria.term_ids,
            tier=tier,
            level=level,
            problem_term_ids=problem_term_ids,
        )

    if sort == "policy":
        return _by_policy(
            catalog,
            mask,
            origin,
            criteria,
            suitability or Suitability(problem_term_ids=criteria.problem_term_ids),
            offset,
            limit,
            result,
            hidden,
        )

    if origin is None:
        rows = np.flatnonzero(mask)
        if scores is None:
            keys = sorted(rows.tolist(), key=lambda row: catalog.ids[row])
        else:
            keys = best_first(rows, scores[rows], offset + limit, catalog.ids)
        return RankedPage(
            total=len(rows), items=[result(row) for row in keys[offset : offset + limit]]
        )

    wanted = offset + limit
    if sort == "relevance" and scores is not None:
        page = _blend(catalog, mask, scores, origin, criteria, wanted, offset, result)
        return RankedPage(total=page.total, items=page.items, hidden_out_of_area=hidden)

    rows, rough, complete = catalog.nearest_spherical(origin, mask, criteria.radius_km, wanted)
    exact: dict[int, tuple[float, Place]] = {}

    def exact_of(row: int, rough_km: float) -> tuple[float, Place]:
        if row not in exact:
            exact[row] = catalog.exact_nearest(row, origin, rough_km * (1 + SPHERE_ERROR) ** 2)
        return exact[row]

    if criteria.radius_km is not None:
        radius = criteria.radius_km
        inside = []
        for row, distance in zip(rows.tolist(), rough.tolist(), strict=True):
            if distance <= radius / (1 + SPHERE_ERROR) or exact_of(row, distance)[0] <= radius:
                inside.append((row, distance))
        rows = _rows([row for row, _ in inside])
        rough = np.asarray([distance for _, distance in inside], dtype=np.float64)
        total = len(rows)
    elif complete:
        total = len(rows)
    else:
        total = int((mask & catalog.located).sum())

    if len(rows) == 0 or offset >= len(rows):
        return RankedPage(total=total, hidden_out_of_area=hidden)
    # Every row whose geodesic distance could be among the first ``wanted``.
    cut = np.partition(rough, min(wanted, len(rough)) - 1)[min(wanted, len(rough)) - 1]
    contenders = rows[rough <= cut * (1 + SPHERE_ERROR) ** 2]
    rough_of = dict(zip(rows.tolist(), rough.tolist(), strict=True))
    ordered = sorted(
        contenders.tolist(), key=lambda row: (exact_of(row, rough_of[row])[0], catalog.ids[row])
    )
    return RankedPage(
        total=total,
        items=[result(row, *exact_of(row, rough_of[row])) for row in ordered[offset:wanted]],
        hidden_out_of_area=hidden,
    )


def _count_within(
    catalog: Catalog, origin: Origin, mask: np.ndarray, radius_km: float | None
) -> int:
    """How many rows of ``mask`` have a location within the radius (all located rows
    without one); at the radius's edge by the spherical distance, within 1%."""
    if radius_km is None:
        return int((mask & catalog.located).sum())
    rows, _, _ = catalog.nearest_spherical(origin, mask, radius_km / (1 + SPHERE_ERROR), 1)
    return len(rows)


def _blend(
    catalog: Catalog,
    mask: np.ndarray,
    scores: np.ndarray,
    origin: Origin,
    criteria: Criteria,
    wanted: int,
    offset: int,
    result: Callable[..., Ranked],
) -> RankedPage:
    radius = criteria.radius_km if criteria.radius_km is not None else WHOLE_COUNTRY_KM
    rows, rough, _ = catalog.nearest_spherical(origin, mask, radius, wanted)
    if criteria.radius_km is not None:
        inside = [
            index
            for index, (row, distance) in enumerate(zip(rows.tolist(), rough.tolist(), strict=True))
            if distance <= radius / (1 + SPHERE_ERROR)
            or catalog.exact_nearest(row, origin, distance * (1 + SPHERE_ERROR) ** 2)[0] <= radius
        ]
        rows, rough = rows[inside], rough[inside]
    if len(rows) == 0:
        return RankedPage(total=0)
    relevance = scores[rows] / max(float(scores[rows].max()), 1e-9)
    blended = relevance / (1 + rough / BLEND_HALF_KM)
    rough_of = dict(zip(rows.tolist(), rough.tolist(), strict=True))
    items = []
    for row in best_first(rows, blended, wanted, catalog.ids)[offset:wanted]:
        within = rough_of[row] * (1 + SPHERE_ERROR) ** 2
        items.append(result(row, *catalog.exact_nearest(row, origin, within)))
    return RankedPage(total=len(rows), items=items)


def _by_policy(
    catalog: Catalog,
    mask: np.ndarray,
    origin: Origin | None,
    criteria: Criteria,
    suitability: Suitability,
    offset: int,
    limit: int,
    result: Callable[..., Ranked],
    hidden: int,
) -> RankedPage:
    """The counsellor's ranking (:mod:`directory.search.policy`): jurisdiction at all,
    designation, jurisdiction level, chosen problems served, distance, id."""
    wanted = offset + limit
    if origin is None:
        rows = np.flatnonzero(mask)
        rough = np.zeros(len(rows))
    else:
        radius = criteria.radius_km if criteria.radius_km is not None else WHOLE_COUNTRY_KM
        rows, rough, _ = catalog.nearest_spherical(origin, mask, radius, wanted)
        if criteria.radius_km is not None:
            inside = [
                index
                for index, (row, distance) in enumerate(
                    zip(rows.tolist(), rough.tolist(), strict=True)
                )
                if distance <= radius / (1 + SPHERE_ERROR)
                or catalog.exact_nearest(row, origin, distance * (1 + SPHERE_ERROR) ** 2)[0]
                <= radius
            ]
            rows, rough = rows[inside], rough[inside]
        else:
            # Without a radius, services with no location (a hotline) come too, after
            # the located ones of their rank.
            unlocated = np.flatnonzero(mask & ~catalog.located)
            rows = np.concatenate((rows, unlocated))
            rough = np.concatenate((rough, np.full(len(unlocated), np.inf)))
    if len(rows) == 0:
        return RankedPage(total=0, hidden_out_of_area=hidden)
    levels = (
        catalog.levels(origin, rows)
        if origin is not None
        else np.full(len(rows), LEVEL_REGENCY, dtype=np.int8)
    )
    tiers, tagged = catalog.tiers(suitability, rows)
    # np.lexsort: the last key is the first compared.
    order = np.lexsort(
        (
            catalog.id_order()[rows],
            rough,
            -tagged,
            levels,
            tiers,
            levels == LEVEL_ELSEWHERE,
        )
    )
    unnamed = unranked_tier(suitability.tiers)
    items = []
    for index in order[offset:wanted].tolist():
        row = int(rows[index])
        tier = int(tiers[index])
        record = catalog.records[row]
        policy = {
            "tier": tier if tier < unnamed else None,
            "level": int(levels[index]) if origin is not None else None,
            "problem_term_ids": tuple(
                problem
                for problem in suitability.problem_term_ids
                if record is not None and problem in record.term_ids
            ),
        }
        if origin is None or not math.isfinite(rough[index]):
            items.append(result(row, None, None, **policy))
        else:
            within = float(rough[index]) * (1 + SPHERE_ERROR) ** 2
            items.append(result(row, *catalog.exact_nearest(row, origin, within), **policy))
    return RankedPage(total=len(rows), items=items, hidden_out_of_area=hidden)
