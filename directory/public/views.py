from uuid import UUID

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from directory.database import utcnow
from directory.geo import confidential as confidentiality
from directory.listings.stale import verification_of
from directory.public import bp, pages, queries
from directory.public.helpers import display_locale, term_name


@bp.get("/")
def home() -> ResponseReturnValue:
    return render_template("public/home.html")


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
    )


@bp.get("/layanan/<uuid:service_id>")
def service(service_id: UUID) -> ResponseReturnValue:
    found = queries.service_for_page(str(service_id)) or abort(404)
    return render_template(
        "public/service.html",
        service=found,
        organization=found.organization,
        verification=verification_of(found.organization, utcnow()),
        terms=pages.service_terms(found),
        hours=pages.service_hours(found, display_locale()),
        regencies=queries.regencies_of(found.locations),
        area_regions=queries.regions_by_code(area.region_code for area in found.service_areas),
        capacity_note=confidentiality.public_capacity_note(
            found.capacity_note, any(location.confidential for location in found.locations)
        ),
        service_phones=(
            found.phones
            if confidentiality.publishes_service_phones(
                location.confidential for location in found.locations
            )
            else []
        ),
    )
