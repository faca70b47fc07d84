from uuid import UUID

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from directory.database import utcnow
from directory.geo import confidential as confidentiality
from directory.listings.stale import verification_of
from directory.public import pages, queries  # helpers: the template filters
from directory.public.blueprint import bp
from directory.public.helpers import display_locale, term_name


@bp.get("/")
def home() -> ResponseReturnValue:
    # Signed-in staff start from their organization's regency/city.
    regency = (
        queries.home_regency(current_user.organization_id)
        if current_user.is_authenticated
        else None
    )
    return render_template("public/home.html", place=regency.name if regency else "")


@bp.get("/wilayah")
def regions() -> ResponseReturnValue:
    return render_template("public/regions.html", provinces=queries.provinces_with_counts())


@bp.get("/wilayah/<code>")
def region(code: str) -> ResponseReturnValue:
    """A province lists its regencies/cities; a regency/city its organizations and
    services. A district code leads to its regency/city."""
    place = queries.region(code) or abort(404)
    if place.level == "provinsi":
        return render_template(
            "public/province.html",
            province=place,
            regencies=queries.regencies_with_counts(place),
        )
    if place.level == "kecamatan":
        return redirect(url_for(".region", code=place.parent_code))
    groups = pages.group_by_institution_type(
        queries.organizations_located_in(place.code),
        queries.services_located_in(place.code),
        term_name,
    )
    return render_template(
        "public/regency.html",
        regency=place,
        province=queries.region(place.parent_code) if place.parent_code else None,
        groups=groups,
        from_elsewhere=queries.services_serving_from_elsewhere(place),
    )


@bp.get("/lembaga/<uuid:organization_id>")
def organization(organization_id: UUID) -> ResponseReturnValue:
    found = queries.organization_for_page(str(organization_id)) or abort(404)
    return render_template(
        "public/organization.html",
        organization=found,
        regencies=queries.regencies_of(found.locations),
        verification=verification_of(found, utcnow()),
        accessibility=pages.accessibility_of(found.locations),
    )


@bp.get("/layanan/<uuid:service_id>")
def service(service_id: UUID) -> ResponseReturnValue:
    found = queries.service_for_page(str(service_id)) or abort(404)
    flags = [location.confidential for location in found.locations]
    safe_house_only = confidentiality.is_offered_only_at_confidential(flags)
    area_codes = list(
        dict.fromkeys(
            confidentiality.public_area_code(area.region_code, safe_house_only)
            for area in found.service_areas
        )
    )
    area_regions = queries.regions_by_code(area_codes)
    return render_template(
        "public/service.html",
        service=found,
        organization=found.organization,
        verification=verification_of(found.organization, utcnow()),
        terms=pages.service_terms(found),
        hours=pages.service_hours(found, display_locale()),
        regencies=queries.regencies_of(found.locations),
        accessibility=pages.accessibility_of(found.locations),
        # A service offered only at safe houses: its areas by regency, without their own
        # names (``directory.geo.confidential``).
        areas=(
            [(area_regions.get(code or ""), None) for code in area_codes]
            if safe_house_only
            else [
                (area_regions.get(area.region_code or ""), area.name or area.description)
                for area in found.service_areas
            ]
        ),
        capacity_note=confidentiality.public_capacity_note(found.capacity_note, any(flags)),
        service_phones=[] if safe_house_only else found.phones,
    )
