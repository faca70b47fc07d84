"""Read-only queries behind the public pages.

Counts and lists leave out defunct services (HSDS status ``defunct``: the service no
longer exists); a defunct service's own page still answers, with its status shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from directory.extensions import db
from directory.geo.models import Region
from directory.institutions.models import (
    Location,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from directory.institutions.queries import (
    location_in_region,
    region_matches,
    service_full_options,
)
from directory.public.pages import PROVINCE_CODE_LENGTH, REGENCY_CODE_LENGTH, regency_code


def _listed() -> ColumnElement[bool]:
    return Service.status != "defunct"


def region(code: str) -> Region | None:
    return db.session.get(Region, code)


def regions_by_code(codes: Iterable[str | None]) -> dict[str, Region]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))}


def regencies_of(locations: Iterable[Location]) -> dict[str, Region]:
    """The regency/city of each location that has a region code, by location id."""
    codes = {location.id: regency_code(location.region_code) for location in locations}
    regions = regions_by_code(codes.values())
    return {
        location_id: regions[code]
        for location_id, code in codes.items()
        if code and code in regions
    }


def _service_counts(prefix_length: int, within: str | None = None) -> dict[str, int]:
    """Listed services per region, by the first ``prefix_length`` characters of the code of
    the locations they are offered at (a service at two locations counts once per region)."""
    prefix = func.substr(Location.region_code, 1, prefix_length)
    stmt = (
        select(prefix, func.count(distinct(ServiceAtLocation.service_id)))
        .select_from(Location)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(_listed(), Location.region_code.is_not(None))
        .group_by(prefix)
    )
    if within:
        stmt = stmt.where(Location.region_code.startswith(f"{within}."))
    return dict(db.session.execute(stmt).all())


def provinces_with_counts() -> list[tuple[Region, int]]:
    counts = _service_counts(PROVINCE_CODE_LENGTH)
    provinces = db.session.scalars(
        select(Region).where(Region.level == "provinsi").order_by(Region.name)
    )
    return [(province, counts.get(province.code, 0)) for province in provinces]


def regencies_with_counts(province: Region) -> list[tuple[Region, int]]:
    counts = _service_counts(REGENCY_CODE_LENGTH, within=province.code)
    regencies = db.session.scalars(
        select(Region).where(Region.parent_code == province.code).order_by(Region.name)
    )
    return [(regency, counts.get(regency.code, 0)) for regency in regencies]


def organizations_located_in(code: str) -> list[Organization]:
    """Organizations with at least one location in the region."""
    located = select(Location.organization_id).where(location_in_region(code))
    return list(
        db.session.scalars(
            select(Organization)
            .where(Organization.id.in_(located), Organization.active.is_(True))
            .order_by(Organization.name)
        )
    )


def services_located_in(code: str) -> list[Service]:
    """Listed services offered at a location in the region."""
    offered_here = (
        select(ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(location_in_region(code))
    )
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.id.in_(offered_here), _listed())
            .options(selectinload(Service.organization))
            .order_by(Service.name)
        )
    )


def services_serving_from_elsewhere(regency: Region) -> list[Service]:
    """Listed services not located in the regency/city whose declared service area covers
    it: the whole province, the regency/city itself or one of its districts."""
    covering = select(ServiceArea.service_id).where(
        or_(
            ServiceArea.region_code == regency.parent_code,
            region_matches(ServiceArea.region_code, regency.code),
        )
    )
    located_here = (
        select(ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(region_matches(Location.region_code, regency.code))
    )
    return list(
        db.session.scalars(
            select(Service)
            .where(Service.id.in_(covering), Service.id.not_in(located_here), _listed())
            .options(selectinload(Service.organization))
            .order_by(Service.name)
        )
    )


def organization_for_page(organization_id: str) -> Organization | None:
    return db.session.scalars(
        select(Organization)
        .where(Organization.id == organization_id, Organization.active.is_(True))
        .options(
            selectinload(Organization.phones),
            selectinload(Organization.services),
            selectinload(Organization.locations).selectinload(Location.addresses),
            selectinload(Organization.locations).selectinload(Location.phones),
        )
    ).first()


def service_for_page(service_id: str) -> Service | None:
    return db.session.scalars(
        select(Service)
        .where(Service.id == service_id)
        .options(
            *service_full_options(),
            joinedload(Service.organization).selectinload(Organization.phones),
        )
    ).first()
