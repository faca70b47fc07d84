"""``GET /services`` with ``search``, an origin or ``open_now``: ranked by the search index.

The parameters are parsed in ``params`` (``ServiceSearch``); here the origin is resolved
(``near`` by the gazetteer), :func:`directory.search.service.find_services` ranks, and
the page's services are loaded from the database and serialized as for any list, each
with ``distance_km`` when there is an origin. A page answered from the database because
the index is unusable says ``"degraded": true``.

Pages are kept per process by :mod:`directory.search_cache`, keyed by the parsed
parameters (and the minute, for ``open_now``), so a popular search is answered without
ranking or loading again until the directory changes; so are the services' serialized
entries, so a new search loads only the services no recent answer showed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from directory.api import params
from directory.errors import ApiError
from directory.extensions import db
from directory.geo.ranking import Criteria
from directory.hsds import serialize
from directory.institutions import queries
from directory.institutions.models import Service
from directory.search.service import Query, UnknownPlace, find_services, resolve_origin
from directory.search_cache import cached, cached_parts, current_minute


def criteria_of(filters: params.ServiceFilters, search: params.ServiceSearch) -> Criteria:
    return Criteria(
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
    )


def origin_or_400(search: params.ServiceSearch):  # type: ignore[no-untyped-def]
    try:
        return resolve_origin(search.latitude, search.longitude, search.near)
    except UnknownPlace as unknown:
        if unknown.candidates:
            reason = _(
                "Nama tempat tidak jelas; maksud Anda: %(places)s?",
                places="; ".join(f"{c.label} ({c.region.code})" for c in unknown.candidates[:5]),
            )
        else:
            reason = _("Tempat tidak dikenal.")
        raise ApiError(
            _("Parameter tidak valid."), code="invalid_parameter", fields={"near": reason}
        ) from None


def search_page(chosen: params.ServiceListParams, now: datetime | None = None) -> dict[str, Any]:
    """The HSDS page wrapper for a ranked search (shared between requests: read only)."""
    # Only ``open_now`` makes the page depend on the time, and only to the minute.
    key = ("api.services", chosen, current_minute(now) if chosen.search.open_now else None)
    return cached(key, lambda: _search_page(chosen, now), lambda page: not page.get("degraded"))


def _search_page(chosen: params.ServiceListParams, now: datetime | None) -> dict[str, Any]:
    search = chosen.search
    origin = origin_or_400(search)
    paging = chosen.paging
    sort = search.sort or ("distance" if origin is not None else "relevance")
    answer = find_services(
        Query(
            text=search.text,
            criteria=criteria_of(chosen.filters, search),
            origin=origin,
            sort=sort,
            offset=(paging.page - 1) * paging.per_page,
            limit=paging.per_page,
            now=now,
        )
    )
    items = answer.page.items
    options = queries.service_full_options() if chosen.full else queries.service_summary_options()
    to_hsds = serialize.service_to_hsds if chosen.full else serialize.service_summary_to_hsds

    def load(ids: list[str]) -> dict[str, dict[str, Any]]:
        statement = select(Service).where(Service.id.in_(ids)).options(*options)
        return {service.id: to_hsds(service) for service in db.session.scalars(statement).unique()}

    entries = cached_parts(
        "service" if chosen.full else "service_summary", [item.id for item in items], load
    )
    contents = []
    for item in items:
        if item.id not in entries:  # deleted since the index last followed the log
            continue
        entry = dict(entries[item.id])  # a copy: the cached entry is shared
        if item.distance_km is not None:
            # To 10 m; a safe house's distance is to its regency's stand-in point (its
            # place in the ranking already is: ``directory.geo.confidential``).
            entry["distance_km"] = round(item.distance_km, 2)
        contents.append(entry)
    total = answer.page.total
    total_pages = -(-total // paging.per_page) if total else 0
    page = {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
    if answer.degraded:
        page["degraded"] = True
    return page
