"""Reference (c) of the search benchmark: tantivy, fed our own tokens.

tantivy (the Rust engine, through its Python bindings ``tantivy-py``, a bench-only
package of the dev extra: the app never imports it) indexes the same four fields as our
index, as our Indonesian analyzer turns them into terms (:func:`directory.search.analyzer.analyze`
for names, term names and description, lowercase words for places, as
:func:`directory.search.index.document` fills them). The terms are joined by spaces and
tantivy's ``whitespace`` tokenizer keeps them as they are, so the comparison is of the
engines, not of the stemmers. Beside them: the service's taxonomy term ids and status
(untokenized, for the filters) and its row (a fast field) into arrays of the services'
ids and public coordinates kept in memory, as (b, in memory) keeps its own.

The three query kinds, as (b) runs them:

- text: every query word must match, by all of its terms in names, terms or description
  (BM25 per field, with our field boosts) or by itself as a place, as our index matches
  exact words; the ten best by tantivy's BM25. No typo correction, no completion of the
  last word and no lay words (ours does all three);
- nearest: the term and status filters in tantivy, every candidate's row from the fast
  field, then the numpy haversine of (b) over their coordinates (tantivy-py has no geo
  sort). Handing thousands of candidates back to Python as hits is most of its time here
  (at 30,000 services, for a term of 10,000: counting them 0.3 ms, returning them 5 ms);
- both: the text query and the two filters in tantivy, then the same haversine.

The build is timed whole (reading the records from the database as our build does, our
analysis, tantivy) and the engine alone (documents handed to tantivy's writer, commit,
merges). Its size holds no stored field (ours stores each service's ranking card and
words). The answers are checked against ours where the two should agree (same matches
for exact words, same candidates for a term filter) and the overlaps printed.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from directory.extensions import db
from directory.search import analyzer
from directory.search.analyzer import WORD_PATTERN, QueryWord, analyze, query_words
from directory.search.documents import ServiceRecord
from directory.search.index import FIELD_BOOSTS, STEMMED_FIELDS, document
from directory.search.records import RegionNames, iter_all_records
from directory.search.service import state_of

try:
    import tantivy
except ImportError:  # a bench-only package (requirements-dev.txt)
    tantivy = None  # type: ignore[assignment]

TEXT_FIELDS = (*STEMMED_FIELDS, "places")


@dataclass
class Built:
    index: Any
    ids: list[str]
    coordinates: np.ndarray  # (latitude, longitude) rows in radians; NaN: no position
    read_seconds: float = 0.0
    analysis_seconds: float = 0.0
    engine_seconds: float = 0.0
    engine_cpu: float = 0.0
    total_cpu: float = 0.0
    size_bytes: int = 0
    segments: int = 0
    several_places: int = 0
    path: Path = field(default_factory=Path)

    @property
    def total_seconds(self) -> float:
        return self.read_seconds + self.analysis_seconds + self.engine_seconds


def available() -> str | None:
    """None if tantivy can be imported, else the one line the bench prints instead."""
    if tantivy is None:
        return (
            "(c) tantivy: not installed, skipped (it is pinned in requirements-dev.txt: "
            "make bench installs it)"
        )
    return None


def version() -> str:
    return importlib.metadata.version("tantivy")


def token_fields(record: ServiceRecord) -> tuple[str, str, str, str]:
    """The four searched fields of our index document, as our analyzers tokenize them,
    each a space-joined string of terms."""
    return (
        " ".join(analyze(f"{record.name} {record.organization_name}")),
        " ".join(analyze(" ".join(record.term_names))),
        " ".join(analyze(record.description)),
        " ".join(word.lower() for word in WORD_PATTERN.findall(" ".join(record.region_names))),
    )


def _check_fields(record: ServiceRecord, fields: Sequence[str]) -> None:
    """The texts analysed are those our index document holds (the bench stops if not)."""
    ours = document(record, ())
    expected = token_fields(record)
    for name, tokens, wanted in zip(TEXT_FIELDS, fields, expected, strict=True):
        source = ours[name]
        again = (
            " ".join(analyze(source))
            if name != "places"
            else " ".join(w.lower() for w in WORD_PATTERN.findall(source))
        )
        if tokens != wanted or again != tokens:
            raise AssertionError(f"(c) field {name} differs from our index document")


def schema() -> Any:
    builder = tantivy.SchemaBuilder()
    for name in TEXT_FIELDS:
        # Frequencies, no positions: our index has no phrases either.
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("term_ids", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("status", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("row", fast=True)
    return builder.build()


def build(app: Any, folder: Path) -> Built:
    """Read the records, analyse them, index them with tantivy (timed apart)."""
    # Our analysis caches words as it meets them; our build has just filled the caches:
    # empty them, so that (c) analyses from cold as our build did.
    analyzer.word_terms.cache_clear()
    analyzer._terms_of_written.clear()
    rows: list[tuple[str, str, str, str, str, list[str]]] = []
    ids: list[str] = []
    coordinates: list[tuple[float | None, float | None]] = []
    several = 0
    sample: list[tuple[ServiceRecord, tuple[str, str, str, str]]] = []
    seen: dict[str, str] = {}  # equal token strings kept once (the synthetic texts repeat)
    analysis = 0.0
    with app.app_context():
        started = time.perf_counter()
        first_cpu = time.process_time()
        for record in iter_all_records(db.session, RegionNames.load(db.session)):
            before = time.perf_counter()
            fields = token_fields(record)
            analysis += time.perf_counter() - before
            if len(sample) < 100:
                sample.append((record, fields))
            names, terms, description, places = (seen.setdefault(text, text) for text in fields)
            rows.append((names, terms, description, places, record.status, list(record.term_ids)))
            ids.append(record.id)
            located = [place for place in record.places if place.has_coordinates]
            several += len(located) > 1
            coordinates.append(
                (located[0].latitude, located[0].longitude) if located else (np.nan, np.nan)
            )
        read = time.perf_counter() - started - analysis
        db.session.rollback()
    for record, fields in sample:
        _check_fields(record, fields)
    path = folder / "tantivy"
    path.mkdir()
    started = time.perf_counter()
    cpu = time.process_time()
    index = tantivy.Index(schema(), path=str(path))
    writer = index.writer()
    for row, (names, terms, description, places, status, term_ids) in enumerate(rows):
        writer.add_document(
            tantivy.Document(
                names=names,
                terms=terms,
                description=description,
                places=places,
                status=status,
                term_ids=term_ids,
                row=row,
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    engine = time.perf_counter() - started
    engine_cpu = time.process_time() - cpu
    total_cpu = time.process_time() - first_cpu
    searcher = index.searcher()
    return Built(
        index=index,
        ids=ids,
        coordinates=np.radians(np.array(coordinates, dtype=np.float64).reshape(-1, 2)),
        read_seconds=read,
        analysis_seconds=analysis,
        engine_seconds=engine,
        engine_cpu=engine_cpu,
        total_cpu=total_cpu,
        size_bytes=sum(item.stat().st_size for item in path.rglob("*") if item.is_file()),
        segments=searcher.num_segments,
        several_places=several,
        path=path,
    )


# Queries


class Engine:
    """The three query kinds over a built tantivy index."""

    def __init__(self, built: Built, limit: int, nearest_first: Callable[..., list[Any]]) -> None:
        self.built = built
        # (b)'s ranking: the ``limit`` nearest by a vectorised haversine.
        self.nearest_first = nearest_first
        self.schema = built.index.schema
        self.searcher = built.index.searcher()
        self.limit = limit
        self.ids = np.array(built.ids, dtype=object)
        self.located = ~np.isnan(built.coordinates[:, 0])

    def _term(self, field_name: str, value: str, boost: float | None = None) -> Any:
        query = tantivy.Query.term_query(self.schema, field_name, value, index_option="freq")
        return query if boost is None else tantivy.Query.boost_query(query, boost)

    def text_query(self, words: Sequence[QueryWord]) -> Any:
        """Every word: all its terms (each in any stemmed field), or itself as a place."""
        must, should = tantivy.Occur.Must, tantivy.Occur.Should
        clauses = []
        for word in words:
            options = [self._term("places", word.text, FIELD_BOOSTS["places"])]
            if word.terms:
                each_term = [
                    tantivy.Query.boolean_query(
                        [
                            (should, self._term(name, term, FIELD_BOOSTS[name]))
                            for name in STEMMED_FIELDS
                        ]
                    )
                    for term in word.terms
                ]
                options.append(tantivy.Query.boolean_query([(must, q) for q in each_term]))
            clauses.append((must, tantivy.Query.boolean_query([(should, q) for q in options])))
        return tantivy.Query.boolean_query(clauses)

    def filter_query(self, term: str, text: Any | None = None) -> Any:
        must = tantivy.Occur.Must
        clauses = [
            (must, tantivy.Query.term_query(self.schema, "term_ids", term, index_option="basic")),
            (must, tantivy.Query.term_query(self.schema, "status", "active", index_option="basic")),
        ]
        if text is not None:
            clauses.append((must, text))
        return tantivy.Query.boolean_query(clauses)

    def rows(self, query: Any, limit: int) -> np.ndarray:
        """The rows of the best ``limit`` matches (all of them if ``limit`` is enough)."""
        if limit <= 0:
            return np.empty(0, dtype=np.int64)
        hits = self.searcher.search(query, limit, count=False).hits
        return np.asarray(
            self.searcher.fast_field_values("row", [address for _, address in hits]),
            dtype=np.int64,
        )

    def text(self, words: str) -> list[str]:
        return self.ids[self.rows(self.text_query(query_words(words)), self.limit)].tolist()

    def candidates(self, term: str, words: str | None = None) -> np.ndarray:
        """Rows of the active services with the term (and matching the words)."""
        text = self.text_query(query_words(words)) if words else None
        # At most the term's document frequency match: every candidate in one search.
        bound = self.searcher.doc_freq("term_ids", term)
        return self.rows(self.filter_query(term, text), bound)

    def nearest(
        self, term: str, latitude: float, longitude: float, words: str | None = None
    ) -> list[tuple[float, str]]:
        rows = self.candidates(term, words)
        rows = rows[self.located[rows]]
        top = self.nearest_first(rows, self.built.coordinates[rows], latitude, longitude)
        return [(km, self.built.ids[row]) for km, row in top]


def figures(
    engine: Engine, work: Any, timed: Callable[[list[Callable[[], Any]]], Any]
) -> dict[str, Any]:
    def text(words: str) -> Callable[[], Any]:
        return lambda: engine.text(words)

    def nearest(term: str, latitude: float, longitude: float) -> Callable[[], Any]:
        return lambda: engine.nearest(term, latitude, longitude)

    def both(words: str, term: str, latitude: float, longitude: float) -> Callable[[], Any]:
        return lambda: engine.nearest(term, latitude, longitude, words)

    return {
        "text": timed([text(words) for words in work.texts]),
        "nearest": timed([nearest(*item) for item in work.nearest]),
        "both": timed([both(*item) for item in work.both]),
    }


# Checks against ours


def checks(app: Any, engine: Engine, work: Any, text_queries: Sequence[str]) -> list[str]:
    """Where (c) and our index should agree, how far they do, as printable lines."""
    from directory.search.ranking import Criteria
    from directory.search.service import Query, find_services, resolve_origin

    lines = []
    with app.app_context():
        snapshot = state_of(app).reader.snapshot()
        catalog = snapshot.catalog

        def ours_exact(words: str) -> set[str]:
            exact = [replace(word, partial=False) for word in query_words(words)]
            return {catalog.ids[row] for row in snapshot.match(exact).rows.tolist()}

        everything = engine.searcher.num_docs
        same, differ = 0, []
        for words in dict.fromkeys(text_queries):
            theirs = set(engine.ids[engine.rows(engine.text_query(query_words(words)), everything)])
            mine = ours_exact(words)
            if theirs == mine:
                same += 1
            else:
                differ.append(f"{words!r} ours {len(mine)} (c) {len(theirs)}")
        queries = len(dict.fromkeys(text_queries))
        lines.append(
            f"text matches as ours (exact words): {same} of {queries} queries"
            + (f"; differ (ours corrects typos): {', '.join(differ)}" if differ else "")
        )

        def ours_candidates(term: str) -> set[str]:
            rows = catalog.by_term.get(term, ())
            return {
                record.id
                for record in (catalog.records[row] for row in rows)
                if record is not None and record.status == "active"
            }

        terms = list(dict.fromkeys(term for term, _, _ in work.nearest))
        agree = sum(
            set(engine.ids[engine.candidates(term)]) == ours_candidates(term) for term in terms
        )
        sizes = [len(engine.candidates(term)) for term in terms]
        lines.append(
            f"term filter candidates as ours: {agree} of {len(terms)} terms "
            f"({min(sizes)}-{max(sizes)} services each)"
        )
        pairs = list(dict.fromkeys((words, term) for words, term, _, _ in work.both))
        agree = sum(
            set(engine.ids[engine.candidates(term, words)])
            == ours_candidates(term) & ours_exact(words)
            for words, term in pairs
        )
        lines.append(f"text + term candidates as ours (exact words): {agree} of {len(pairs)}")

        overlap = []
        for term, latitude, longitude in work.nearest[:50]:
            answer = find_services(
                Query(
                    criteria=Criteria(
                        term_ids=(term,), statuses=("active",), include_out_of_area=True
                    ),
                    origin=resolve_origin(latitude, longitude, None),
                    limit=engine.limit,
                )
            )
            mine = {item.id for item in answer.page.items}
            theirs = {key for _, key in engine.nearest(term, latitude, longitude)}
            overlap.append(len(mine & theirs))
        lines.append(
            f"nearest top {engine.limit} shared with ours: mean {np.mean(overlap):.1f} of "
            f"{engine.limit} over {len(overlap)} queries (service-area rule off; ours ranks "
            "by geodesic)"
        )
        db.session.rollback()
    return lines


def run(
    app: Any,
    folder: Path,
    work: Any,
    text_queries: Sequence[str],
    timed: Callable[[list[Callable[[], Any]]], Any],
    limit: int,
    nearest_first: Callable[..., list[Any]],
) -> tuple[Built, dict[str, Any], list[str]]:
    """Build (in ``folder``), time and check (c)."""
    built = build(app, folder)
    engine = Engine(built, limit, nearest_first)
    found = figures(engine, work, timed)
    return built, found, checks(app, engine, work, text_queries)
