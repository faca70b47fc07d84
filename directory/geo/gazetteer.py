"""The gazetteer: place names to coordinates, offline, over the region table. Pure.

Forgiving: ``Kab. Serang``, ``kabupaten serang``, ``KOTA SERANG``, ``serang`` and a typo
(``Kota Serag``) all find their place. A name that several places share (``Serang``: the
regency, the city and a district) is answered with the candidates, best first, and
:meth:`Gazetteer.resolve` reports it as ambiguous instead of guessing. ``Serang, Banten``
narrows by a parent. A Kemendagri code (``36.73``) is its own answer.

The region table has centroids, not boundaries: :meth:`Gazetteer.district_at` takes the
district whose centroid is nearest as the one holding a point.
"""

from __future__ import annotations

import difflib
import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from directory.memo import remembered

LEVEL_ORDER = {"provinsi": 0, "kota": 1, "kabupaten": 1, "kecamatan": 2}
# The likeliest meaning of an ambiguous name: the larger place over the smaller.
LEVEL_SIZE = {"provinsi": 0, "kabupaten": 1, "kota": 2, "kecamatan": 3}
# Words that name a level, as people write them.
LEVEL_WORDS = {
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kota": "kota",
    "kotamadya": "kota",
    "kecamatan": "kecamatan",
    "kec": "kecamatan",
    "distrik": "kecamatan",
    "provinsi": "provinsi",
    "propinsi": "provinsi",
    "prov": "provinsi",
}
ALIASES = {
    "dki": "daerah khusus ibukota",
    "diy": "daerah istimewa",
    "jogja": "yogyakarta",
    "jogjakarta": "yogyakarta",
    "jakarta": "daerah khusus ibukota jakarta",
    "jabar": "jawa barat",
    "jateng": "jawa tengah",
    "jatim": "jawa timur",
    "sumut": "sumatera utara",
    "sumbar": "sumatera barat",
    "sumsel": "sumatera selatan",
    "sulsel": "sulawesi selatan",
    "kalbar": "kalimantan barat",
    "kaltim": "kalimantan timur",
    "ntb": "nusa tenggara barat",
    "ntt": "nusa tenggara timur",
}
CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2})?)?$")
FUZZY_CUTOFF = 0.8
# How many place texts :meth:`Gazetteer.resolve` remembers.
RESOLVED_KEPT = 4096


@dataclass(frozen=True)
class RegionEntry:
    code: str
    name: str
    level: str
    parent_code: str | None
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Candidate:
    region: RegionEntry
    # Names of the parents, smallest first, for display ("Kota Serang, Banten").
    context: tuple[str, ...]
    score: float

    @property
    def label(self) -> str:
        return ", ".join((self.region.name, *self.context))


@dataclass(frozen=True)
class Resolution:
    """The answer to "where is this?": one place, several, or none."""

    place: RegionEntry | None
    candidates: tuple[Candidate, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.place is None and len(self.candidates) > 1


def normalize(text: str) -> str:
    text = re.sub(r"[^\w\s]", " ", text.lower())
    return " ".join(text.split())


def _split_level(words: list[str]) -> tuple[str | None, list[str]]:
    if words and words[0] in LEVEL_WORDS:
        return LEVEL_WORDS[words[0]], words[1:]
    return None, words


def _core(region: RegionEntry) -> str:
    """``Kota Administrasi Jakarta Selatan`` -> ``jakarta selatan``."""
    _, words = _split_level(normalize(region.name).split())
    if words[:1] == ["administrasi"]:
        words = words[1:]
    return " ".join(words)


def _expand(words: list[str]) -> str:
    """A nickname standing alone (``jogja``, ``jabar``) for its place's name."""
    if len(words) == 1:
        return ALIASES.get(words[0], words[0])
    return " ".join(words)


class Gazetteer:
    """Look-ups over a list of regions; build once per process."""

    def __init__(self, regions: Iterable[RegionEntry]) -> None:
        self.regions = {region.code: region for region in regions}
        self.by_core: dict[str, list[RegionEntry]] = defaultdict(list)
        for region in self.regions.values():
            self.by_core[_core(region)].append(region)
        self.cores = sorted(self.by_core)
        self.core_words = [(core, frozenset(core.split())) for core in self.cores]
        # Districts sorted by code, so the districts inside a region are one slice.
        districts = sorted(
            (r for r in self.regions.values() if r.level == "kecamatan"), key=lambda r: r.code
        )
        self._district_codes = [r.code for r in districts]
        self._district_lat = np.radians([r.latitude for r in districts])
        self._district_lon = np.radians([r.longitude for r in districts])
        # Answers of :meth:`resolve`: the regions never change in a Gazetteer's life, and
        # a search names the same few places again and again. Bounded, as the texts are
        # the users'.
        self._resolved: dict[str, Resolution] = {}

    def context(self, region: RegionEntry) -> tuple[str, ...]:
        names = []
        code = region.parent_code
        while code and code in self.regions:
            parent = self.regions[code]
            names.append(parent.name)
            code = parent.parent_code
        return tuple(names)

    def _descends(self, region: RegionEntry, ancestors: set[str]) -> bool:
        return any(region.code.startswith(f"{code}.") for code in ancestors)

    def search(self, text: str, limit: int = 10) -> list[Candidate]:
        """Places matching ``text``, best first."""
        text = text.strip()
        if CODE_PATTERN.match(text):
            region = self.regions.get(text)
            return [Candidate(region, self.context(region), 100.0)] if region else []
        head, _, rest = text.partition(",")
        ancestors: set[str] | None = None
        if rest.strip():
            ancestors = {c.region.code for c in self.search(rest, limit=20) if c.score >= 60}
        level, words = _split_level(normalize(head).split())
        if not words:
            return []
        query = _expand(words) if level is None else " ".join(words)
        scored: dict[str, float] = {}

        def consider(region: RegionEntry, score: float) -> None:
            if level and region.level != level:
                return
            if ancestors is not None and not self._descends(region, ancestors):
                return
            scored[region.code] = max(scored.get(region.code, 0.0), score)

        for region in self.by_core.get(query, []):
            consider(region, 100.0)
        if len(query) >= 2:
            start = bisect_left(self.cores, query)
            for core in self.cores[start:]:
                if not core.startswith(query):
                    break
                if core != query:
                    for region in self.by_core[core]:
                        consider(region, 80.0)
            query_words = set(query.split())
            for core, core_words in self.core_words:
                if core != query and query_words <= core_words and not core.startswith(query):
                    for region in self.by_core[core]:
                        consider(region, 60.0)
        if not scored and len(query) >= 4:
            for core in difflib.get_close_matches(query, self.cores, n=10, cutoff=FUZZY_CUTOFF):
                ratio = difflib.SequenceMatcher(None, query, core).ratio()
                for region in self.by_core[core]:
                    consider(region, 50.0 * ratio)
        ranked = sorted(
            scored.items(),
            key=lambda item: (
                -item[1],
                LEVEL_ORDER[self.regions[item[0]].level],
                self.regions[item[0]].name,
                item[0],
            ),
        )
        return [
            Candidate(self.regions[code], self.context(self.regions[code]), score)
            for code, score in ranked[:limit]
        ]

    def resolve(self, text: str) -> Resolution:
        """One place if ``text`` names exactly one (or one clearly best), else candidates."""
        return remembered(self._resolved, text, lambda: self._resolve(text), RESOLVED_KEPT)

    def _resolve(self, text: str) -> Resolution:
        candidates = tuple(self.search(text, limit=10))
        if not candidates:
            return Resolution(place=None)
        best = [c for c in candidates if c.score == candidates[0].score]
        if len(best) == 1 and (candidates[0].score >= 60 or len(candidates) == 1):
            return Resolution(place=candidates[0].region, candidates=candidates)
        return Resolution(place=None, candidates=candidates)

    def district_at(
        self, latitude: float, longitude: float, within: str | None = None
    ) -> str | None:
        """The code of the district whose centroid is nearest (inside ``within`` if given)."""
        if not self._district_codes:
            return None
        lat, lon = math.radians(latitude), math.radians(longitude)
        a = (
            np.sin((self._district_lat - lat) / 2) ** 2
            + math.cos(lat)
            * np.cos(self._district_lat)
            * np.sin((self._district_lon - lon) / 2) ** 2
        )
        if within:
            start, stop = self._districts_of(within)
            if start < stop:
                return self._district_codes[start + int(np.argmin(a[start:stop]))]
        return self._district_codes[int(np.argmin(a))]

    def _districts_of(self, code: str) -> tuple[int, int]:
        """The slice of the sorted district codes that lie in region ``code``."""
        start = bisect_left(self._district_codes, code)
        if start < len(self._district_codes) and self._district_codes[start] == code:
            return start, start + 1
        prefix = f"{code}."
        start = bisect_left(self._district_codes, prefix)
        # "." sorts before every digit, "/" just after "."; every code under the prefix
        # is below ``prefix`` with its final "." raised to "/".
        return start, bisect_right(self._district_codes, f"{code}/", lo=start)


def likeliest(candidates: tuple[Candidate, ...] | list[Candidate]) -> Candidate | None:
    """Of an ambiguous name's candidates, the one to search from while the others are
    offered: among the best scored, a regency or city over a district, the larger over
    the smaller (``Serang``: Kabupaten Serang, then Kota Serang, then the district)."""
    if not candidates:
        return None
    top = max(candidate.score for candidate in candidates)
    best = [candidate for candidate in candidates if candidate.score == top]
    return min(best, key=lambda c: (LEVEL_SIZE.get(c.region.level, 9), c.region.code))
