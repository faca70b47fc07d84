"""Why a service ranks where it does under the counsellor's policy, in short Indonesian
lines ("Lembaga yang bertanggung jawab di Kota Serang", "UPTD PPA: pilihan ke-1 untuk
KDRT", "Melayani usia 6-17", "Khusus perempuan"), how far it is, and the services behind
ranked results: shared by the search page (``finder``) and re-referral (``referrals``),
so neither imports the other."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from directory.display import distance_text
from directory.display import term_label as term_name
from directory.extensions import db
from directory.geo.models import Region
from directory.institutions.models import (
    TAXONOMY_ELIGIBILITY,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.search import eligibility, policy
from directory.search.ranking import LEVEL_PROVINCE, LEVEL_REGENCY, Origin, Ranked


def regions_by_code(codes: Iterable[str | None]) -> dict[str, Region]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))}


def load_services(ids: list[str]) -> dict[str, Service]:
    """The services of ranked results, with what a result shows (phones, organization)."""
    site = selectinload(Service.service_at_locations)
    statement = (
        select(Service)
        .where(Service.id.in_(ids))
        .options(
            selectinload(Service.organization).selectinload(Organization.phones),
            selectinload(Service.phones),
            selectinload(Service.attributes),
            site.selectinload(ServiceAtLocation.phones),
            site.selectinload(ServiceAtLocation.location).selectinload(Location.phones),
        )
    )
    return {service.id: service for service in db.session.scalars(statement).unique()}


def whereabouts(item: Ranked, regencies: dict[str, Region]) -> str | None:
    """How far the result is, in words; for a safe house only the regency/city it is in
    ("di Kota Serang"): its distance is to a stand-in point, which a number would
    present as its own (``directory.geo.confidential``)."""
    place = item.place
    if place is not None and place.confidential:
        regency = regencies.get(place.region_code or "")
        return _("di %(place)s", place=regency.name) if regency else _("lokasi dirahasiakan")
    if item.distance_km is None:
        return None
    return distance_text(item.distance_km)


def origin_regions(origin: Origin | None) -> tuple[Region | None, Region | None]:
    """The origin's regency/city and province, as regions."""
    regency = origin.regency_code() if origin is not None else None
    if not regency:
        return None, None
    province = regency.split(".")[0]
    found = regions_by_code((regency, province))
    return found.get(regency), found.get(province)


def age_text(service: Service) -> str | None:
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        return _("Melayani usia %(low)s-%(high)s", low=low, high=high)
    if low is not None:
        return _("Melayani usia %(low)s tahun ke atas", low=low)
    if high is not None:
        return _("Melayani usia sampai %(high)s tahun", high=high)
    return None


def eligibility_text(service: Service) -> str | None:
    """The name of the eligibility term ("Khusus perempuan") of a service limited to one
    sex; None for a service that serves everyone (no such term, or both)."""
    terms = [
        term
        for term in service.taxonomy_terms
        if term.taxonomy_id == TAXONOMY_ELIGIBILITY and term.code in eligibility.TERM_CODES
    ]
    limit = eligibility.limited_to(term.code for term in terms)
    if limit is None:
        return None
    return next(term_name(t) for t in terms if eligibility.TERM_CODES[t.code or ""] == limit)


def designation_text(
    item: Ranked, service: Service, problems: Mapping[str, TaxonomyTerm]
) -> str | None:
    """ "UPTD PPA: pilihan ke-1 untuk KDRT": the best place of the organization's type in
    the policy's rows of the problems the service serves."""
    best: tuple[int, TaxonomyTerm, TaxonomyTerm] | None = None
    served = item.problem_term_ids or tuple(problems)
    for problem_id in served:
        problem = problems.get(problem_id)
        row = policy.BY_PROBLEM.get(problem.code or "") if problem is not None else None
        if problem is None or row is None:
            continue
        for kind in service.organization.institution_types:
            if kind.code in row.institution_types:
                position = row.institution_types.index(kind.code)
                if best is None or position < best[0]:
                    best = (position, kind, problem)
    if best is None:
        return None
    position, kind, problem = best
    return _(
        "%(type)s: pilihan ke-%(n)s untuk %(problem)s",
        type=term_name(kind),
        n=position + 1,
        problem=term_name(problem),
    )


def policy_reasons(
    item: Ranked,
    service: Service,
    problems: Mapping[str, TaxonomyTerm],
    regency: Region | None,
    province: Region | None,
) -> list[str]:
    """The jurisdiction, the designation, the ages and the sex limit of one result."""
    found: list[str] = []
    by_area = item.in_service_area is not None
    if item.level == LEVEL_REGENCY and regency is not None:
        if by_area and item.tier == 0:
            found.append(_("Lembaga yang bertanggung jawab di %(place)s", place=regency.name))
        elif by_area:
            found.append(_("Melayani wilayah %(place)s", place=regency.name))
        else:
            found.append(_("Berada di %(place)s", place=regency.name))
    elif item.level == LEVEL_PROVINCE and province is not None:
        if by_area:
            found.append(_("Lembaga tingkat provinsi %(place)s", place=province.name))
        else:
            found.append(_("Berada di provinsi %(place)s", place=province.name))
    designation = designation_text(item, service, problems)
    if designation:
        found.append(designation)
    ages = age_text(service)
    if ages:
        found.append(ages)
    limit = eligibility_text(service)
    if limit:
        found.append(limit)
    return found
