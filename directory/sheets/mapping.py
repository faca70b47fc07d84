"""Which column holds which field: suggested from the header names, Indonesian or English,
with rapidfuzz tolerating spelling ("Nama Lembaga", "nama", "No. HP", "Kab/Kota"). Pure.

A mapping is ``{header text: field}``; a column mapped to nothing is ignored. A mapping
is saved under :func:`header_key`, the set of the normalized header names, so the next
sheet with the same columns (in any order) gets it back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process

# Our fields, in the order the mapping form shows them.
FIELDS = (
    "name",
    "alternate_name",
    "institution_type",
    "description",
    "phone",
    "email",
    "website",
    "address",
    "village",
    "district",
    "regency",
    "province",
    "services",
    "latitude",
    "longitude",
)
REQUIRED = ("name",)

# What people write in a header for each field (normalized: see :func:`normalize_header`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "nama lembaga",
        "nama",
        "nama organisasi",
        "nama instansi",
        "nama lk3",
        "nama unit",
        "nama layanan lembaga",
        "lembaga",
        "organisasi",
        "instansi",
        "name",
        "organization",
        "organisation",
        "organization name",
        "institution",
    ),
    "alternate_name": ("nama lain", "singkatan", "nama singkat", "alias", "alternate name"),
    "institution_type": (
        "jenis lembaga",
        "jenis instansi",
        "tipe lembaga",
        "kategori",
        "jenis",
        "institution type",
        "type",
        "category",
    ),
    "description": ("keterangan", "ket", "deskripsi", "uraian", "catatan", "description", "notes"),
    "phone": (
        "telepon",
        "telpon",
        "telp",
        "no telp",
        "no telepon",
        "nomor telepon",
        "no hp",
        "nomor hp",
        "hp",
        "no wa",
        "whatsapp",
        "wa",
        "phone",
        "telephone",
        "mobile",
        "phone number",
    ),
    "email": ("email", "e mail", "surel", "alamat email", "mail"),
    "website": ("website", "situs", "situs web", "laman", "web", "url", "homepage"),
    "address": ("alamat", "alamat lengkap", "alamat kantor", "jalan", "address", "street"),
    "village": ("desa", "kelurahan", "desa kelurahan", "desa kel", "kel desa", "village"),
    "district": ("kecamatan", "kec", "district", "subdistrict", "sub district"),
    "regency": (
        "kab kota",
        "kabupaten kota",
        "kota kabupaten",
        "kabupaten",
        "kota",
        "kab",
        "regency",
        "city",
        "regency city",
    ),
    "province": ("provinsi", "propinsi", "prov", "province"),
    "services": (
        "layanan",
        "jenis layanan",
        "layanan yang diberikan",
        "program layanan",
        "services",
        "service",
    ),
    "latitude": ("lintang", "latitude", "lat"),
    "longitude": ("bujur", "longitude", "long", "lng", "lon"),
}
# A header must score this much (rapidfuzz WRatio, 0-100) to be suggested.
SUGGEST_CUTOFF = 85

_CHOICES = [(synonym, field) for field, words in SYNONYMS.items() for synonym in words]
_CHOICE_TEXTS = [synonym for synonym, _ in _CHOICES]


def normalize_header(text: str) -> str:
    """``No. HP`` -> ``no hp``; ``Kab/Kota`` -> ``kab kota``; ``E-mail`` -> ``e mail``."""
    text = re.sub(r"[^\w]+", " ", text.lower().replace("_", " "))
    return " ".join(text.split())


def field_of(header: str) -> tuple[str | None, float]:
    """The field a header most likely names, and how sure (0-100)."""
    normalized = normalize_header(header)
    if not normalized:
        return None, 0.0
    if len(normalized) <= 3:
        # "No", "Ket", "HP": short words only for an exact synonym.
        exact = [field for synonym, field in _CHOICES if synonym == normalized]
        return (exact[0], 100.0) if exact else (None, 0.0)
    best = process.extractOne(normalized, _CHOICE_TEXTS, scorer=fuzz.WRatio)
    if best is None:
        return None, 0.0
    _, score, index = best
    return _CHOICES[index][1], float(score)


def suggest(headers: Iterable[str]) -> dict[str, str]:
    """A field for each header that clearly names one; each field taken once, by the
    header that names it best (the first of equals)."""
    best: dict[str, tuple[float, int, str]] = {}
    for position, header in enumerate(headers):
        field, score = field_of(header)
        if field is None or score < SUGGEST_CUTOFF:
            continue
        held = best.get(field)
        if held is None or score > held[0]:
            best[field] = (score, position, header)
    return {header: field for field, (_, _, header) in best.items()}


def looks_like_header(cells: tuple[str, ...]) -> bool:
    """A row naming at least two fields (a title line names at most one)."""
    return len(suggest(cell for cell in cells if cell and len(cell) <= 60)) >= 2


def header_key(headers: Iterable[str]) -> str:
    """The key of a saved mapping: the set of the normalized, non-empty header names."""
    names = sorted({normalize_header(h) for h in headers} - {""})
    return hashlib.sha256(json.dumps(names).encode()).hexdigest()


def applied(saved: Mapping[str, str], headers: Iterable[str]) -> dict[str, str]:
    """A saved mapping (by normalized header) applied to this sheet's header texts."""
    return {
        header: saved[normalize_header(header)]
        for header in headers
        if saved.get(normalize_header(header)) in FIELDS
    }


def to_saved(mapping: Mapping[str, str]) -> dict[str, str]:
    return {normalize_header(header): field for header, field in mapping.items()}


def mapping_problems(mapping: Mapping[str, str], headers: Iterable[str]) -> list[str]:
    """Codes of what is wrong with a mapping: a required field unmapped, a field twice,
    an unknown field or header."""
    known = set(headers)
    problems = []
    fields = [field for field in mapping.values() if field]
    if any(field not in FIELDS for field in fields) or any(h not in known for h in mapping):
        problems.append("unknown")
    if len(set(fields)) != len(fields):
        problems.append("twice")
    for field in REQUIRED:
        if field not in fields:
            problems.append(f"missing_{field}")
    if not {"district", "regency", "province"} & set(fields) and not (
        {"latitude", "longitude"} <= set(fields)
    ):
        problems.append("missing_place")
    return problems
