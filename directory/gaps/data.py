"""What the gap analysis reads from the database: regencies, problem terms and where the
suitable services are. A fixed handful of queries, whatever the size of the directory."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from directory.gaps.analysis import Regency, ServicePoint
from directory.geo import confidential as confidentiality
from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    Attribute,
    Location,
    Organization,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

REGENCY_LEVELS = ("kabupaten", "kota")


@dataclass(frozen=True)
class ProblemTerm:
    id: str
    name: str
    name_en: str | None

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


def regencies(session: Session) -> list[Regency]:
    """Every regency and city with its province's name, by province and name."""
    province = aliased(Region)
    rows = session.execute(
        select(Region.code, Region.name, province.name, Region.latitude, Region.longitude)
        .join(province, province.code == Region.parent_code)
        .where(Region.level.in_(REGENCY_LEVELS))
        .order_by(province.name, Region.name)
    )
    return [Regency(code, name, parent, lat, lon) for code, name, parent, lat, lon in rows]


def provinces(session: Session) -> list[tuple[str, str]]:
    """Every province as (code, name), by name."""
    rows = session.execute(
        select(Region.code, Region.name).where(Region.level == "provinsi").order_by(Region.name)
    )
    return [(code, name) for code, name in rows]


def problems(session: Session) -> list[ProblemTerm]:
    """The active terms of the problem taxonomy, by name."""
    rows = session.execute(
        select(TaxonomyTerm.id, TaxonomyTerm.name, TaxonomyTerm.name_en)
        .where(TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS, TaxonomyTerm.active.is_(True))
        .order_by(TaxonomyTerm.name)
    )
    return [ProblemTerm(id, name, name_en) for id, name, name_en in rows]


def service_points(session: Session) -> list[ServicePoint]:
    """Every located place of an active service that accepts referrals, of an active
    organization, with the service's active problem terms and declared service areas. A
    confidential place counts at its regency's stand-in point
    (``directory.geo.confidential``): a gap report is often shared beyond the admins."""
    suitable = (
        select(Service.id)
        .join(Organization, Organization.id == Service.organization_id)
        .where(
            Service.status == "active",
            Service.accepting_referrals.is_(True),
            Organization.active.is_(True),
        )
    )
    terms: dict[str, set[str]] = defaultdict(set)
    for service_id, term_id in session.execute(
        select(Attribute.link_id, Attribute.taxonomy_term_id)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(
            Attribute.link_entity == "service",
            Attribute.link_id.in_(suitable),
            TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS,
            TaxonomyTerm.active.is_(True),
        )
    ):
        terms[service_id].add(term_id)
    areas: dict[str, set[str]] = defaultdict(set)
    for service_id, code in session.execute(
        select(ServiceArea.service_id, ServiceArea.region_code).where(
            ServiceArea.service_id.in_(suitable), ServiceArea.region_code.is_not(None)
        )
    ):
        areas[service_id].add(code)  # type: ignore[arg-type]  # the query leaves out NULLs
    reference_points = {
        code: (latitude, longitude)
        for code, latitude, longitude in session.execute(
            select(Region.code, Region.latitude, Region.longitude).where(
                Region.level.in_(("provinsi", *REGENCY_LEVELS))
            )
        )
    }
    points = []
    for service_id, latitude, longitude, region_code, confidential in session.execute(
        select(
            ServiceAtLocation.service_id,
            Location.latitude,
            Location.longitude,
            Location.region_code,
            Location.confidential,
        )
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(
            ServiceAtLocation.service_id.in_(suitable),
            Location.latitude.is_not(None),
            Location.longitude.is_not(None),
        )
    ):
        public = confidentiality.public_position(
            latitude, longitude, region_code, confidential, reference_points.get
        )
        if service_id not in terms or public.latitude is None or public.longitude is None:
            continue
        points.append(
            ServicePoint(
                latitude=public.latitude,
                longitude=public.longitude,
                problem_ids=frozenset(terms[service_id]),
                area_codes=tuple(sorted(areas.get(service_id, ()))),
            )
        )
    return points
