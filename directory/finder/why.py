"""Why a service ranks where it does under the counsellor's policy, in short Indonesian
lines ("Lembaga yang bertanggung jawab di Kota Serang", "UPTD PPA: pilihan ke-1 untuk
KDRT", "Melayani usia 6-17"): shared by the search page and re-referral."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from directory.geo.models import Region
from directory.geo.ranking import LEVEL_PROVINCE, LEVEL_REGENCY, Origin, Ranked
from directory.institutions.models import Service, TaxonomyTerm
from directory.public.helpers import term_name
from directory.public.queries import regions_by_code
from directory.search import policy


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
    """The jurisdiction, the designation and the ages of one result."""
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
    return found
