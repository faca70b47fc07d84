"""Relevance of search on the seed: success@5 and nDCG@10 over a judged query set.

``tests/relevance/queries.csv`` holds queries as people type them (typos, slang,
English, whole sentences), each with the codes of the taxonomy terms that answer it (a
problem, a service type or an institution type). The seed is loaded into a temporary
SQLite database and indexed; each query is searched as ``/cari`` and the API search it
(active services) from the reference point of each city of :data:`CITIES`, in each order
of :data:`SORTS`: nearest first (the API's default) and the counsellor's policy
(``/cari``'s, :mod:`directory.search.policy`). A service is relevant when one of its
terms, or its organization's institution type, is among the query's codes.

- success@5: the share of (query, city) pairs with a relevant service in the first 5;
- nDCG@10: binary gains, the ideal being as many relevant services as the directory
  holds, up to 10.

A pair for which no relevant active service serves the place (every one declares a
service area elsewhere: the seed has, say, no home for the elderly serving Kota Medan)
has nothing to find; it is counted apart and left out of both figures.

``tests/test_search_relevance.py`` runs the same evaluation in the suite, so the figure
cannot fall below :data:`TARGET_SUCCESS_AT_5` unnoticed.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from flask import current_app
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "tests" / "relevance" / "queries.csv"
CITIES = ("Kota Serang", "Kota Makassar", "Kota Medan", "Kabupaten Jayapura")
TARGET_SUCCESS_AT_5 = 0.95
# The API's default with an origin, and ``/cari``'s with a place (the counsellor's policy).
SORTS = ("distance", "policy")


@dataclass(frozen=True)
class Judgement:
    query: str
    codes: frozenset[str]


@dataclass
class Scores:
    pairs: int = 0
    successes: int = 0
    ndcg_sum: float = 0.0
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list)
    # (place, query) pairs no relevant service serves: left out of the figures.
    unanswerable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def success_at_5(self) -> float:
        return self.successes / self.pairs if self.pairs else 0.0

    @property
    def ndcg_at_10(self) -> float:
        return self.ndcg_sum / self.pairs if self.pairs else 0.0


def read_judgements(path: Path = JUDGEMENTS) -> list[Judgement]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            Judgement(row["query"], frozenset(row["terms"].split()))
            for row in csv.DictReader(handle)
        ]


def load_seed() -> None:
    """The seed's terms, directory and lay words into the app's database (regions must
    be there), and a fresh index. Needs an app context."""
    from directory.commands import LAY_WORDS_FILE, SEED_DIR, SEED_HSDS_FILES
    from directory.extensions import db
    from directory.hsds.commands import run_import
    from directory.search.lay_words import load_lay_words
    from directory.search.service import keep_current, state_of

    for name in SEED_HSDS_FILES:
        run_import(SEED_DIR / name, brief=True)
        db.session.commit()
    load_lay_words(db.session, SEED_DIR / LAY_WORDS_FILE)
    db.session.commit()
    state = state_of(current_app._get_current_object())  # type: ignore[attr-defined]
    state.needs_rebuild = True
    keep_current(state, blocking=True)


def service_codes() -> dict[str, frozenset[str]]:
    """Service id -> the codes of its terms and of its organization's terms."""
    from directory.extensions import db
    from directory.institutions.models import Attribute, Service, TaxonomyTerm

    codes: dict[str, set[str]] = defaultdict(set)
    rows = db.session.execute(
        select(Attribute.link_entity, Attribute.link_id, TaxonomyTerm.code).join(
            TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id
        )
    )
    by_organization: dict[str, set[str]] = defaultdict(set)
    for entity, link_id, code in rows:
        if entity == "service":
            codes[str(link_id)].add(code)
        elif entity == "organization":
            by_organization[str(link_id)].add(code)
    for service_id, organization_id in db.session.execute(
        select(Service.id, Service.organization_id)
    ):
        codes[str(service_id)] |= by_organization.get(str(organization_id), set())
    return {key: frozenset(value) for key, value in codes.items()}


def evaluate(
    judgements: Sequence[Judgement], cities: Sequence[str] = CITIES, sort: str = "distance"
) -> Scores:
    """Search every query from every city; needs an app context with the seed indexed.

    ``sort``: ``distance`` (the API's default with an origin) or ``policy`` (``/cari``
    with a place: the counsellor's ranking, :mod:`directory.search.policy`)."""
    from directory.search.ranking import Criteria
    from directory.search.service import Query, find_services, resolve_origin, state_of

    codes = service_codes()
    catalog = state_of(current_app._get_current_object()).reader.snapshot().catalog  # type: ignore[attr-defined]

    def relevant_rows(wanted: frozenset[str]) -> np.ndarray:
        return np.asarray(
            [row for row, found in enumerate(catalog.ids) if codes.get(found, set()) & wanted],
            dtype=np.int64,
        )

    relevant_count: dict[tuple[str, frozenset[str]], int] = {}
    scores = Scores()
    for city in cities:
        origin = resolve_origin(None, None, city)
        assert origin is not None
        available = catalog.filter_mask(Criteria(statuses=("active",))) & catalog.area_mask(origin)
        for judgement in judgements:
            answer = find_services(
                Query(
                    text=judgement.query,
                    criteria=Criteria(statuses=("active",)),
                    origin=origin,
                    sort=sort,
                    limit=10,
                )
            )
            gains = [
                1.0 if codes.get(item.id, frozenset()) & judgement.codes else 0.0
                for item in answer.page.items
            ]
            key = (city, judgement.codes)
            if key not in relevant_count:
                relevant_count[key] = int(
                    (available & catalog.mask_of(relevant_rows(judgement.codes))).sum()
                )
            if not relevant_count[key]:
                # No relevant service serves this place (service areas): nothing to find.
                scores.unanswerable.append((city, judgement.query))
                continue
            ideal = sum(1 / math.log2(rank + 2) for rank in range(min(10, relevant_count[key])))
            dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
            scores.pairs += 1
            scores.ndcg_sum += dcg / ideal if ideal else 0.0
            if any(gains[:5]):
                scores.successes += 1
            else:
                understood = [term.code for term in answer.understood]
                scores.failures.append((city, judgement.query, understood))
    return scores


def main() -> int:
    from directory import create_app
    from directory.commands import SEED_DIR
    from directory.extensions import db
    from directory.geo.regions import load_regions

    folder = Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    try:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": folder / "instance",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'directory.sqlite'}",
                "DEMO_MODE": True,
                "SEARCH_AUTO_FOLLOW": False,
            }
        )
        with app.app_context():
            db.create_all()
            load_regions(db.session, SEED_DIR / "regions.csv")
            db.session.commit()
            load_seed()
            judgements = read_judgements()
            results = {}
            for sort in SORTS:
                started = time.perf_counter()
                with app.test_request_context():
                    results[sort] = (evaluate(judgements, sort=sort), time.perf_counter() - started)
        print(f"\n== relevance: {len(judgements)} judged queries x {len(CITIES)} places ==")
        print(f"  places: {', '.join(CITIES)}")
        verdict = "PASS"
        for sort, (scores, elapsed) in results.items():
            print(
                f"  sort={sort:8}  success@5 {scores.success_at_5:.3f}  "
                f"nDCG@10 {scores.ndcg_at_10:.3f}"
            )
            print(
                f"    ({scores.pairs} searches scored in {elapsed:.1f} s; "
                f"{len(scores.unanswerable)} pairs left out: no relevant service serves the place)"
            )
            if os.environ.get("BENCH_VERBOSE") or scores.success_at_5 < TARGET_SUCCESS_AT_5:
                for city, query, understood in scores.failures:
                    print(f"    miss: {city}: {query!r} understood {understood}")
            if scores.success_at_5 < TARGET_SUCCESS_AT_5:
                verdict = "FAIL"
        print(f"  [{verdict}] success@5 >= {TARGET_SUCCESS_AT_5} for every sort")
        sys.stdout.flush()
        return 0 if verdict == "PASS" else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
