"""Placing a spreadsheet row in the gazetteer from its kecamatan, kabupaten/kota and
province names, as people write them. Pure (rapidfuzz over the region list).

Tolerated: the level word before or after the name or abbreviated (``Kab. Serang``,
``Serang Kab``, ``Kabupaten Serang``, ``Kodya Serang``), typos (``Kota Srang``), a city
written without ``Kota`` (``Cilegon``), ``Kec.`` before a district. A name that two
places share (``Serang``: the regency and the city) is settled by the district when only
one of them has it; otherwise the row gets the candidates and the admin chooses (a
choice made once applies to every row with the same place texts: :func:`place_key`).

The region table stops at districts (kecamatan): a village (desa/kelurahan) is kept in the
address text only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from directory.geo.gazetteer import ALIASES, RegionEntry, normalize

OK = "ok"
AMBIGUOUS = "ambiguous"
UNKNOWN = "unknown"

# Notes on a placement (explained in directory.sheets.messages).
CORRECTED = "corrected"  # a typo was corrected: say what was understood
DISTRICT_NOT_FOUND = "district_not_found"  # placed at the regency/city only
REGENCY_FROM_DISTRICT = "regency_from_district"  # regency unreadable; the district told
PROVINCE_MISMATCH = "province_mismatch"  # the province named does not hold the place

REGENCY_LEVELS = ("kabupaten", "kota")
LEVEL_WORDS = {
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kabupatan": "kabupaten",
    "kota": "kota",
    "kotamadya": "kota",
    "kodya": "kota",
    "kot": "kota",
}
DISTRICT_WORDS = frozenset({"kecamatan", "kec", "distrik"})
PROVINCE_WORDS = frozenset({"provinsi", "propinsi", "prov"})
# rapidfuzz ratio (0-100) a misspelt name must reach.
FUZZY_CUTOFF = 80.0
DISTRICT_ANYWHERE_CUTOFF = 88.0


@dataclass(frozen=True)
class Placement:
    status: str
    code: str | None = None
    label: str = ""
    # (code, label) to choose from when ambiguous.
    candidates: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default=())


def place_key(district: str, regency: str, province: str) -> str:
    """Rows with the same place texts share one placement, and one choice."""
    return " | ".join(normalize(text) for text in (district, regency, province))


def _strip_words(text: str, words: Iterable[str]) -> tuple[bool, str]:
    tokens = normalize(text).split()
    wanted = set(words)
    found = False
    while len(tokens) > 1 and tokens[0] in wanted:
        tokens, found = tokens[1:], True
    while len(tokens) > 1 and tokens[-1] in wanted:
        tokens, found = tokens[:-1], True
    return found, " ".join(tokens)


def split_regency(text: str) -> tuple[str | None, str]:
    """``Kab. Serang`` -> (``kabupaten``, ``serang``); ``Serang Kota`` -> (``kota``, ...)."""
    tokens = normalize(text).split()
    level = None
    if len(tokens) > 1 and tokens[0] in LEVEL_WORDS:
        level, tokens = LEVEL_WORDS[tokens[0]], tokens[1:]
    elif len(tokens) > 1 and tokens[-1] in LEVEL_WORDS:
        level, tokens = LEVEL_WORDS[tokens[-1]], tokens[:-1]
    if tokens[:1] == ["administrasi"] and len(tokens) > 1:
        tokens = tokens[1:]
    return level, " ".join(tokens)


def _core(region: RegionEntry) -> str:
    _, core = split_regency(region.name)
    return core


class Placer:
    """Built once per import over the region list; answers are remembered per text."""

    def __init__(self, regions: Iterable[RegionEntry]) -> None:
        self.regions = {region.code: region for region in regions}
        self.provinces = [r for r in self.regions.values() if r.level == "provinsi"]
        self.province_cores = [normalize(r.name) for r in self.provinces]
        self.regencies = sorted(
            (r for r in self.regions.values() if r.level in REGENCY_LEVELS), key=lambda r: r.code
        )
        self.regency_cores = [_core(r) for r in self.regencies]
        self.districts = sorted(
            (r for r in self.regions.values() if r.level == "kecamatan"), key=lambda r: r.code
        )
        self.district_cores = [normalize(r.name) for r in self.districts]
        self.districts_of: dict[str, list[int]] = defaultdict(list)
        for index, district in enumerate(self.districts):
            self.districts_of[district.parent_code or ""].append(index)
        self._answers: dict[str, Placement] = {}

    def label(self, code: str) -> str:
        names = []
        region: RegionEntry | None = self.regions.get(code)
        while region is not None:
            names.append(region.name)
            region = self.regions.get(region.parent_code or "")
        return ", ".join(names)

    def _result(self, code: str, notes: list[str]) -> Placement:
        return Placement(OK, code, self.label(code), notes=tuple(dict.fromkeys(notes)))

    def _choices(self, codes: Iterable[str]) -> tuple[tuple[str, str], ...]:
        return tuple((code, self.label(code)) for code in dict.fromkeys(codes))

    # Each level

    def provinces_for(self, text: str) -> list[str]:
        _, core = _strip_words(text, PROVINCE_WORDS)
        if not core:
            return []
        core = ALIASES.get(core, core)
        named = list(zip(self.provinces, self.province_cores, strict=True))
        exact = [p.code for p, name in named if name == core]
        if exact:
            return exact
        contained = [p.code for p, name in named if core in name]
        if len(contained) == 1:
            return contained
        found = process.extract(
            core, self.province_cores, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
        )
        return _best([(self.provinces[i].code, score) for _, score, i in found])

    def regencies_for(self, text: str, within: list[str]) -> tuple[list[str], bool]:
        """Regency/city codes the text may mean, and whether a typo was corrected."""
        level, core = split_regency(text)
        if not core:
            return [], False
        pool = [
            i
            for i, region in enumerate(self.regencies)
            if (not within or region.parent_code in within)
            and (level is None or region.level == level)
        ]
        exact = [self.regencies[i].code for i in pool if self.regency_cores[i] == core]
        if exact:
            return exact, False
        found = process.extract(
            core,
            {i: self.regency_cores[i] for i in pool},
            scorer=fuzz.ratio,
            score_cutoff=FUZZY_CUTOFF,
            limit=5,
        )
        best = _best([(self.regencies[i].code, score) for _, score, i in found])
        return best, bool(best)

    def districts_for(self, text: str, regency_codes: list[str] | None, cutoff: float) -> list[str]:
        _, core = _strip_words(text, DISTRICT_WORDS)
        if not core:
            return []
        pool: list[int] | range
        if regency_codes is None:
            pool = range(len(self.districts))
        else:
            pool = [i for code in regency_codes for i in self.districts_of.get(code, [])]
        exact = [self.districts[i].code for i in pool if self.district_cores[i] == core]
        if exact:
            return exact
        # "Cipocok" for "Cipocok Jaya": the first words of one name.
        starting = [
            self.districts[i].code for i in pool if self.district_cores[i].startswith(f"{core} ")
        ]
        if len(starting) == 1:
            return starting
        found = process.extract(
            core,
            {i: self.district_cores[i] for i in pool},
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            limit=5,
        )
        return _best([(self.districts[i].code, score) for _, score, i in found])

    # A row

    def place(self, district: str, regency: str, province: str) -> Placement:
        key = place_key(district, regency, province)
        found = self._answers.get(key)
        if found is None:
            found = self._place(district.strip(), regency.strip(), province.strip())
            self._answers[key] = found
        return found

    def _place(self, district: str, regency: str, province: str) -> Placement:
        notes: list[str] = []
        provinces = self.provinces_for(province) if province else []
        if province and not provinces:
            notes.append(PROVINCE_MISMATCH)
        regencies: list[str] = []
        if regency:
            regencies, corrected = self.regencies_for(regency, provinces)
            if not regencies and provinces:
                # The province may be the wrong one: look everywhere.
                regencies, corrected = self.regencies_for(regency, [])
                if regencies:
                    notes.append(PROVINCE_MISMATCH)
            if corrected:
                notes.append(CORRECTED)
        if regencies:
            if district:
                districts = self.districts_for(district, regencies, FUZZY_CUTOFF)
                if len(districts) == 1:
                    return self._result(districts[0], notes)
                if len(districts) > 1:
                    return Placement(AMBIGUOUS, candidates=self._choices(districts))
                notes.append(DISTRICT_NOT_FOUND)
            if len(regencies) == 1:
                return self._result(regencies[0], notes)
            return Placement(AMBIGUOUS, candidates=self._choices(regencies))
        if district:
            within = [r.code for r in self.regencies if not provinces or r.parent_code in provinces]
            districts = self.districts_for(district, within, DISTRICT_ANYWHERE_CUTOFF)
            if len(districts) == 1:
                if regency:
                    notes.append(REGENCY_FROM_DISTRICT)
                return self._result(districts[0], notes)
            if districts:
                return Placement(AMBIGUOUS, candidates=self._choices(districts[:10]))
        if provinces and not regency and not district and len(provinces) == 1:
            return self._result(provinces[0], notes)
        return Placement(UNKNOWN, notes=tuple(notes))


def _best(scored: list[tuple[str, float]]) -> list[str]:
    """The codes sharing the best score."""
    if not scored:
        return []
    top = max(score for _, score in scored)
    return [code for code, score in scored if score == top]
