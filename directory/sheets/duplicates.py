"""Finding the organizations a spreadsheet row may duplicate. Pure (rapidfuzz).

A row matches an organization with the same phone number or e-mail address, or with a
similar name (rapidfuzz ``token_sort_ratio`` of the normalized names at least
:data:`NAME_CUTOFF`) in the same regency/city. Rows earlier in the same sheet count too,
so a list that names an institution twice is caught. Nothing is merged or skipped here:
the admin chooses per row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

NAME_CUTOFF = 85.0
SAME_PHONE = "phone"
SAME_EMAIL = "email"
SIMILAR_NAME = "name"
# A row of this sheet, not an organization of the directory: "row:<number>".
ROW_PREFIX = "row:"

_WORDS = {"kab": "kabupaten", "kec": "kecamatan", "prov": "provinsi", "kodya": "kota"}


def normalize_name(name: str) -> str:
    words = re.sub(r"[^\w]+", " ", name.lower()).split()
    return " ".join(_WORDS.get(word, word) for word in words)


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    regencies: frozenset[str]
    phones: frozenset[str]
    emails: frozenset[str]


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    reasons: tuple[str, ...]
    score: float

    @property
    def in_sheet(self) -> bool:
        return self.id.startswith(ROW_PREFIX)


def regency_of(code: str | None) -> str | None:
    """``36.73.05`` -> ``36.73``; a province code has none."""
    if not code:
        return None
    parts = code.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


class Finder:
    """The directory's organizations (and the sheet's rows as they are read)."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: dict[str, Entry] = {}
        self.by_phone: dict[str, set[str]] = defaultdict(set)
        self.by_email: dict[str, set[str]] = defaultdict(set)
        self.by_regency: dict[str, dict[str, str]] = defaultdict(dict)
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry) -> None:
        self.entries[entry.id] = entry
        for phone in entry.phones:
            self.by_phone[phone].add(entry.id)
        for email in entry.emails:
            self.by_email[email].add(entry.id)
        for regency in entry.regencies:
            self.by_regency[regency][entry.id] = normalize_name(entry.name)

    def find(
        self,
        name: str,
        regencies: Iterable[str],
        phones: Iterable[str],
        emails: Iterable[str],
        limit: int = 3,
    ) -> list[Match]:
        reasons: dict[str, set[str]] = defaultdict(set)
        scores: dict[str, float] = {}
        for phone in phones:
            for found in self.by_phone.get(phone, ()):
                reasons[found].add(SAME_PHONE)
        for email in emails:
            for found in self.by_email.get(email, ()):
                reasons[found].add(SAME_EMAIL)
        wanted = normalize_name(name)
        if wanted:
            for regency in set(regencies):
                names = self.by_regency.get(regency)
                if not names:
                    continue
                for _, score, found in process.extract(
                    wanted,
                    names,
                    scorer=fuzz.token_sort_ratio,
                    score_cutoff=NAME_CUTOFF,
                    limit=limit,
                ):
                    reasons[found].add(SIMILAR_NAME)
                    scores[found] = max(scores.get(found, 0.0), float(score))
        matches = [
            Match(
                id=found,
                name=self.entries[found].name,
                reasons=tuple(sorted(why)),
                score=scores.get(found)
                or float(fuzz.token_sort_ratio(wanted, normalize_name(self.entries[found].name))),
            )
            for found, why in reasons.items()
        ]
        matches.sort(key=lambda m: (-len(m.reasons), -m.score, m.name))
        return matches[:limit]
