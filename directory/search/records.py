"""Public facts about services, read from the database in bulk for the search index.

Only the allowlisted public fields of :class:`~directory.search.documents.ServiceRecord`
are read: no client, referral or account table is ever queried here. The same records
feed the index build, the log follower and the database fallback, so the three rank
alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from directory.geo import confidential as confidentiality
from directory.geo.hours import OpeningHours, weekday_mask
from directory.geo.models import Region
from directory.geo.timezones import zone_name
from directory.institutions.models import (
    TAXONOMY_ELIGIBILITY,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.search import eligibility
from directory.search.documents import Place, ServiceRecord
from directory.sqltypes import raw_id

# Services read per round trip (SQL ``IN`` lists stay well below every database's limit).
CHUNK = 500


class RegionNames:
    """Region code -> the names of the region and its parents, and its published
    reference point, from the region table."""

    def __init__(
        self, rows: Iterable[tuple[str, str, str | None, float | None, float | None]]
    ) -> None:
        self._rows: dict[str, tuple[str, str | None]] = {}
        self._points: dict[str, tuple[float, float]] = {}
        for code, name, parent, latitude, longitude in rows:
            self._rows[code] = (name, parent)
            if latitude is not None and longitude is not None:
                self._points[code] = (latitude, longitude)

    @classmethod
    def load(cls, session: Session) -> RegionNames:
        return cls(
            session.execute(
                select(
                    Region.code, Region.name, Region.parent_code, Region.latitude, Region.longitude
                )
            )
        )

    def reference_point(self, code: str) -> tuple[float, float] | None:
        """The gazetteer's published point of the region (a safe house's stand-in)."""
        return self._points.get(code)

    def names(self, code: str | None, *, levels: int = 4) -> list[str]:
        """The region's name and its parents' names, smallest first."""
        found: list[str] = []
        while code and code in self._rows and len(found) < levels:
            name, code = self._rows[code]
            found.append(name)
        return found


def _epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


def _hours(rows: Sequence[Sequence[Any]], zone: str) -> tuple[OpeningHours, ...]:
    hours = []
    for byday, opens_at, closes_at, valid_from, valid_to in rows:
        if opens_at is None or closes_at is None:
            continue
        hours.append(
            OpeningHours(
                days=weekday_mask(byday),
                opens=opens_at,
                closes=closes_at,
                zone=zone,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
    return tuple(hours)


ScheduleRow = tuple[str | None, time | None, time | None, date | None, date | None]


def load_records(
    session: Session, service_ids: Sequence[str], regions: RegionNames
) -> list[ServiceRecord]:
    """The records of the given services that exist, in no particular order."""
    records: list[ServiceRecord] = []
    for start in range(0, len(service_ids), CHUNK):
        records.extend(_load(session, regions, list(service_ids[start : start + CHUNK])))
    return records


def iter_all_records(
    session: Session, regions: RegionNames, chunk: int = CHUNK
) -> Iterator[ServiceRecord]:
    """Every service's record, in id order, a chunk of services per round trip (so a
    rebuild holds one chunk of records at a time)."""
    last: str | None = None
    while True:
        statement = select(raw_id(Service.id, labelled=True)).order_by(Service.id).limit(chunk)
        if last is not None:
            statement = statement.where(Service.id > last)
        ids = [canonical_id(value) for value in session.scalars(statement)]
        if not ids:
            return
        yield from sorted(_load(session, regions, ids), key=lambda record: record.id)
        last = ids[-1]


def count_services(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Service)) or 0)


def canonical_id(value: object) -> str:
    """An id as the app writes it (``new_id``): SQLite stores ``Uuid`` columns as 32 hex
    digits; PostgreSQL hands back ``uuid.UUID`` objects."""
    if isinstance(value, str):
        if len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return value
    return str(value)


def _load(session: Session, regions: RegionNames, ids: list[str]) -> list[ServiceRecord]:
    """The records of the services ``ids`` that exist."""
    services = [
        (canonical_id(row[0]), canonical_id(row[1]), *row[2:])
        for row in session.execute(
            select(
                raw_id(Service.id, labelled=True),
                raw_id(Service.organization_id, labelled=True),
                Service.name,
                Service.alternate_name,
                Service.description,
                Service.status,
                Service.accepting_referrals,
                Service.last_modified,
                Service.minimum_age,
                Service.maximum_age,
                Organization.name,
                Organization.alternate_name,
            )
            .join(Organization, Organization.id == Service.organization_id)
            .where(Service.id.in_(ids))
        )
    ]
    if not services:
        return []
    organization_ids = list({row[1] for row in services})

    terms: dict[str, list[tuple[str, str, str | None, str | None]]] = defaultdict(list)
    # Service id -> the codes of its eligibility terms.
    eligibility_codes: dict[str, list[str | None]] = defaultdict(list)
    for link_entity, link_id, term_id, name, name_en, code, taxonomy_id in session.execute(
        select(
            Attribute.link_entity,
            raw_id(Attribute.link_id, labelled=True),
            raw_id(TaxonomyTerm.id, labelled=True),
            TaxonomyTerm.name,
            TaxonomyTerm.name_en,
            TaxonomyTerm.code,
            raw_id(TaxonomyTerm.taxonomy_id, labelled=True),
        )
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            or_(
                and_(Attribute.link_entity == "service", Attribute.link_id.in_(ids)),
                and_(
                    Attribute.link_entity == "organization",
                    Attribute.link_id.in_(organization_ids),
                ),
            )
        )
        .order_by(TaxonomyTerm.id)  # a fixed order, whatever the database's plan
    ):
        link = f"{link_entity}:{canonical_id(link_id)}"
        terms[link].append((canonical_id(term_id), name, name_en, code))
        if (
            link_entity == "service"
            and taxonomy_id is not None
            and canonical_id(taxonomy_id) == TAXONOMY_ELIGIBILITY
        ):
            eligibility_codes[canonical_id(link_id)].append(code)

    paying = {
        canonical_id(service_id)
        for service_id in session.scalars(
            select(raw_id(CostOption.service_id, labelled=True)).where(
                CostOption.service_id.in_(ids), CostOption.amount > 0
            )
        )
    }
    languages: dict[str, set[str]] = defaultdict(set)
    for service_id, code in session.execute(
        select(raw_id(Language.service_id, labelled=True), Language.code).where(
            Language.service_id.in_(ids), Language.code.is_not(None)
        )
    ):
        languages[canonical_id(service_id)].add(code)
    areas: dict[str, list[str]] = defaultdict(list)
    for service_id, code in session.execute(
        select(raw_id(ServiceArea.service_id, labelled=True), ServiceArea.region_code)
        .where(ServiceArea.service_id.in_(ids), ServiceArea.region_code.is_not(None))
        .order_by(ServiceArea.region_code)
    ):
        areas[canonical_id(service_id)].append(code)

    sites = [
        (canonical_id(row[0]), canonical_id(row[1]), canonical_id(row[2]), *row[3:])
        for row in session.execute(
            select(
                raw_id(ServiceAtLocation.id, labelled=True),
                raw_id(ServiceAtLocation.service_id, labelled=True),
                raw_id(Location.id, labelled=True),
                Location.latitude,
                Location.longitude,
                Location.region_code,
                Location.confidential,
            )
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(ServiceAtLocation.service_id.in_(ids))
            .order_by(ServiceAtLocation.id)
        )
    ]
    location_ids = list({row[2] for row in sites})
    site_ids = [row[0] for row in sites]
    for service_id, code in _location_languages(session, location_ids, sites):
        languages[service_id].add(code)

    schedule_columns = (
        Schedule.byday,
        Schedule.opens_at,
        Schedule.closes_at,
        Schedule.valid_from,
        Schedule.valid_to,
    )
    by_service: dict[str, list[ScheduleRow]] = defaultdict(list)
    by_site: dict[str, list[ScheduleRow]] = defaultdict(list)
    by_location: dict[str, list[ScheduleRow]] = defaultdict(list)
    schedules = (
        select(
            raw_id(Schedule.service_id, labelled=True),
            raw_id(Schedule.service_at_location_id, labelled=True),
            raw_id(Schedule.location_id, labelled=True),
            *schedule_columns,
        )
        .where(
            or_(
                Schedule.service_id.in_(ids),
                Schedule.service_at_location_id.in_(site_ids),
                Schedule.location_id.in_(location_ids),
            )
        )
        .order_by(Schedule.id)
    )
    for row in session.execute(schedules):
        raw_service, raw_site, raw_location, *times = row
        service_id = None if raw_service is None else canonical_id(raw_service)
        site_id = None if raw_site is None else canonical_id(raw_site)
        location_id = None if raw_location is None else canonical_id(raw_location)
        if site_id is not None:
            by_site[site_id].append(tuple(times))
        elif service_id is not None:
            by_service[service_id].append(tuple(times))
        elif location_id is not None:
            by_location[location_id].append(tuple(times))

    places: dict[str, list[Place]] = defaultdict(list)
    for site_id, service_id, location_id, latitude, longitude, code, confidential in sites:
        rows = by_site.get(site_id) or by_service.get(service_id) or by_location.get(location_id)
        zone = zone_name(code) if code else "WIB"
        # A safe house takes part in search only at its regency's stand-in point.
        public = confidentiality.public_position(
            latitude, longitude, code, bool(confidential), regions.reference_point
        )
        places[service_id].append(
            Place(
                latitude=public.latitude,
                longitude=public.longitude,
                region_code=public.region_code,
                confidential=bool(confidential),
                hours=_hours(rows or [], zone),
            )
        )

    records = []
    for (
        service_id,
        organization_id,
        name,
        alternate_name,
        description,
        status,
        accepting,
        modified,
        minimum_age,
        maximum_age,
        organization_name,
        organization_alternate,
    ) in services:
        service_terms = terms.get(f"service:{service_id}", [])
        organization_terms = terms.get(f"organization:{organization_id}", [])
        term_names: list[str] = []
        for _, term_name, term_name_en, _code in service_terms + organization_terms:
            term_names.extend(text for text in (term_name, term_name_en) if text)
        service_places = places.get(service_id, [])
        region_names: list[str] = []
        for place in service_places:
            # A safe house's place already carries its regency's code only.
            region_names.extend(regions.names(place.region_code))
        # A service offered only at safe houses serves areas no finer than regencies.
        safe_house_only = confidentiality.is_offered_only_at_confidential(
            place.confidential for place in service_places
        )
        area_codes = [
            code
            for code in (
                confidentiality.public_area_code(area, safe_house_only)
                for area in areas.get(service_id, [])
            )
            if code
        ]
        for code in area_codes:
            region_names.extend(regions.names(code))
        records.append(
            ServiceRecord(
                id=service_id,
                organization_id=organization_id,
                name=" ".join(part for part in (name, alternate_name) if part),
                organization_name=" ".join(
                    part for part in (organization_name, organization_alternate) if part
                ),
                description=description or "",
                status=status,
                accepting_referrals=bool(accepting),
                free=service_id not in paying,
                last_modified=_epoch(modified),
                languages=tuple(sorted(languages.get(service_id, ()))),
                term_ids=tuple(dict.fromkeys(term[0] for term in service_terms)),
                term_names=tuple(dict.fromkeys(term_names)),
                area_codes=tuple(dict.fromkeys(area_codes)),
                places=tuple(service_places),
                region_names=tuple(dict.fromkeys(region_names)),
                organization_term_ids=tuple(dict.fromkeys(t[0] for t in organization_terms)),
                minimum_age=minimum_age,
                maximum_age=maximum_age,
                sex_limit=eligibility.limited_to(eligibility_codes.get(service_id, ())),
            )
        )
    return records


def _location_languages(
    session: Session, location_ids: list[str], sites: Sequence[Sequence[object]]
) -> Iterator[tuple[str, str]]:
    if not location_ids:
        return
    services_at: dict[str, list[str]] = defaultdict(list)
    for site in sites:
        services_at[str(site[2])].append(str(site[1]))
    for location_id, code in session.execute(
        select(raw_id(Language.location_id, labelled=True), Language.code).where(
            Language.location_id.in_(location_ids), Language.code.is_not(None)
        )
    ):
        for service_id in services_at.get(canonical_id(location_id), []):
            yield service_id, code
