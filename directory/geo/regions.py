"""Loading the Kemendagri gazetteer from ``seed/regions.csv``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.geo.models import LEVELS, Region


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    latitude: float
    longitude: float


def read_regions(path: Path) -> Iterator[RegionRow]:
    """Rows of ``regions.csv`` (code,name,level,parent_code,latitude,longitude)."""
    with path.open(newline="", encoding="utf-8") as handle:
        for line_number, row in enumerate(csv.DictReader(handle), start=2):
            if row["level"] not in LEVELS:
                raise ValueError(f"{path}:{line_number}: unknown level {row['level']!r}")
            yield RegionRow(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent_code=row["parent_code"] or None,
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
            )


def load_regions(session: Session, path: Path) -> int:
    """Insert the regions not yet present (parents before children); returns how many."""
    known = set(session.scalars(select(Region.code)))
    added = 0
    for row in read_regions(path):  # the file lists parents before their children
        if row.code in known:
            continue
        session.add(Region(**row.__dict__))
        known.add(row.code)
        added += 1
    session.flush()
    return added
