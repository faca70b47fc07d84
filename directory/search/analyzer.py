"""Indonesian text analysis for the directory's search index. Pure: no Flask.

One pipeline serves indexing and querying, so a document and a query meet on the same
terms: words, lowercased, acronyms and everyday synonyms expanded to their full form,
Indonesian stop words dropped, then Sastrawi stems (``kekerasan`` and ``keras`` both
become ``keras``). Expanding at both ends makes ``KDRT`` in a description match a query
for ``kekerasan dalam rumah tangga`` and the other way round, with no synonym table in
the query parser.

Typo tolerance and as-you-type prefixes need the words as written, before stemming: the
index keeps them in a separate vocabulary field (:data:`surface_analyzer`), and
:func:`query_words` splits the query so the index can correct or expand each word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from Sastrawi.StopWordRemover.StopWordRemoverFactory import StopWordRemoverFactory
from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, Token, Tokenizer

# Acronyms and everyday words of the field, with the words they stand for. Expansion is
# recursive (P2TP2A -> UPTD PPA -> ...). Synonyms that are single words map onto one
# canonical word, so ``narkoba`` finds ``NAPZA`` and ``difabel`` finds ``disabilitas``.
EXPANSIONS: dict[str, str] = {
    # Problems and situations
    "kdrt": "kekerasan dalam rumah tangga",
    "abh": "anak berhadapan dengan hukum",
    "akh": "anak berkonflik dengan hukum",
    "odgj": "orang dengan gangguan jiwa",
    "odmk": "orang dengan masalah kejiwaan",
    "napza": "narkotika psikotropika zat adiktif",
    "narkoba": "napza",
    "tppo": "tindak pidana perdagangan orang",
    "pmks": "penyandang masalah kesejahteraan sosial",
    "anjal": "anak jalanan",
    "lansia": "lanjut usia",
    "difabel": "disabilitas",
    "kespro": "kesehatan reproduksi",
    "ortu": "orang tua",
    # Institutions
    "ppa": "perlindungan perempuan anak",
    "uptd": "unit pelaksana teknis daerah",
    "p2tp2a": "uptd ppa",
    "puspaga": "pusat pembelajaran keluarga",
    "ppt": "pusat pelayanan terpadu",
    "lk3": "lembaga konsultasi kesejahteraan keluarga",
    "lbh": "lembaga bantuan hukum",
    "posbakum": "pos bantuan hukum",
    "kua": "kantor urusan agama",
    "rs": "rumah sakit",
    "rsud": "rumah sakit umum daerah",
    "rsu": "rumah sakit umum",
    "rsj": "rumah sakit jiwa",
    "puskesmas": "pusat kesehatan masyarakat",
    "dinsos": "dinas sosial",
    "kemensos": "kementerian sosial",
    "bapas": "balai pemasyarakatan",
    "lpa": "lembaga perlindungan anak",
    "lpsk": "lembaga perlindungan saksi korban",
    "kpai": "komisi perlindungan anak indonesia",
    "lsm": "lembaga swadaya masyarakat",
    "orsos": "organisasi sosial",
    "peksos": "pekerja sosial",
    "tksk": "tenaga kesejahteraan sosial kecamatan",
    "bnn": "badan narkotika nasional",
    "ipwl": "institusi penerima wajib lapor",
    "polri": "polisi republik indonesia",
    "polda": "polisi daerah",
    "polres": "polisi resor",
    "polresta": "polisi resor kota",
    "polsek": "polisi sektor",
    "sapa": "sahabat perempuan anak",
    "kb": "keluarga berencana",
    # Words Sastrawi leaves apart
    "psikologi": "psikolog",
    "psikologis": "psikolog",
    "psikiatri": "psikiater",
    "konselor": "konseling",
    "advokat": "pengacara",
}

# Words Sastrawi lists as stop words that carry meaning in this directory.
KEPT_WORDS = frozenset({"orang"})

WORD_PATTERN = re.compile(r"\w+", re.UNICODE)
# Longest query accepted, in characters; a longer one is cut (after cleaning).
MAX_QUERY_LENGTH = 200
# Longest word kept: nothing in Indonesian is longer, and fuzzy matching cost grows with it.
MAX_WORD_LENGTH = 40


@cache
def _stemmer():
    return StemmerFactory().create_stemmer()


def stem_word(word: str) -> str:
    """Sastrawi's stem of one lowercase word; words with digits (``lk3``) or letters
    beyond a-z stay as they are (Sastrawi would drop those letters).

    A module-level function, so the analyzer pickled into the index reopens anywhere.
    """
    if not (word.isascii() and word.isalpha()):
        return word
    return _stemmer().stem(word) or word


@cache
def stop_words() -> frozenset[str]:
    """Sastrawi's Indonesian stop words, less the few that matter here."""
    return frozenset(StopWordRemoverFactory().get_stop_words()) - KEPT_WORDS


@cache
def expansion(word: str) -> tuple[str, ...]:
    """The words ``word`` stands for, expanded recursively; ``(word,)`` if none."""
    full = EXPANSIONS.get(word)
    if full is None:
        return (word,)
    words: list[str] = []
    for part in full.split():
        words.extend(expansion(part) if part != word else (part,))
    return tuple(words)


@lru_cache(maxsize=500_000)
def word_terms(word: str) -> tuple[str, ...]:
    """The index terms of one lowercase word: expanded, stop words out, stemmed."""
    if len(word) > MAX_WORD_LENGTH:
        return ()
    stops = stop_words()
    return tuple(stem_word(part) for part in expansion(word) if part not in stops)


class IndonesianTokenizer(Tokenizer):
    """Words -> lowercase -> acronyms expanded -> stop words dropped -> Sastrawi stems.

    One pass with the whole chain cached per distinct word: the same steps as
    ``RegexTokenizer | LowercaseFilter | StopFilter | StemFilter(stemfn=stem_word)``
    plus expansion, at about a third of the cost, which is most of the index build
    time (``make bench`` measures it). Stateless: the tables are read from this module,
    so an index built with an older table still opens (its pickled analyzer refers to
    this class by name).
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndonesianTokenizer)

    def __hash__(self) -> int:
        return hash(IndonesianTokenizer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for match in WORD_PATTERN.finditer(value):
            for term in word_terms(match.group().lower()):
                token.text = term
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = position
                    position += 1
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token


def indonesian_analyzer() -> Tokenizer:
    """The analyzer of every descriptive field (names, descriptions, term names)."""
    return IndonesianTokenizer()


def place_analyzer() -> Analyzer:
    """Place names as written, lowercase: no stemming (``Cipocok`` is not a word to
    stem) and no stop words."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def place_terms(value: str) -> list[str]:
    """The terms :func:`place_analyzer` gives, without Whoosh's token objects."""
    return [word.lower() for word in WORD_PATTERN.findall(value)]


@dataclass(frozen=True)
class QueryWord:
    """One word of a query as typed (lowercase) and the index terms it stands for."""

    text: str
    terms: tuple[str, ...]
    # The last word of a query typed without a trailing space: may be a prefix.
    partial: bool = False


class _TermsOfWritten(dict[str, tuple[str, ...]]):
    """A word as written -> its index terms, filled on first sight and emptied when
    full: indexing a directory looks up millions of words, few of them new."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) >= WRITTEN_WORDS_KEPT:
            self.clear()
        terms = self[word] = word_terms(word.lower())
        return terms


WRITTEN_WORDS_KEPT = 500_000
_terms_of_written = _TermsOfWritten()


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order."""
    return list(chain.from_iterable(map(_terms_of_written.__getitem__, WORD_PATTERN.findall(text))))


def clean_query(text: str) -> str:
    """Normalise a query: Unicode NFKC, control characters out, length capped.

    Query syntax (``AND``, quotes, ``*``, ``~``, parentheses) has no meaning here: the
    query is a list of words, never parsed as a query language.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return text[:MAX_QUERY_LENGTH]


def query_words(text: str) -> list[QueryWord]:
    """Split a query into words, each with its index terms; stop words are dropped.

    A word whose every term is a stop word (``dan``, ``di``) is dropped; a word standing
    for several terms (``kdrt``) keeps them all, to be matched together.
    """
    cleaned = clean_query(text)
    matches = list(WORD_PATTERN.finditer(cleaned))
    words: list[QueryWord] = []
    for index, match in enumerate(matches):
        surface = match.group().lower()
        if len(surface) > MAX_WORD_LENGTH:
            continue
        terms = tuple(dict.fromkeys(analyze(surface)))
        partial = index == len(matches) - 1 and match.end() == len(cleaned)
        if terms or (partial and surface not in stop_words()):
            words.append(QueryWord(surface, terms, partial))
    return words
