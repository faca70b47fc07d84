"""The search index: Whoosh on disk, behind this module's small interface. No Flask.

Layout of the index folder (``SEARCH_INDEX_DIR`` under the instance folder)::

    CURRENT              name of the live build, replaced atomically by a rebuild
    .writer.lock         held by the one process that writes (rebuild or follower)
    build-<time>/        Whoosh files, plus
        cursor.json      {"cursor": last change-log id applied, "schema": SCHEMA_VERSION}
        words.txt        the vocabulary as written, with counts (typos and prefixes)

The engine's whole interface, for the rest of the app (the follower, the search use
case, the commands, the bench):

- :class:`IndexFolder`: where the live build is, its cursor, the writer's lock;
- writing: :func:`build` (a new folder, swapped in atomically; the bulk writer or
  Whoosh's public one) and :func:`apply` (updates and deletions of a few services, then
  the cursor);
- reading: :class:`Reader` keeps one :class:`Snapshot` per process and refreshes it when
  a writer commits; a snapshot gives the :class:`~directory.search.ranking.Catalog` of the
  live services and :meth:`Snapshot.match` (rows and BM25 scores of a query's words);
- :class:`IndexUnavailable` when there is no usable index (answer from the database).

Only this module, :mod:`~directory.search.bulk_writer`, :mod:`~directory.search.whoosh_pin`
and the analyzer import Whoosh (``tests/test_search_whoosh_pin.py`` checks it), and only
the first two of those touch its private names, behind the start-up check of the pinned
release.

A document's deletion (by :func:`apply`) stays in its segment until Whoosh merges it
away: a snapshot leaves deleted documents out of its catalog (they are never found) and
out of the BM25 statistics, and the vocabulary loses their words, so an updated index
answers as a rebuilt one (``tests/test_search_incremental.py``).

Whoosh stores the postings; queries are evaluated over them with numpy (postings read
once per segment, a block at a time, and kept): the hard filters and the distance
ranking need the whole set of text matches as a mask, which Whoosh's matchers give only
one document at a time. Relevance is BM25 summed over the fields, with the field boosts
of :data:`FIELD_BOOSTS`. A new snapshot reads the postings of each field's most frequent
terms before it serves (:meth:`Snapshot.warm_up`), so no search pays for the first read
of a common word's long posting list.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import math
import os
import shutil
import threading
import time
from bisect import bisect_left
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.spelling import ListCorrector

from directory.memo import remembered
from directory.search import parallel_build
from directory.search.analyzer import (
    WORD_PATTERN,
    QueryWord,
    indonesian_analyzer,
    place_analyzer,
    stop_words,
    word_terms,
)
from directory.search.bulk_writer import open_build_writer
from directory.search.documents import ServiceRecord, from_card, to_card
from directory.search.ranking import Catalog, TextMatch
from directory.search.whoosh_pin import WhooshVersionError, check_whoosh, read_blocks

log = logging.getLogger(__name__)

# 2: the "words" stored field (the vocabulary kept exact by incremental updates).
# 3: the card holds the organization's terms and the service's minimum and maximum age
# (the ranking policy).
# 4: the card holds the sex the service is limited to (its eligibility terms).
SCHEMA_VERSION = 4

# The privacy allowlist: every field the index holds, and what goes in it. Nothing else
# is ever written (``tests/test_search_index.py`` checks the schema against this).
PUBLIC_FIELDS: dict[str, str] = {
    "id": "the service's id",
    "names": "service name and alternate name, organization name and alternate name",
    "terms": "names (Indonesian and English) of the service's taxonomy terms and of its "
    "organization's institution type",
    "description": "the service's public description",
    "places": "names of the regions of its locations (regency/city only for confidential "
    "locations) and of its service areas",
    "card": "ranking facts: organization id, status, accepting referrals, free, languages, "
    "taxonomy term ids, service area codes, location coordinates, region codes, "
    "confidential flags and opening hours, the organization's taxonomy term ids, the "
    "service's minimum and maximum age, the sex it is limited to (eligibility terms)",
    "words": "the distinct words of the names, term names and description as written "
    "(stored only: what an update takes out of the vocabulary)",
}
# Searched fields and their weight in the relevance score.
FIELD_BOOSTS = {"names": 3.0, "terms": 2.0, "description": 1.0, "places": 1.0}
STEMMED_FIELDS = ("names", "terms", "description")
BM25_K1 = 1.2
BM25_B = 0.75
# Cached postings, counted in entries (about 12 bytes each).
POSTINGS_CACHE_ENTRIES = 20_000_000
PREFIX_EXPANSIONS = 20
# BM25 arrays kept per snapshot, by (field, term).
SCORE_CACHE_TERMS = 5000
# Query words whose alternatives (completions, corrections) are kept per snapshot.
WORD_CACHE_ENTRIES = 20_000
WRITE_LOCK_TIMEOUT = 60.0
# Terms per field whose postings a new snapshot reads before it serves.
WARM_UP_TERMS = 300


class IndexUnavailable(Exception):
    """The index is missing, of an old schema, or unreadable: use the database."""


def build_schema() -> Schema:
    text = indonesian_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        names=TEXT(analyzer=text, phrase=False),
        terms=TEXT(analyzer=text, phrase=False),
        description=TEXT(analyzer=text, phrase=False),
        places=TEXT(analyzer=place_analyzer(), phrase=False),
        card=STORED(),
        words=STORED(),
    )


def document(record: ServiceRecord, words: Iterable[str] | None = None) -> dict[str, str]:
    """The index document of a record: allowlisted fields only. ``words``: its
    :func:`surface_words`, if already known."""
    values = text_document(record)
    values["words"] = " ".join(sorted(surface_words(record) if words is None else words))
    return values


def text_document(record: ServiceRecord) -> dict[str, str]:
    """The index document of a record without its ``words`` (:func:`document_words`
    gives them from the document itself)."""
    return {
        "id": record.id,
        "names": f"{record.name} {record.organization_name}",
        "terms": " ".join(record.term_names),
        "description": record.description,
        "places": " ".join(record.region_names),
        "card": to_card(record),
    }


def surface_words(record: ServiceRecord) -> set[str]:
    """The distinct words of a record as written, for the vocabulary."""
    return _surface(record.name, record.organization_name, record.description, *record.term_names)


def document_words(values: dict[str, str]) -> set[str]:
    """:func:`surface_words` of a :func:`text_document`'s record, from the document: its
    texts are the record's joined by spaces, which no word spans."""
    return _surface(values["names"], values["description"], values["terms"])


def _surface(*texts: str) -> set[str]:
    words = set(map(_surface_of_written.__getitem__, WORD_PATTERN.findall(" ".join(texts))))
    words.discard("")
    return words


class _SurfaceOfWritten(dict[str, str]):
    """A word as written -> its vocabulary form (lowercase), or "" if it has none;
    filled on first sight, emptied when full."""

    def __missing__(self, word: str) -> str:
        if len(self) >= 500_000:
            self.clear()
        lower = word.lower()
        kept = len(lower) >= 3 and lower.isascii() and lower.isalpha()
        surface = self[word] = lower if kept and lower not in stop_words() else ""
        return surface


_surface_of_written = _SurfaceOfWritten()


# The folder


class IndexFolder:
    """The index folder: which build is live, its cursor, and the writer's lock."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current(self) -> Path | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if name and path.is_dir() else None

    @staticmethod
    def read_meta(build: Path) -> dict[str, int]:
        try:
            meta = json.loads((build / "cursor.json").read_text())
        except (OSError, ValueError) as error:
            raise IndexUnavailable(f"no cursor in {build.name}") from error
        if meta.get("schema") != SCHEMA_VERSION:
            raise IndexUnavailable(f"{build.name} has schema {meta.get('schema')}")
        return meta

    def cursor(self) -> int | None:
        """The last change-log id applied to the live build, or None without one."""
        build = self.current()
        if build is None:
            return None
        try:
            return int(self.read_meta(build)["cursor"])
        except IndexUnavailable:
            return None

    @staticmethod
    def write_meta(build: Path, cursor: int) -> None:
        _write_atomically(
            build / "cursor.json", json.dumps({"cursor": cursor, "schema": SCHEMA_VERSION})
        )

    @staticmethod
    def write_manifest(build: Path) -> None:
        """Record each index file's size, time of change and SHA-256 (``files.json``).

        A reader keeps what it read in memory and may never read a file again, so a file
        damaged in place (a bad disk block, a stray write) would go unnoticed until the
        next process opens it: :meth:`damaged_files` compares against this record.
        Files already recorded with the same size and time keep their digest.
        """
        previous = _read_manifest(build)
        files = {}
        with os.scandir(build) as entries:
            for entry in entries:
                if not entry.is_file() or entry.name in UNCHECKED_FILES:
                    continue
                stat = entry.stat()
                known = previous.get(entry.name)
                if known and known[:2] == [stat.st_size, stat.st_mtime_ns]:
                    digest = known[2]
                else:
                    digest = _sha256(Path(entry.path))
                files[entry.name] = [stat.st_size, stat.st_mtime_ns, digest]
        _write_atomically(build / MANIFEST, json.dumps(files, sort_keys=True))

    @classmethod
    def damaged_files(cls, build: Path) -> list[str]:
        """The recorded files of ``build`` now missing or changed in content. Cheap when
        nothing changed (one ``stat`` a file); a file whose time changed is hashed again.
        The caller holds the writer lock."""
        manifest = _read_manifest(build)
        damaged = []
        touched = False
        for name, (size, mtime_ns, digest) in manifest.items():
            try:
                stat = (build / name).stat()
            except FileNotFoundError:
                damaged.append(name)
                continue
            if [stat.st_size, stat.st_mtime_ns] == [size, mtime_ns]:
                continue
            if stat.st_size != size or _sha256(build / name) != digest:
                damaged.append(name)
            else:
                touched = True
        if touched and not damaged:
            cls.write_manifest(build)
        return sorted(damaged)

    @contextmanager
    def writer_lock(self, *, blocking: bool = True) -> Iterator[bool]:
        """The single-writer lock across processes; yields False if not blocking and
        another process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".writer.lock", "a+") as handle:
            deadline = time.monotonic() + WRITE_LOCK_TIMEOUT
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not blocking:
                        yield False
                        return
                    if time.monotonic() > deadline:
                        raise TimeoutError("the search index writer lock is held") from None
                    time.sleep(0.1)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


# The record of the index's files, and the files it leaves out: our own small files,
# replaced atomically and checked when read, and Whoosh's lock files.
MANIFEST = "files.json"
UNCHECKED_FILES = frozenset({MANIFEST, "cursor.json", "words.txt", "MAIN_WRITELOCK"})


def _read_manifest(build: Path) -> dict[str, list]:
    try:
        return json.loads((build / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _read_vocabulary(build: Path) -> Counter[str]:
    words: Counter[str] = Counter()
    try:
        lines = (build / "words.txt").read_text().splitlines()
    except FileNotFoundError:
        return words
    for line in lines:
        word, _, count = line.partition("\t")
        if word:
            words[word] = int(count or 1)
    return words


def _write_vocabulary(build: Path, words: Counter[str]) -> None:
    _write_atomically(
        build / "words.txt", "".join(f"{word}\t{count}\n" for word, count in sorted(words.items()))
    )


# Writing: the caller holds the writer lock.


def build(
    folder: IndexFolder,
    records: Iterable[ServiceRecord],
    cursor: int,
    progress: Callable[[int], None] = lambda done: None,
    *,
    bulk: bool = True,
    parallel: bool = False,
) -> Path:
    """Index ``records`` into a new build, one segment, and make it the live one,
    atomically. ``bulk``: the bulk writer (else Whoosh's public one, slower).
    ``parallel``: the segment is written by a worker process
    (:mod:`directory.search.parallel_build`) while this one reads the records; else here."""
    check_whoosh()
    folder.root.mkdir(parents=True, exist_ok=True)
    path = folder.root / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**9:09d}"
    path.mkdir()

    def documents() -> Iterator[dict[str, str]]:
        count = 0
        for record in records:
            yield text_document(record)
            count += 1
            if count % 500 == 0:
                progress(500)
        progress(count % 500)

    try:
        words = None
        if parallel:
            try:
                words = parallel_build.write_segment_in_worker(path, documents(), bulk=bulk)
            except parallel_build.WorkerUnavailable as error:
                log.warning("%s: the index is built in this process", error)
        if words is None:
            words = write_segment(path, documents(), bulk=bulk)
        _write_vocabulary(path, words)
        folder.write_manifest(path)
        folder.write_meta(path, cursor)
        _write_atomically(folder.pointer, path.name)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    for old in folder.root.glob("build-*"):
        if old != path:
            shutil.rmtree(old, ignore_errors=True)
    return path


def write_segment(
    path: Path, documents: Iterable[dict[str, str]], *, bulk: bool = True
) -> Counter[str]:
    """Write a new Whoosh index of one segment in the empty folder ``path`` from
    :func:`text_document` values (their ``words`` added here); returns the vocabulary.
    What :func:`build` runs, here or in its worker process."""
    check_whoosh()
    ix = whoosh_index.create_in(str(path), build_schema())
    writer = open_build_writer(ix, bulk=bulk)
    words: Counter[str] = Counter()
    try:
        for values in documents:
            surface = document_words(values)
            values["words"] = " ".join(sorted(surface))
            writer.add(values)
            words.update(surface)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    ix.close()
    return words


def apply(
    folder: IndexFolder, upserts: Sequence[ServiceRecord], deletions: Sequence[str], cursor: int
) -> None:
    """Replace or add ``upserts``, remove ``deletions`` (ids), then store the cursor.

    Idempotent: applying the same change twice leaves the same index. The vocabulary
    stays what a rebuild would count: the words of the documents replaced or removed
    (their stored ``words``) are taken out, those of the new ones put in.
    """
    path = folder.current()
    if path is None:
        raise IndexUnavailable("no index to update")
    folder.read_meta(path)
    if upserts or deletions:
        check_whoosh()
        ix = whoosh_index.open_dir(str(path))
        words = _read_vocabulary(path)
        with ix.searcher() as searcher:
            for service_id in {*deletions, *(record.id for record in upserts)}:
                for docnum in searcher.document_numbers(id=service_id):
                    words.subtract(searcher.stored_fields(docnum).get("words", "").split())
        for record in upserts:
            words.update(surface_words(record))
        writer = ix.writer(timeout=WRITE_LOCK_TIMEOUT, delay=0.1)
        try:
            for service_id in deletions:
                writer.delete_by_term("id", service_id)
            for record in upserts:
                writer.update_document(**document(record))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        folder.write_manifest(path)
        _write_vocabulary(path, +words)  # drops the words no document holds any more
    folder.write_meta(path, cursor)


# Reading


@dataclass
class _Segment:
    """What a snapshot keeps of one Whoosh segment: its records and field lengths."""

    key: str
    records: list[ServiceRecord | None]
    lengths: np.ndarray


@dataclass
class Snapshot:
    """One consistent view of the index: Whoosh reader, catalog, vocabulary."""

    build: Path
    searcher: object
    segments: list[tuple[_Segment, int, object]]
    catalog: Catalog
    words: list[str]
    counts: dict[str, int]
    generation: tuple[str, int, int]
    lengths: np.ndarray
    postings: PostingsCache
    lock: threading.Lock = field(default_factory=threading.Lock)
    scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    word_options: dict[tuple[str, tuple[str, ...], bool], list[tuple[str, tuple[str, ...]]]] = (
        field(default_factory=dict)
    )
    live_count: int = 0
    average_length: float = 1.0

    def __post_init__(self) -> None:
        live = self.catalog.live
        self.live_count = int(live.sum())
        if self.live_count:
            self.average_length = max(float(self.lengths[live].mean()), 1.0)

    @property
    def size(self) -> int:
        return self.catalog.size

    def close(self) -> None:
        """Close the Whoosh files, once no search is reading them."""
        with self.lock:
            try:
                self.searcher.close()  # type: ignore[attr-defined]
            except Exception:  # a corrupt index may fail to close: nothing to keep
                log.debug("closing an old search snapshot failed", exc_info=True)

    def warm_up(self, done: set[str], terms: int = WARM_UP_TERMS) -> None:
        """Read the postings of each field's most frequent terms, before serving.

        The first search for a common word would otherwise pay for reading its long
        posting list. The postings cache keeps them for every later snapshot sharing
        the segment: segments whose keys are in ``done`` are skipped, and the others
        are added to it, so after a follower's update only the new segment is read.
        """
        with self.lock:
            for segment, _, reader in self.segments:
                if segment.key in done:
                    continue
                done.add(segment.key)
                for fieldname in (*STEMMED_FIELDS, "places"):
                    decode = reader.schema[fieldname].from_bytes  # type: ignore[attr-defined]
                    for _, term in reader.most_frequent_terms(fieldname, number=terms):  # type: ignore[attr-defined]
                        self.postings.get(segment.key, reader, fieldname, decode(term))

    # Text matching

    def _term_rows(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding ``term`` in ``fieldname`` and their term frequencies."""
        parts_rows = []
        parts_weights = []
        for segment, offset, reader in self.segments:
            rows, weights = self.postings.get(segment.key, reader, fieldname, term)
            if len(rows):
                parts_rows.append(rows + offset)
                parts_weights.append(weights)
        if not parts_rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        return np.concatenate(parts_rows), np.concatenate(parts_weights)

    def _field_score(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of ``term`` in ``fieldname`` for the live rows holding it (kept)."""
        key = (fieldname, term)
        found = self.scores.get(key)
        if found is None:
            found = self._compute_score(fieldname, term)
            if len(self.scores) >= SCORE_CACHE_TERMS:
                self.scores.clear()
            self.scores[key] = found
        return found

    def _compute_score(self, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        rows, tf = self._term_rows(fieldname, term)
        if not len(rows):
            return rows, tf.astype(np.float64)
        live = self.catalog.live[rows]
        rows, tf = rows[live], tf[live].astype(np.float64)
        documents = max(self.live_count, 1)
        idf = math.log(1 + (documents - len(rows) + 0.5) / (len(rows) + 0.5))
        if fieldname == "description":
            lengths = self.lengths[rows]
            norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / self.average_length)
        else:
            norm = BM25_K1
        scores = FIELD_BOOSTS[fieldname] * idf * tf * (BM25_K1 + 1) / (tf + norm)
        return rows, scores

    def _alternative(self, surface: str, terms: Sequence[str]) -> np.ndarray:
        """Scores (dense, 0 where absent) of the rows where all ``terms`` occur (any
        stemmed field), or ``surface`` is a place."""
        matched: np.ndarray | None = None
        for term in terms:
            term_match = np.zeros(self.size)
            for name in STEMMED_FIELDS:
                rows, scores = self._field_score(name, term)
                term_match[rows] += scores  # a term's rows are unique within a field
            matched = term_match if matched is None else _intersect(matched, term_match)
        if matched is None:
            matched = np.zeros(self.size)
        rows, scores = self._field_score("places", surface)
        matched[rows] += scores
        return matched

    def known(self, surface: str, terms: Sequence[str]) -> bool:
        """Whether the index holds the word (all its terms in some field, or as a place)."""
        if terms and all(
            any(self._term_count(name, term) for name in STEMMED_FIELDS) for term in terms
        ):
            return True
        return self._term_count("places", surface) > 0

    def _term_count(self, fieldname: str, term: str) -> int:
        return sum(
            len(self.postings.get(segment.key, reader, fieldname, term)[0])
            for segment, _, reader in self.segments
        )

    def alternatives(self, word: QueryWord) -> list[tuple[str, tuple[str, ...]]]:
        """What a query word may stand for: itself, its completions if it is the last
        word being typed, or its corrections if the index does not know it.

        Kept per snapshot (the answer depends only on the index), so a word typed again
        costs a dictionary look-up; a new snapshot starts with none.
        """
        key = (word.text, word.terms, word.partial)
        return remembered(
            self.word_options, key, lambda: self._alternatives(word), WORD_CACHE_ENTRIES
        )

    def _alternatives(self, word: QueryWord) -> list[tuple[str, tuple[str, ...]]]:
        found: list[tuple[str, tuple[str, ...]]] = []
        if self.known(word.text, word.terms):
            found.append((word.text, word.terms))
        if word.partial and len(word.text) >= 3:
            start = bisect_left(self.words, word.text)
            completions = []
            for candidate in self.words[start:]:
                if not candidate.startswith(word.text):
                    break
                completions.append(candidate)
            completions.sort(key=lambda candidate: -self.counts.get(candidate, 0))
            for candidate in completions[:PREFIX_EXPANSIONS]:
                found.append((candidate, word_terms(candidate)))
        if not found and len(word.text) >= 4 and word.text.isalpha():
            corrector = ListCorrector(self.words)
            maxdist = 1 if len(word.text) <= 6 else 2
            for candidate in corrector.suggest(word.text, limit=3, maxdist=maxdist, prefix=1):
                found.append((candidate, word_terms(candidate)))
        return found

    def match(self, words: Sequence[QueryWord]) -> TextMatch:
        """Rows matching every word (each by any of its alternatives), with BM25 scores.

        Scores are combined as dense arrays over all rows (0: no match; every BM25
        score is positive): at 100,000 services an element-wise maximum, sum or mask
        costs a fraction of a millisecond, where merging sorted row lists (``np.unique``,
        ``lexsort``) cost several milliseconds for each common word.
        """
        matched: np.ndarray | None = None
        used: list[str] = []
        with self.lock:
            for word in words:
                options = self.alternatives(word)
                if not options:
                    return TextMatch(np.empty(0, dtype=np.int64), np.empty(0), ())
                word_match = self._alternative(*options[0])
                for surface, terms in options[1:]:
                    np.maximum(word_match, self._alternative(surface, terms), out=word_match)
                used.extend(surface for surface, _ in options)
                matched = word_match if matched is None else _intersect(matched, word_match)
                if not matched.any():
                    break
        if matched is None:
            return TextMatch(np.empty(0, dtype=np.int64), np.empty(0), ())
        rows = np.flatnonzero(matched)
        return TextMatch(rows, matched[rows], tuple(dict.fromkeys(used)))


def _intersect(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Dense scores of the rows in both (summed), 0 elsewhere."""
    return np.where((left > 0) & (right > 0), left + right, 0.0)


class PostingsCache:
    """Postings of (segment, field, term) as numpy arrays, least recently used out.

    Segments never change once written (deletions are kept apart), so an entry stays
    valid for as long as its segment exists.
    """

    def __init__(self, capacity: int = POSTINGS_CACHE_ENTRIES) -> None:
        self.capacity = capacity
        self.size = 0
        self.entries: OrderedDict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def get(
        self, segment: str, reader: object, fieldname: str, term: str
    ) -> tuple[np.ndarray, np.ndarray]:
        key = (segment, fieldname, term)
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        found = read_postings(reader, fieldname, term)
        with self.lock:
            self.entries[key] = found
            self.size += len(found[0])
            while self.size > self.capacity and len(self.entries) > 1:
                _, (rows, _) = self.entries.popitem(last=False)
                self.size -= len(rows)
        return found


def read_postings(reader: object, fieldname: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and weights of a term in one segment reader."""
    if (fieldname, term) not in reader:  # type: ignore[operator]
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    matcher = reader.postings(fieldname, term)  # type: ignore[attr-defined]
    blocks = read_blocks(matcher)
    if blocks is not None:
        return blocks
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)


class Reader:
    """The process's view of the index: a snapshot, refreshed when a writer commits.

    Thread-safe. Raises :class:`IndexUnavailable` when there is no usable index.
    """

    def __init__(self, folder: IndexFolder) -> None:
        self.folder = folder
        self._snapshot: Snapshot | None = None
        self._segments: dict[str, _Segment] = {}
        self._postings = PostingsCache()
        self._warmed: set[str] = set()
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        with self._lock:
            try:
                generation = self._generation()
                if self._snapshot is None or self._snapshot.generation != generation:
                    old, self._snapshot = self._snapshot, None
                    if old is not None:
                        old.close()
                    self._snapshot = self._open(generation)
            except (IndexUnavailable, WhooshVersionError):
                self._snapshot = None
                raise
            except Exception as error:
                self._snapshot = None
                raise IndexUnavailable(f"unreadable index: {type(error).__name__}") from error
            return self._snapshot

    def invalidate(self) -> None:
        """Forget the snapshot (after a read failed): the next call reopens."""
        with self._lock:
            old, self._snapshot = self._snapshot, None
            if old is not None:
                old.close()

    def _generation(self) -> tuple[str, int, int]:
        """Changes whenever a writer finishes: the cursor file is replaced last."""
        build = self.folder.current()
        if build is None:
            raise IndexUnavailable("no search index")
        try:
            stat = (build / "cursor.json").stat()
        except FileNotFoundError:
            raise IndexUnavailable(f"no cursor in {build.name}") from None
        return build.name, stat.st_ino, stat.st_mtime_ns

    def _open(self, generation: tuple[str, int, int]) -> Snapshot:
        check_whoosh()
        build = self.folder.root / generation[0]
        self.folder.read_meta(build)
        searcher = _open_searcher(build)
        try:
            snapshot = self._snapshot_of(build, generation, searcher)
        except BaseException:
            searcher.close()  # type: ignore[attr-defined]
            raise
        self._warmed &= {segment.key for segment, _, _ in snapshot.segments}
        snapshot.warm_up(self._warmed)
        return snapshot

    def _snapshot_of(
        self, build: Path, generation: tuple[str, int, int], searcher: object
    ) -> Snapshot:
        segments: list[tuple[_Segment, int, object]] = []
        records: list[ServiceRecord | None] = []
        lengths: list[np.ndarray] = []
        keys = set()
        for reader, offset in searcher.reader().leaf_readers():  # type: ignore[attr-defined]
            key = f"{generation[0]}/{reader.segment().segment_id()}"
            keys.add(key)
            segment = self._segments.get(key) or _load_segment(key, reader)
            self._segments[key] = segment
            live = list(segment.records)
            if reader.has_deletions():
                # A frozenset, computed once per reader (a cached property of Whoosh's
                # SegmentReader: the per-document ``is_deleted`` costs a call a document).
                for docnum in reader.deleted_docs_set:
                    live[docnum] = None
            segments.append((segment, offset, reader))
            records.extend(live)
            lengths.append(segment.lengths)
        for key in set(self._segments) - keys:
            del self._segments[key]
        vocabulary = _read_vocabulary(build)
        return Snapshot(
            build=build,
            searcher=searcher,
            segments=segments,
            catalog=Catalog(records),
            words=sorted(vocabulary),
            counts=dict(vocabulary),
            generation=generation,
            lengths=np.concatenate(lengths) if lengths else np.empty(0),
            postings=self._postings,
        )


class _TrackingStorage(FileStorage):
    """A file storage that remembers the files it opens, so they can be closed."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.opened: list[object] = []

    def open_file(self, name: str, **kwargs: object) -> object:
        opened = super().open_file(name, **kwargs)
        self.opened.append(opened)
        return opened


def _open_searcher(build: Path) -> object:
    """A Whoosh searcher over ``build``.

    Whoosh leaves a segment's file open when it fails to read it (a corrupt compound
    file raises inside the reader's constructor); the file would then be closed only by
    the garbage collector, whenever the failure's traceback is freed. The files opened
    for a failed attempt are closed here instead.
    """
    storage = _TrackingStorage(str(build))
    try:
        searcher = storage.open_index().searcher()
    except BaseException:
        for opened in storage.opened:
            try:
                opened.close()  # type: ignore[attr-defined]
            except Exception:  # already broken: closing is all we want
                log.debug("closing a file of a corrupt index failed", exc_info=True)
        raise
    storage.opened.clear()
    return searcher


def _load_segment(key: str, reader: object) -> _Segment:
    count = reader.doc_count_all()  # type: ignore[attr-defined]
    records: list[ServiceRecord | None] = [None] * count
    lengths = np.zeros(count, dtype=np.float64)
    for docnum in range(count):
        stored = reader.stored_fields(docnum)  # type: ignore[attr-defined]
        records[docnum] = from_card(stored["card"])
        lengths[docnum] = reader.doc_field_length(docnum, "description") or 0  # type: ignore[attr-defined]
    return _Segment(key=key, records=records, lengths=lengths)
