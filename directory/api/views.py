"""The public directory, read-only, as HSDS 3.0: services, organizations, taxonomies,
taxonomy terms and services at locations.

Parameters are parsed in ``params``, statements built in ``institutions.queries``, records
turned into HSDS in ``hsds.serialize``; a view only wires them together. Path ids that are
not UUIDs answer 400 (``fields.id``), well-formed ids of nothing answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import Select

# The API's other route modules add their routes to the same blueprint.
from directory.api import (  # noqa: F401
    auth,
    break_glass,
    conversation,
    fhir,
    jsonbody,
    params,
    places,
    profile,
    referrals,
    reports,
    search,
    streaming,
)
from directory.api.blueprint import bp
from directory.api.caching import private_answer, public_json
from directory.api.openapi import build_openapi
from directory.api.paging import paginated
from directory.api.profile import profile_url
from directory.errors import ApiError
from directory.extensions import db
from directory.hsds import serialize
from directory.hsds.exporter import verifications
from directory.institutions import queries
from directory.institutions.models import (
    Organization,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)


@bp.get("/")
def root() -> ResponseReturnValue:
    return jsonify(
        version="3.0",
        profile=profile_url(),
        openapi_url=url_for("api.openapi", _external=True),
    )


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(build_openapi())


# Helpers


def paging_limits() -> dict[str, int]:
    return {
        "default_per_page": int(current_app.config["API_DEFAULT_PER_PAGE"]),
        "max_per_page": int(current_app.config["API_MAX_PER_PAGE"]),
    }


def hsds_page(
    statement: Select[Any], paging: params.Paging, serialize_item: Callable[[Any], Any]
) -> Response:
    """One page of ``statement`` in the HSDS page wrapper, publicly cacheable."""
    return public_json(paginated(statement, paging, serialize_item))


def hsds_list(
    statement: Select[Any],
    options: list[Any],
    chosen: Any,
    serialize_item: Callable[[Any], Any],
) -> Response:
    """A list as the parameters ask: one page in the HSDS page wrapper, or with
    ``format=ndjson`` every result streamed, one per line. ``options``: the loader options
    of what ``serialize_item`` reads."""
    if chosen.streamed:
        return streaming.ndjson_response(
            lambda session: streaming.statement_lines(session, statement, options, serialize_item)
        )
    return hsds_page(statement.options(*options), chosen.paging, serialize_item)


def one_or_404(statement: Select[Any], message: str) -> Any:
    record = db.session.scalars(statement).unique().one_or_none()
    if record is None:
        raise ApiError(message, status=404, code="not_found")
    return record


# Services


@bp.get("/services")
def list_services() -> ResponseReturnValue:
    chosen = params.parse_service_list(request.args, **paging_limits())
    if chosen.search.active:
        if chosen.streamed:
            response = search.search_stream(chosen)
        else:
            response = public_json(search.search_page(chosen))
        if chosen.search.has_origin:
            private_answer(response)
        return response
    statement = queries.services_query(chosen.filters)  # type: ignore[arg-type]  # read-only members
    if chosen.minimal:
        options = queries.service_minimal_options()
        return hsds_list(statement, options, chosen, serialize.service_minimal_to_hsds)
    if chosen.full:
        options = queries.service_full_options()
        return hsds_list(statement, options, chosen, serialize.service_to_hsds)
    options = queries.service_summary_options()
    return hsds_list(statement, options, chosen, serialize.service_summary_to_hsds)


@bp.get("/services/<service_id>")
def get_service(service_id: str) -> ResponseReturnValue:
    service_id = params.parse_id(service_id)
    params.parse_item(request.args)
    service = one_or_404(
        queries.select_by_id(Service, service_id).options(*queries.service_full_options()),
        _("Layanan tidak ditemukan."),
    )
    return public_json(serialize.service_to_hsds(service))


# Organizations


@bp.get("/organizations")
def list_organizations() -> ResponseReturnValue:
    chosen = params.parse_organization_list(request.args, **paging_limits())
    statement = queries.organizations_query(chosen.search)
    if chosen.full:
        nested = (
            serialize.organization_to_hsds
            if chosen.full_service
            else serialize.organization_with_service_summaries
        )
        return hsds_list(statement, queries.organization_full_options(), chosen, nested)
    return hsds_list(statement, [], chosen, serialize.organization_summary_to_hsds)


@bp.get("/organizations/<organization_id>")
def get_organization(organization_id: str) -> ResponseReturnValue:
    organization_id = params.parse_id(organization_id)
    chosen = params.parse_item(request.args, full_service=True)
    organization = one_or_404(
        queries.select_by_id(Organization, organization_id).options(
            *queries.organization_full_options()
        ),
        _("Lembaga tidak ditemukan."),
    )
    verified = verifications(db.session, [organization.id]).get(organization.id, [])
    if not chosen.full_service:
        return public_json(
            serialize.organization_with_service_summaries(
                organization, metadata=verified, anonymous_metadata=True
            )
        )
    return public_json(
        serialize.organization_to_hsds(organization, metadata=verified, anonymous_metadata=True)
    )


# Taxonomies


@bp.get("/taxonomies")
def list_taxonomies() -> ResponseReturnValue:
    chosen = params.parse_taxonomy_list(request.args, **paging_limits())
    statement = queries.taxonomies_query(chosen.search)
    return hsds_list(statement, [], chosen, serialize.taxonomy_to_hsds)


@bp.get("/taxonomies/<taxonomy_id>")
def get_taxonomy(taxonomy_id: str) -> ResponseReturnValue:
    taxonomy_id = params.parse_id(taxonomy_id)
    params.parse_item(request.args)
    taxonomy = one_or_404(
        queries.select_by_id(Taxonomy, taxonomy_id), _("Taksonomi tidak ditemukan.")
    )
    return public_json(serialize.taxonomy_to_hsds(taxonomy))


@bp.get("/taxonomy_terms")
def list_taxonomy_terms() -> ResponseReturnValue:
    chosen = params.parse_taxonomy_term_list(request.args, **paging_limits())
    statement = queries.taxonomy_terms_query(chosen.filters)  # type: ignore[arg-type]
    options = queries.taxonomy_term_options()
    return hsds_list(statement, options, chosen, serialize.taxonomy_term_to_hsds)


@bp.get("/taxonomy_terms/<term_id>")
def get_taxonomy_term(term_id: str) -> ResponseReturnValue:
    term_id = params.parse_id(term_id)
    params.parse_item(request.args)
    term = one_or_404(
        queries.select_by_id(TaxonomyTerm, term_id).options(*queries.taxonomy_term_options()),
        _("Istilah taksonomi tidak ditemukan."),
    )
    return public_json(serialize.taxonomy_term_to_hsds(term))


# Services at locations


@bp.get("/service_at_locations")
def list_service_at_locations() -> ResponseReturnValue:
    chosen = params.parse_service_at_location_list(request.args, **paging_limits())
    statement = queries.service_at_locations_query(chosen.filters)  # type: ignore[arg-type]  # read-only members
    if chosen.full:
        options = queries.service_at_location_full_options()
        return hsds_list(statement, options, chosen, serialize.service_at_location_to_hsds)
    options = queries.service_at_location_summary_options()
    return hsds_list(statement, options, chosen, serialize.service_at_location_summary_to_hsds)


@bp.get("/service_at_locations/<sal_id>")
def get_service_at_location(sal_id: str) -> ResponseReturnValue:
    sal_id = params.parse_id(sal_id)
    params.parse_item(request.args)
    sal = one_or_404(
        queries.select_by_id(ServiceAtLocation, sal_id).options(
            *queries.service_at_location_full_options()
        ),
        _("Layanan di lokasi ini tidak ditemukan."),
    )
    return public_json(serialize.service_at_location_to_hsds(sal))
