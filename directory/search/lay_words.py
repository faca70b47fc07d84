"""Lay words in the database: loaded from ``seed/lay_words.csv``, read into a
:class:`~directory.search.lexicon.Lexicon`.

The CSV has two columns, ``term_code`` and ``word``; loading it makes each listed term's
words exactly those of the file (idempotent; terms not in the file keep theirs). Only
taxonomy terms and these words are read: nothing about people.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from directory.institutions.models import TAXONOMY_DATA_STATUS, TaxonomyTerm, TaxonomyTermWord
from directory.search.lexicon import Lexicon, TermWords

MAX_WORD_LENGTH = 200


class LayWordsError(ValueError):
    """The file is not a table of ``term_code,word`` rows."""


def read_lay_words(path: Path) -> dict[str, list[str]]:
    """Term code -> its words, in file order, without duplicates.

    :raises LayWordsError: the header or a row is wrong.
    """
    found: dict[str, list[str]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["term_code", "word"]:
            raise LayWordsError(f"{path.name}: the header must be term_code,word")
        for number, row in enumerate(reader, start=2):
            code = (row.get("term_code") or "").strip()
            word = " ".join((row.get("word") or "").split())
            if not code or not word or len(word) > MAX_WORD_LENGTH:
                raise LayWordsError(f"{path.name}, line {number}: a term code and a word")
            if word not in found[code]:
                found[code].append(word)
    return dict(found)


def load_lay_words(session: Session, path: Path) -> tuple[int, list[str]]:
    """Store the file's words; returns (words added, codes of no known term). Flushes."""
    wanted = read_lay_words(path)
    terms = dict(
        session.execute(
            select(TaxonomyTerm.code, TaxonomyTerm.id).where(TaxonomyTerm.code.in_(list(wanted)))
        ).all()
    )
    unknown = sorted(code for code in wanted if code not in terms)
    added = 0
    for code, words in wanted.items():
        term_id = terms.get(code)
        if term_id is None:
            continue
        stored = set(
            session.scalars(
                select(TaxonomyTermWord.word).where(TaxonomyTermWord.taxonomy_term_id == term_id)
            )
        )
        gone = stored - set(words)
        if gone:
            session.execute(
                delete(TaxonomyTermWord).where(
                    TaxonomyTermWord.taxonomy_term_id == term_id,
                    TaxonomyTermWord.word.in_(sorted(gone)),
                )
            )
        for word in words:
            if word not in stored:
                session.add(TaxonomyTermWord(taxonomy_term_id=term_id, word=word))
                added += 1
    session.flush()
    return added, unknown


def read_lexicon(session: Session, previous: Lexicon | None = None) -> Lexicon:
    """Every active term (but the data-status ones) with its names, description and
    lay words; ``previous`` itself if it was read from the same rows."""
    words: dict[str, list[str]] = defaultdict(list)
    for term_id, word in session.execute(
        select(TaxonomyTermWord.taxonomy_term_id, TaxonomyTermWord.word).order_by(
            TaxonomyTermWord.id
        )
    ):
        words[str(term_id)].append(word)
    terms = session.execute(
        select(
            TaxonomyTerm.id,
            TaxonomyTerm.code,
            TaxonomyTerm.name,
            TaxonomyTerm.taxonomy_id,
            TaxonomyTerm.name_en,
            TaxonomyTerm.description,
        ).where(
            TaxonomyTerm.active.is_(True),
            or_(
                TaxonomyTerm.taxonomy_id.is_(None),
                TaxonomyTerm.taxonomy_id != TAXONOMY_DATA_STATUS,
            ),
        )
    )
    found = tuple(
        TermWords(
            id=str(term_id),
            code=code or "",
            name=name,
            taxonomy_id=str(taxonomy_id) if taxonomy_id else None,
            name_en=name_en,
            description=description or "",
            words=tuple(words.get(str(term_id), ())),
        )
        for term_id, code, name, taxonomy_id, name_en, description in terms
    )
    if previous is not None and tuple(previous.terms) == found:
        return previous
    return Lexicon(found)
