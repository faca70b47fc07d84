"""Attacks on a confidential location (a safe house), from outside, over HTTP.

Each attack is the algorithm an anonymous attacker would run against the public API or
pages, through a Flask test client: bisection on ``radius_km``, walking an origin to
the flips of a rounded ``distance_km``, the order among known neighbours, the fixed
radii of ``/cari``. Each ends in an estimate of where the place is (least-squares
trilateration), or in ``None`` when it learned too little to estimate anything.

The tests then compare the estimate with the truth, which only they know (read from the
database): an attack has failed when its estimate is no closer to the real point than
the regency's published reference point (the stand-in) is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask.testing import FlaskClient
from geographiclib.geodesic import Geodesic
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.geo.models import Region
from directory.institutions.models import Location, Phone, Service, ServiceAtLocation

Point = tuple[float, float]
GEODESIC = Geodesic.WGS84

# How close the attacker may come, beyond the stand-in's own distance (rounding, the
# tolerance of a bisection): an estimate closer than this has learned the place.
TOLERANCE_KM = 0.05
# Below this a real point is so near its regency's point that no estimate can be told
# apart from the stand-in: a test on such a place would prove nothing.
MEANINGFUL_KM = 0.5


def distance_km(a: Point, b: Point) -> float:
    """The WGS84 geodesic between two (latitude, longitude) points, in km."""
    return float(GEODESIC.Inverse(a[0], a[1], b[0], b[1], Geodesic.DISTANCE)["s12"]) / 1000


def destination(start: Point, bearing_degrees: float, km: float) -> Point:
    solved = GEODESIC.Direct(start[0], start[1], bearing_degrees, km * 1000)
    return (float(solved["lat2"]), float(solved["lon2"]))


def bearing(a: Point, b: Point) -> float:
    return float(GEODESIC.Inverse(a[0], a[1], b[0], b[1])["azi1"])


# The truth, known to the tests only.


@dataclass(frozen=True)
class Target:
    """A confidential location and a service offered there, as the database knows them."""

    service_id: str
    service_name: str
    organization_id: str
    organization_name: str
    location_id: str
    real: Point
    region_code: str  # as stored: a district code such as 73.71.06
    stand_in: Point  # the regency's reference point
    stand_in_name: str
    term_ids: tuple[str, ...]
    location_phones: tuple[str, ...]  # its own lines, and those of a service only there
    address_texts: tuple[str, ...]  # street lines and postal codes

    @property
    def regency_code(self) -> str:
        return self.region_code[:5]

    @property
    def stand_in_km(self) -> float:
        """How far the real point is from the stand-in: what no attack may beat."""
        return distance_km(self.real, self.stand_in)

    def coordinate_strings(self) -> list[str]:
        """The real latitude and longitude written at 6, 5, 4 and 3 decimals."""
        found = []
        for value in self.real:
            for decimals in (6, 5, 4, 3):
                found.append(f"{value:.{decimals}f}")
            found.append(repr(value))
        return sorted(set(found), key=len, reverse=True)


def confidential_targets(session: Session) -> list[Target]:
    """Every (confidential location, service offered there) pair with coordinates and a
    district code, with its regency's reference point."""
    regions = {region.code: region for region in session.scalars(select(Region))}
    rows = session.execute(
        select(Location, Service)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Location.confidential.is_(True), Service.status == "active")
        .order_by(Location.region_code, Service.name)
    ).all()
    targets = []
    for location, service in rows:
        if location.latitude is None or location.region_code is None:
            continue
        if location.region_code.count(".") < 2:
            continue
        regency = regions[location.region_code[:5]]
        phones = session.scalars(select(Phone.number).where(Phone.location_id == location.id))
        site_phones = session.scalars(
            select(Phone.number)
            .join(ServiceAtLocation, ServiceAtLocation.id == Phone.service_at_location_id)
            .where(ServiceAtLocation.location_id == location.id)
        )
        # A service offered only at confidential places: its own line rings there too.
        if all(site.location.confidential for site in service.service_at_locations):
            service_phones = list(
                session.scalars(select(Phone.number).where(Phone.service_id == service.id))
            )
        else:
            service_phones = []
        addresses: list[str] = []
        for address in location.addresses:
            addresses.extend(part for part in (address.address_1, address.address_2) if part)
            if address.postal_code:
                addresses.append(address.postal_code)
        targets.append(
            Target(
                service_id=str(service.id),
                service_name=service.name,
                organization_id=str(service.organization_id),
                organization_name=service.organization.name,
                location_id=str(location.id),
                real=(location.latitude, location.longitude),
                region_code=location.region_code,
                stand_in=(regency.latitude, regency.longitude),
                stand_in_name=regency.name,
                term_ids=tuple(str(term.id) for term in service.taxonomy_terms),
                location_phones=tuple(sorted({*phones, *site_phones, *service_phones})),
                address_texts=tuple(addresses),
            )
        )
    return targets


def districts_of(session: Session, regency_code: str) -> list[Region]:
    return list(
        session.scalars(
            select(Region).where(Region.parent_code == regency_code).order_by(Region.code)
        )
    )


# Estimating a point from distances.


@dataclass
class Measurement:
    """``origin`` is ``km`` from the place (as the attacker learned it)."""

    origin: Point
    km: float


def _local(point: Point, centre: Point) -> tuple[float, float]:
    """Metres east and north of ``centre`` (equirectangular: fine within tens of km)."""
    radius = 6371008.8
    east = math.radians(point[1] - centre[1]) * radius * math.cos(math.radians(centre[0]))
    north = math.radians(point[0] - centre[0]) * radius
    return east, north


def _unlocal(east: float, north: float, centre: Point) -> Point:
    radius = 6371008.8
    return (
        centre[0] + math.degrees(north / radius),
        centre[1] + math.degrees(east / (radius * math.cos(math.radians(centre[0])))),
    )


def trilaterate(measurements: Sequence[Measurement], starts: Iterable[Point]) -> Point | None:
    """The point whose geodesic distances best fit the measurements (Gauss-Newton from
    each start, the best fit kept), or ``None`` with fewer than three measurements."""
    if len(measurements) < 3:
        return None
    best: tuple[float, Point] | None = None
    for start in starts:
        point = start
        for _ in range(40):
            residuals = np.array([distance_km(point, m.origin) - m.km for m in measurements])
            jacobian = np.zeros((len(measurements), 2))
            for column, (east, north) in enumerate(((1.0, 0.0), (0.0, 1.0))):
                moved = _unlocal(east, north, point)
                jacobian[:, column] = [
                    (distance_km(moved, m.origin) - distance_km(point, m.origin)) * 1000
                    for m in measurements
                ]
            step, *_ = np.linalg.lstsq(jacobian, -residuals, rcond=None)
            if not np.all(np.isfinite(step)):
                break
            length = float(np.hypot(*step))
            if length > 20_000:  # metres: keep each step sane
                step = step * (20_000 / length)
            point = _unlocal(float(step[0]) * 1000, float(step[1]) * 1000, point)
            if length < 0.1 / 1000:
                break
        cost = sum((distance_km(point, m.origin) - m.km) ** 2 for m in measurements)
        if best is None or cost < best[0]:
            best = (cost, point)
    return best[1] if best else None


def ring(centre: Point, km: float, count: int, offset_degrees: float = 0.0) -> list[Point]:
    """``count`` points ``km`` from ``centre`` at evenly spread bearings."""
    return [destination(centre, offset_degrees + 360 * i / count, km) for i in range(count)]


# The HTTP side.


@dataclass
class Attacker:
    """An anonymous client, counting its requests."""

    client: FlaskClient
    requests: int = 0
    max_pages: int = 5

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        self.requests += 1
        response = self.client.get(path, query_string=params or {})
        assert response.status_code < 500, (path, params, response.status_code)
        return response

    def json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.get(path, params)
        assert response.status_code == 200, (path, params, response.get_data(as_text=True))
        return response.get_json()

    def services(self, params: dict[str, Any]) -> Iterable[dict[str, Any]]:
        """Every entry of ``/api/v1/services`` for ``params``, page after page (at most
        ``max_pages`` pages of 100)."""
        for page in range(1, self.max_pages + 1):
            answer = self.json("/api/v1/services", {**params, "per_page": 100, "page": page})
            yield from answer["contents"]
            if answer["last_page"] or not answer["contents"]:
                return

    def entry(self, target: Target, params: dict[str, Any]) -> dict[str, Any] | None:
        for entry in self.services(params):
            if entry["id"] == target.service_id:
                return entry
        return None

    def listed(self, target: Target, params: dict[str, Any]) -> bool:
        return self.entry(target, params) is not None


def origin_params(point: Point) -> dict[str, str]:
    return {"latitude": f"{point[0]:.6f}", "longitude": f"{point[1]:.6f}"}


# Attack 1: bisection on radius_km.


def bisect_threshold(
    inside: Callable[[float], bool], high: float, tolerance: float = 0.005
) -> float | None:
    """The smallest value at which ``inside`` turns true (``inside`` monotone), to
    ``tolerance``; ``None`` when it is false even at ``high``."""
    if not inside(high):
        return None
    low = 0.0
    while high - low > tolerance:
        middle = (low + high) / 2
        if inside(middle):
            high = middle
        else:
            low = middle
    return (low + high) / 2


def radius_bisection(
    attacker: Attacker,
    target: Target,
    origins: Sequence[Point],
    extra: dict[str, Any],
    starts: Sequence[Point],
    high_km: float = 80.0,
) -> tuple[Point | None, list[Measurement]]:
    """From each origin, the radius at which the target enters the results; then the
    point at those distances."""
    found = []
    for origin in origins:

        def inside(radius: float, origin: Point = origin) -> bool:
            params = {**extra, **origin_params(origin), "radius_km": f"{max(radius, 0.001):.4f}"}
            return attacker.listed(target, params)

        km = bisect_threshold(inside, high_km)
        if km is not None:
            found.append(Measurement(origin, km))
    return trilaterate(found, starts), found


# Attack 2: the flips of a rounded distance_km along a walk.


def shown_distance(
    attacker: Attacker, target: Target, origin: Point, extra: dict[str, Any]
) -> float | None:
    entry = attacker.entry(target, {**extra, **origin_params(origin)})
    if entry is None or entry.get("distance_km") is None:
        return None
    return float(entry["distance_km"])


def flips_along(
    value_at: Callable[[float], float | None],
    length_km: float,
    step_km: float,
    max_flips: int,
    tolerance_km: float = 0.004,
) -> list[tuple[float, float]]:
    """Where a walk's displayed value changes: ``(position, boundary value)`` pairs, the
    boundary being halfway between the two values either side of the flip."""
    found: list[tuple[float, float]] = []
    previous_s, previous = 0.0, value_at(0.0)
    s = step_km
    while s <= length_km + 1e-9 and len(found) < max_flips:
        current = value_at(s)
        if previous is not None and current is not None and current != previous:
            low, high, low_value, high_value = previous_s, s, previous, current
            while high - low > tolerance_km:
                middle = (low + high) / 2
                value = value_at(middle)
                if value is None:
                    break
                if value == low_value:
                    low = middle
                else:
                    high, high_value = middle, value
            if value_at is not None and high - low <= tolerance_km:
                found.append(((low + high) / 2, (low_value + high_value) / 2))
        previous_s, previous = s, current
        s += step_km
    return found


def rounding_walk(
    attacker: Attacker,
    target: Target,
    start: Point,
    bearings: Sequence[float],
    extra: dict[str, Any],
    starts: Sequence[Point],
    length_km: float = 6.0,
    step_km: float = 0.5,
    flips_per_line: int = 2,
) -> tuple[Point | None, list[Measurement]]:
    found = []
    for direction in bearings:

        def value_at(s: float, direction: float = direction) -> float | None:
            return shown_distance(attacker, target, destination(start, direction, s), extra)

        for s, km in flips_along(value_at, length_km, step_km, flips_per_line):
            found.append(Measurement(destination(start, direction, s), km))
    return trilaterate(found, starts), found


# Attack 3: the order among known neighbours.


@dataclass(frozen=True)
class Neighbour:
    service_id: str
    point: Point


def public_neighbours(
    attacker: Attacker, around: Point, params: dict[str, Any], want: int, skip: str
) -> list[Neighbour]:
    """Public services near ``around`` offered at exactly one location whose coordinates
    the API publishes, spread over bearings as far as possible."""
    candidates: list[Neighbour] = []
    for entry in attacker.services({**params, **origin_params(around), "radius_km": "15"}):
        if entry["id"] == skip:
            continue
        full = attacker.json(f"/api/v1/services/{entry['id']}")
        points = [
            (site["location"]["latitude"], site["location"]["longitude"])
            for site in full.get("service_at_locations", [])
            if site.get("location", {}).get("latitude") is not None
        ]
        if len(full.get("service_at_locations", [])) == 1 and len(points) == 1:
            point = points[0]
            if 0.3 < distance_km(point, around) < 12:
                candidates.append(Neighbour(entry["id"], point))
        if len(candidates) >= 4 * want:
            break
    chosen: list[Neighbour] = []
    for candidate in candidates:  # greedily, the ones at bearings most unlike those chosen
        if len(chosen) >= want:
            break
        if all(
            abs((bearing(around, candidate.point) - bearing(around, n.point) + 180) % 360 - 180)
            > 20
            for n in chosen
        ):
            chosen.append(candidate)
    return chosen


def target_first(
    attacker: Attacker,
    target: Target,
    neighbour: Neighbour,
    origin: Point,
    params: dict[str, Any],
) -> bool | None:
    """Whether the target is listed before the neighbour from ``origin``."""
    for entry in attacker.services({**params, **origin_params(origin)}):
        if entry["id"] == target.service_id:
            return True
        if entry["id"] == neighbour.service_id:
            return False
    return None


def neighbour_ordering(
    attacker: Attacker,
    target: Target,
    neighbours: Sequence[Neighbour],
    guess: Point,
    params: dict[str, Any],
    starts: Sequence[Point],
    tolerance_km: float = 0.005,
) -> tuple[Point | None, list[Measurement]]:
    """For each neighbour P and a few directions from P towards the guess: walk the
    origin from P outwards until the target comes before P, and bisect for the point O
    where the order flips: there ``d(O, target) = d(O, P)``, a known distance."""
    found = []
    for neighbour in neighbours:
        towards = bearing(neighbour.point, guess)
        reach = distance_km(neighbour.point, guess) + 4.0
        for turn in (0.0, 35.0, -35.0):
            direction = towards + turn

            def first(
                s: float, direction: float = direction, neighbour: Neighbour = neighbour
            ) -> bool | None:
                origin = destination(neighbour.point, direction, s)
                return target_first(attacker, target, neighbour, origin, params)

            if first(reach) is not True:
                continue
            low, high = 0.0, reach
            settled = True
            while high - low > tolerance_km:
                middle = (low + high) / 2
                answer = first(middle)
                if answer is None:
                    settled = False
                    break
                if answer:
                    high = middle
                else:
                    low = middle
            if settled:
                origin = destination(neighbour.point, direction, (low + high) / 2)
                found.append(Measurement(origin, distance_km(origin, neighbour.point)))
    return trilaterate(found, starts), found


# /cari: the finder page.

SERVICE_LINK = re.compile(r'href="/layanan/([0-9a-f-]{36})"')
RESULT_ITEM = re.compile(
    r'<li class="finder-result">(.*?)</li>\s*(?=<li class="finder-result">|</ol>)', re.S
)
NEXT_PAGE = re.compile(r'<a rel="next"')


def finder_results(
    attacker: Attacker, params: dict[str, Any], max_pages: int = 5
) -> dict[str, str]:
    """The result items of ``/cari`` (service id -> the item's HTML), over its pages."""
    found: dict[str, str] = {}
    for page in range(1, max_pages + 1):
        response = attacker.get("/cari", {**params, "halaman": page})
        assert response.status_code == 200, params
        html = response.get_data(as_text=True)
        for item in RESULT_ITEM.findall(html):
            link = SERVICE_LINK.search(item)
            if link:
                found.setdefault(link.group(1), item)
        if not NEXT_PAGE.search(html):
            break
    return found


def boundary_walk(
    inside_at: Callable[[Point], bool],
    centre: Point,
    radius_km: float,
    bearings: Sequence[float],
    tolerance_km: float = 0.005,
) -> list[Measurement]:
    """With a fixed radius: from a centre whose results hold the target, walk outwards
    on each bearing to where the target leaves them; that point is ``radius_km`` from
    the target."""
    if not inside_at(centre):
        return []
    found = []
    for direction in bearings:
        low, high = 0.0, 2 * radius_km + 2.0
        if inside_at(destination(centre, direction, high)):
            continue
        while high - low > tolerance_km:
            middle = (low + high) / 2
            if inside_at(destination(centre, direction, middle)):
                low = middle
            else:
                high = middle
        found.append(Measurement(destination(centre, direction, (low + high) / 2), radius_km))
    return found


@dataclass
class Verdict:
    """What one attack recovered, for the assertion and its message."""

    attack: str
    target: Target
    estimate: Point | None
    measurements: list[Measurement] = field(default_factory=list)
    requests: int = 0

    @property
    def error_km(self) -> float | None:
        return None if self.estimate is None else distance_km(self.estimate, self.target.real)

    def describe(self) -> str:
        error = "nothing" if self.error_km is None else f"{self.error_km * 1000:.0f} m"
        return (
            f"{self.attack} on {self.target.organization_name} ({self.target.region_code}): "
            f"estimate off by {error}, stand-in off by {self.target.stand_in_km * 1000:.0f} m, "
            f"{len(self.measurements)} measurements, {self.requests} requests"
        )

    def learned_nothing_finer_than_the_regency(self) -> bool:
        error = self.error_km
        return error is None or error >= self.target.stand_in_km - TOLERANCE_KM


# Degraded search (the index missing or corrupt): the database's bounding-box prefilter.

EARTH_RADIUS_KM = 6371.0088


def box_half_sizes(origin: Point, radius_km: float) -> tuple[float, float]:
    """The half-height and half-width (degrees) of the box the database fallback of
    ``directory.search.service.search_database`` puts around an origin for a radius (its
    source is public): a 1% margin, the width taken at the widest latitude."""
    delta = math.degrees(radius_km * 1.01 / EARTH_RADIUS_KM)
    widest = min(abs(origin[0]) + delta, 89.0)
    return delta, delta / math.cos(math.radians(widest))


def box_edge_walk(
    attacker: Attacker,
    target: Target,
    extra: dict[str, Any],
    radii: Sequence[float] = (2, 5, 10, 25, 50),
    tolerance_degrees: float = 0.00002,
) -> tuple[Point | None, list[Measurement]]:
    """If a prefilter looks at the real coordinates while the ranking uses the stand-in,
    walking the origin north, south, east and west of the stand-in finds where the
    target leaves the results; a flip where the stand-in's circle does not predict one
    is an edge of the box, which lies a known half-size from the real latitude or
    longitude. Returns the point built from the edges found (the stand-in's latitude or
    longitude where none was), or ``None`` when the target is never listed."""
    centre = target.stand_in

    def listed(origin: Point, radius: float) -> bool:
        params = {**extra, **origin_params(origin), "radius_km": f"{radius:.4f}"}
        return attacker.listed(target, params)

    chosen = next((r for r in radii if listed(centre, r)), None)
    if chosen is None:
        return None, []
    half_lat, half_lon = box_half_sizes(centre, chosen)
    latitude, longitude = centre
    found: list[Measurement] = []
    for axis, sign in ((0, 1), (0, -1), (1, 1), (1, -1)):

        def moved(t: float, axis: int = axis, sign: int = sign) -> Point:
            return (
                (centre[0] + sign * t, centre[1])
                if axis == 0
                else (centre[0], centre[1] + sign * t)
            )

        low, high = 0.0, 3 * (half_lat if axis == 0 else half_lon)
        if listed(moved(high), chosen):
            continue
        while high - low > tolerance_degrees:
            middle = (low + high) / 2
            if listed(moved(middle), chosen):
                low = middle
            else:
                high = middle
        flip = (low + high) / 2
        # Where the stand-in alone would make the target leave: the circle's edge.
        predicted = bisect_threshold(
            lambda t, moved=moved: distance_km(moved(t), centre) > chosen,
            3 * (half_lat if axis == 0 else half_lon),
            tolerance_degrees,
        )
        if predicted is not None and abs(flip - predicted) <= 5 * tolerance_degrees:
            continue  # the stand-in's edge: nothing learned
        half = half_lat if axis == 0 else half_lon
        edge = moved(flip)
        if axis == 0:
            latitude = edge[0] - sign * half
        else:
            longitude = edge[1] - sign * half
        found.append(Measurement(edge, chosen))
    if not found:
        return centre, found
    return (latitude, longitude), found
