"""Search for the app: the index when it is healthy, the database when it is not.

:func:`find_services` is what views call. It reads the process's index snapshot; when
the index is missing, of an old schema or corrupt, it answers from the database instead
(``degraded``), never with an error, and asks the keeper to heal the index.

The keeper keeps the index current while the app runs (``SEARCH_AUTO_FOLLOW``, on by
default except in tests): after a search it looks, at most every
``SEARCH_FOLLOW_SECONDS``, whether the change log has moved past the index's cursor or
the index needs rebuilding, and if so starts one background thread that takes the
writer lock (skipping if another process holds it) and does the work. A web request
never writes the index and never waits for a writer. ``flask search follow`` does the
same in a process of its own.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from flask import Flask, current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import InterfaceError, OperationalError

from directory.extensions import db
from directory.geo.gazetteer import Candidate, RegionEntry
from directory.geo.geocoding import gazetteer, resolve_place
from directory.institutions.models import (
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
)
from directory.institutions.queries import has_term
from directory.search import follower, index, policy
from directory.search.analyzer import QueryWord, analyze, query_words
from directory.search.lay_words import read_lexicon
from directory.search.lexicon import Lexicon, TermWords, Understood
from directory.search.ranking import (
    EARTH_RADIUS_KM,
    SPHERE_ERROR,
    Catalog,
    Criteria,
    Origin,
    Ranked,
    RankedPage,
    Suitability,
    TextMatch,
    rank,
)
from directory.search.records import RegionNames, iter_all_records, load_records

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Query:
    """One search: text and/or origin, filters, order and page."""

    text: str | None = None
    criteria: Criteria = field(default_factory=Criteria)
    origin: Origin | None = None
    sort: str = "distance"
    offset: int = 0
    limit: int = 20
    now: datetime | None = None


@dataclass(frozen=True)
class Answer:
    page: RankedPage
    # True when the index was unusable and the database answered.
    degraded: bool = False
    # The words searched, after typo correction and completion.
    words: tuple[str, ...] = ()
    # The taxonomy terms the text was understood to stand for.
    understood: tuple[Understood, ...] = ()


class SearchState:
    """Per app: the index folder, the process's reader and the keeper thread."""

    def __init__(self, app: Flask) -> None:
        root = Path(app.instance_path) / app.config["SEARCH_INDEX_DIR"]
        self.folder = index.IndexFolder(root)
        self.reader = index.Reader(self.folder)
        auto = app.config["SEARCH_AUTO_FOLLOW"]
        self.auto_follow = (not app.testing) if auto is None else bool(auto)
        self.interval = float(app.config["SEARCH_FOLLOW_SECONDS"])
        self.bulk_writer = bool(app.config["SEARCH_BULK_WRITER"])
        self.parallel_build = bool(app.config["SEARCH_PARALLEL_BUILD"])
        self.app = app
        self._checked = 0.0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.needs_rebuild = False
        # The lexicon and each understood term's rows, for one index generation.
        self.lexicon: tuple[object, Lexicon] | None = None
        self.term_rows: dict[tuple[object, str], np.ndarray] = {}

    def poke(self) -> None:
        """After a search: start the keeper if the index may be behind or broken."""
        if not self.auto_follow:
            return
        now = time.monotonic()
        if now - self._checked < self.interval:
            return
        self._checked = now
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._keep, name="search-keeper", daemon=True)
            self._thread.start()

    def _keep(self) -> None:
        with self.app.app_context():
            try:
                keep_current(self)
            except Exception:
                log.exception("search index keeper failed")
            finally:
                db.session.remove()


def keep_current(state: SearchState, *, blocking: bool = False) -> str:
    """Heal or update the index once; returns what was done (for logs and the CLI)."""
    with state.folder.writer_lock(blocking=blocking) as locked:
        if not locked:
            return "busy"
        usable = state.folder.cursor() is not None and not state.needs_rebuild
        build = state.folder.current()
        damaged = state.folder.damaged_files(build) if usable and build is not None else []
        if damaged:
            log.warning("search index files damaged (%s): rebuilding", ", ".join(damaged))
            usable = False
        if usable:
            try:
                applied = follower.apply_pending(db.session, state.folder)
                return f"applied {applied}"
            except index.IndexUnavailable:
                usable = False
            except Exception as error:
                log.warning("search index update failed (%s): rebuilding", type(error).__name__)
                usable = False
        db.session.rollback()
        cursor = follower.latest_entry_id(db.session)
        regions = RegionNames.load(db.session)
        index.build(
            state.folder,
            iter_all_records(db.session, regions),
            cursor,
            bulk=state.bulk_writer,
            parallel=state.parallel_build and follower.worth_a_worker(db.session),
        )
        state.needs_rebuild = False
        state.reader.invalidate()
        return "rebuilt"


def state_of(app: Flask) -> SearchState:
    state = app.extensions.get("search")
    if state is None:
        state = app.extensions.setdefault("search", SearchState(app))
    return state


def find_services(query: Query) -> Answer:
    """Ranked services for ``query``: from the index, or from the database if need be."""
    state = state_of(current_app._get_current_object())  # type: ignore[attr-defined]
    now = query.now or datetime.now(UTC)
    words = query_words(query.text) if query.text else []
    if query.text is not None and not words:
        return Answer(page=RankedPage(total=0))
    try:
        snapshot = state.reader.snapshot()
        understood = lexicon_of(state, snapshot.generation).understand(query.text or "")
        text = match_text(state, snapshot, words, understood) if words else None
        lexicon = lexicon_of(state, snapshot.generation)
        page = rank(
            snapshot.catalog,
            query.criteria,
            origin=query.origin,
            now=now,
            text=text,
            sort=query.sort,
            offset=query.offset,
            limit=query.limit,
            suitability=suitability_of(lexicon, query.criteria, understood)
            if query.sort == "policy"
            else None,
        )
        state.poke()
        return Answer(page=page, words=text.words if text else (), understood=tuple(understood))
    except index.IndexUnavailable as error:
        log.warning("search index unavailable (%s): answering from the database", error)
        if state.folder.current() is not None:  # there, but unreadable or outdated
            state.needs_rebuild = True
    except (OperationalError, InterfaceError):
        raise  # the database, not the index: a 503 (directory.errors)
    except Exception as error:
        # A corrupt segment shows only when it is read.
        log.warning(
            "search index read failed (%s): answering from the database", type(error).__name__
        )
        state.reader.invalidate()
        state.needs_rebuild = True
    state.poke()
    return Answer(page=search_database(query, words, now), degraded=True)


def suitability_of(
    lexicon: Lexicon, criteria: Criteria, understood: Sequence[Understood] = ()
) -> Suitability:
    """The policy's positions for the problems of a search: those chosen (``term_ids``
    and ``problem_term_ids``), else those its words were understood as."""
    chosen = [
        term_id
        for term_id in dict.fromkeys((*criteria.problem_term_ids, *criteria.term_ids))
        if (term := lexicon.by_id.get(term_id)) is not None
        and term.taxonomy_id == TAXONOMY_PROBLEMS
    ]
    if not chosen:
        chosen = [term.term_id for term in understood if term.taxonomy_id == TAXONOMY_PROBLEMS]
    code_of = {term.id: term.code for term in lexicon.terms}
    types = {
        term.code: term.id
        for term in lexicon.terms
        if term.taxonomy_id == TAXONOMY_INSTITUTION_TYPES
    }
    return Suitability(tiers=policy.tiers(chosen, code_of, types), problem_term_ids=tuple(chosen))


# Always offered when a search finds nothing: the national hotline of the Ministry of
# Women's Empowerment and Child Protection, and the emergency number.
HOTLINES = (("SAPA 129", "129"), ("112", "112"))
# How many services beyond the range, and how many resembling terms, a dead end offers.
BEYOND_COUNT = 3
RESEMBLING_COUNT = 3


@dataclass(frozen=True)
class Beyond:
    """What a search that found nothing offers instead."""

    # The nearest matches outside the radius (or the service areas), with distances.
    nearest: tuple[Ranked, ...] = ()
    # Problem and service-type terms the words resemble (typos, near words).
    resembling: tuple[TermWords, ...] = ()


def find_beyond(query: Query, answer: Answer) -> Beyond:
    """For a page with no result: the nearest services matching the query beyond its
    radius and service areas, and the terms its words resemble. Never raises for
    want of an index (the database answers instead)."""
    nearest: tuple[Ranked, ...] = ()
    if query.origin is not None and (
        query.criteria.radius_km is not None or answer.page.hidden_out_of_area
    ):
        wider = replace(
            query,
            criteria=replace(query.criteria, radius_km=None, include_out_of_area=True),
            offset=0,
            limit=BEYOND_COUNT,
        )
        nearest = tuple(find_services(wider).page.items)
    resembling: tuple[TermWords, ...] = ()
    if query.text:
        state = state_of(current_app._get_current_object())  # type: ignore[attr-defined]
        kept = state.lexicon
        lexicon = kept[1] if kept is not None else read_lexicon(db.session)
        resembling = tuple(
            lexicon.resembling(
                query.text,
                limit=RESEMBLING_COUNT,
                taxonomy_ids=(TAXONOMY_PROBLEMS, TAXONOMY_SERVICE_TYPES),
            )
        )
    return Beyond(nearest=nearest, resembling=resembling)


def lexicon_of(state: SearchState, generation: object) -> Lexicon:
    """The terms and their lay words, read again whenever the index changes (and
    analysed again only if they changed)."""
    kept = state.lexicon
    if kept is not None and kept[0] == generation:
        return kept[1]
    lexicon = read_lexicon(db.session, kept[1] if kept is not None else None)
    state.lexicon = (generation, lexicon)
    state.term_rows = {}
    return lexicon


def match_text(
    state: SearchState,
    snapshot: index.Snapshot,
    words: Sequence[QueryWord],
    understood: Sequence[Understood],
) -> TextMatch:
    """The services matching the words; when the words stand for terms, the services
    of those terms instead.

    A service of an understood term matches even when other words of the sentence are
    nowhere in its text (``anak saya di bully di sekolah``), and one that merely
    mentions a word in passing does not crowd them out; the words' text scores still
    order them by relevance. With no term understood and no service
    holding every word, the words the index does not know at all are left out
    (``gimana``, ``tolong``), never the known ones.
    """
    text = snapshot.match(words)
    if not len(text.rows) and len(words) > 1 and not understood:
        with snapshot.lock:
            known = [word for word in words if snapshot.alternatives(word)]
        if known and len(known) < len(words):
            text = snapshot.match(known)
    if not understood:
        return text
    scores = np.zeros(snapshot.size)
    bonus = float(text.scores.max()) if len(text.rows) else 1.0
    for term in understood:
        scores[term_rows(state, snapshot, term)] += bonus
    rows = np.flatnonzero(scores)
    text_scores = np.zeros(snapshot.size)
    text_scores[text.rows] = text.scores
    scores[rows] += text_scores[rows]
    return TextMatch(rows, scores[rows], text.words)


def term_rows(state: SearchState, snapshot: index.Snapshot, term: Understood) -> np.ndarray:
    """The rows of a term: its services; for an institution type (``KUA``), the services
    of its organizations, whose type's name the index holds in their text."""
    key = (snapshot.generation, term.term_id)
    found = state.term_rows.get(key)
    if found is not None:
        return found
    rows = snapshot.catalog.by_term.get(term.term_id, np.empty(0, dtype=np.int64))
    if term.taxonomy_id == TAXONOMY_INSTITUTION_TYPES:
        # The index's ``terms`` field holds the names of the organization's type; a
        # description that only mentions the type (``rujuk ke UPTD PPA``) is not one.
        named: np.ndarray | None = None
        with snapshot.lock:
            for stem in dict.fromkeys(analyze(term.name)):
                found_rows, _ = snapshot._field_score("terms", stem)
                named = found_rows if named is None else np.intersect1d(named, found_rows)
        if named is not None:
            rows = np.union1d(rows, named)
    state.term_rows[key] = rows
    return rows


def search_database(query: Query, words: Sequence[QueryWord], now: datetime) -> RankedPage:
    """The fallback: the same filters and ranking over records read from the database.

    Text matches a word when a stem of it (or the word itself) occurs in the service's
    or organization's name or the description: coarser than the index, never an error.
    """
    statement = select(Service.id).join(Organization, Organization.id == Service.organization_id)
    searched = (Service.name, Service.description, Organization.name)
    for word in words:
        needles = {word.text, *word.terms}
        statement = statement.where(
            or_(
                *(
                    column.ilike(f"%{_escape(n)}%", escape="\\")
                    for n in needles
                    for column in searched
                )
            )
        )
    criteria = query.criteria
    if query.origin is not None and criteria.radius_km is not None:
        delta = math.degrees(criteria.radius_km * (1 + SPHERE_ERROR) / EARTH_RADIUS_KM)
        widest = min(abs(query.origin.latitude) + delta, 89.0)
        delta_lon = delta / math.cos(math.radians(widest))
        statement = statement.where(
            Service.id.in_(
                select(ServiceAtLocation.service_id)
                .join(Location, Location.id == ServiceAtLocation.location_id)
                .where(
                    or_(
                        # A safe house is ranked at its stand-in point, never boxed by its
                        # own (``directory.geo.confidential``): ``rank`` applies the radius.
                        Location.confidential.is_(True),
                        and_(
                            Location.latitude.between(
                                query.origin.latitude - delta, query.origin.latitude + delta
                            ),
                            Location.longitude.between(
                                query.origin.longitude - delta_lon,
                                query.origin.longitude + delta_lon,
                            ),
                        ),
                    )
                )
            )
        )
    if criteria.term_ids:
        statement = statement.where(*(has_term(Service.id, term) for term in criteria.term_ids))
    if criteria.problem_term_ids:
        statement = statement.where(
            or_(*(has_term(Service.id, term) for term in criteria.problem_term_ids))
        )
    if criteria.statuses:
        statement = statement.where(Service.status.in_(criteria.statuses))
    # Organizations asked for or left out: without these, a search of one organization
    # with no text (and every "beyond the radius" look) read the whole directory.
    if (organization := _uuid_or_none(criteria.organization_id)) is not None:
        statement = statement.where(Service.organization_id == organization)
    excluded = [_uuid_or_none(i) for i in criteria.exclude_organization_ids]
    if any(excluded):
        statement = statement.where(Service.organization_id.not_in([i for i in excluded if i]))
    ids = list(db.session.scalars(statement))
    records = load_records(db.session, ids, RegionNames.load(db.session))
    catalog = Catalog(records)
    text = None
    if words:
        rows = np.arange(len(records), dtype=np.int64)
        text = TextMatch(rows, np.ones(len(records)), tuple(word.text for word in words))
    return rank(
        catalog,
        criteria,
        origin=query.origin,
        now=now,
        text=text,
        sort=query.sort,
        offset=query.offset,
        limit=query.limit,
        suitability=suitability_of(read_lexicon(db.session), criteria)
        if query.sort == "policy"
        else None,
    )


def _uuid_or_none(value: str | None) -> str | None:
    """``value`` as a UUID the database can compare, or None (``rank`` filters again:
    a value that is no UUID matches no service there)."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class UnknownPlace(Exception):
    """``near`` names no place, or several: ``candidates`` lists them (best first)."""

    def __init__(self, text: str, candidates: Sequence[Candidate] = ()) -> None:
        super().__init__(text)
        self.text = text
        self.candidates = tuple(candidates)


def origin_of(region: RegionEntry) -> Origin:
    """A region's reference point as an origin, with the district holding it."""
    district = (
        region.code
        if region.level == "kecamatan"
        else gazetteer().district_at(region.latitude, region.longitude, within=region.code)
    )
    return Origin(region.latitude, region.longitude, district)


def resolve_origin(
    latitude: float | None, longitude: float | None, near: str | None
) -> Origin | None:
    """The origin of a search, with the district holding it (for service areas).

    :raises UnknownPlace: ``near`` is unknown or ambiguous.
    """
    places = gazetteer()
    if near is not None:
        resolution, online = resolve_place(near)
        if resolution.place is not None:
            return origin_of(resolution.place)
        if online is not None:
            return Origin(
                online.latitude,
                online.longitude,
                places.district_at(online.latitude, online.longitude),
            )
        raise UnknownPlace(near, resolution.candidates)
    if latitude is None or longitude is None:
        return None
    return Origin(latitude, longitude, places.district_at(latitude, longitude))
