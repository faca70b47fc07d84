"""The map's marker data: every public service location, in one compact JSON document.

Compact because a phone on a weak connection downloads it whole: rows are arrays, and
organizations, services and taxonomy terms are listed once and referred to by index.
The browser filters, draws markers, builds popups and the list from it (``map.js``), so
filtering never goes back to the server.

Privacy: a confidential location (safe house, shelter) contributes no coordinates, no
street address, no location name, no location phone and no district code: only its
organization, its services, its regency/city and a phone of the organization, in
``confidential``.

Document shape (``FORMAT_VERSION`` 1)::

    terms          [[id, name, name_en, kind]]          kind: "problem" | "service_type"
    regions        {code: name}                         provinces and regencies/cities used
    organizations  [[id, name]]
    services       [[id, name, organization, [term], free]]           free: 1 or 0
    locations      [[lat, lon, organization, [service], region, name, address, phone,
                     utc_offset, [[days, opens, closes]]]]
    confidential   [[organization, [service], region, phone]]

``region`` is a regency/city code (``73.71``), or a province code when that is all that
is known, or null. ``days`` is a bit mask, Monday = 1 ... Sunday = 64; ``opens`` and
``closes`` are minutes after local midnight, read as :mod:`directory.geo.hours` reads
them (``closes`` before ``opens``: past midnight; equal: the whole day). The browser
works out "open now" from them: the document is cached, the hour is not.
``utc_offset`` is 7, 8 or 9 (WIB, WITA, WIT). Pure: takes a session, no request state.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory.geo.hours import OpeningHours, weekday_mask
from directory.geo.models import Region
from directory.geo.timezones import UTC_OFFSET_HOURS, zone_name
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    Address,
    Attribute,
    ChangeLogEntry,
    CostOption,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.public.pages import PROVINCE_CODE_LENGTH, regency_code
from directory.sqltypes import raw_id

FORMAT_VERSION = 1
COORDINATE_DECIMALS = 5  # about a metre
DEFAULT_UTC_OFFSET = UTC_OFFSET_HOURS["WIB"]
TERM_KINDS = {TAXONOMY_PROBLEMS: "problem", TAXONOMY_SERVICE_TYPES: "service_type"}
# Only services in this status are on the map: where help is today.
MAPPED_STATUS = "active"

Window = tuple[int, int, int]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def schedule_window(
    byday: str | None,
    opens_at: time | None,
    closes_at: time | None,
    valid_from: date | None,
    valid_to: date | None,
    today: date,
) -> Window | None:
    """One weekly opening window, read as :mod:`directory.geo.hours` reads it, or
    ``None`` when the schedule gives no hours or does not apply ``today``."""
    if opens_at is None or closes_at is None:
        return None
    hours = OpeningHours(
        weekday_mask(byday), opens_at, closes_at, valid_from=valid_from, valid_to=valid_to
    )
    if not hours.valid_on(today):
        return None
    return (hours.days, _minutes(hours.opens), _minutes(hours.closes))


def utc_offset(region_code: str | None, schedule_offsets: Iterable[float | None]) -> int:
    """WIB/WITA/WIT from the region; else an HSDS ``timezone`` offset; else WIB."""
    if region_code:
        return UTC_OFFSET_HOURS[zone_name(region_code)]
    for offset in schedule_offsets:
        if offset is not None and int(offset) in UTC_OFFSET_HOURS.values():
            return int(offset)
    return DEFAULT_UTC_OFFSET


def public_region(region_code: str | None) -> str | None:
    """The regency/city of a location's code, or its province when that is all we know."""
    if not region_code:
        return None
    return regency_code(region_code) or region_code[:PROVINCE_CODE_LENGTH]


def _address_line(*parts: str | None) -> str:
    """Street, second line and city, each once: ``Jl. El Tari No. 5, Kota Kupang``."""
    seen: list[str] = []
    for part in parts:
        if part and part.strip() and part.strip() not in seen:
            seen.append(part.strip())
    return ", ".join(seen)


def data_version(session: Session) -> str:
    """A fingerprint of everything the map shows: changes whenever a row is added,
    removed or (for tables with ``last_modified``) edited. Cheap: aggregates only."""
    parts: list[Any] = []
    for model in (Organization, Service, Location, ServiceAtLocation):
        parts.extend(session.execute(select(func.count(), func.max(model.last_modified))).one())
    for child in (Address, Phone, Schedule, Attribute, CostOption, TaxonomyTerm):
        parts.append(session.scalar(select(func.count()).select_from(child)))
    parts.append(session.scalar(select(func.max(ChangeLogEntry.id))))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _canonical(raw: Any) -> str:
    """A raw id as the ``Uuid`` type gives it: ``8-4-4-4-12`` hex digits."""
    return str(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))


class _Phones:
    """Phone numbers by what they belong to (raw ids), the first one found winning."""

    def __init__(self, session: Session) -> None:
        self.location: dict[Any, str] = {}
        self.at_location: dict[Any, str] = {}
        self.service: dict[Any, str] = {}
        self.organization: dict[Any, str] = {}
        rows = session.execute(
            select(
                Phone.number,
                raw_id(Phone.organization_id),
                raw_id(Phone.service_id),
                raw_id(Phone.location_id),
                raw_id(Phone.service_at_location_id),
                raw_id(Phone.contact_id),
            ).order_by(Phone.id)
        )
        for number, organization_id, service_id, location_id, at_location_id, contact_id in rows:
            if contact_id:
                continue  # a person's line, not the service's
            if at_location_id:
                self.at_location.setdefault(at_location_id, number)
            elif location_id and not service_id:
                self.location.setdefault(location_id, number)
            elif service_id and not location_id:
                self.service.setdefault(service_id, number)
            elif organization_id and not service_id and not location_id:
                self.organization.setdefault(organization_id, number)

    def public(
        self, location_id: Any, at_location_ids: list[Any], service_ids: list[Any], owner: Any
    ) -> str | None:
        candidates = [self.location.get(location_id)]
        candidates += [self.at_location.get(i) for i in at_location_ids]
        candidates += [self.service.get(i) for i in service_ids]
        candidates.append(self.organization.get(owner))
        return next((number for number in candidates if number), None)

    def confidential(self, owner: Any) -> str | None:
        """Never the safe house's own line, nor that of a service offered there: the
        organization's (``directory.geo.confidential``)."""
        return self.organization.get(owner)


def build_map_data(session: Session, today: date) -> dict[str, Any]:
    """The whole document (see the module docstring). ``today`` decides which dated
    schedules apply. Ids are raw inside (see :func:`directory.sqltypes.raw_id`), canonical
    in the document."""
    mapped = Service.status == MAPPED_STATUS
    services = session.execute(
        select(raw_id(Service.id).label("id"), Service.name, raw_id(Service.organization_id))
        .where(mapped)
        .order_by(Service.name, Service.id)
    ).all()
    owner_of_service = {row[0]: row[2] for row in services}

    at_locations: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)  # loc -> (sal, svc)
    for at_id, service_id, location_id in session.execute(
        select(
            raw_id(ServiceAtLocation.id),
            raw_id(ServiceAtLocation.service_id),
            raw_id(ServiceAtLocation.location_id),
        )
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(mapped)
        .order_by(ServiceAtLocation.id)
    ):
        at_locations[location_id].append((at_id, service_id))

    mapped_locations = (
        select(ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(mapped)
    )
    locations = session.execute(
        select(
            raw_id(Location.id),
            raw_id(Location.organization_id),
            Location.name,
            Location.latitude,
            Location.longitude,
            Location.region_code,
            Location.confidential,
        ).where(Location.id.in_(mapped_locations))
    ).all()

    addresses: dict[Any, str] = {}
    physical: set[Any] = set()
    for location_id, kind, line_1, line_2, city in session.execute(
        select(
            raw_id(Address.location_id),
            Address.address_type,
            Address.address_1,
            Address.address_2,
            Address.city,
        )
        .where(Address.location_id.in_(mapped_locations))
        .order_by(Address.id)
    ):
        if location_id in physical or (location_id in addresses and kind != "physical"):
            continue
        addresses[location_id] = _address_line(line_1, line_2, city)
        if kind == "physical":
            physical.add(location_id)

    terms = session.execute(
        select(
            raw_id(TaxonomyTerm.id),
            TaxonomyTerm.name,
            TaxonomyTerm.name_en,
            TaxonomyTerm.taxonomy_id,
        )
        .where(TaxonomyTerm.taxonomy_id.in_(TERM_KINDS))
        .order_by(TaxonomyTerm.name, TaxonomyTerm.id)
    ).all()
    term_index = {row[0]: i for i, row in enumerate(terms)}
    service_terms: dict[Any, list[int]] = defaultdict(list)
    for link_id, term_id in session.execute(
        select(raw_id(Attribute.link_id), raw_id(Attribute.taxonomy_term_id))
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_entity == "service", TaxonomyTerm.taxonomy_id.in_(TERM_KINDS))
        .order_by(TaxonomyTerm.name, TaxonomyTerm.id)
    ):
        if term_index[term_id] not in service_terms[link_id]:
            service_terms[link_id].append(term_index[term_id])

    paid = set(
        session.scalars(
            select(raw_id(CostOption.service_id)).where(CostOption.amount > 0).distinct()
        )
    )

    schedules_by: dict[str, dict[Any, list[tuple[Window, float | None]]]] = {
        "location": defaultdict(list),
        "at_location": defaultdict(list),
        "service": defaultdict(list),
    }
    for row in session.execute(
        select(
            raw_id(Schedule.service_id),
            raw_id(Schedule.location_id),
            raw_id(Schedule.service_at_location_id),
            Schedule.byday,
            Schedule.opens_at,
            Schedule.closes_at,
            Schedule.valid_from,
            Schedule.valid_to,
            Schedule.timezone,
        ).order_by(Schedule.id)
    ):
        service_id, location_id, at_location_id = row[0], row[1], row[2]
        window = schedule_window(row[3], row[4], row[5], row[6], row[7], today)
        if window is None:
            continue
        entry = (window, row[8])
        if at_location_id:
            schedules_by["at_location"][at_location_id].append(entry)
        elif location_id and not service_id:
            schedules_by["location"][location_id].append(entry)
        elif service_id and not location_id:
            schedules_by["service"][service_id].append(entry)

    phones = _Phones(session)

    organizations = session.execute(
        select(raw_id(Organization.id), Organization.name)
        .where(Organization.id.in_(select(Service.organization_id).where(mapped)))
        .order_by(Organization.name, Organization.id)
    ).all()
    organization_index = {row[0]: i for i, row in enumerate(organizations)}
    organization_names = {row[0]: row[1] for row in organizations}
    service_index = {row[0]: i for i, row in enumerate(services)}

    def owner(location: Any) -> Any:
        return location[1] or owner_of_service[at_locations[location[0]][0][1]]

    def ordering(location: Any) -> tuple[str, str]:
        return (organization_names[owner(location)].casefold(), (location[2] or "").casefold())

    location_rows: list[list[Any]] = []
    hidden_rows: dict[tuple[Any, ...], list[Any]] = {}
    regions_used: set[str] = set()
    for location in sorted(locations, key=ordering):
        location_id, _, name, latitude, longitude, region_code, confidential = location
        pairs = at_locations[location_id]
        service_ids = sorted({s for _, s in pairs}, key=service_index.__getitem__)
        indexes = [service_index[s] for s in service_ids]
        organization = owner(location)
        region = public_region(region_code)
        if region:
            regions_used.update({region, region[:PROVINCE_CODE_LENGTH]})

        if confidential:
            phone = phones.confidential(organization)
            key = (organization_index[organization], tuple(indexes), region, phone)
            hidden_rows.setdefault(key, [key[0], indexes, region, phone])
            continue

        windows = _location_windows(location_id, pairs, schedules_by)
        mappable = latitude is not None and longitude is not None
        location_rows.append(
            [
                round(latitude, COORDINATE_DECIMALS) if mappable else None,
                round(longitude, COORDINATE_DECIMALS) if mappable else None,
                organization_index[organization],
                indexes,
                region,
                name if name != organization_names[organization] else None,
                addresses.get(location_id),
                phones.public(location_id, [a for a, _ in pairs], service_ids, organization),
                utc_offset(region_code, [offset for _, offset in windows]),
                sorted({window for window, _ in windows}),
            ]
        )

    region_names: dict[str, str] = dict(
        session.execute(select(Region.code, Region.name).where(Region.code.in_(regions_used))).all()
    )
    return {
        "version": FORMAT_VERSION,
        "terms": [[_canonical(t[0]), t[1], t[2], TERM_KINDS[t[3]]] for t in terms],
        "regions": dict(sorted(region_names.items())),
        "organizations": [[_canonical(o[0]), o[1]] for o in organizations],
        "services": [
            [
                _canonical(s[0]),
                s[1],
                organization_index[s[2]],
                service_terms.get(s[0], []),
                0 if s[0] in paid else 1,
            ]
            for s in services
        ],
        "locations": location_rows,
        "confidential": list(hidden_rows.values()),
    }


def _location_windows(
    location_id: Any,
    pairs: list[tuple[Any, Any]],
    schedules_by: dict[str, dict[Any, list[tuple[Window, float | None]]]],
) -> list[tuple[Window, float | None]]:
    """Opening hours at a location: for each service there, the hours given for the
    service at this location, else the service's own, else the location's general
    hours (as the service page reads them); their union."""
    windows: list[tuple[Window, float | None]] = []
    for at_location_id, service_id in pairs:
        windows.extend(
            schedules_by["at_location"].get(at_location_id)
            or schedules_by["service"].get(service_id)
            or schedules_by["location"].get(location_id)
            or []
        )
    return windows


def encode(document: dict[str, Any]) -> bytes:
    """Compact JSON: no spaces, UTF-8 as is."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
