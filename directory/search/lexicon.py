"""What a query is about: the taxonomy terms its words stand for. Pure: no Flask.

People do not type the directory's terms: they type ``suami saya memukul saya``,
``dicabuli``, ``bullying``, ``mau cerai gimana caranya``. A :class:`Lexicon` holds, for
each term, the phrases that stand for it: its names (Indonesian and English) and its lay
words (``seed/lay_words.csv``: colloquial, regional, slang, English, inflected). Each
phrase is analysed by the index's own Indonesian analyzer, so ``dipukuli``,
``memukul`` and ``pukul`` are one stem and the table needs no inflections.

:meth:`Lexicon.understand` finds the phrases whose every stem is in the query (in any
order, other words around), keeps the most specific (``anak dipukuli`` is about child
abuse, not only ``dipukul``) and gives the terms. A word the lexicon does not know is
matched to its nearest lexicon word when close enough (``pelecehn`` -> ``pelecehan``).
:meth:`Lexicon.resembling` suggests terms for a query nothing answered: fuzzy over the
names, lay words and descriptions.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from directory.search.analyzer import WORD_PATTERN, clean_query, expansion, stem_word

# A query word unknown to the lexicon is read as its nearest lexicon word at this
# similarity (difflib's ratio) or above, if it is at least this long.
CORRECTION_CUTOFF = 0.82
CORRECTION_MIN_LENGTH = 5
RESEMBLANCE_CUTOFF = 0.7
# Words that say nothing about a problem. Sastrawi's stop list is not used here: it
# holds words that do (``pukul``, ``kerja``, ``luar``, ``diri``, ``dini``, ``masalah``).
_STOPS = """saya aku gue gua gw ane kamu anda dia ia kami kita mereka beliau nya ku mu
    di ke dari dan atau serta yang ini itu tersebut untuk buat dengan pada dalam oleh
    sebagai tentang bagi akan sudah udah telah sedang lagi juga pun saja aja sangat
    banget sekali terus sama tiap setiap hari karena kalau kalo jika bila saat waktu
    mau ingin pengen pingin tolong bantu minta gimana bagaimana cara caranya apa
    apakah dimana mana kemana siapa kapan kenapa mengapa ada adalah ya yg dgn utk tdk
    tidak nggak gak ga enggak bisa dapat harus boleh perlu butuh tanya please how what
    where the a an of to in for my me i is and or with near"""
LEXICON_STOPS = frozenset(_STOPS.split())


@dataclass(frozen=True)
class TermWords:
    """One term and the text that stands for it."""

    id: str
    code: str
    name: str
    taxonomy_id: str | None = None
    name_en: str | None = None
    description: str = ""
    words: tuple[str, ...] = ()

    def phrases(self) -> tuple[str, ...]:
        return tuple(text for text in (self.name, self.name_en, *self.words) if text)


@dataclass(frozen=True)
class Understood:
    """A term a query stands for, and the query words that said so."""

    term_id: str
    code: str
    name: str
    taxonomy_id: str | None
    words: tuple[str, ...] = field(default=())


@lru_cache(maxsize=100_000)
def word_stems(word: str) -> tuple[str, ...]:
    """The stems of one lowercase word as the index's analyzer makes them (acronyms
    expanded, Sastrawi stems), less :data:`LEXICON_STOPS`."""
    if word in LEXICON_STOPS:
        return ()
    return tuple(stem_word(part) for part in expansion(word) if part not in LEXICON_STOPS)


def stems_of(text: str) -> list[str]:
    """The stems of a text, in order (see :func:`word_stems`)."""
    return [stem for word in WORD_PATTERN.findall(text) for stem in word_stems(word.lower())]


@dataclass(frozen=True)
class _Phrase:
    term: TermWords
    stems: frozenset[str]


class Lexicon:
    """Phrases -> terms, analysed once; look-ups by stem."""

    def __init__(self, terms: Iterable[TermWords]) -> None:
        self.terms = list(terms)
        self.by_id = {term.id: term for term in self.terms}
        self._by_stem: dict[str, list[_Phrase]] = defaultdict(list)
        surfaces: set[str] = set()
        for term in self.terms:
            for phrase in term.phrases():
                stems = frozenset(stems_of(phrase))
                if not stems:
                    continue
                entry = _Phrase(term, stems)
                for stem in stems:
                    self._by_stem[stem].append(entry)
                surfaces.update(word.lower() for word in WORD_PATTERN.findall(phrase))
        self.surfaces = sorted(
            word
            for word in surfaces
            if len(word) >= 3 and word.isalpha() and word not in LEXICON_STOPS
        )
        self._stems = frozenset(self._by_stem)
        # Candidates for correcting a word, by first letter and length: a typo seldom
        # changes the first letter, and difflib's cost grows with the candidates.
        initials: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self.surfaces:
            initials[word[0], len(word)].append(word)
        self._initials = {key: tuple(value) for key, value in initials.items()}
        self._words_to_terms: dict[str, list[str]] | None = None

    def __len__(self) -> int:
        return len(self.terms)

    def _stems_of(self, word: str) -> tuple[str, ...]:
        """The stems of one query word; an unknown word as its nearest lexicon word."""
        stems = word_stems(word)
        if not stems or all(stem in self._stems for stem in stems):
            return stems
        if len(word) >= CORRECTION_MIN_LENGTH and word.isalpha():
            candidates = tuple(
                candidate
                for size in range(len(word) - 2, len(word) + 3)
                for candidate in self._initials.get((word[0], size), ())
            )
            close = _close(word, candidates, CORRECTION_CUTOFF)
            if close:
                return word_stems(close[0])
        return stems

    def understand(self, text: str) -> list[Understood]:
        """The terms the query stands for, most specific first; [] if none."""
        words = [word.lower() for word in WORD_PATTERN.findall(clean_query(text))]
        stems_by_word = {word: self._stems_of(word) for word in words}
        present: set[str] = set()
        for stems in stems_by_word.values():
            present.update(stems)
        best: dict[str, frozenset[str]] = {}
        for stem in present:
            for phrase in self._by_stem.get(stem, ()):
                if phrase.stems <= present and len(phrase.stems) > len(
                    best.get(phrase.term.id, ())
                ):
                    best[phrase.term.id] = phrase.stems
        # A term read from a part of what another term was read from is dropped:
        # ``anak dipukuli`` is child abuse, not also domestic violence (``dipukul``).
        kept = [
            term_id
            for term_id, stems in best.items()
            if not any(other > stems for other_id, other in best.items() if other_id != term_id)
        ]
        kept.sort(key=lambda term_id: (-len(best[term_id]), self.by_id[term_id].name))
        found = []
        for term_id in kept:
            term = self.by_id[term_id]
            read_from = best[term_id]
            said = tuple(word for word in words if set(stems_by_word[word]) & read_from)
            found.append(Understood(term.id, term.code, term.name, term.taxonomy_id, said))
        return found

    def resembling(
        self, text: str, limit: int = 3, taxonomy_ids: Sequence[str] = ()
    ) -> list[TermWords]:
        """Terms whose names, lay words or description look like the query's words
        (typos included), best first: suggestions when nothing was found."""
        words = [
            word.lower()
            for word in WORD_PATTERN.findall(clean_query(text))
            if len(word) >= 3 and word.lower() not in LEXICON_STOPS
        ]
        scores: dict[str, float] = defaultdict(float)
        vocabulary = self._vocabulary()
        known = tuple(vocabulary)
        for word in words:
            best: dict[str, float] = {}
            for close in difflib.get_close_matches(word, known, n=10, cutoff=RESEMBLANCE_CUTOFF):
                ratio = difflib.SequenceMatcher(None, word, close).ratio()
                for term_id in vocabulary[close]:
                    term = self.by_id[term_id]
                    if taxonomy_ids and term.taxonomy_id not in taxonomy_ids:
                        continue
                    best[term_id] = max(best.get(term_id, 0.0), ratio)
            for term_id, ratio in best.items():
                scores[term_id] += ratio
        ranked = sorted(scores, key=lambda term_id: (-scores[term_id], self.by_id[term_id].name))
        return [self.by_id[term_id] for term_id in ranked[:limit]]

    def _vocabulary(self) -> dict[str, list[str]]:
        """Each word of the terms' names, lay words and descriptions -> the terms'
        ids; made on first use (only a search that found nothing needs it)."""
        if self._words_to_terms is None:
            found: dict[str, list[str]] = defaultdict(list)
            for term in self.terms:
                for word in sorted(_vocabulary(term)):
                    found[word].append(term.id)
            self._words_to_terms = dict(found)
        return self._words_to_terms


@lru_cache(maxsize=4096)
def _close(word: str, surfaces: tuple[str, ...], cutoff: float) -> list[str]:
    return difflib.get_close_matches(word, surfaces, n=1, cutoff=cutoff)


def _vocabulary(term: TermWords) -> frozenset[str]:
    text = " ".join((*term.phrases(), term.description))
    return frozenset(
        word.lower()
        for word in WORD_PATTERN.findall(text)
        if len(word) >= 3 and word.lower() not in LEXICON_STOPS
    )
