"""One search of the directory, as the API (``GET /api/v1/services?search=...``) and the
search page (``/cari``) both run it.

:func:`search_directory` resolves the origin (coordinates, or a place's name through the
gazetteer), builds the :class:`~directory.search.service.Query` (with an origin, the sort
is by distance, or by the counsellor's policy when ``policy`` is asked, as the search page
does; else by relevance; the page is an offset), ranks it, and, when
nothing was found, asks what to offer instead (:func:`~directory.search.service.find_beyond`).
What differs between the two callers stays with them: how an unclear place is answered
(the API refuses it with the candidates; the page searches from the likeliest and offers
the others: ``guess_place``), how answers are cached (``find``), and what the answer
becomes (an HSDS page, or a rendered page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from directory.geo.gazetteer import Candidate, likeliest
from directory.search.ranking import Criteria, Origin
from directory.search.service import (
    Answer,
    Beyond,
    Query,
    UnknownPlace,
    find_beyond,
    find_services,
    origin_of,
    resolve_origin,
)


@dataclass(frozen=True)
class SearchRequest:
    """What is asked: the words, the filters, where from, which page."""

    text: str | None
    criteria: Criteria
    page: int
    per_page: int
    latitude: float | None = None
    longitude: float | None = None
    # A place's name, read by the gazetteer when there are no coordinates.
    place: str | None = None
    # "distance", "relevance" or "policy"; None: with an origin, by the counsellor's
    # ranking (``policy``) or by distance, else by relevance.
    sort: str | None = None
    now: datetime | None = None
    # An unclear place name: search from the likeliest candidate (True) or refuse (False).
    guess_place: bool = False
    # With an origin and no sort: the counsellor's ranking (directory.search.policy).
    policy: bool = False


@dataclass(frozen=True)
class SearchOutcome:
    query: Query
    answer: Answer
    origin: Origin | None
    # With guess_place, for an unclear name: the place searched from, and the others.
    place_chosen: Candidate | None = None
    other_places: tuple[Candidate, ...] = ()
    # When nothing was found: the nearest beyond the range, the resembling terms.
    beyond: Beyond | None = None


def default_sort(request: SearchRequest) -> str:
    """The sort with an origin when none is asked: the policy's, or by distance."""
    return "policy" if request.policy else "distance"


def search_directory(
    request: SearchRequest, *, find: Callable[[Query], Answer] = find_services
) -> SearchOutcome:
    """Rank the directory for ``request``. Reads only.

    ``find`` ranks a query (:func:`~directory.search.service.find_services`, or a caller's
    cached version of it).

    :raises UnknownPlace: the place is unknown; or unclear, without ``guess_place``.
    """
    place_chosen: Candidate | None = None
    other_places: tuple[Candidate, ...] = ()
    try:
        origin = resolve_origin(request.latitude, request.longitude, request.place)
    except UnknownPlace as unknown:
        place_chosen = likeliest(unknown.candidates) if request.guess_place else None
        if place_chosen is None:
            raise
        origin = origin_of(place_chosen.region)
        other_places = tuple(c for c in unknown.candidates if c != place_chosen)
    query = Query(
        text=request.text,
        criteria=request.criteria,
        origin=origin,
        sort=request.sort or (default_sort(request) if origin is not None else "relevance"),
        offset=(request.page - 1) * request.per_page,
        limit=request.per_page,
        now=request.now,
    )
    answer = find(query)
    beyond = find_beyond(query, answer) if not answer.page.total else None
    return SearchOutcome(query, answer, origin, place_chosen, other_places, beyond)
