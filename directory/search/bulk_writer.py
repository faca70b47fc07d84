"""Writing a new index's one segment: the bulk writer (fast, fenced) or Whoosh's own.

:func:`open_build_writer` is what :func:`directory.search.index.build` uses. With
``bulk=True`` (the setting ``SEARCH_BULK_WRITER``, on by default) it is
:class:`BulkWriter`, which hands postings to Whoosh's codec a block at a time through
private internals of the pinned Whoosh-Reloaded (:mod:`directory.search.whoosh_pin`
checks the release at start-up). With ``bulk=False`` it is :class:`PublicWriter`,
Whoosh's public ``add_document`` path: slower, and independent of Whoosh's internals,
for the day the pin must move before the bulk writer is reviewed. Both write the same
index (``tests/test_search_build.py``).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import repeat
from struct import pack
from typing import Protocol

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Existence, Frequency

from directory.search.analyzer import IndonesianTokenizer, analyze, place_analyzer, place_terms
from directory.search.whoosh_pin import WhooshVersionError, check_whoosh


class BuildWriter(Protocol):
    """Adds documents to a new, empty index, then commits (or cancels) them."""

    def add(self, values: dict[str, str]) -> None: ...

    def commit(self) -> None: ...

    def cancel(self) -> None: ...


def open_build_writer(ix: object, *, bulk: bool = True) -> BuildWriter:
    """A writer for the first and only segment of the new index ``ix``."""
    if not bulk:
        return PublicWriter(ix.writer(limitmb=256))  # type: ignore[attr-defined]
    check_whoosh()
    writer = ix.writer(codec=build_codec())  # type: ignore[attr-defined]
    try:
        return BulkWriter(writer)
    except BaseException:
        writer.cancel()  # closes the segment's files and lock
        raise


class PublicWriter:
    """Whoosh's public writer: ``add_document`` per document, one commit."""

    def __init__(self, writer: object) -> None:
        self.writer = writer

    def add(self, values: dict[str, str]) -> None:
        self.writer.add_document(**values)  # type: ignore[attr-defined]

    def commit(self) -> None:
        self.writer.commit(merge=False)  # type: ignore[attr-defined]

    def cancel(self) -> None:
        if not self.writer.is_closed:  # type: ignore[attr-defined]
            self.writer.cancel()  # type: ignore[attr-defined]


def build_codec() -> W3Codec:
    """Whoosh's codec without per-block length statistics.

    Whoosh uses those (the shortest and longest field in each posting block) only to
    skip blocks in its own scored queries; ours score with numpy from the stored field
    lengths. Writing them reads every posting's field length back from disk, one Python
    call each: about a fifth of the build's CPU time.
    """
    codec = W3Codec()
    codec.length_stats = False
    return codec


# What the bulk writer uses of a ``SegmentWriter`` (set by its constructor, so not checked
# with the classes at start-up).
WRITER_ATTRIBUTES = ("docnum", "perdocwriter", "fieldwriter", "_added", "is_closed")


class BulkWriter:
    """Writes a new index's one segment through Whoosh's codec, faster than
    ``SegmentWriter.add_document``.

    Whoosh's own path costs most of a build: each document's terms travel as one token
    object, then one pool tuple, per occurrence; the pool is sorted (spilling runs to
    temporary files and merging them); and each posting is then handed to the postings
    writer by one more Python call. Here each field's terms are counted once per
    document (with the analyzer's per-word cache), postings are gathered per term in
    arrays, and each posting list is handed to Whoosh's postings writer a whole block
    at a time. What lands on disk is what ``add_document`` writes for this schema
    (``tests/test_search_build.py`` compares the two); the block layout is that of
    ``whoosh.codec.whoosh3`` at the version pinned in requirements.txt.
    """

    def __init__(self, writer: object) -> None:
        missing = [name for name in WRITER_ATTRIBUTES if not hasattr(writer, name)]
        if missing:
            raise WhooshVersionError(f"Whoosh's segment writer lacks {', '.join(missing)}")
        self.writer = writer
        self.schema = writer.schema  # type: ignore[attr-defined]
        self.fields = sorted(self.schema.names())
        for name in self.fields:
            fieldobj = self.schema[name]
            fmt = fieldobj.format if fieldobj.indexed else None
            if fieldobj.vector or fieldobj.column_type or fieldobj.separate_spelling():
                raise ValueError(f"field {name}: vectors, columns and spelling are not written")
            if fmt is not None and type(fmt) not in (Existence, Frequency):
                raise ValueError(f"field {name}: format {type(fmt).__name__} is not written")
        self.postings = {name: FieldPostings() for name in self.fields if self.schema[name].indexed}
        self.terms_of = {name: terms_function(self.schema[name]) for name in self.postings}

    def add(self, values: dict[str, str]) -> None:
        writer = self.writer
        docnum = writer.docnum  # type: ignore[attr-defined]
        perdoc = writer.perdocwriter  # type: ignore[attr-defined]
        perdoc.start_doc(docnum)
        for name in self.fields:
            value = values.get(name)
            if value is None:
                continue
            fieldobj = self.schema[name]
            length = 0
            if fieldobj.indexed:
                counts = Counter(self.terms_of[name](value))
                if fieldobj.scorable:
                    length = sum(counts.values())
                self.postings[name].add(docnum, counts)
            perdoc.add_field(name, fieldobj, value if fieldobj.stored else None, length)
        perdoc.finish_doc()
        writer.docnum += 1  # type: ignore[attr-defined]
        writer._added = True  # type: ignore[attr-defined]

    def commit(self) -> None:
        """Write the postings, then let Whoosh finish the segment (its own pool is
        empty) and write the table of contents."""
        fieldwriter = self.writer.fieldwriter  # type: ignore[attr-defined]
        for name, postings in self.postings.items():
            fieldobj = self.schema[name]
            fmt = fieldobj.format
            boost = float(fmt.field_boost)
            counted = isinstance(fmt, Frequency)
            fieldwriter.start_field(name, fieldobj)
            for term, documents, frequencies in postings.sorted():
                fieldwriter.start_term(fieldobj.to_bytes(term))
                postwriter = fieldwriter._postwriter
                if len(documents) == 1:  # an id, a rare word: the same, without numpy
                    frequency = int(frequencies[0])
                    weight = frequency * boost if counted else boost
                    postwriter._ids = array("I", [int(documents[0])])
                    postwriter._weights = array("f", [weight])
                    postwriter._values = [pack(">I", frequency)] if counted else []
                    postwriter._maxweight = weight
                    fieldwriter.finish_term()
                    continue
                limit = postwriter._blocklimit
                for start in range(0, len(documents), limit):
                    if len(postwriter._ids):
                        postwriter._write_block()
                    block = frequencies[start : start + limit]
                    postwriter._ids = array("I", documents[start : start + limit].tobytes())
                    weights = block * boost if counted else np.full(len(block), boost)
                    postwriter._weights = array("f", weights.astype(np.float32).tobytes())
                    # Frequency's value is the frequency as Whoosh's pack_uint (">I").
                    postwriter._values = [block.astype(">u4").tobytes()] if counted else []
                    postwriter._maxweight = float(weights.max())
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        self.postings.clear()
        self.writer.commit(merge=False)  # type: ignore[attr-defined]

    def cancel(self) -> None:
        if not self.writer.is_closed:  # type: ignore[attr-defined]
            self.writer.cancel()  # type: ignore[attr-defined]


class TermNumbers(dict[str, int]):
    """Term -> its number in the order first seen (a new term gets the next one)."""

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


class FieldPostings:
    """One field's postings, gathered flat: a document's distinct terms are appended
    with three C-level ``extend`` calls, sorted by term once at the end."""

    def __init__(self) -> None:
        self.numbers = TermNumbers()
        self.terms = array("I")
        self.documents = array("I")
        self.frequencies = array("I")

    def add(self, docnum: int, counts: Counter[str]) -> None:
        self.terms.extend(map(self.numbers.__getitem__, counts))
        self.frequencies.extend(counts.values())
        self.documents.extend(repeat(docnum, len(counts)))

    def sorted(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """(term, document numbers ascending, frequencies) in term order."""
        terms = np.frombuffer(self.terms, dtype=np.uint32)
        order = np.argsort(terms, kind="stable")  # documents stay ascending per term
        documents = np.frombuffer(self.documents, dtype=np.uint32)[order]
        frequencies = np.frombuffer(self.frequencies, dtype=np.uint32)[order]
        ends = np.cumsum(np.bincount(terms, minlength=len(self.numbers)))
        for term, number in sorted(self.numbers.items()):  # str order: UTF-8 byte order
            start = int(ends[number - 1]) if number else 0
            end = int(ends[number])
            yield term, documents[start:end], frequencies[start:end]


def field_terms(fieldobj: object, value: str) -> list[str]:
    """The terms of one field value, as the field's analyzer gives them."""
    return terms_function(fieldobj)(value)


def terms_function(fieldobj: object) -> Callable[[str], list[str]]:
    """The field's analyzer as a function from a value to its terms: the analyzers of
    this schema without Whoosh's token objects (the same terms), any other through them."""
    analyzer = fieldobj.analyzer  # type: ignore[attr-defined]
    if isinstance(analyzer, IndonesianTokenizer):
        return analyze
    if type(analyzer) is IDTokenizer:
        return lambda value: [value]
    if analyzer == place_analyzer():
        return place_terms
    return lambda value: [token.text for token in analyzer(value)]
