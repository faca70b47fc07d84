"""``GET /services`` with ``search``, an origin or ``open_now``: ranked by the search index.

The parameters are parsed in ``params`` (``ServiceSearch``). The search itself (origin,
query, ranking, what to offer when nothing is found) is the one the search page runs
too: :func:`directory.search.operations.search_directory`. Here the page's services are
loaded from the database and serialized as for any list, each with ``distance_km`` when
there is an origin. A page answered from the database because the index is unusable
says ``"degraded": true``.

Pages are kept per process by :mod:`directory.search_cache`, keyed by the parsed
parameters (and the minute, for ``open_now``), so a popular search is answered without
ranking or loading again until the directory changes; so are the services' serialized
entries, so a new search loads only the services no recent answer showed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import select

from directory.api import params, streaming
from directory.api.paging import page_wrapper
from directory.errors import ApiError
from directory.extensions import db
from directory.hsds import serialize
from directory.institutions import queries
from directory.institutions.models import Service, TaxonomyTerm
from directory.search.operations import SearchOutcome, SearchRequest, search_directory
from directory.search.ranking import (
    LEVEL_ELSEWHERE,
    LEVEL_PROVINCE,
    LEVEL_REGENCY,
    Criteria,
    Ranked,
)
from directory.search.service import HOTLINES, Beyond, UnknownPlace, find_services
from directory.search_cache import cached, cached_parts, current_minute


def taxonomy_term_ids(taxonomy_id: str | None) -> tuple[str, ...] | None:
    """The terms of a taxonomy (HSDS ``taxonomy_id``), for the ranking's filter."""
    if taxonomy_id is None:
        return None
    return tuple(
        sorted(
            db.session.scalars(
                select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == taxonomy_id)
            )
        )
    )


def criteria_of(filters: params.ServiceFilters, search: params.ServiceSearch) -> Criteria:
    return Criteria(
        any_term_ids=taxonomy_term_ids(filters.taxonomy_id),
        term_ids=filters.taxonomy_term_ids,
        statuses=filters.statuses,
        organization_id=filters.organization_id,
        region=filters.region,
        modified_after=filters.modified_after.timestamp() if filters.modified_after else None,
        accepting_referrals=filters.accepting_referrals,
        free=filters.free,
        language=filters.language,
        open_now=search.open_now,
        radius_km=search.radius_km,
        include_out_of_area=search.include_out_of_area,
        problem_term_ids=search.problem_term_ids,
        exclude_organization_ids=search.exclude_organization_ids,
        client_age=None if search.client_age is None else (search.client_age, search.client_age),
        client_sex=search.client_sex,
    )


def unknown_place_error(unknown: UnknownPlace) -> ApiError:
    """A 400 naming ``near``: the candidates of an unclear name, or that it is unknown."""
    if unknown.candidates:
        reason = _(
            "Nama tempat tidak jelas; maksud Anda: %(places)s?",
            places="; ".join(f"{c.label} ({c.region.code})" for c in unknown.candidates[:5]),
        )
    else:
        reason = _("Tempat tidak dikenal.")
    return ApiError(_("Parameter tidak valid."), code="invalid_parameter", fields={"near": reason})


def search_page(chosen: params.ServiceListParams, now: datetime | None = None) -> dict[str, Any]:
    """The HSDS page wrapper for a ranked search (shared between requests: read only)."""
    # Only ``open_now`` makes the page depend on the time, and only to the minute.
    key = ("api.services", chosen, current_minute(now) if chosen.search.open_now else None)
    return cached(key, lambda: _search_page(chosen, now), lambda page: not page.get("degraded"))


def search_request(
    chosen: params.ServiceListParams, now: datetime | None, *, page: int, per_page: int
) -> SearchRequest:
    search = chosen.search
    return SearchRequest(
        text=search.text,
        criteria=criteria_of(chosen.filters, search),
        page=page,
        per_page=per_page,
        latitude=search.latitude,
        longitude=search.longitude,
        place=search.near,
        sort=search.sort,
        now=now,
    )


def run_search(request: SearchRequest) -> SearchOutcome:
    try:
        # find_services looked up here, at each call: the tests count the searches.
        return search_directory(request, find=find_services)
    except UnknownPlace as unknown:
        raise unknown_place_error(unknown) from None


def entry_shape(chosen: params.ServiceListParams) -> tuple[str, list[Any], Any]:
    """(cache name, loader options, serializer) of the services in an answer."""
    if chosen.minimal:
        minimal = serialize.service_minimal_to_hsds
        return "service_minimal", queries.service_minimal_options(), minimal
    if chosen.full:
        return "service", queries.service_full_options(), serialize.service_to_hsds
    return "service_summary", queries.service_summary_options(), serialize.service_summary_to_hsds


def with_distance(entry: dict[str, Any], distance_km: float | None) -> dict[str, Any]:
    if distance_km is not None:
        # To 10 m; a safe house's distance is to its regency's stand-in point (its
        # place in the ranking already is: ``directory.geo.confidential``).
        entry["distance_km"] = round(distance_km, 2)
    return entry


def search_stream(chosen: params.ServiceListParams, now: datetime | None = None) -> Response:
    """``format=ndjson`` of a search: every ranked service, one per line, best first;
    under ``sort=policy`` each line carries its ``ranking``, as a page's entries do.

    The ranking is one list of ids and distances; the services are read ``BATCH`` at a
    time from the stream's own session."""
    outcome = run_search(search_request(chosen, now, page=1, per_page=1))
    total = outcome.answer.page.total
    if total:
        outcome = run_search(search_request(chosen, now, page=1, per_page=total))
    ranked = outcome.answer.page.items if total else ()
    ids = [item.id for item in ranked]
    by_id = {item.id: item for item in ranked}
    policy = outcome.query.sort == "policy"
    _name, options, to_hsds = entry_shape(chosen)

    def decorate(service_id: str, entry: dict[str, Any]) -> dict[str, Any]:
        item = by_id[service_id]
        entry = with_distance(entry, item.distance_km)
        if policy:
            entry["ranking"] = ranking_of(item)
        return entry

    return streaming.ndjson_response(
        lambda session: streaming.ordered_lines(
            session, Service, ids, options, to_hsds, decorate=decorate
        )
    )


def _search_page(chosen: params.ServiceListParams, now: datetime | None) -> dict[str, Any]:
    paging = chosen.paging
    outcome = run_search(search_request(chosen, now, page=paging.page, per_page=paging.per_page))
    answer = outcome.answer
    items = answer.page.items
    cache_name, options, to_hsds = entry_shape(chosen)

    def load(ids: list[str]) -> dict[str, dict[str, Any]]:
        statement = select(Service).where(Service.id.in_(ids)).options(*options)
        return {service.id: to_hsds(service) for service in db.session.scalars(statement).unique()}

    entries = cached_parts(cache_name, [item.id for item in items], load)
    contents = []
    for item in items:
        if item.id not in entries:  # deleted since the index last followed the log
            continue
        # A copy: the cached entry is shared.
        entry = with_distance(dict(entries[item.id]), item.distance_km)
        if outcome.query.sort == "policy":
            entry["ranking"] = ranking_of(item)
        contents.append(entry)
    total = answer.page.total
    page = page_wrapper(
        contents,
        page_number=paging.page,
        total_items=total,
        total_pages=-(-total // paging.per_page) if total else 0,
    )
    if answer.degraded:
        page["degraded"] = True
    # By addition to the HSDS page: what the words were read as, the services the
    # service-area rule left out, and, when nothing was found, where to turn instead.
    page["understood"] = [
        {"term_id": term.term_id, "name": term.name} for term in answer.understood
    ]
    if outcome.origin is not None:
        page["hidden_out_of_area"] = answer.page.hidden_out_of_area
    if outcome.beyond is not None:
        page.update(dead_end(outcome.beyond))
    return page


JURISDICTIONS = {LEVEL_REGENCY: "regency", LEVEL_PROVINCE: "province", LEVEL_ELSEWHERE: "elsewhere"}


def ranking_of(item: Ranked) -> dict[str, Any]:
    """Why a result ranks where it does under ``sort=policy`` (by addition to HSDS):
    its institution type's place for the chosen problems (1 first; null when the policy
    names it for none), its jurisdiction for the origin, the chosen problems it serves."""
    return {
        "designation": item.tier + 1 if item.tier is not None else None,
        "jurisdiction": JURISDICTIONS.get(item.level) if item.level is not None else None,
        "problem_term_ids": list(item.problem_term_ids),
    }


def dead_end(beyond: Beyond) -> dict[str, Any]:
    """The nearest matches beyond the range, resembling problems, and the hotlines."""
    names = dict(
        db.session.execute(
            select(Service.id, Service.name).where(
                Service.id.in_([item.id for item in beyond.nearest])
            )
        ).all()
    )
    return {
        "nearest_beyond": [
            {
                "id": item.id,
                "name": names[item.id],
                # A safe house's distance is to its regency's stand-in point.
                "distance_km": round(item.distance_km, 2) if item.distance_km is not None else None,
            }
            for item in beyond.nearest
            if item.id in names
        ],
        "resembling_terms": [{"term_id": term.id, "name": term.name} for term in beyond.resembling],
        "hotlines": [{"name": name, "number": number} for name, number in HOTLINES],
    }
